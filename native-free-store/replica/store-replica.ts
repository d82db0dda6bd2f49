/**
 * A store's replication side, kept out of store.ts: apply a master's bytes, cut a tail the new
 * master never had, and the shard's epochs. Lives on the store as `store.replica`.
 */
import { join } from 'node:path';
import type { CommitLog } from '../commit-log/commit-log.ts';
import { MAX_RECORD_OVERHEAD_BYTES, type StoreOptions } from '../options.ts';
import { EpochLog, type EpochEntry } from './epoch-log.ts';
import { ReplicaApplier, type ReplicaAppendResult, type ReplicaParts } from './replica-apply.ts';

export interface StoreReplicaParts extends Omit<
  ReplicaParts,
  'recordOffsetBase' | 'checkCrc' | 'windowBytes'
> {
  options: Readonly<StoreOptions>;
  commitLog: CommitLog;
}

export class StoreReplica {
  private readonly parts: StoreReplicaParts;
  private readonly applier: ReplicaApplier;
  private readonly epochLog: EpochLog;
  /** Refuses when the store may not take writes (closed, failed disk). */
  private readonly checkWritable: () => void;

  constructor(parts: StoreReplicaParts, checkWritable: () => void) {
    this.parts = parts;
    this.checkWritable = checkWritable;
    const { options } = parts;
    this.applier = new ReplicaApplier({
      ...parts,
      recordOffsetBase: options.recordOffsetBase,
      checkCrc: options.checkCrcOnRecover,
      windowBytes: Math.max(4 << 20, options.maxMessageSizeBytes + MAX_RECORD_OVERHEAD_BYTES + 8),
    });
    this.epochLog = new EpochLog(join(parts.options.directory, 'epoch.json'));
  }

  /** Writes bytes of the master's log at physicalOffset (the log's end); see replica-apply.ts. */
  append(physicalOffset: number, bytes: Buffer): ReplicaAppendResult {
    this.checkWritable();
    const result = this.applier.apply(physicalOffset, bytes);
    this.parts.options.onWritten?.(result.end);
    return result;
  }

  /** Cuts the log at physicalOffset, its queues, index and epochs with it. */
  truncate(physicalOffset: number): void {
    this.checkWritable();
    this.applier.truncate(physicalOffset);
    this.epochLog.truncate(physicalOffset);
    this.parts.options.onWritten?.(physicalOffset);
  }

  epochs(): EpochEntry[] {
    return this.epochLog.list();
  }

  /** A new master term starts at the log's current end. */
  beginEpoch(epoch: number): void {
    this.epochLog.begin(epoch, this.parts.commitLog.writePosition);
  }
}
