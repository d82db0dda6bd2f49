package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;

/**
 * Shuts down the push consumer kept under {@code name} (it commits its offsets and leaves the
 * group) and returns {name, received} as it stood once it had stopped.
 */
public final class PushStop implements Scenario {
  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    PushMember member = ctx.kept(args.getString("name"));
    ctx.release(args.getString("name"));
    return new JSONObject().fluentPut("name", member.name).fluentPut("received", member.received());
  }
}
