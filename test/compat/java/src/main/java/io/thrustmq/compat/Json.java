package io.thrustmq.compat;

import com.alibaba.fastjson.JSONObject;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.MessageExt;

/** The shapes scenarios report in, so every suite reads sends and receipts the same way. */
public final class Json {
  private Json() {}

  public static JSONObject sendResult(SendResult result) {
    return new JSONObject()
        .fluentPut("status", result.getSendStatus().name())
        .fluentPut("msgId", result.getMsgId())
        .fluentPut("offsetMsgId", result.getOffsetMsgId())
        .fluentPut("brokerName", result.getMessageQueue().getBrokerName())
        .fluentPut("queueId", result.getMessageQueue().getQueueId())
        .fluentPut("queueOffset", result.getQueueOffset())
        .fluentPut("regionId", result.getRegionId());
  }

  public static JSONObject message(MessageExt message) {
    return new JSONObject()
        .fluentPut("topic", message.getTopic())
        .fluentPut("msgId", message.getMsgId())
        .fluentPut("keys", message.getKeys())
        .fluentPut("tags", message.getTags())
        .fluentPut("body", new String(message.getBody(), StandardCharsets.UTF_8))
        .fluentPut("bodyLength", message.getBody().length)
        .fluentPut("queueId", message.getQueueId())
        .fluentPut("queueOffset", message.getQueueOffset())
        .fluentPut("reconsumeTimes", message.getReconsumeTimes())
        .fluentPut("bornTimestamp", message.getBornTimestamp())
        .fluentPut("storeTimestamp", message.getStoreTimestamp())
        .fluentPut("properties", message.getProperties());
  }

  /**
   * A received message with what the wire carried besides {@link #message}: its sysFlag (the
   * body's compression bit), body CRC, hosts and when this client got it (receivedAt, ms).
   */
  public static JSONObject received(MessageExt message, long receivedAt) {
    return message(message)
        .fluentPut("sysFlag", message.getSysFlag())
        .fluentPut("bodyCRC", message.getBodyCRC())
        .fluentPut("flag", message.getFlag())
        .fluentPut("commitLogOffset", message.getCommitLogOffset())
        .fluentPut("storeHost", String.valueOf(message.getStoreHost()))
        .fluentPut("bornHost", String.valueOf(message.getBornHost()))
        .fluentPut("receivedAt", receivedAt);
  }
}
