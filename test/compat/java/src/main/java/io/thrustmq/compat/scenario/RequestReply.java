package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
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
 * the topic and lets the consumer settle (it names no requester, so it is not answered). Args:
 * topic, group (the consumer's), producerGroup, count, requestTimeoutMs. Returns
 * {replies: [message... or {error} for a request that failed, the last], replySendStatus: [...],
 * unanswerable: [{body, error, properties}...] (what createReplyMessage refused),
 * notRequests: [message...] (what named no requester)}.
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
    JSONArray unanswerable = new JSONArray();
    JSONArray notRequests = new JSONArray();
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      for (MessageExt message : messages) {
        byte[] body = ("reply-" + new String(message.getBody(), StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
        if (MessageUtil.getReplyToClient(message) == null) {
          synchronized (unanswerable) {
            notRequests.add(Json.message(message));
          }
          continue;
        }
        Message reply;
        try {
          reply = MessageUtil.createReplyMessage(message, body);
        } catch (MQClientException e) {
          synchronized (unanswerable) {
            unanswerable.add(new JSONObject()
                .fluentPut("body", new String(message.getBody(), StandardCharsets.UTF_8))
                .fluentPut("error", e.getErrorMessage())
                .fluentPut("properties", message.getProperties()));
          }
          continue;
        }
        String status;
        try {
          status = replier.send(reply, 10_000).getSendStatus().name();
        } catch (Exception e) {
          status = "error: " + e;
        }
        synchronized (replySendStatus) {
          replySendStatus.add(status);
        }
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    replier.start();
    requester.start();
    try {
      requester.send(new Message(topic, "TagA", "warmup".getBytes(StandardCharsets.UTF_8)));
      consumer.start();
      // What request() itself does for a topic it has no route for yet: tell the broker at once
      // which connection is this producer's, so a quick reply finds it.
      requester.getDefaultMQProducerImpl().getMqClientFactory().sendHeartbeatToAllBrokerWithLock();
      JSONArray replies = new JSONArray();
      for (int i = 0; i < args.getIntValue("count"); i++) {
        Message request = new Message(topic, "TagA", "request-key-" + i,
            ("request-" + i).getBytes(StandardCharsets.UTF_8));
        Message reply;
        try {
          reply = requester.request(request, args.getLongValue("requestTimeoutMs"));
        } catch (Exception e) {
          // Reported, not thrown, so the test sees what the replier got back meanwhile.
          replies.add(new JSONObject().fluentPut("error", e.toString()));
          break;
        }
        replies.add(reply instanceof MessageExt ? Json.message((MessageExt) reply)
            : new JSONObject()
                .fluentPut("topic", reply.getTopic())
                .fluentPut("body", new String(reply.getBody(), StandardCharsets.UTF_8))
                .fluentPut("properties", reply.getProperties()));
      }
      // The replier learns its send's result after the requester has the reply; wait for it.
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline) {
        synchronized (replySendStatus) {
          if (replySendStatus.size() >= replies.size()) break;
        }
        Thread.sleep(50);
      }
      synchronized (replySendStatus) {
        synchronized (unanswerable) {
          return new JSONObject()
              .fluentPut("replies", replies)
              .fluentPut("replySendStatus", new JSONArray(new java.util.ArrayList<>(replySendStatus)))
              .fluentPut("unanswerable", new JSONArray(new java.util.ArrayList<>(unanswerable)))
              .fluentPut("notRequests", new JSONArray(new java.util.ArrayList<>(notRequests)));
        }
      }
    } finally {
      consumer.shutdown();
      requester.shutdown();
      replier.shutdown();
    }
  }
}
