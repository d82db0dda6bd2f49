package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullCallback;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * The broker benchmark's backlog consume on Apache's Java client: every queue of the topic is
 * read from offset 0 to its max offset with {@code depth} async pulls of {@code maxNums} in
 * flight per queue, the client decoding every message. Args: topic, group, depth, maxNums,
 * expected (messages the send phase stored), timeoutMs. Fails when fewer arrive in time.
 */
public final class BenchConsume implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQPullConsumer consumer = new DefaultMQPullConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("bench-consume-" + System.nanoTime());
    consumer.start();
    try {
      List<MessageQueue> queues = new ArrayList<>(consumer.fetchSubscribeMessageQueues(args.getString("topic")));
      long[] end = new long[queues.size()];
      long stored = 0;
      for (int i = 0; i < end.length; i++) {
        end[i] = consumer.maxOffset(queues.get(i));
        stored += end[i];
      }
      if (stored != args.getLongValue("expected"))
        throw new IllegalStateException("queues hold " + stored + " messages, want " + args.getLongValue("expected"));
      Drain drain = new Drain(consumer, queues, end, args.getIntValue("depth"), args.getIntValue("maxNums"));
      long started = System.nanoTime();
      drain.start();
      if (!drain.done.await(args.getLongValue("timeoutMs"), TimeUnit.MILLISECONDS))
        throw new IllegalStateException("consumed " + drain.messages + " of " + stored + " in time");
      if (drain.failure != null) throw new IllegalStateException("pull failed", drain.failure);
      double seconds = (System.nanoTime() - started) / 1e9;
      return new JSONObject()
          .fluentPut("messages", drain.messages)
          .fluentPut("pulls", drain.pulls)
          .fluentPut("seconds", seconds)
          .fluentPut("msgsPerSec", drain.messages / seconds);
    } finally {
      consumer.shutdown();
    }
  }

  /** Per-queue pipelined pulls; every field is guarded by the instance's lock. */
  private static final class Drain {
    final CountDownLatch done = new CountDownLatch(1);
    private final DefaultMQPullConsumer consumer;
    private final List<MessageQueue> queues;
    private final long[] end;
    private final long[] next;
    private final int[] inflight;
    private final int depth;
    private final int maxNums;
    long messages;
    long pulls;
    Throwable failure;

    Drain(DefaultMQPullConsumer consumer, List<MessageQueue> queues, long[] end, int depth, int maxNums) {
      this.consumer = consumer;
      this.queues = queues;
      this.end = end;
      this.next = new long[end.length];
      this.inflight = new int[end.length];
      this.depth = depth;
      this.maxNums = maxNums;
    }

    synchronized void start() {
      for (int q = 0; q < end.length; q++) refill(q);
      finishIfDone();
    }

    private void refill(int q) {
      while (failure == null && inflight[q] < depth && next[q] < end[q]) {
        long offset = next[q];
        int max = (int) Math.min(maxNums, end[q] - offset);
        next[q] = offset + max;
        pull(q, offset, max);
      }
    }

    private void pull(int q, long offset, int max) {
      inflight[q]++;
      pulls++;
      try {
        consumer.pull(queues.get(q), "*", offset, max, new PullCallback() {
          @Override
          public void onSuccess(PullResult result) {
            answered(q, offset, max, result);
          }

          @Override
          public void onException(Throwable e) {
            failed(q, e);
          }
        }, 30_000);
      } catch (Exception e) {
        inflight[q]--;
        failure = e;
      }
    }

    private synchronized void answered(int q, long offset, int max, PullResult result) {
      inflight[q]--;
      int n = result.getPullStatus() == PullStatus.FOUND ? result.getMsgFoundList().size() : 0;
      if (n == 0) {
        failure = new IllegalStateException("queue " + q + " at " + offset + ": " + result.getPullStatus());
      } else {
        messages += n;
        // Fewer than asked (the broker's byte limit): read the rest of that range.
        if (n < max) pull(q, offset + n, max - n);
        refill(q);
      }
      finishIfDone();
    }

    private synchronized void failed(int q, Throwable e) {
      inflight[q]--;
      failure = e;
      finishIfDone();
    }

    private void finishIfDone() {
      int open = 0;
      for (int count : inflight) open += count;
      if (open == 0) done.countDown();
    }
  }
}
