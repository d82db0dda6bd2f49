package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;

/**
 * {@code DefaultMQProducer.send(msg)} for messages the test spells out. Args: topic, group,
 * messages: [{tags?, keys?, body, properties?: {name: value}, delayLevel?}]. Returns
 * {sent: [SendResult...]} in the order given. The other Send scenarios build their messages and
 * producers here too, so every suite describes a message the same way.
 */
public final class SendMessages implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = startProducer(args, ctx, "send-messages");
    try {
      JSONArray sent = new JSONArray();
      for (Message message : messages(args)) sent.add(Json.sendResult(producer.send(message)));
      return new JSONObject().fluentPut("sent", sent);
    } finally {
      producer.shutdown();
    }
  }

  /** A started producer in args.group; its own instance name so scenarios never share one. */
  static DefaultMQProducer startProducer(JSONObject args, Context ctx, String name) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("group"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName(name + "-" + System.nanoTime());
    if (args.containsKey("retryTimesWhenSendFailed"))
      producer.setRetryTimesWhenSendFailed(args.getIntValue("retryTimesWhenSendFailed"));
    producer.start();
    return producer;
  }

  static List<Message> messages(JSONObject args) {
    String topic = args.getString("topic");
    List<Message> messages = new ArrayList<>();
    for (Object spec : args.getJSONArray("messages")) messages.add(message(topic, (JSONObject) spec));
    return messages;
  }

  static Message message(String topic, JSONObject spec) {
    Message message = new Message(topic, spec.getString("body").getBytes(StandardCharsets.UTF_8));
    if (spec.getString("tags") != null) message.setTags(spec.getString("tags"));
    if (spec.getString("keys") != null) message.setKeys(spec.getString("keys"));
    JSONObject properties = spec.getJSONObject("properties");
    if (properties != null) {
      for (Map.Entry<String, Object> property : properties.entrySet())
        message.putUserProperty(property.getKey(), String.valueOf(property.getValue()));
    }
    if (spec.containsKey("delayLevel")) message.setDelayTimeLevel(spec.getIntValue("delayLevel"));
    return message;
  }
}
