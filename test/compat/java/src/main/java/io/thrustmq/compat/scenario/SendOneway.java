package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;

/**
 * {@code sendOneway(msg)}: no answer comes back, so the test reads the topic to see them
 * stored. Args: topic, group, count, tags, prefix. Returns {count: how many were handed over}.
 */
public final class SendOneway implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = SendMessages.startProducer(args, ctx, "send-oneway");
    try {
      String prefix = args.getString("prefix");
      int count = args.getIntValue("count");
      for (int i = 0; i < count; i++) {
        producer.sendOneway(new Message(args.getString("topic"), args.getString("tags"),
            prefix + "-key-" + i, (prefix + "-body-" + i).getBytes(StandardCharsets.UTF_8)));
      }
      return new JSONObject().fluentPut("count", count);
    } finally {
      producer.shutdown();
    }
  }
}
