package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Keeps a producer and a push consumer running so mqadmin's producerConnection,
 * consumerConnection, consumerProgress and resetOffsetByTime have live clients to show.
 * Args: action ("start", "received" or "stop"), key (the name they are kept under), and for
 * start: topic, producerGroup, consumerGroup, count (messages sent, keys prefix-key-i, bodies
 * prefix-body-i), prefix, waitMs (how long to wait for the consumer to receive them all).
 * start returns {sent, received, producerClientId, consumerClientId}; received returns
 * {received} (every delivery so far, redeliveries included); stop returns {}.
 */
public final class AdminKeepClients implements Scenario {
  /** What the consumer got, in arrival order. */
  private static final class Received implements AutoCloseable {
    final List<MessageExt> messages = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void close() {}
  }

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    String key = args.getString("key");
    switch (args.getString("action")) {
      case "start":
        return start(args, ctx, key);
      case "received":
        return new JSONObject().fluentPut("received", bodies(ctx.<Received>kept(key + "/received")));
      case "stop":
        ctx.release(key + "/consumer");
        ctx.release(key + "/producer");
        ctx.release(key + "/received");
        return new JSONObject();
      default:
        throw new IllegalArgumentException("action must be start, received or stop");
    }
  }

  private static JSONObject start(JSONObject args, Context ctx, String key) throws Exception {
    String topic = args.getString("topic");
    String prefix = args.getString("prefix");
    int count = args.getIntValue("count");
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("producerGroup"));
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName(key + "-producer-" + System.nanoTime());
    producer.start();
    ctx.keep(key + "/producer", producer::shutdown);
    JSONArray sent = new JSONArray();
    for (int i = 0; i < count; i++) {
      Message message = new Message(topic, "TagA", prefix + "-key-" + i,
          (prefix + "-body-" + i).getBytes(StandardCharsets.UTF_8));
      sent.add(Json.sendResult(producer.send(message)));
    }
    // The producer's first heartbeat went out at start, before it knew a broker; the next is
    // 30 s away. Send it now so producerConnection finds the group.
    producer.getDefaultMQProducerImpl().getmQClientFactory().sendHeartbeatToAllBrokerWithLock();
    Received received = new Received();
    ctx.keep(key + "/received", received);
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("consumerGroup"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName(key + "-consumer-" + System.nanoTime());
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    // consumerProgress reads committed offsets: commit every second, not every five.
    consumer.setPersistConsumerOffsetInterval(1000);
    consumer.subscribe(topic, "*");
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      received.messages.addAll(messages);
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    consumer.start();
    ctx.keep(key + "/consumer", consumer::shutdown);
    long deadline = System.currentTimeMillis() + args.getLongValue("waitMs");
    while (received.messages.size() < count && System.currentTimeMillis() < deadline)
      Thread.sleep(100);
    // The client's first offset commit comes 10 s after it starts: commit now instead (the
    // listener's last batch updates the offsets just after it returns, hence the pause).
    Thread.sleep(300);
    consumer.getDefaultMQPushConsumerImpl().persistConsumerOffset();
    return new JSONObject()
        .fluentPut("sent", sent)
        .fluentPut("received", bodies(received))
        .fluentPut("producerClientId", producer.buildMQClientId())
        .fluentPut("consumerClientId", consumer.getDefaultMQPushConsumerImpl().getmQClientFactory().getClientId());
  }

  private static JSONArray bodies(Received received) {
    JSONArray out = new JSONArray();
    synchronized (received.messages) {
      for (MessageExt message : received.messages) out.add(Json.message(message));
    }
    return out;
  }
}
