package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Sends perKey messages for each of keys, round robin over the keys: message keys = the key,
 * body "key:seq" with seq counting from {@code from} per key, tags = tags ("TagA"). With
 * ordered, a {@code MessageQueueSelector} puts every message of a key on one queue (the key's
 * hash modulo the queue count), as RocketMQ's ordered-message example does; without it the
 * producer spreads them. pauseMs waits between sends. Returns {sent: [SendResult + key, seq]}.
 */
public final class ProduceKeyed implements Scenario {
  private static final long ROUTE_WAIT_MS = 30_000;
  private static final MessageQueueSelector BY_KEY = (List<MessageQueue> queues, Message message,
      Object key) -> queues.get(Math.floorMod(key.hashCode(), queues.size()));

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("group"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName("produce-keyed-" + System.nanoTime());
    // Brokers sharing two cores with other suites can take seconds to answer a send.
    producer.setSendMsgTimeout(15_000);
    producer.start();
    try {
      String topic = args.getString("topic");
      String tags = args.getString("tags") == null ? "TagA" : args.getString("tags");
      List<String> keys = args.getJSONArray("keys").toJavaList(String.class);
      boolean ordered = args.getBooleanValue("ordered");
      long pauseMs = args.getLongValue("pauseMs");
      int from = args.getIntValue("from");
      JSONArray sent = new JSONArray();
      for (int seq = from; seq < from + args.getIntValue("perKey"); seq++) {
        for (String key : keys) {
          Message message = new Message(topic, tags, key,
              (key + ":" + seq).getBytes(StandardCharsets.UTF_8));
          SendResult result = send(producer, message, ordered ? key : null, sent.isEmpty());
          sent.add(Json.sendResult(result).fluentPut("key", key).fluentPut("seq", seq));
          if (pauseMs > 0) Thread.sleep(pauseMs);
        }
      }
      return new JSONObject().fluentPut("sent", sent);
    } finally {
      producer.shutdown();
    }
  }

  /**
   * A broker that has just started may not be on the name server yet (Apache's registers after
   * it reports ready): the first send retries "No route info" for a while, later ones do not.
   */
  private static SendResult send(DefaultMQProducer producer, Message message, String key,
      boolean first) throws Exception {
    long deadline = System.currentTimeMillis() + (first ? ROUTE_WAIT_MS : 0);
    for (;;) {
      try {
        return key != null ? producer.send(message, BY_KEY, key) : producer.send(message);
      } catch (MQClientException e) {
        boolean noRoute = e.getMessage() != null && e.getMessage().contains("No route info");
        if (!noRoute || System.currentTimeMillis() >= deadline) throw e;
        Thread.sleep(500);
      }
    }
  }
}
