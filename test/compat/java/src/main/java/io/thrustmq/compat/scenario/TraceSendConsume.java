package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.trace.TraceBean;
import org.apache.rocketmq.client.trace.TraceContext;
import org.apache.rocketmq.client.trace.TraceDataEncoder;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * Message trace: a producer and a push consumer built with enableMsgTrace=true send and consume
 * {@code count} messages; then the trace records are looked up as {@code mqadmin
 * queryMsgTraceById} does (QUERY_MESSAGE on RMQ_SYS_TRACE_TOPIC by key = msgId) until each
 * message has {@code wantTypes} of them, and read straight off the trace topic's queues. Args:
 * topic, group, producerGroup, count, waitMs. Returns {sent: [...], consumed: [msgId...],
 * byQuery: {msgId: [trace...]}, byTopic: {msgId: [trace...]}, traceTopicQueues: n}.
 */
public final class TraceSendConsume implements Scenario {
  private static final String TRACE_TOPIC = TopicValidator.RMQ_SYS_TRACE_TOPIC;

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    String topic = args.getString("topic");
    String tag = "-" + System.nanoTime();
    long waitMs = args.getLongValue("waitMs");
    DefaultMQProducer producer = new DefaultMQProducer(args.getString("producerGroup"), true);
    producer.setNamesrvAddr(ctx.namesrvAddr());
    producer.setInstanceName("trace-producer" + tag);
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.getString("group"), true);
    consumer.setNamesrvAddr(ctx.namesrvAddr());
    consumer.setInstanceName("trace-consumer" + tag);
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(topic, "*");
    Set<String> consumed = ConcurrentHashMap.newKeySet();
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      for (MessageExt message : messages) consumed.add(message.getMsgId());
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    DefaultMQAdminExt admin = new DefaultMQAdminExt();
    admin.setNamesrvAddr(ctx.namesrvAddr());
    admin.setInstanceName("trace-admin" + tag);
    producer.start();
    consumer.start();
    admin.start();
    try {
      JSONArray sent = new JSONArray();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < args.getIntValue("count"); i++) {
        Message message = new Message(topic, "TagA", "trace-key-" + i,
            ("trace-body-" + i).getBytes(StandardCharsets.UTF_8));
        SendResult result = producer.send(message);
        sent.add(Json.sendResult(result));
        ids.add(result.getMsgId());
      }
      long deadline = System.currentTimeMillis() + waitMs;
      while (!consumed.containsAll(ids) && System.currentTimeMillis() < deadline) Thread.sleep(100);
      Map<String, JSONArray> byQuery = new HashMap<>();
      for (String id : ids) byQuery.put(id, new JSONArray());
      while (System.currentTimeMillis() < deadline && !complete(byQuery)) {
        for (String id : ids) {
          if (byQuery.get(id).size() >= 3) continue;
          byQuery.put(id, query(admin, id));
        }
        if (!complete(byQuery)) Thread.sleep(300);
      }
      return new JSONObject()
          .fluentPut("sent", sent)
          .fluentPut("consumed", new JSONArray(new ArrayList<>(consumed)))
          .fluentPut("byQuery", byQuery)
          .fluentPut("byTopic", readTraceTopic(ctx, tag, new HashSet<>(ids)));
    } finally {
      consumer.shutdown();
      producer.shutdown();
      admin.shutdown();
    }
  }

  /** Pub, SubBefore and SubAfter for every message. */
  private static boolean complete(Map<String, JSONArray> traces) {
    for (JSONArray list : traces.values()) if (list.size() < 3) return false;
    return true;
  }

  private static JSONArray query(DefaultMQAdminExt admin, String msgId) throws Exception {
    JSONArray traces = new JSONArray();
    QueryResult result;
    try {
      result = admin.queryMessage(TRACE_TOPIC, msgId, 64, 0, System.currentTimeMillis());
    } catch (Exception e) {
      return traces;
    }
    for (MessageExt message : result.getMessageList()) traces.addAll(decode(message, msgId));
    return traces;
  }

  private static JSONArray decode(MessageExt message, String msgId) {
    JSONArray traces = new JSONArray();
    String body = new String(message.getBody(), StandardCharsets.UTF_8);
    for (TraceContext context : TraceDataEncoder.decoderFromTraceDataString(body)) {
      for (TraceBean bean : context.getTraceBeans()) {
        if (!msgId.equals(bean.getMsgId())) continue;
        traces.add(new JSONObject()
            .fluentPut("type", context.getTraceType().name())
            .fluentPut("groupName", context.getGroupName())
            .fluentPut("success", context.isSuccess())
            .fluentPut("topic", bean.getTopic())
            .fluentPut("msgId", bean.getMsgId())
            .fluentPut("tags", bean.getTags())
            .fluentPut("keys", bean.getKeys())
            .fluentPut("storeHost", bean.getStoreHost())
            .fluentPut("traceKeys", message.getKeys()));
      }
    }
    return traces;
  }

  /** Every trace record on the trace topic's queues that names one of {@code ids}. */
  private static JSONObject readTraceTopic(Context ctx, String tag, Set<String> ids)
      throws Exception {
    DefaultLitePullConsumer reader = new DefaultLitePullConsumer("trace-reader" + tag);
    reader.setNamesrvAddr(ctx.namesrvAddr());
    reader.setInstanceName("trace-reader" + tag);
    reader.setAutoCommit(false);
    reader.start();
    try {
      List<MessageQueue> queues = new ArrayList<>(reader.fetchMessageQueues(TRACE_TOPIC));
      reader.assign(queues);
      for (MessageQueue queue : queues) reader.seekToBegin(queue);
      JSONObject byTopic = new JSONObject();
      long deadline = System.currentTimeMillis() + 10_000;
      int empty = 0;
      while (empty < 3 && System.currentTimeMillis() < deadline) {
        List<MessageExt> batch = reader.poll(500);
        empty = batch.isEmpty() ? empty + 1 : 0;
        for (MessageExt message : batch) {
          for (String id : ids) {
            JSONArray traces = decode(message, id);
            if (traces.isEmpty()) continue;
            JSONArray list = byTopic.getJSONArray(id);
            if (list == null) byTopic.put(id, list = new JSONArray());
            list.addAll(traces);
          }
        }
      }
      return byTopic;
    } finally {
      reader.shutdown();
    }
  }
}
