/** Each shard's flush passes and disk use, as the last scrape read them from its actor. */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ShardFlushMetrics } from '../actor/actor-control.ts';
import { BucketHistogram } from './bucket-histogram.ts';

export function registerStoreMetrics(
  registry: Registry,
  flushFigures: () => readonly ShardFlushMetrics[],
): void {
  const registers = [registry];
  new BucketHistogram({
    name: 'thrustmq_store_flush_latency_seconds',
    help: 'Commit-log write-out and fdatasync, by shard (group commit under SYNC_FLUSH, the timer under ASYNC_FLUSH).',
    labelNames: ['shard'],
    registry,
    read: () =>
      flushFigures().flatMap(({ shard, flushLatency }) =>
        flushLatency ? [{ labels: { shard: String(shard) }, snapshot: flushLatency }] : [],
      ),
  });
  new Counter({
    name: 'thrustmq_store_flushes_total',
    help: 'Commit-log flush passes (fdatasync rounds), by shard.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, flushCount } of flushFigures())
        this.inc({ shard: String(shard) }, flushCount);
    },
  });
  new Gauge({
    name: 'thrustmq_store_last_flush_seconds',
    help: 'Duration of the latest commit-log flush pass, by shard.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, lastFlushMs } of flushFigures())
        this.set({ shard: String(shard) }, lastFlushMs / 1000);
    },
  });

  new Gauge({
    name: 'thrustmq_store_disk_full',
    help: 'By shard: 1 while the store refuses writes for lack of disk space, else 0.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, diskFull } of flushFigures())
        if (diskFull !== undefined) this.set({ shard: String(shard) }, diskFull ? 1 : 0);
    },
  });
  new Gauge({
    name: 'thrustmq_store_disk_used_ratio',
    help: "By shard: share of the store's file system in use at the last disk check.",
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, diskUsedPercent } of flushFigures())
        if (diskUsedPercent !== undefined)
          this.set({ shard: String(shard) }, diskUsedPercent / 100);
    },
  });
}
