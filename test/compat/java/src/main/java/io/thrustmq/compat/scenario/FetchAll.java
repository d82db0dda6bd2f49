package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Reads a topic back from offset 0 of every queue (or just args.queueId) with
 * {@code DefaultMQPullConsumer.pull}, round after round, until args.count messages came or
 * args.timeoutMs passed; then, if args.settleMs, keeps pulling that long to catch any extra.
 * Args: topic, group, count, timeoutMs, settleMs?, queueId?, expression? ("*"). Returns
 * {messages: [Json.received...] in the order pulled, statuses: {PullStatus: count}}.
 */
@SuppressWarnings("deprecation")
public final class FetchAll implements Scenario {
  private static final int BATCH = 32;
  private static final long IDLE_MS = 100;

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQPullConsumer consumer = new DefaultMQPullConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("fetch-all-" + System.nanoTime());
    consumer.start();
    try {
      List<MessageQueue> queues = new ArrayList<>();
      for (MessageQueue queue : consumer.fetchSubscribeMessageQueues(args.getString("topic"))) {
        if (!args.containsKey("queueId") || queue.getQueueId() == args.getIntValue("queueId"))
          queues.add(queue);
      }
      queues.sort(null);
      Map<MessageQueue, Long> next = new HashMap<>();
      for (MessageQueue queue : queues) next.put(queue, 0L);
      JSONArray messages = new JSONArray();
      Map<String, Integer> statuses = new HashMap<>();
      String expression = args.containsKey("expression") ? args.getString("expression") : "*";
      int count = args.getIntValue("count");
      long deadline = System.currentTimeMillis() + args.getLongValue("timeoutMs");
      long settleUntil = Long.MAX_VALUE;
      while (System.currentTimeMillis() < Math.min(deadline, settleUntil)) {
        boolean found = false;
        for (MessageQueue queue : queues) {
          PullResult result = consumer.pull(queue, expression, next.get(queue), BATCH, 5_000);
          statuses.merge(result.getPullStatus().name(), 1, Integer::sum);
          if (result.getPullStatus() == PullStatus.FOUND) {
            long now = System.currentTimeMillis();
            for (MessageExt message : result.getMsgFoundList()) messages.add(Json.received(message, now));
            found = true;
          }
          next.put(queue, result.getNextBeginOffset());
        }
        if (messages.size() >= count && settleUntil == Long.MAX_VALUE)
          settleUntil = System.currentTimeMillis() + args.getLongValue("settleMs");
        if (!found) Thread.sleep(IDLE_MS);
      }
      return new JSONObject().fluentPut("messages", messages).fluentPut("statuses", statuses);
    } finally {
      consumer.shutdown();
    }
  }
}
