package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * The broker benchmark's send shape on Apache's Java producer, so a broker is not judged only
 * through ThrustMQ's own load client: {@code warmup} async sends, then {@code count} measured
 * async sends with at most {@code window} in flight (each one's ack latency recorded), then
 * {@code syncCount} one-at-a-time {@code send(msg)} calls for unqueued ack latencies.
 * Args: topic, group, queues (route size to wait for), warmup, count, window, bodyBytes,
 * syncCount. Any failed send fails the scenario: a figure from a partial run is no figure.
 */
public final class BenchSend implements Scenario {
  private static final long ROUTE_WAIT_MS = 30_000;
  private static final long PHASE_WAIT_MINUTES = 5;

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("group"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName("bench-send-" + System.nanoTime());
    // A loaded shared machine queues sends for longer than the 3 s default.
    producer.setSendMsgTimeout(30_000);
    producer.setRetryTimesWhenSendAsyncFailed(0);
    producer.setRetryTimesWhenSendFailed(0);
    producer.start();
    try {
      String topic = args.getString("topic");
      awaitRoute(producer, topic, args.getIntValue("queues"));
      byte[] body = new byte[args.getIntValue("bodyBytes")];
      Arrays.fill(body, (byte) 'a');
      int window = args.getIntValue("window");
      long[] perQueue = new long[args.getIntValue("queues")];
      sendWindowed(producer, topic, body, args.getIntValue("warmup"), window, perQueue, null);
      BenchLatencies async = new BenchLatencies(args.getIntValue("count"));
      long started = System.nanoTime();
      sendWindowed(producer, topic, body, args.getIntValue("count"), window, perQueue, async);
      double seconds = (System.nanoTime() - started) / 1e9;
      int syncCount = args.getIntValue("syncCount");
      BenchLatencies sync = new BenchLatencies(syncCount);
      for (int i = 0; i < syncCount; i++) {
        long sentAt = System.nanoTime();
        SendResult result = producer.send(new Message(topic, "A", "k", body));
        sync.record(i, System.nanoTime() - sentAt);
        check(result);
        perQueue[result.getMessageQueue().getQueueId()]++;
      }
      double[] a = async.percentilesMs();
      double[] s = sync.percentilesMs();
      return new JSONObject()
          .fluentPut("count", args.getIntValue("count"))
          .fluentPut("seconds", seconds)
          .fluentPut("msgsPerSec", args.getIntValue("count") / seconds)
          .fluentPut("ackP50Ms", a[0]).fluentPut("ackP90Ms", a[1]).fluentPut("ackP99Ms", a[2])
          .fluentPut("ackMaxMs", a[3])
          .fluentPut("syncCount", syncCount)
          .fluentPut("syncAckP50Ms", s[0]).fluentPut("syncAckP90Ms", s[1])
          .fluentPut("syncAckP99Ms", s[2]).fluentPut("syncAckMaxMs", s[3])
          .fluentPut("perQueue", JSONArray.parseArray(JSONArray.toJSONString(perQueue)));
    } finally {
      producer.shutdown();
    }
  }

  /** The benchmark creates its topic on the broker directly; the name server learns of it later. */
  private static void awaitRoute(DefaultMQProducer producer, String topic, int queues)
      throws Exception {
    long deadline = System.currentTimeMillis() + ROUTE_WAIT_MS;
    Exception last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        List<MessageQueue> found = producer.fetchPublishMessageQueues(topic);
        if (found.size() == queues) return;
        last = new IllegalStateException("route has " + found.size() + " queues, want " + queues);
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no route for " + topic + " within " + ROUTE_WAIT_MS + " ms", last);
  }

  private static void sendWindowed(DefaultMQProducer producer, String topic, byte[] body, int count,
      int window, long[] perQueue, BenchLatencies latencies) throws Exception {
    Semaphore slots = new Semaphore(window);
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLongArray queues = new AtomicLongArray(perQueue.length);
    for (int i = 0; i < count && failure.get() == null; i++) {
      if (!slots.tryAcquire(PHASE_WAIT_MINUTES, TimeUnit.MINUTES))
        throw new IllegalStateException("no ack freed a send slot within " + PHASE_WAIT_MINUTES + " min");
      int index = i;
      long sentAt = System.nanoTime();
      producer.send(new Message(topic, "A", "k", body), new SendCallback() {
        @Override
        public void onSuccess(SendResult result) {
          if (latencies != null) latencies.record(index, System.nanoTime() - sentAt);
          if (result.getSendStatus() != SendStatus.SEND_OK)
            failure.compareAndSet(null, new IllegalStateException("send " + result.getSendStatus()));
          queues.incrementAndGet(result.getMessageQueue().getQueueId());
          done.incrementAndGet();
          slots.release();
        }

        @Override
        public void onException(Throwable e) {
          failure.compareAndSet(null, e);
          done.incrementAndGet();
          slots.release();
        }
      });
    }
    if (!slots.tryAcquire(window, PHASE_WAIT_MINUTES, TimeUnit.MINUTES))
      throw new IllegalStateException("only " + done.get() + " of " + count + " sends answered");
    if (failure.get() != null) throw new IllegalStateException("async send failed", failure.get());
    for (int q = 0; q < perQueue.length; q++) perQueue[q] += queues.get(q);
  }

  private static void check(SendResult result) {
    if (result.getSendStatus() != SendStatus.SEND_OK)
      throw new IllegalStateException("send " + result.getSendStatus());
  }
}
