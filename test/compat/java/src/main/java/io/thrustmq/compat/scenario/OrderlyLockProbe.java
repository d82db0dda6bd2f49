package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.body.LockBatchRequestBody;
import org.apache.rocketmq.common.protocol.body.UnlockBatchRequestBody;

/**
 * Asks the broker for a group's queue locks as another client would (LOCK_BATCH_MQ, the
 * request an orderly consumer sends), then gives back whatever it got (UNLOCK_BATCH_MQ). Args:
 * brokerAddr, brokerName, group, topic, queueIds. Returns {locked: [queueId]}: the queues no
 * live member held.
 */
public final class OrderlyLockProbe implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer client = new DefaultMQProducer("orderly-lock-probe");
    client.setNamesrvAddr(ctx.namesrvAddr());
    client.setInstanceName("orderly-lock-probe-" + System.nanoTime());
    client.start();
    try {
      MQClientAPIImpl api =
          client.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl();
      String brokerAddr = args.getString("brokerAddr");
      Set<MessageQueue> wanted = new HashSet<>();
      for (Integer queueId : args.getJSONArray("queueIds").toJavaList(Integer.class))
        wanted.add(new MessageQueue(args.getString("topic"), args.getString("brokerName"), queueId));
      String clientId = "probe@" + System.nanoTime();
      LockBatchRequestBody lock = new LockBatchRequestBody();
      lock.setConsumerGroup(args.getString("group"));
      lock.setClientId(clientId);
      lock.setMqSet(wanted);
      Set<MessageQueue> locked = api.lockBatchMQ(brokerAddr, lock, 3000);
      Set<Integer> ids = new TreeSet<>();
      for (MessageQueue queue : locked) ids.add(queue.getQueueId());
      if (!locked.isEmpty()) {
        UnlockBatchRequestBody unlock = new UnlockBatchRequestBody();
        unlock.setConsumerGroup(args.getString("group"));
        unlock.setClientId(clientId);
        unlock.setMqSet(locked);
        api.unlockBatchMQ(brokerAddr, unlock, 3000, false);
      }
      return new JSONObject().fluentPut("locked", new JSONArray(new ArrayList<>(ids)));
    } finally {
      client.shutdown();
    }
  }
}
