package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * {@code send(msg, MessageQueue)}: every message to the queue the test chose. Args as
 * SendMessages plus brokerName and queueId. Returns {sent: [SendResult...]}.
 */
public final class SendToQueue implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = SendMessages.startProducer(args, ctx, "send-to-queue");
    try {
      MessageQueue queue = new MessageQueue(args.getString("topic"), args.getString("brokerName"),
          args.getIntValue("queueId"));
      JSONArray sent = new JSONArray();
      for (Message message : SendMessages.messages(args))
        sent.add(Json.sendResult(producer.send(message, queue)));
      return new JSONObject().fluentPut("sent", sent);
    } finally {
      producer.shutdown();
    }
  }
}
