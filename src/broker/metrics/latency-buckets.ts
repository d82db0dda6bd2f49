/**
 * A fixed-bucket latency histogram kept as plain numbers, cheap enough for hot paths (no
 * allocation per observation) and for worker threads (no prom-client there). prom-client reads
 * snapshots of it at scrape time through BucketHistogram.
 */

/** Upper bounds in seconds: 50 µs to 10 s, roughly ×2.5 apart. */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5, 10,
];

/** Structured-cloneable state of a LatencyBuckets: counts per bucket (not cumulative). */
export interface BucketSnapshot {
  bounds: number[];
  /** counts[i] observations fell in (bounds[i-1], bounds[i]]; the last entry is above all. */
  counts: number[];
  sum: number;
  count: number;
}

export class LatencyBuckets {
  private readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(bounds: readonly number[] = LATENCY_BOUNDS_SECONDS) {
    for (let i = 1; i < bounds.length; i++)
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error('bucket bounds must increase');
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    if (!(seconds >= 0)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i] = this.counts[i]! + 1;
    this.sum += seconds;
    this.count++;
  }

  snapshot(): BucketSnapshot {
    return {
      bounds: [...this.bounds],
      counts: Array.from(this.counts),
      sum: this.sum,
      count: this.count,
    };
  }
}
