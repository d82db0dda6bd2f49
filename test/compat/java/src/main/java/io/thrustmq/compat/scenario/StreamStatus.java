package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a kept stream producer and consumer have done so far. Args: producer, consumer (the names
 * they were kept under). Returns {sent, failedAttempts, abandoned, producerDone,
 * deliveries: {body: times}}.
 */
public final class StreamStatus implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) {
    StreamProduceStart.Sender sender = ctx.kept(args.getString("producer"));
    StreamConsumeStart.Tracker tracker = ctx.kept(args.getString("consumer"));
    JSONObject deliveries = new JSONObject();
    for (java.util.Map.Entry<String, AtomicInteger> entry : tracker.deliveries.entrySet())
      deliveries.put(entry.getKey(), entry.getValue().get());
    return new JSONObject()
        .fluentPut("sent", sender.sent.get())
        .fluentPut("failedAttempts", sender.failedAttempts.get())
        .fluentPut("abandoned", sender.abandoned.get())
        .fluentPut("producerDone", sender.done)
        .fluentPut("deliveries", deliveries);
  }
}
