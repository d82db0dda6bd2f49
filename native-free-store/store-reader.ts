/**
 * Reads: pulls by queue offset, offset lookups by time, single records by physical offset and
 * key queries. A pull reads its consume-queue entries in one call, then the records; records
 * that lie close together in the commit log are read with one call and sliced (reads of many
 * small records are syscall-bound, measurements/architecture-limits.md 6).
 */
import type { CommitLog } from './commit-log/commit-log.ts';
import { CQ_ENTRY_BYTES } from './consume-queue/consume-queue.ts';
import type { ConsumeQueueTable } from './consume-queue/consume-queue-table.ts';
import { checkRecord, readInt64, recordLayout, Field } from '../src/protocol/message-record.ts';
import { scanProperties } from '../src/protocol/properties.ts';
import type { IndexService } from './index-file/index-service.ts';
import { GetMessageStatus } from './types.ts';
import type { GetMessagesQuery, GetMessagesResult, PlannedMessages } from './types.ts';

/** A plan with no records: status and offsets only. */
function emptyPlan(
  status: GetMessagesResult['status'],
  offsets: Pick<PlannedMessages, 'nextQueueOffset' | 'minOffset' | 'maxOffset'>,
): PlannedMessages {
  return {
    status,
    messageCount: 0,
    queueOffsets: [],
    nextQueueOffset: offsets.nextQueueOffset,
    minOffset: offsets.minOffset,
    maxOffset: offsets.maxOffset,
    totalBytes: 0,
    physicalOffsets: [],
    sizes: [],
  };
}

/** RocketMQ scans at most max(16000 bytes of entries, maxMsgNums × 20) per pull. */
const MIN_ENTRIES_SCANNED = 800;
const DEFAULT_MAX_BYTES = 256 * 1024;
const RECORD_HEAD_BYTES = 128;
/** Read a whole span when it is at most this many times the bytes wanted, or this small. */
const SPAN_READ_FACTOR = 4;
const SPAN_READ_MIN_BYTES = 64 * 1024;
const SPAN_SCRATCH_MAX_BYTES = 4 * 1024 * 1024;

export class StoreReader {
  private readonly commitLog: CommitLog;
  private readonly queues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly head = Buffer.allocUnsafe(RECORD_HEAD_BYTES);
  /** Reused across pulls: garbage Buffers live outside the V8 heap and are collected late. */
  private readonly entryScratch = Buffer.allocUnsafe(MIN_ENTRIES_SCANNED * CQ_ENTRY_BYTES);
  private spanScratch = Buffer.allocUnsafe(SPAN_READ_MIN_BYTES * 4);

  private readonly recordOffsetBase: number;

  constructor(
    commitLog: CommitLog,
    queues: ConsumeQueueTable,
    index: IndexService | undefined,
    recordOffsetBase: number,
  ) {
    this.recordOffsetBase = recordOffsetBase;
    this.commitLog = commitLog;
    this.queues = queues;
    this.index = index;
  }

  getMessages(query: GetMessagesQuery): GetMessagesResult {
    const plan = this.planMessages(query);
    const { totalBytes, physicalOffsets, sizes, ...result } = plan;
    if (result.status !== GetMessageStatus.FOUND) return { ...result, data: Buffer.alloc(0) };
    const data = Buffer.allocUnsafe(totalBytes);
    if (!this.readRecords(physicalOffsets, sizes, data, 0))
      return { ...emptyPlan(GetMessageStatus.MESSAGE_WAS_REMOVING, plan), data: Buffer.alloc(0) };
    return { ...result, data };
  }

  /** A FOUND plan's records, read into target at targetOffset; false when one is gone. */
  readPlanned(plan: PlannedMessages, target: Uint8Array, targetOffset: number): boolean {
    if (plan.status !== GetMessageStatus.FOUND) return false;
    return this.readRecords(plan.physicalOffsets, plan.sizes, target, targetOffset);
  }

  /** The entries a pull would return, from the consume queue alone. */
  planMessages(query: GetMessagesQuery): PlannedMessages {
    const queue = this.queues.get(query.topic, query.queueId);
    const empty = (
      status: GetMessagesResult['status'],
      nextQueueOffset: number,
      minOffset = 0,
      maxOffset = 0,
    ): PlannedMessages => emptyPlan(status, { nextQueueOffset, minOffset, maxOffset });
    if (!queue) return empty(GetMessageStatus.NO_MATCHED_LOGIC_QUEUE, 0);
    const { minOffset, maxOffset } = queue;
    const offset = query.queueOffset;
    if (maxOffset === 0)
      return empty(GetMessageStatus.NO_MESSAGE_IN_QUEUE, 0, minOffset, maxOffset);
    if (offset < minOffset)
      return empty(GetMessageStatus.OFFSET_TOO_SMALL, minOffset, minOffset, maxOffset);
    if (offset === maxOffset)
      return empty(GetMessageStatus.OFFSET_OVERFLOW_ONE, offset, minOffset, maxOffset);
    if (offset > maxOffset)
      return empty(GetMessageStatus.OFFSET_OVERFLOW_BADLY, maxOffset, minOffset, maxOffset);

    const maxMessages = Math.max(1, query.maxMessages);
    const entries = queue.readEntries(
      offset,
      Math.max(MIN_ENTRIES_SCANNED, maxMessages),
      this.entryScratch,
    );
    if (!entries) {
      const perFile = this.queues.entriesPerFile;
      return empty(
        GetMessageStatus.OFFSET_FOUND_NULL,
        offset - (offset % perFile) + perFile,
        minOffset,
        maxOffset,
      );
    }
    const plan = this.scanEntries(entries, query, maxMessages);
    plan.minOffset = minOffset;
    plan.maxOffset = maxOffset;
    return plan;
  }

  /** Picks the entries to return from a run of consume-queue entries starting at the query's. */
  private scanEntries(
    entries: Buffer,
    query: GetMessagesQuery,
    maxMessages: number,
  ): PlannedMessages {
    const offset = query.queueOffset;
    const maxBytes = query.maxBytes ?? DEFAULT_MAX_BYTES;
    const physicalOffsets: number[] = [];
    const sizes: number[] = [];
    const queueOffsets: number[] = [];
    let totalBytes = 0;
    let scanned = 0;
    let removed = false;
    const commitLogMin = this.commitLog.minOffset;
    for (let at = 0; at < entries.length; at += CQ_ENTRY_BYTES) {
      // Fields read in place: an object per scanned entry was most of a pull's garbage.
      const physicalOffset = readInt64(entries, at);
      const size = entries.readInt32BE(at + 8);
      // tagsCode is 8 bytes; subscriptions match its low 32 bits, as Java's (int) cast does.
      const tagsCode = entries.readInt32BE(at + 16);
      if (size > 0 && physicalOffset >= 0) {
        if (
          physicalOffsets.length >= maxMessages ||
          (physicalOffsets.length > 0 && totalBytes + size > maxBytes)
        )
          break;
        if (physicalOffset < commitLogMin) removed = true;
        else if (!query.tagsCodes || query.tagsCodes.has(tagsCode)) {
          physicalOffsets.push(physicalOffset);
          sizes.push(size);
          queueOffsets.push(offset + at / CQ_ENTRY_BYTES);
          totalBytes += size;
        }
      }
      scanned++;
    }
    const nextQueueOffset = offset + scanned;
    if (physicalOffsets.length === 0) {
      const status = removed
        ? GetMessageStatus.MESSAGE_WAS_REMOVING
        : GetMessageStatus.NO_MATCHED_MESSAGE;
      return emptyPlan(status, { nextQueueOffset, minOffset: 0, maxOffset: 0 });
    }
    return {
      status: GetMessageStatus.FOUND,
      messageCount: physicalOffsets.length,
      queueOffsets,
      nextQueueOffset,
      minOffset: 0,
      maxOffset: 0,
      totalBytes,
      physicalOffsets,
      sizes,
    };
  }

  /**
   * Reads records back to back into target from targetOffset, merging reads of nearby records
   * in the same segment. False when one is no longer there.
   */
  private readRecords(
    physicalOffsets: number[],
    sizes: number[],
    target: Uint8Array,
    targetOffset: number,
  ): boolean {
    let written = targetOffset;
    let i = 0;
    while (i < physicalOffsets.length) {
      const first = physicalOffsets[i]!;
      const segmentStart = this.commitLog.segmentStartOf(first);
      // Extend the run while records stay in the segment and the span stays worth one read.
      let j = i + 1;
      let payload = sizes[i]!;
      while (j < physicalOffsets.length) {
        const end = physicalOffsets[j]! + sizes[j]!;
        if (this.commitLog.segmentStartOf(physicalOffsets[j]!) !== segmentStart) break;
        const span = end - first;
        if (span > SPAN_READ_MIN_BYTES && span > (payload + sizes[j]!) * SPAN_READ_FACTOR) break;
        payload += sizes[j]!;
        j++;
      }
      const lastEnd = physicalOffsets[j - 1]! + sizes[j - 1]!;
      if (j - i === 1 || lastEnd - first === payload) {
        if (this.commitLog.readInto(first, payload, target, written) !== payload) return false;
        written += payload;
      } else {
        const span = lastEnd - first;
        if (span > this.spanScratch.length && span <= SPAN_SCRATCH_MAX_BYTES) {
          this.spanScratch = Buffer.allocUnsafe(span);
        }
        const scratch = span <= this.spanScratch.length ? this.spanScratch : undefined;
        const { bytes, length } = this.commitLog.read(first, span, scratch);
        if (length !== span) return false;
        for (let k = i; k < j; k++) {
          const from = physicalOffsets[k]! - first;
          target.set(bytes.subarray(from, from + sizes[k]!), written);
          written += sizes[k]!;
        }
      }
      i = j;
    }
    return true;
  }

  /** Store time of the record at a physical offset, read from its head. */
  private storeTimeAt(physicalOffset: number): number | undefined {
    const { length } = this.commitLog.read(physicalOffset, RECORD_HEAD_BYTES, this.head);
    if (length < Field.BORN_HOST) return undefined;
    const layout = recordLayout(this.head.readInt32BE(Field.SYS_FLAG));
    if (length < layout.storeTimestamp + 8) return undefined;
    return readInt64(this.head, layout.storeTimestamp);
  }

  getStoreTimeAt(topic: string, queueId: number, queueOffset: number): number | undefined {
    const queue = this.queues.get(topic, queueId);
    if (!queue || queueOffset < queue.minOffset || queueOffset >= queue.maxOffset) return undefined;
    const entry = queue.readEntry(queueOffset);
    return entry ? this.storeTimeAt(entry.physicalOffset) : undefined;
  }

  getEarliestStoreTime(topic: string, queueId: number): number | undefined {
    const queue = this.queues.get(topic, queueId);
    return queue ? this.getStoreTimeAt(topic, queueId, queue.minOffset) : undefined;
  }

  getOffsetByTime(topic: string, queueId: number, timestampMs: number): number {
    const queue = this.queues.get(topic, queueId);
    if (!queue) return 0;
    let low = queue.minOffset;
    let high = queue.maxOffset;
    // Lower bound over store times, which ascend with queue offsets.
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const time = this.getStoreTimeAt(topic, queueId, middle);
      if (time !== undefined && time < timestampMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  readMessageAt(physicalOffset: number): Buffer | undefined {
    const { length } = this.commitLog.read(physicalOffset, 8, this.head);
    if (length < 8) return undefined;
    const size = this.head.readInt32BE(0);
    if (size <= 0 || size > this.commitLog.segmentSizeBytes) return undefined;
    const { bytes, length: got } = this.commitLog.read(physicalOffset, size);
    if (got !== size) return undefined;
    const check = checkRecord(bytes, 0, size, false);
    if (
      check.kind !== 'message' ||
      check.record.physicalOffset !== physicalOffset + this.recordOffsetBase
    )
      return undefined;
    return bytes;
  }

  queryByKey(
    topic: string,
    key: string,
    maxCount: number,
    beginMs: number,
    endMs: number,
  ): Buffer[] {
    if (!this.index) return [];
    const found: Buffer[] = [];
    // The index answers by hash; each candidate is checked against the record itself.
    for (const physicalOffset of this.index.query(
      `${topic}#${key}`,
      Math.max(maxCount * 2, maxCount + 8),
      beginMs,
      endMs,
    )) {
      if (found.length >= maxCount) break;
      const bytes = this.readMessageAt(physicalOffset);
      if (!bytes) continue;
      const check = checkRecord(bytes, 0, bytes.length, false);
      if (check.kind !== 'message' || check.record.topic !== topic) continue;
      const { propertiesStart, propertiesLength } = check.record;
      const scanned = scanProperties(bytes, propertiesStart, propertiesStart + propertiesLength);
      const uniqueKey =
        scanned.uniqueKeyStart >= 0
          ? bytes.toString('utf8', scanned.uniqueKeyStart, scanned.uniqueKeyEnd)
          : undefined;
      const keys =
        scanned.keysStart >= 0
          ? bytes.toString('utf8', scanned.keysStart, scanned.keysEnd).split(' ')
          : [];
      if (uniqueKey === key || keys.includes(key)) found.push(bytes);
    }
    return found;
  }
}
