package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * {@code DefaultLitePullConsumer.subscribe(topic, "*")} and {@code poll()} until {@code expect}
 * distinct messages arrived (or {@code waitMs} passed), then {@code settleMs} more polling to
 * catch anything extra. Args: topic, group, expect, waitMs, settleMs. Returns {received: [...]}.
 */
public final class LitePullSubscribe implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("lite-subscribe-" + System.nanoTime());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(args.getString("topic"), "*");
    consumer.start();
    try {
      JSONArray received = new JSONArray();
      Set<String> distinct = new HashSet<>();
      int expect = args.getIntValue("expect");
      long deadline = System.currentTimeMillis() + args.getLongValue("waitMs");
      while (distinct.size() < expect && System.currentTimeMillis() < deadline) {
        for (MessageExt message : consumer.poll(500)) {
          received.add(Json.message(message));
          distinct.add(message.getMsgId());
        }
      }
      long settle = System.currentTimeMillis() + args.getLongValue("settleMs");
      while (System.currentTimeMillis() < settle) {
        List<MessageExt> more = consumer.poll(200);
        for (MessageExt message : more) received.add(Json.message(message));
      }
      return new JSONObject().fluentPut("received", received);
    } finally {
      consumer.shutdown();
    }
  }
}
