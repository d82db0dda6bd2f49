package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Json;
import io.thrustmq.compat.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * {@code send(msg, SendCallback)}: every message handed to the client before any callback is
 * awaited, so they are all in flight together. Args: topic, group, count, tags, prefix, waitMs.
 * Returns {sent: [SendResult + key...], errors: [text...], missing: callbacks never called}.
 */
public final class SendAsync implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    DefaultMQProducer producer = SendMessages.startProducer(args, ctx, "send-async");
    try {
      int count = args.getIntValue("count");
      String prefix = args.getString("prefix");
      JSONArray sent = new JSONArray();
      JSONArray errors = new JSONArray();
      CountDownLatch done = new CountDownLatch(count);
      for (int i = 0; i < count; i++) {
        String key = prefix + "-key-" + i;
        Message message = new Message(args.getString("topic"), args.getString("tags"), key,
            (prefix + "-body-" + i).getBytes(StandardCharsets.UTF_8));
        producer.send(message, new SendCallback() {
          @Override
          public void onSuccess(SendResult result) {
            synchronized (sent) {
              sent.add(Json.sendResult(result).fluentPut("key", key));
            }
            done.countDown();
          }

          @Override
          public void onException(Throwable error) {
            synchronized (errors) {
              errors.add(key + ": " + error);
            }
            done.countDown();
          }
        });
      }
      done.await(args.getLongValue("waitMs"), TimeUnit.MILLISECONDS);
      synchronized (sent) {
        synchronized (errors) {
          return new JSONObject().fluentPut("sent", new JSONArray(sent))
              .fluentPut("errors", new JSONArray(errors)).fluentPut("missing", done.getCount());
        }
      }
    } finally {
      producer.shutdown();
    }
  }
}
