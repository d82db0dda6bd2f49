package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;

/** Shuts down the clients kept under the names in {@code names}. */
public final class StreamStop implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) {
    for (Object name : args.getJSONArray("names")) ctx.release(String.valueOf(name));
    return new JSONObject().fluentPut("stopped", true);
  }
}
