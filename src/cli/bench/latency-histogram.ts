/**
 * Latencies in logarithmic buckets (about 2% wide): constant memory however long a benchmark
 * runs, percentiles within a bucket's width.
 */
const BUCKETS_PER_DOUBLING = 36;
const MIN_MS = 0.001;
const BUCKET_COUNT = BUCKETS_PER_DOUBLING * 30;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  record(ms: number): void {
    const value = Math.max(ms, MIN_MS);
    const bucket = Math.min(
      BUCKET_COUNT - 1,
      Math.floor(Math.log2(value / MIN_MS) * BUCKETS_PER_DOUBLING),
    );
    this.counts[bucket]!++;
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get averageMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank)
        return Math.min(this.maxMs, MIN_MS * 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING));
    }
    return this.maxMs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumMs = 0;
    this.maxMs = 0;
  }
}
