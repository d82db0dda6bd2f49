package io.thrustmq.compat.scenario;

import java.util.Arrays;

/**
 * Ack latencies of the bench scenarios, in nanoseconds, one slot per measured message; read as
 * the same percentiles the TypeScript load client reports (the sample at floor(n * p / 100)).
 */
final class BenchLatencies {
  private final long[] nanos;

  BenchLatencies(int count) {
    nanos = new long[count];
  }

  void record(int index, long value) {
    nanos[index] = value;
  }

  /** p50, p90, p99 and max in milliseconds; sorts the samples in place. */
  double[] percentilesMs() {
    Arrays.sort(nanos);
    return new double[] {at(50), at(90), at(99), nanos.length == 0 ? 0 : nanos[nanos.length - 1] / 1e6};
  }

  private double at(int p) {
    if (nanos.length == 0) return 0;
    return nanos[Math.min(nanos.length - 1, (int) ((long) nanos.length * p / 100))] / 1e6;
  }
}
