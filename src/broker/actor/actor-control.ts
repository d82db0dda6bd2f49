/**
 * The control plane of a queue actor, called over comlink: lookups and admin work that is
 * rare next to sends and pulls (never per message).
 */
import type { MessageStore, StoreStats } from '../../../native-free-store/index.ts';
import type { BucketSnapshot, LatencyBuckets } from '../metrics/latency-buckets.ts';
import type { EpochEntry } from '../ha/ha-wire.ts';
import { ReplicaControl, type ReplicaApplied } from './replica-control.ts';

export interface ShardReport {
  shard: number;
  recoveredFromCrash: boolean;
  recordsReplayed: number;
  stats: StoreStats;
}

/** A shard's flush figures for /metrics. */
export interface ShardFlushMetrics {
  shard: number;
  flushCount: number;
  lastFlushMs: number;
  /** SYNC_FLUSH: a drain's write to the fdatasync covering it (empty under ASYNC_FLUSH). */
  flushLatency: BucketSnapshot | undefined;
  /** Writes refused for lack of disk space, and disk use (%) at the store's last check. */
  diskFull?: boolean;
  diskUsedPercent?: number;
}

/** At most this many queues per maxOffsets call (a scrape asks in chunks). */
export const MAX_OFFSET_QUERIES = 10_000;

export class ActorControl {
  private readonly stores: ReadonlyMap<number, MessageStore>;
  private readonly onClose: () => Promise<void>;
  private readonly flushLatency: ReadonlyMap<number, LatencyBuckets>;
  private readonly replica: ReplicaControl;

  constructor(
    stores: ReadonlyMap<number, MessageStore>,
    onClose: () => Promise<void>,
    flushLatency: ReadonlyMap<number, LatencyBuckets> = new Map(),
  ) {
    this.stores = stores;
    this.onClose = onClose;
    this.flushLatency = flushLatency;
    this.replica = new ReplicaControl(stores);
  }

  replicaState(shard: number): { end: number; min: number; epochs: EpochEntry[] } {
    return this.replica.replicaState(shard);
  }

  replicaAppend(shard: number, offset: number, bytes: Uint8Array): ReplicaApplied {
    return this.replica.replicaAppend(shard, offset, bytes);
  }

  replicaTruncate(shard: number, offset: number): void {
    this.replica.replicaTruncate(shard, offset);
  }

  beginEpoch(shard: number, epoch: number): void {
    this.replica.beginEpoch(shard, epoch);
  }

  flushMetrics(): ShardFlushMetrics[] {
    const shards = [...this.stores].sort(([a], [b]) => a - b);
    return shards.map(([shard, store]) => {
      const stats = store.stats();
      return {
        shard,
        flushCount: stats.flushCount,
        lastFlushMs: stats.lastFlushMs,
        flushLatency: this.flushLatency.get(shard)?.snapshot(),
        diskFull: stats.diskFull,
        diskUsedPercent: stats.diskUsedPercent,
      };
    });
  }

  /** Max offsets of [shard, topic, queueId] triples, in order; -1 for shards not hosted here. */
  maxOffsets(queries: ReadonlyArray<readonly [number, string, number]>): number[] {
    if (queries.length > MAX_OFFSET_QUERIES)
      throw new Error(`at most ${MAX_OFFSET_QUERIES} queues per call, got ${queries.length}`);
    return queries.map(([shard, topic, queueId]) => {
      const store = this.stores.get(shard);
      return store ? store.getMaxOffset(topic, queueId) : -1;
    });
  }

  report(): ShardReport[] {
    return [...this.stores].map(([shard, store]) => ({
      shard,
      recoveredFromCrash: store.openInfo.recoveredFromCrash,
      recordsReplayed: store.openInfo.recovery.recordsReplayed,
      stats: store.stats(),
    }));
  }

  getMinOffset(shard: number, topic: string, queueId: number): number {
    return this.store(shard).getMinOffset(topic, queueId);
  }

  getMaxOffset(shard: number, topic: string, queueId: number): number {
    return this.store(shard).getMaxOffset(topic, queueId);
  }

  getOffsetByTime(shard: number, topic: string, queueId: number, timestampMs: number): number {
    return this.store(shard).getOffsetByTime(topic, queueId, timestampMs);
  }

  getEarliestStoreTime(shard: number, topic: string, queueId: number): number | undefined {
    return this.store(shard).getEarliestStoreTime(topic, queueId);
  }

  getStoreTimeAt(
    shard: number,
    topic: string,
    queueId: number,
    offset: number,
  ): number | undefined {
    return this.store(shard).getStoreTimeAt(topic, queueId, offset);
  }

  readMessageAt(shard: number, physicalOffset: number): Uint8Array | undefined {
    return this.store(shard).readMessageAt(physicalOffset);
  }

  queryByKey(
    shard: number,
    topic: string,
    key: string,
    maxCount: number,
    beginMs: number,
    endMs: number,
  ): Uint8Array[] {
    return this.store(shard).queryByKey(topic, key, maxCount, beginMs, endMs);
  }

  deleteTopic(topic: string): void {
    for (const store of this.stores.values()) store.deleteTopic(topic);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.stores.values()].map((store) => store.flush()));
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private store(shard: number): MessageStore {
    const store = this.stores.get(shard);
    if (!store) throw new Error(`shard ${shard} is not hosted by this actor`);
    return store;
  }
}
