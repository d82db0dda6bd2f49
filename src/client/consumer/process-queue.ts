/**
 * The messages of one assigned queue that were pulled and are not yet consumed: waiting for a
 * listener or in one. Pulls append in ascending queue offset, one pull at a time per queue, so
 * insertion order is offset order and the first entry is the lowest unfinished offset. That
 * entry is what may be committed: an offset is never committed past a message still being
 * processed; with nothing left, the offset after the last pulled message is.
 *
 * Counts and bytes feed the pull loop's flow control. A dropped queue (no longer assigned, or
 * shut down) keeps its messages out of listeners and commits nothing.
 */
import type { MessageExt } from '../core/message.ts';
import type { MessageQueue } from '../core/route.ts';

export class ProcessQueue {
  readonly queue: MessageQueue;
  private readonly messages = new Map<number, MessageExt>();
  private sizeBytes = 0;
  /** Highest queue offset ever added; -1 before the first message. */
  private maxOffset = -1;
  /** Offset after the last entry the broker scanned for us (filtered-out ones included). */
  private scannedOffset = -1;
  dropped = false;
  /** Set while an orderly listener runs on this queue. */
  consumingOrderly = false;
  /** Orderly clustering: whether the broker lock is held, and when it was last confirmed. */
  locked = false;
  lastLockTimestampMs = 0;
  /** Orderly: the batch in progress, awaited before the queue is handed to another member. */
  inflight: Promise<void> | undefined;
  lastPullTimestampMs = Date.now();
  lastConsumeTimestampMs = Date.now();

  constructor(queue: MessageQueue) {
    this.queue = queue;
  }

  get messageCount(): number {
    return this.messages.size;
  }

  get messageBytes(): number {
    return this.sizeBytes;
  }

  /** Lowest and highest offsets held, or -1 each when empty (for running info). */
  get heldRange(): { min: number; max: number } {
    const first = this.firstOffset();
    return first === undefined ? { min: -1, max: -1 } : { min: first, max: this.maxOffset };
  }

  /** Distance between the lowest and highest offsets held (0 when empty). */
  get offsetSpan(): number {
    const first = this.firstOffset();
    return first === undefined ? 0 : this.maxOffset - first;
  }

  /** Adds pulled messages; ones at or below an offset already seen are ignored (returned list). */
  add(messages: readonly MessageExt[]): MessageExt[] {
    const added: MessageExt[] = [];
    if (this.dropped) return added;
    for (const message of messages) {
      if (message.queueOffset <= this.maxOffset) continue;
      this.messages.set(message.queueOffset, message);
      this.sizeBytes += message.body.length;
      this.maxOffset = message.queueOffset;
      added.push(message);
    }
    return added;
  }

  /** Records how far pulls have scanned, so messages the filter skipped need no wait to commit. */
  scannedTo(nextOffset: number): void {
    if (nextOffset > this.scannedOffset) this.scannedOffset = nextOffset;
  }

  /**
   * Removes consumed messages and returns the offset to commit: the lowest one still held, or
   * (when none is) the one after everything pulled and scanned. -1 when nothing was pulled.
   */
  remove(messages: readonly MessageExt[]): number {
    for (const message of messages) {
      const held = this.messages.get(message.queueOffset);
      if (held === undefined) continue;
      this.messages.delete(message.queueOffset);
      this.sizeBytes -= held.body.length;
    }
    this.lastConsumeTimestampMs = Date.now();
    return this.commitOffset();
  }

  /** The offset that is safe to commit now, or -1 when nothing was ever pulled. */
  commitOffset(): number {
    const first = this.firstOffset();
    if (first !== undefined) return first;
    if (this.maxOffset < 0 && this.scannedOffset < 0) return -1;
    return Math.max(this.maxOffset + 1, this.scannedOffset);
  }

  /** The first `count` messages in offset order (orderly consumption takes them one batch at a time). */
  head(count: number): MessageExt[] {
    const batch: MessageExt[] = [];
    for (const message of this.messages.values()) {
      if (batch.length >= count) break;
      batch.push(message);
    }
    return batch;
  }

  /** Empties the queue, e.g. when it is dropped or its position moves. */
  clear(): void {
    this.messages.clear();
    this.sizeBytes = 0;
  }

  /** Forgets the position too, so messages from a new offset (a seek) are accepted. */
  reset(): void {
    this.clear();
    this.maxOffset = -1;
    this.scannedOffset = -1;
  }

  drop(): void {
    this.dropped = true;
    this.clear();
  }

  private firstOffset(): number | undefined {
    for (const offset of this.messages.keys()) return offset;
    return undefined;
  }
}
