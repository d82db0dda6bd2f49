package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import org.apache.rocketmq.client.producer.DefaultMQProducer;

/**
 * {@code send(Collection<Message>)}: one request carrying every message (SEND_BATCH_MESSAGE).
 * Args as SendMessages (no delayLevel: batches refuse it). Returns {result: SendResult}; its
 * msgId is the messages' ids joined with commas, as the client reports a batch.
 */
public final class SendBatch implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = SendMessages.startProducer(args, ctx, "send-batch");
    try {
      return new JSONObject()
          .fluentPut("result", Json.sendResult(producer.send(SendMessages.messages(args))));
    } finally {
      producer.shutdown();
    }
  }
}
