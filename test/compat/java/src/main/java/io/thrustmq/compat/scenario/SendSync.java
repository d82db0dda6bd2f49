package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;

/**
 * {@code DefaultMQProducer.send(msg)}, one message at a time. Args: topic, group, count, tags,
 * prefix (keys are prefix-key-i, bodies prefix-body-i). Returns {sent: [SendResult...]}.
 */
public final class SendSync implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("group"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName("send-sync-" + System.nanoTime());
    producer.start();
    try {
      String topic = args.getString("topic");
      String prefix = args.getString("prefix");
      JSONArray sent = new JSONArray();
      for (int i = 0; i < args.getIntValue("count"); i++) {
        Message message = new Message(topic, args.getString("tags"), prefix + "-key-" + i,
            (prefix + "-body-" + i).getBytes(StandardCharsets.UTF_8));
        sent.add(Json.sendResult(producer.send(message)));
      }
      return new JSONObject().fluentPut("sent", sent);
    } finally {
      producer.shutdown();
    }
  }
}
