package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * A started push consumer kept across requests (PushStart, PushReceived, PushStop), with every
 * delivery its listener saw in the order it saw them. Deliveries of all members in the JVM share
 * one counter, so a test can order what two members received against each other.
 */
final class PushMember implements AutoCloseable {
  private static final AtomicLong DELIVERIES = new AtomicLong();

  final String name;
  final DefaultMQPushConsumer consumer;
  private final List<JSONObject> received = new ArrayList<>();

  PushMember(String name, DefaultMQPushConsumer consumer) {
    this.name = name;
    this.consumer = consumer;
  }

  void record(MessageExt message) {
    JSONObject seen = Json.message(message)
        .fluentPut("member", name)
        .fluentPut("delivery", DELIVERIES.incrementAndGet())
        .fluentPut("receivedAt", System.currentTimeMillis());
    synchronized (received) {
      received.add(seen);
    }
  }

  int count() {
    synchronized (received) {
      return received.size();
    }
  }

  JSONArray received() {
    synchronized (received) {
      return new JSONArray(new ArrayList<>(received));
    }
  }

  /** The queues of the subscribed topic this member holds now (not its retry topic's). */
  JSONArray queues(String topic) {
    Map<MessageQueue, ProcessQueue> table =
        consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable();
    Set<Integer> ids = new TreeSet<>();
    for (Map.Entry<MessageQueue, ProcessQueue> entry : table.entrySet()) {
      if (entry.getKey().getTopic().equals(topic) && !entry.getValue().isDropped())
        ids.add(entry.getKey().getQueueId());
    }
    return new JSONArray(new ArrayList<>(ids));
  }

  /** Queues this member holds the broker's lock for (orderly consumers only). */
  JSONArray locked(String topic) {
    Map<MessageQueue, ProcessQueue> table =
        consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable();
    Set<Integer> ids = new TreeSet<>();
    for (Map.Entry<MessageQueue, ProcessQueue> entry : table.entrySet()) {
      if (entry.getKey().getTopic().equals(topic) && !entry.getValue().isDropped()
          && entry.getValue().isLocked())
        ids.add(entry.getKey().getQueueId());
    }
    return new JSONArray(new ArrayList<>(ids));
  }

  @Override
  public void close() {
    consumer.shutdown();
  }
}
