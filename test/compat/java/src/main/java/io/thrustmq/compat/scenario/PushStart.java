package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.util.HashSet;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.protocol.heartbeat.MessageModel;

/**
 * Starts a {@code DefaultMQPushConsumer} and keeps it under {@code name} for PushReceived and
 * PushStop. Args: name, group, topic, subExpression ("*"), model (CLUSTERING | BROADCASTING),
 * listener (concurrently | orderly), maxReconsumeTimes, reconsumeLaterKeys (messages with these
 * keys are answered RECONSUME_LATER every time), consumeMs (time the listener spends on each
 * message). Returns {name, clientId}.
 */
public final class PushStart implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    String name = args.getString("name");
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName(name + "-" + System.nanoTime());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.setMessageModel(MessageModel.valueOf(args.getString("model") == null
        ? "CLUSTERING" : args.getString("model")));
    consumer.setConsumeThreadMin(4);
    consumer.setConsumeThreadMax(4);
    // Committed offsets are what a member taking over a queue starts from: commit them often.
    consumer.setPersistConsumerOffsetInterval(1000);
    if (args.containsKey("maxReconsumeTimes"))
      consumer.setMaxReconsumeTimes(args.getIntValue("maxReconsumeTimes"));
    String subExpression = args.getString("subExpression");
    consumer.subscribe(args.getString("topic"), subExpression == null ? "*" : subExpression);
    PushMember member = new PushMember(name, consumer);
    Set<String> failKeys = new HashSet<>();
    if (args.getJSONArray("reconsumeLaterKeys") != null)
      failKeys.addAll(args.getJSONArray("reconsumeLaterKeys").toJavaList(String.class));
    long consumeMs = args.getLongValue("consumeMs");
    if ("orderly".equals(args.getString("listener"))) {
      consumer.registerMessageListener((MessageListenerOrderly) (messages, context) -> {
        for (MessageExt message : messages) {
          member.record(message);
          pause(consumeMs);
        }
        return ConsumeOrderlyStatus.SUCCESS;
      });
    } else {
      consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
        boolean later = false;
        for (MessageExt message : messages) {
          member.record(message);
          later |= message.getKeys() != null && failKeys.contains(message.getKeys());
          pause(consumeMs);
        }
        return later ? ConsumeConcurrentlyStatus.RECONSUME_LATER
            : ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
    }
    consumer.start();
    ctx.keep(name, member);
    return new JSONObject()
        .fluentPut("name", name)
        .fluentPut("clientId", consumer.getDefaultMQPushConsumerImpl().getmQClientFactory().getClientId());
  }

  private static void pause(long ms) {
    if (ms <= 0) return;
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
