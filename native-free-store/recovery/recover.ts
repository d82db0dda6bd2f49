/**
 * Recovery: re-validate the commit log from a start offset below which everything is known to
 * be durable and dispatched (the checkpoint), re-dispatch every valid record, and cut the log at
 * the first record that fails its checks (protocol/STORE.md 7). Corruption is an outcome here,
 * never an exception: the result says where the log was cut and why.
 */
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { BLANK_MARKER_BYTES, Field, MESSAGE_MAGIC, checkRecord } from '../format/message-record.ts';
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
  /** Zero whatever follows the valid end, so no stale record can resurface behind new appends. */
  zeroTail: boolean;
  /** Large enough for the largest record. */
  windowBytes: number;
}

export interface RecoveryResult {
  startOffset: number;
  endOffset: number;
  recordsReplayed: number;
  /** Why the scan stopped where it did; 'end of data' is the normal case. */
  stopReason: string;
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
  let zeroedBytes = 0;
  if (input.zeroTail && commitLog.hasSegment(commitLog.segmentStartOf(endOffset))) {
    const segmentEnd = commitLog.segmentStartOf(endOffset) + segmentSize;
    zeroedBytes = commitLog.zeroRange(
      endOffset,
      segmentEnd,
      window.subarray(0, Math.min(window.length, 1 << 20)),
      Buffer.alloc(Math.min(window.length, 1 << 20)),
    );
  }
  const deletedSegments = commitLog.deleteSegmentsAfter(endOffset);
  if (index && index.lastIndexedPhysicalOffset >= endOffset) index.truncateFrom(endOffset);
  for (const queue of queues.all()) queue.truncateFromPhysical(endOffset);
  commitLog.resetWritePosition(endOffset);
  return { startOffset, endOffset, recordsReplayed, stopReason, zeroedBytes, deletedSegments };
}
