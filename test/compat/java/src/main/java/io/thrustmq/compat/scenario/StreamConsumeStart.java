package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Starts a push consumer on topic and keeps it under {@code name}, counting deliveries per body
 * (see StreamStatus). Offsets are persisted every {@code persistMs} so a broker restart loses
 * little; a restarted broker knows the group again from its next heartbeat (every
 * {@code heartbeatMs}, the client's default 30 s if absent), refusing its pulls until then.
 * Args: name, topic, group, persistMs, heartbeatMs?.
 */
public final class StreamConsumeStart implements Scenario {
  /** A running consumer and what it got: body → deliveries. */
  public static final class Tracker implements AutoCloseable {
    final DefaultMQPushConsumer consumer;
    final ConcurrentMap<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();

    Tracker(DefaultMQPushConsumer consumer) {
      this.consumer = consumer;
    }

    @Override
    public void close() {
      consumer.shutdown();
    }
  }

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("stream-consumer-" + System.nanoTime());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.setPersistConsumerOffsetInterval(args.getIntValue("persistMs"));
    if (args.containsKey("heartbeatMs")) consumer.setHeartbeatBrokerInterval(args.getIntValue("heartbeatMs"));
    consumer.subscribe(args.getString("topic"), "*");
    Tracker tracker = new Tracker(consumer);
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      for (MessageExt message : messages) {
        String body = new String(message.getBody(), StandardCharsets.UTF_8);
        tracker.deliveries.computeIfAbsent(body, key -> new AtomicInteger()).incrementAndGet();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    consumer.start();
    ctx.keep(args.getString("name"), tracker);
    return new JSONObject().fluentPut("started", true);
  }
}
