package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;

/**
 * What the push consumer kept under {@code name} has received so far. Args: name, topic (for
 * the queues it holds), atLeast (wait until this many deliveries, up to waitMs), persist (first
 * send the broker its consumed offsets now, as its timer does every persistConsumerOffsetInterval
 * but only from 10 s after start). Returns
 * {name, received: [message + member, delivery, receivedAt], queues: [queueId], locked: [queueId]}.
 */
public final class PushReceived implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    PushMember member = ctx.kept(args.getString("name"));
    int atLeast = args.getIntValue("atLeast");
    long deadline = System.currentTimeMillis() + args.getLongValue("waitMs");
    while (member.count() < atLeast && System.currentTimeMillis() < deadline) Thread.sleep(50);
    if (args.getBooleanValue("persist"))
      member.consumer.getDefaultMQPushConsumerImpl().persistConsumerOffset();
    String topic = args.getString("topic");
    return new JSONObject()
        .fluentPut("name", member.name)
        .fluentPut("received", member.received())
        .fluentPut("queues", topic == null ? null : member.queues(topic))
        .fluentPut("locked", topic == null ? null : member.locked(topic));
  }
}
