package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Reads a topic from its first offset with a pull consumer, without committing anything: how a
 * test looks into %RETRY% and %DLQ% topics a push consumer wrote to. Args: topic, group,
 * atLeast (keep reading until this many messages, up to waitMs; the topic may not exist yet).
 * Returns {messages: [message], queues: [queueId]}.
 */
public final class PushReadTopic implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQPullConsumer reader = new DefaultMQPullConsumer(args.getString("group"));
    reader.setNamesrvAddr(ctx.namesrvAddr());
    reader.setInstanceName("push-read-topic-" + System.nanoTime());
    reader.start();
    try {
      String topic = args.getString("topic");
      int atLeast = args.getIntValue("atLeast");
      long deadline = System.currentTimeMillis() + args.getLongValue("waitMs");
      JSONArray messages = new JSONArray();
      JSONArray queueIds = new JSONArray();
      do {
        messages.clear();
        queueIds.clear();
        Set<MessageQueue> queues;
        try {
          queues = reader.fetchSubscribeMessageQueues(topic);
        } catch (Exception noRouteYet) {
          Thread.sleep(200);
          continue;
        }
        for (MessageQueue queue : queues) {
          queueIds.add(queue.getQueueId());
          readQueue(reader, queue, messages);
        }
        if (messages.size() >= atLeast) break;
        Thread.sleep(200);
      } while (System.currentTimeMillis() < deadline);
      return new JSONObject().fluentPut("messages", messages).fluentPut("queues", queueIds);
    } finally {
      reader.shutdown();
    }
  }

  private static void readQueue(DefaultMQPullConsumer reader, MessageQueue queue, JSONArray out)
      throws Exception {
    long offset = 0;
    for (int round = 0; round < 100; round++) {
      PullResult result = reader.pull(queue, "*", offset, 32, 3000);
      if (result.getPullStatus() != PullStatus.FOUND) return;
      for (MessageExt message : result.getMsgFoundList()) out.add(Json.message(message));
      offset = result.getNextBeginOffset();
    }
  }
}
