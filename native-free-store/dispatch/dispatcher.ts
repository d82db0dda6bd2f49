/**
 * Dispatch: what a record adds besides its commit-log bytes — a consume-queue entry and index
 * keys (protocol/STORE.md 3). Appends dispatch as they encode; recovery dispatches what it
 * re-reads. Entries are buffered per queue and written once per batch by finishBatch.
 */
import type { ConsumeQueue } from '../consume-queue/consume-queue.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import { javaAsciiHash, javaStringHash } from '../../src/protocol/java-hash.ts';
import { SysFlag, takesQueueOffset } from '../../src/protocol/message-record.ts';
import { emptyScan, scanProperties } from '../../src/protocol/properties.ts';
import type { IndexService } from '../index-file/index-service.ts';
import type { StoreOptions } from '../options.ts';
import { delayLevelOf } from './delay-level.ts';

const SPACE = 0x20;
const PREFIX_CACHE_LIMIT = 10_000;

/**
 * Java hash of the UTF-8 text in bytes[start, end), continuing from seedHash (the hash of
 * `topic#` for index keys, 0 for tags): bytes in place when ASCII, decoded otherwise.
 */
function textHash(bytes: Buffer, start: number, end: number, seedHash = 0): number {
  return (
    javaAsciiHash(bytes, start, end, seedHash) ??
    javaStringHash(bytes.toString('utf8', start, end), seedHash)
  );
}

export class Dispatcher {
  private readonly queues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly touched = new Set<ConsumeQueue>();
  private readonly keyHashes: number[] = [];
  private readonly scan = emptyScan();
  private readonly prefixHashes = new Map<string, number>();
  private readonly scheduleTopic: string | undefined;
  private readonly delayLevelsMs: readonly number[];
  /** Consume-queue entries buffered since the last finishBatch. */
  pendingEntries = 0;

  constructor(
    queues: ConsumeQueueTable,
    index: IndexService | undefined,
    schedule: Pick<StoreOptions, 'scheduleTopic' | 'delayLevelsMs'> = {},
  ) {
    this.queues = queues;
    this.index = index;
    this.scheduleTopic = schedule.delayLevelsMs?.length ? schedule.scheduleTopic : undefined;
    this.delayLevelsMs = schedule.delayLevelsMs ?? [];
  }

  /** TAGS hash, or for a delayed record in the schedule topic its delivery time. */
  private tagsCodeOf(
    bytes: Buffer,
    propertiesStart: number,
    propertiesEnd: number,
    topic: string,
    storeTimestamp: number,
    scanned: { tagsStart: number; tagsEnd: number },
  ): number {
    if (topic === this.scheduleTopic) {
      const level = delayLevelOf(bytes, propertiesStart, propertiesEnd);
      if (level > 0) {
        const levels = this.delayLevelsMs;
        return storeTimestamp + levels[Math.min(level, levels.length) - 1]!;
      }
    }
    return scanned.tagsStart >= 0 ? textHash(bytes, scanned.tagsStart, scanned.tagsEnd) : 0;
  }

  /**
   * Dispatches one record whose properties are bytes[propertiesStart, propertiesEnd). With
   * `replay`, records the queue already holds are skipped and a queue offset ahead of the queue
   * leaves a hole, so stored queue offsets and consume-queue positions never disagree.
   */
  dispatch(
    bytes: Buffer,
    propertiesStart: number,
    propertiesEnd: number,
    topic: string,
    queueId: number,
    queueOffset: number,
    physicalOffset: number,
    size: number,
    sysFlag: number,
    storeTimestamp: number,
    replay: boolean,
  ): void {
    const scanned = scanProperties(bytes, propertiesStart, propertiesEnd, this.scan);
    if (takesQueueOffset(sysFlag)) {
      const queue = this.queues.getOrCreate(topic, queueId);
      if (
        !replay ||
        (physicalOffset > queue.lastPhysicalOffset && queueOffset >= queue.maxOffset)
      ) {
        if (replay && queueOffset > queue.maxOffset) {
          queue.writePending();
          queue.maxOffset = queueOffset;
        }
        const tagsCode = this.tagsCodeOf(
          bytes,
          propertiesStart,
          propertiesEnd,
          topic,
          storeTimestamp,
          scanned,
        );
        queue.push(physicalOffset, size, tagsCode);
        this.touched.add(queue);
        this.pendingEntries++;
      }
    }
    if (!this.index || (sysFlag & SysFlag.TRANSACTION_MASK) === SysFlag.TRANSACTION_ROLLBACK)
      return;
    const hashes = this.keyHashes;
    hashes.length = 0;
    const prefix = this.topicKeyPrefixHash(topic);
    if (scanned.uniqueKeyStart >= 0)
      hashes.push(textHash(bytes, scanned.uniqueKeyStart, scanned.uniqueKeyEnd, prefix));
    if (scanned.keysStart >= 0) {
      let start = scanned.keysStart;
      const end = scanned.keysEnd;
      // KEYS holds space-separated keys; each is indexed on its own.
      while (start < end) {
        let stop = bytes.indexOf(SPACE, start);
        if (stop < 0 || stop > end) stop = end;
        if (stop > start) hashes.push(textHash(bytes, start, stop, prefix));
        start = stop + 1;
      }
    }
    if (hashes.length > 0) this.index.addRecord(physicalOffset, storeTimestamp, hashes);
  }

  /** Hash of `topic#`, from which each key's `topic#key` hash continues. */
  private topicKeyPrefixHash(topic: string): number {
    let hash = this.prefixHashes.get(topic);
    if (hash === undefined) {
      hash = javaStringHash(`${topic}#`);
      if (this.prefixHashes.size >= PREFIX_CACHE_LIMIT) this.prefixHashes.clear();
      this.prefixHashes.set(topic, hash);
    }
    return hash;
  }

  finishBatch(): void {
    for (const queue of this.touched) queue.writePending();
    this.touched.clear();
    this.pendingEntries = 0;
    this.index?.writePending();
  }
}
