package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * RocketMQ 4.6's request-reply: a push consumer answers each request with
 * {@code MessageUtil.createReplyMessage} sent by its own producer, and a requester calls
 * {@code producer.request(msg, timeout)} {@code count} times. A plain message sent first makes
 * the topic and lets the consumer settle (it cannot be answered: it names no requester). Args:
 * topic, group (the consumer's), producerGroup, count, requestTimeoutMs. Returns
 * {replies: [message...], replySendStatus: [...], unanswerable: n}.
 */
public final class RequestReply implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    String topic = args.getString("topic");
    String tag = "-" + System.nanoTime();
    DefaultMQProducer replier = new DefaultMQProducer(args.getString("group") + "-replier");
    replier.setNamesrvAddr(ctx.namesrvAddr());
    replier.setInstanceName("replier" + tag);
    DefaultMQProducer requester = new DefaultMQProducer(args.getString("producerGroup"));
    requester.setNamesrvAddr(ctx.namesrvAddr());
    requester.setInstanceName("requester" + tag);
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("group"));
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("responder" + tag);
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(topic, "*");
    JSONArray replySendStatus = new JSONArray();
    AtomicInteger unanswerable = new AtomicInteger();
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      for (MessageExt message : messages) {
        byte[] body = ("reply-" + new String(message.getBody(), StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
        try {
          Message reply = MessageUtil.createReplyMessage(message, body);
          synchronized (replySendStatus) {
            replySendStatus.add(replier.send(reply, 10_000).getSendStatus().name());
          }
        } catch (MQClientException e) {
          unanswerable.incrementAndGet();
        } catch (Exception e) {
          synchronized (replySendStatus) {
            replySendStatus.add("error: " + e);
          }
        }
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    replier.start();
    requester.start();
    try {
      requester.send(new Message(topic, "TagA", "warmup".getBytes(StandardCharsets.UTF_8)));
      consumer.start();
      JSONArray replies = new JSONArray();
      for (int i = 0; i < args.getIntValue("count"); i++) {
        Message request = new Message(topic, "TagA", "request-key-" + i,
            ("request-" + i).getBytes(StandardCharsets.UTF_8));
        Message reply = requester.request(request, args.getLongValue("requestTimeoutMs"));
        replies.add(reply instanceof MessageExt ? Json.message((MessageExt) reply)
            : new JSONObject()
                .fluentPut("topic", reply.getTopic())
                .fluentPut("body", new String(reply.getBody(), StandardCharsets.UTF_8))
                .fluentPut("properties", reply.getProperties()));
      }
      synchronized (replySendStatus) {
        return new JSONObject()
            .fluentPut("replies", replies)
            .fluentPut("replySendStatus", new JSONArray(replySendStatus))
            .fluentPut("unanswerable", unanswerable.get());
      }
    } finally {
      consumer.shutdown();
      requester.shutdown();
      replier.shutdown();
    }
  }
}
