package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * {@code DefaultLitePullConsumer.assign(every queue of topic)} with auto-commit off, optionally
 * {@code seek(mq, offset)} per queue ({@code seek}: {queueId: offset}), {@code poll()} until
 * {@code expect} distinct messages (or {@code waitMs}), {@code settleMs} more polling, then
 * {@code commitSync()}. Args: topic, group, seek?, expect, waitMs, settleMs. Returns
 * {committedBefore: {queueId: offset}, received: [...], committed: {queueId: offset}}, the
 * committed offsets as {@code committed(mq)} answers before polling and after the commit.
 */
public final class LitePullAssign implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("lite-assign-" + System.nanoTime());
    consumer.setAutoCommit(false);
    consumer.start();
    try {
      Collection<MessageQueue> queues = consumer.fetchMessageQueues(args.getString("topic"));
      List<MessageQueue> sorted = new ArrayList<>(queues);
      sorted.sort((a, b) -> Integer.compare(a.getQueueId(), b.getQueueId()));
      JSONObject committedBefore = committed(consumer, sorted);
      consumer.assign(sorted);
      JSONObject seek = args.getJSONObject("seek");
      if (seek != null) {
        for (MessageQueue queue : sorted) {
          Long offset = seek.getLong(String.valueOf(queue.getQueueId()));
          if (offset != null) consumer.seek(queue, offset);
        }
      }
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
        for (MessageExt message : consumer.poll(200)) received.add(Json.message(message));
      }
      consumer.commitSync();
      return new JSONObject()
          .fluentPut("committedBefore", committedBefore)
          .fluentPut("received", received)
          .fluentPut("committed", committed(consumer, sorted));
    } finally {
      consumer.shutdown();
    }
  }

  private static JSONObject committed(DefaultLitePullConsumer consumer, List<MessageQueue> queues)
      throws Exception {
    JSONObject offsets = new JSONObject(true);
    for (MessageQueue queue : queues)
      offsets.put(String.valueOf(queue.getQueueId()), consumer.committed(queue));
    return offsets;
  }
}
