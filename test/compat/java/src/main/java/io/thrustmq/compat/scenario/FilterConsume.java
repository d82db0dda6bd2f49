package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A {@code DefaultMQPushConsumer} in a new group subscribed with a filter, consuming the topic
 * from its first offset: {@code MessageSelector.bySql(expression)} (type "SQL92") or a tag
 * expression such as "TagA || TagB" (type "TAG"). Waits until args.count messages arrived or
 * args.timeoutMs passed, then args.settleMs more so that a message the filter should have kept
 * back has time to show up. Args: topic, group, type, expression, count, timeoutMs, settleMs.
 * Returns {messages: [Json.received...] in arrival order}.
 */
public final class FilterConsume implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("filter-consume-" + System.nanoTime());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    String topic = args.getString("topic");
    String expression = args.getString("expression");
    if ("SQL92".equals(args.getString("type"))) consumer.subscribe(topic, MessageSelector.bySql(expression));
    else consumer.subscribe(topic, expression);
    JSONArray messages = new JSONArray();
    consumer.registerMessageListener((MessageListenerConcurrently) (batch, context) -> {
      long now = System.currentTimeMillis();
      synchronized (messages) {
        for (MessageExt message : batch) messages.add(Json.received(message, now));
        messages.notifyAll();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    consumer.start();
    try {
      long deadline = System.currentTimeMillis() + args.getLongValue("timeoutMs");
      synchronized (messages) {
        while (messages.size() < args.getIntValue("count")) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) break;
          messages.wait(left);
        }
      }
      Thread.sleep(args.getLongValue("settleMs"));
      synchronized (messages) {
        return new JSONObject().fluentPut("messages", new JSONArray(messages));
      }
    } finally {
      consumer.shutdown();
    }
  }
}
