/**
 * A slave's copy of its master's commit log: bytes arrive in frames cut anywhere (mid-record
 * too), are written verbatim at the master's offsets, and each record is checked (magic, size,
 * CRC, the offset it claims) and dispatched to consume queues and the index once it is whole.
 * The bytes of a record still partial wait in `tail`, so nothing is read back from disk.
 *
 * A failed check keeps every record before it and cuts the log there, zeroing what was written
 * past it (the tail invariant of recovery/recover.ts), so the slave reconnects and fetches again.
 */
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { StoreError, StoreErrorCode } from '../errors.ts';
import type { IndexService } from '../index-file/index-service.ts';
import { checkRecord } from '../../src/protocol/message-record.ts';

export interface ReplicaAppendResult {
  /** The log's end: every byte received, a partial last record included. */
  end: number;
  /** The end of the last whole, checked and dispatched record. */
  dispatchedEnd: number;
  /** Records (blank markers not counted) this call dispatched. */
  records: number;
}

export interface ReplicaParts {
  commitLog: CommitLog;
  queues: ConsumeQueueTable;
  dispatcher: Dispatcher;
  index: IndexService | undefined;
  recordOffsetBase: number;
  checkCrc: boolean;
  /** Scratch for zeroing a cut tail; large enough for the largest record. */
  windowBytes: number;
}

export class ReplicaApplier {
  private readonly parts: ReplicaParts;
  /** Bytes from dispatchedEnd to the log's end: the start of a record not yet whole. */
  private tail: Buffer = Buffer.alloc(0);

  constructor(parts: ReplicaParts) {
    this.parts = parts;
  }

  get dispatchedEnd(): number {
    return this.parts.commitLog.writePosition - this.tail.length;
  }

  apply(physicalOffset: number, bytes: Buffer): ReplicaAppendResult {
    const { commitLog } = this.parts;
    const end = commitLog.writePosition;
    const aligned = physicalOffset % commitLog.segmentSizeBytes === 0;
    if (end === 0 && physicalOffset > 0 && aligned && this.tail.length === 0)
      commitLog.startEmptyAt(physicalOffset);
    else if (physicalOffset !== end)
      throw new StoreError(
        StoreErrorCode.REPLICA_OFFSET_MISMATCH,
        `replicated bytes start at ${physicalOffset}, the commit log ends at ${end}`,
      );
    const base = this.dispatchedEnd;
    commitLog.writeReplica(bytes);
    const data = this.tail.length === 0 ? bytes : Buffer.concat([this.tail, bytes]);
    const { consumed, records, failure } = this.dispatchWhole(data, base);
    if (failure !== undefined) {
      this.cut(base + consumed);
      throw new StoreError(
        StoreErrorCode.REPLICA_CORRUPT,
        `replicated record at ${base + consumed}: ${failure}`,
      );
    }
    // Copied: `data` may be the caller's frame buffer, reused once this returns.
    this.tail = Buffer.from(data.subarray(consumed));
    return { end: commitLog.writePosition, dispatchedEnd: base + consumed, records };
  }

  /** Cuts the log at physicalOffset (a record boundary) and everything built from past it. */
  truncate(physicalOffset: number): void {
    const { commitLog } = this.parts;
    if (physicalOffset > commitLog.writePosition || physicalOffset < commitLog.minOffset)
      throw new StoreError(
        StoreErrorCode.REPLICA_OFFSET_MISMATCH,
        `cannot cut the commit log at ${physicalOffset}: it holds ${commitLog.minOffset} to ${commitLog.writePosition}`,
      );
    this.cut(physicalOffset);
  }

  private dispatchWhole(
    data: Buffer,
    base: number,
  ): { consumed: number; records: number; failure?: string } {
    const { dispatcher, recordOffsetBase, checkCrc } = this.parts;
    let at = 0;
    let records = 0;
    while (data.length - at >= 8) {
      const size = data.readInt32BE(at);
      if (size > 0 && at + size > data.length) break; // whole once more bytes come
      const check = checkRecord(data, at, data.length - at, checkCrc);
      if (check.kind === 'invalid') return { consumed: at, records, failure: check.reason };
      if (check.kind === 'message') {
        const record = check.record;
        if (record.physicalOffset - recordOffsetBase !== base + at)
          return { consumed: at, records, failure: `it claims offset ${record.physicalOffset}` };
        dispatcher.dispatch(
          data,
          record.propertiesStart,
          record.propertiesStart + record.propertiesLength,
          record.topic,
          record.queueId,
          record.queueOffset,
          base + at,
          record.totalSize,
          record.sysFlag,
          record.storeTimestamp,
          true,
        );
        records++;
      }
      at += check.kind === 'message' ? check.record.totalSize : check.totalSize;
    }
    dispatcher.finishBatch();
    return { consumed: at, records };
  }

  private cut(physicalOffset: number): void {
    const { commitLog, queues, index, dispatcher } = this.parts;
    dispatcher.finishBatch();
    const scratch = Buffer.allocUnsafe(this.parts.windowBytes);
    commitLog.zeroDirtyTail(physicalOffset, Number.POSITIVE_INFINITY, scratch);
    commitLog.deleteSegmentsAfter(physicalOffset);
    if (index && index.lastIndexedPhysicalOffset >= physicalOffset)
      index.truncateFrom(physicalOffset);
    for (const queue of queues.all()) queue.truncateFromPhysical(physicalOffset);
    commitLog.resetWritePosition(physicalOffset);
    this.tail = Buffer.alloc(0);
  }
}
