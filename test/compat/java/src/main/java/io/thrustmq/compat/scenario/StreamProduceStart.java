package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Starts a producer thread kept under {@code name}: it sends bodies prefix-0 .. prefix-(count-1),
 * one every {@code intervalMs}, and retries a failed send (the broker may be restarting) every
 * 500 ms until it is SEND_OK or {@code perMessageMs} passed. A retry resends the same Message, so
 * its client id stays. Args: name, topic, group, prefix, count, intervalMs, perMessageMs.
 */
public final class StreamProduceStart implements Scenario {
  /** The producer thread and its progress. */
  public static final class Sender implements AutoCloseable {
    final DefaultMQProducer producer;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger failedAttempts = new AtomicInteger();
    final AtomicInteger abandoned = new AtomicInteger();
    volatile boolean done;
    volatile boolean stopping;
    Thread thread;

    Sender(DefaultMQProducer producer) {
      this.producer = producer;
    }

    @Override
    public void close() throws InterruptedException {
      stopping = true;
      thread.join(10_000);
      producer.shutdown();
    }
  }

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("group"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName("stream-producer-" + System.nanoTime());
    producer.setSendMsgTimeout(3_000);
    producer.start();
    Sender sender = new Sender(producer);
    String topic = args.getString("topic");
    String prefix = args.getString("prefix");
    int count = args.getIntValue("count");
    long intervalMs = args.getLongValue("intervalMs");
    long perMessageMs = args.getLongValue("perMessageMs");
    sender.thread = new Thread(() -> {
      for (int i = 0; i < count && !sender.stopping; i++) {
        Message message = new Message(topic, "TagA", prefix + "-key-" + i,
            (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        if (send(sender, message, perMessageMs)) sender.sent.incrementAndGet();
        else sender.abandoned.incrementAndGet();
        sleep(intervalMs);
      }
      sender.done = true;
    }, "stream-producer");
    sender.thread.setDaemon(true);
    sender.thread.start();
    ctx.keep(args.getString("name"), sender);
    return new JSONObject().fluentPut("started", true);
  }

  private static boolean send(Sender sender, Message message, long perMessageMs) {
    long deadline = System.currentTimeMillis() + perMessageMs;
    while (!sender.stopping && System.currentTimeMillis() < deadline) {
      try {
        if (sender.producer.send(message).getSendStatus() == SendStatus.SEND_OK) return true;
      } catch (Exception e) {
        // The broker is away; try again until the deadline.
      }
      sender.failedAttempts.incrementAndGet();
      sleep(500);
    }
    return false;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
