/**
 * Recovery: re-validate the commit log from a start offset below which everything is known to
 * be durable and dispatched (the checkpoint), re-dispatch every valid record, and cut the log at
 * the first record that fails its checks (protocol/STORE.md 7). Corruption is an outcome here,
 * never an exception: the result says where the log was cut and why.
 */
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import {
  BLANK_MARKER_BYTES,
  Field,
  MESSAGE_MAGIC,
  checkRecord,
} from '../../src/protocol/message-record.ts';
import type { IndexService } from '../index-file/index-service.ts';

export interface RecoveryInput {
  commitLog: CommitLog;
  queues: ConsumeQueueTable;
  dispatcher: Dispatcher;
  index: IndexService | undefined;
  startOffset: number;
  checkCrc: boolean;
  /** What the store adds to the offset written in each record. */
  recordOffsetBase: number;
  /** What may follow the valid end and must be zeroed (see TailZeroing). */
  tail: TailZeroing;
  /** Large enough for the largest record. */
  windowBytes: number;
}

/**
 * Why the tail past the valid end is zeroed at all: new appends start at the valid end, and the
 * next recovery walks them and then reads on. If it then met a record left from before (a
 * record the cut dropped, or one written after an fdatasync a power cut undid), and that record
 * began exactly where the new appends end, it would pass every check (magic, size, CRC, even
 * its physical offset, which is where it lies) and be served again with a queue offset now
 * given to another message. So before any append, no byte past the valid end may be left from
 * before. What "left from before" can be depends on how the last run ended:
 *
 * - 'none': it closed cleanly (no marker, a valid checkpoint). Its close made everything
 *   durable and it had written nothing past its end; nothing to do.
 * - 'written': only the process died (crash marker from this boot, recovery/crash-marker.ts).
 *   The page cache holds every write it completed, and the commit log only ever writes
 *   contiguously from the segment start (records, blank markers, this zeroing), so past the
 *   valid end there is at most one run of non-zero bytes (a record cut by the kill inside its
 *   write call, or records behind one that failed its checks) and zeros after it. That run has
 *   no zero gap as long as a record: every record starts with a non-zero size and magic. So
 *   the scan stops once it has seen `windowBytes` (more than the largest record) of zeros, and
 *   costs a read of a few MiB however large the segment.
 * - 'whole': the machine may have crashed (marker from another boot, or none to say): pages
 *   written after the last fdatasync may have reached the disk in any order, with holes of any
 *   size between them, so the whole rest of the segment is read and zeroed where not zero.
 *
 * Later segments are deleted either way. The zeroing is made durable before the store takes
 * appends (store.ts start), and the crash marker is only rewritten for this boot after that, so
 * a crash during recovery repeats the same kind of recovery.
 *
 * What this keeps: zeroing starts at the valid end, and the scan reaches at least the end of
 * the last fdatasync (everything below it is intact), so no acknowledged SYNC_FLUSH message is
 * ever touched; a torn record fails its size or CRC check, becomes the valid end and is zeroed,
 * so it is never served.
 */
export type TailZeroing = 'none' | 'written' | 'whole';

export interface RecoveryResult {
  startOffset: number;
  endOffset: number;
  recordsReplayed: number;
  /** Why the scan stopped where it did; 'end of data' is the normal case. */
  stopReason: string;
  /** What was checked past the valid end, and how many of those bytes were zeroed. */
  tail: TailZeroing;
  zeroedBytes: number;
  deletedSegments: number;
}

export function recoverCommitLog(input: RecoveryInput): RecoveryResult {
  const { commitLog, queues, dispatcher, index } = input;
  const segmentSize = commitLog.segmentSizeBytes;
  const segments = commitLog.segments;
  const lastSegmentEnd = segments.length > 0 ? segments[segments.length - 1]! + segmentSize : 0;
  const startOffset = Math.min(Math.max(input.startOffset, commitLog.minOffset), lastSegmentEnd);
  for (const queue of queues.all()) queue.truncateFromPhysical(startOffset);

  const window = Buffer.allocUnsafe(input.windowBytes);
  let position = startOffset;
  let recordsReplayed = 0;
  let stopReason = 'end of data';
  scan: while (commitLog.hasSegment(commitLog.segmentStartOf(position))) {
    const segmentEnd = commitLog.segmentStartOf(position) + segmentSize;
    const windowStart = position;
    const got = commitLog.readRaw(position, window, Math.min(window.length, segmentEnd - position));
    let at = 0;
    while (at < got) {
      const available = got - at;
      if (
        available >= BLANK_MARKER_BYTES &&
        at > 0 &&
        window.readInt32BE(at + Field.MAGIC) === MESSAGE_MAGIC
      ) {
        const totalSize = window.readInt32BE(at);
        // A record cut by the window edge, not by corruption: read again from its start.
        if (totalSize > available && totalSize <= segmentEnd - position) break;
      }
      const check = checkRecord(window, at, available, input.checkCrc);
      if (check.kind === 'invalid') {
        stopReason = check.reason;
        break scan;
      }
      if (check.kind === 'blank') {
        position = segmentEnd;
        dispatcher.finishBatch();
        continue scan;
      }
      const record = check.record;
      if (record.physicalOffset - input.recordOffsetBase !== windowStart + at) {
        stopReason = `record claims physical offset ${record.physicalOffset} at ${windowStart + at}`;
        break scan;
      }
      dispatcher.dispatch(
        window,
        record.propertiesStart,
        record.propertiesStart + record.propertiesLength,
        record.topic,
        record.queueId,
        record.queueOffset,
        windowStart + at,
        record.totalSize,
        record.sysFlag,
        record.storeTimestamp,
        true,
      );
      recordsReplayed++;
      at += record.totalSize;
      position += record.totalSize;
    }
    dispatcher.finishBatch();
    if (got === 0) break;
  }
  dispatcher.finishBatch();

  const endOffset = position;
  const zeroedBytes =
    input.tail === 'none'
      ? 0
      : commitLog.zeroDirtyTail(
          endOffset,
          input.tail === 'written' ? input.windowBytes : Number.POSITIVE_INFINITY,
          window,
        );
  const deletedSegments = commitLog.deleteSegmentsAfter(endOffset);
  if (index && index.lastIndexedPhysicalOffset >= endOffset) index.truncateFrom(endOffset);
  for (const queue of queues.all()) queue.truncateFromPhysical(endOffset);
  commitLog.resetWritePosition(endOffset);
  return {
    startOffset,
    endOffset,
    recordsReplayed,
    stopReason,
    tail: input.tail,
    zeroedBytes,
    deletedSegments,
  };
}
