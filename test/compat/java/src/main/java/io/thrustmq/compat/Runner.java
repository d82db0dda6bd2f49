package io.thrustmq.compat;

import com.alibaba.fastjson.JSON;
import com.alibaba.fastjson.JSONObject;
import com.alibaba.fastjson.serializer.SerializerFeature;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One JVM per suite: reads requests, one JSON object per line on stdin
 * ({@code {"id":1,"scenario":"send-sync","args":{...},"timeoutMs":30000}}), runs each on its own
 * thread, and answers each on stdout as a line starting with {@code @@result } followed by
 * {@code {"id":1,"ok":true,"result":...}} or {@code {"id":1,"ok":false,"error":"..."}}. Anything
 * else the clients print goes to stderr, for the test's log. Exits when stdin closes.
 */
public final class Runner {
  static final String RESULT_PREFIX = "@@result ";
  private static final long DEFAULT_TIMEOUT_MS = 60_000;
  private static final long MAX_TIMEOUT_MS = 600_000;

  private static PrintStream answers;

  private Runner() {}

  public static void main(String[] argv) throws Exception {
    answers = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    // Only answers go to stdout: a client printing there mid-answer would split an answer line
    // longer than the stream's buffer, and the test could not parse it.
    System.setOut(System.err);
    String namesrvAddr = argv.length > 0 ? argv[0] : System.getenv("NAMESRV_ADDR");
    if (namesrvAddr == null || namesrvAddr.isEmpty()) {
      System.err.println("usage: Runner <namesrvAddr> (or NAMESRV_ADDR)");
      System.exit(2);
    }
    Context ctx = new Context(namesrvAddr);
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "scenario");
      thread.setDaemon(true);
      return thread;
    });
    answer(new JSONObject().fluentPut("id", 0).fluentPut("ok", true).fluentPut("result", "ready"));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isBlank()) continue;
      JSONObject request;
      try {
        request = JSON.parseObject(line);
      } catch (RuntimeException e) {
        answer(failure(-1, "request is not JSON: " + e.getMessage()));
        continue;
      }
      pool.submit(() -> serve(request, ctx, pool));
    }
    ctx.closeAll();
    System.exit(0);
  }

  private static void serve(JSONObject request, Context ctx, ExecutorService pool) {
    long id = request.getLongValue("id");
    String name = request.getString("scenario");
    long timeoutMs = Math.min(MAX_TIMEOUT_MS, request.getLongValue("timeoutMs") > 0
        ? request.getLongValue("timeoutMs") : DEFAULT_TIMEOUT_MS);
    JSONObject args = request.getJSONObject("args");
    try {
      Scenario scenario = find(name);
      Future<Object> run = pool.submit(() -> scenario.run(args == null ? new JSONObject() : args, ctx));
      try {
        Object result = run.get(timeoutMs, TimeUnit.MILLISECONDS);
        answer(new JSONObject().fluentPut("id", id).fluentPut("ok", true).fluentPut("result", result));
      } catch (TimeoutException e) {
        run.cancel(true);
        answer(failure(id, "scenario " + name + " did not finish within " + timeoutMs + " ms"));
      }
    } catch (java.util.concurrent.ExecutionException e) {
      answer(failure(id, describe(e.getCause())));
    } catch (Exception e) {
      answer(failure(id, describe(e)));
    }
  }

  /** "send-sync" names class io.thrustmq.compat.scenario.SendSync. */
  static Scenario find(String name) throws ReflectiveOperationException {
    if (name == null || !name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*"))
      throw new IllegalArgumentException("scenario must be kebab-case, got " + name);
    StringBuilder className = new StringBuilder("io.thrustmq.compat.scenario.");
    for (String part : name.split("-"))
      className.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    Class<?> type;
    try {
      type = Class.forName(className.toString());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("no scenario " + name + " (" + className + ")");
    }
    return (Scenario) type.getDeclaredConstructor().newInstance();
  }

  private static JSONObject failure(long id, String error) {
    return new JSONObject().fluentPut("id", id).fluentPut("ok", false).fluentPut("error", error);
  }

  private static String describe(Throwable error) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  static synchronized void answer(JSONObject message) {
    answers.print(RESULT_PREFIX + JSON.toJSONString(message, SerializerFeature.DisableCircularReferenceDetect) + "\n");
    answers.flush();
  }
}
