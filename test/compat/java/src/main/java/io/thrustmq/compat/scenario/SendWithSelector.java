package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * {@code send(msg, MessageQueueSelector, arg)} with the usual ordered-message selector: the
 * queue is the order id's hash modulo the queue count, so one order's messages share a queue.
 * Args as SendMessages, each message with an orderId. Returns {sent: [SendResult +
 * orderId + selected (the queue id the selector chose) + queueCount...]}.
 */
public final class SendWithSelector implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = SendMessages.startProducer(args, ctx, "send-selector");
    try {
      JSONArray sent = new JSONArray();
      for (Object item : args.getJSONArray("messages")) {
        JSONObject spec = (JSONObject) item;
        Message message = SendMessages.message(args.getString("topic"), spec);
        int[] chosen = new int[2];
        MessageQueueSelector selector = (queues, msg, orderId) -> {
          MessageQueue queue = queues.get(Math.floorMod(orderId.hashCode(), queues.size()));
          chosen[0] = queue.getQueueId();
          chosen[1] = queues.size();
          return queue;
        };
        JSONObject result = Json.sendResult(producer.send(message, selector, spec.getString("orderId")));
        sent.add(result.fluentPut("orderId", spec.getString("orderId"))
            .fluentPut("selected", chosen[0]).fluentPut("queueCount", chosen[1]));
      }
      return new JSONObject().fluentPut("sent", sent);
    } finally {
      producer.shutdown();
    }
  }
}
