package io.thrustmq.compat;

import com.alibaba.fastjson.JSONObject;

/**
 * One client flow the vitest suites ask for by name. It drives Apache's client against the
 * broker behind {@code ctx.namesrvAddr()} and returns what it observed as JSON; the TypeScript
 * test decides whether that is right, so the same flow can be checked on ThrustMQ and on Apache
 * RocketMQ. The class is found by name: scenario "send-sync" is class {@code scenario.SendSync}.
 */
public interface Scenario {
  Object run(JSONObject args, Context ctx) throws Exception;
}
