package io.thrustmq.compat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What a scenario may use besides its arguments: the name server it runs against, and a place
 * to leave a started client for a later request to pick up (a consumer kept across requests),
 * keyed by a name the test chooses. Whatever is left there is shut down when the runner exits.
 */
public final class Context {
  private final String namesrvAddr;
  private final ConcurrentMap<String, AutoCloseable> kept = new ConcurrentHashMap<>();

  Context(String namesrvAddr) {
    this.namesrvAddr = namesrvAddr;
  }

  public String namesrvAddr() {
    return namesrvAddr;
  }

  public void keep(String name, AutoCloseable client) {
    AutoCloseable previous = kept.put(name, client);
    if (previous != null) closeQuietly(previous);
  }

  @SuppressWarnings("unchecked")
  public <T extends AutoCloseable> T kept(String name) {
    AutoCloseable client = kept.get(name);
    if (client == null) throw new IllegalStateException("nothing kept under " + name);
    return (T) client;
  }

  public void release(String name) {
    AutoCloseable client = kept.remove(name);
    if (client != null) closeQuietly(client);
  }

  void closeAll() {
    for (String name : kept.keySet()) release(name);
  }

  private static void closeQuietly(AutoCloseable client) {
    try {
      client.close();
    } catch (Exception ignored) {
      // Shutting down: a client that fails to close has nothing left to report to.
    }
  }
}
