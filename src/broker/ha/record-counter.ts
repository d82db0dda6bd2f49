/**
 * Counts the messages in the commit-log bytes a master streams to a slave, so replication lag
 * can be told in messages as well as bytes. It follows the record chain through the frames
 * (each record starts with its total size; a blank marker fills a segment's end) and remembers
 * how many messages lay below each frame's end, so a slave's acknowledged offset maps to a
 * count. Bytes not yet sent are counted by the average record size seen.
 */
import { BLANK_MAGIC } from '../../protocol/message-record.ts';

/** Frame ends remembered; older acknowledgements fall back to the average. */
const MAX_CHECKPOINTS = 8192;

export class RecordCounter {
  /** Where the next record starts, once the chain is known. */
  private nextRecord: number;
  private counted = 0;
  private countedBytes = 0;
  private readonly ends: number[] = [];
  private readonly counts: number[] = [];
  /** A record's size field split across two frames. */
  private partial: Buffer | undefined;

  constructor(startOffset: number) {
    this.nextRecord = startOffset;
  }

  /** Messages whose records start below frameOffset + bytes.length, counting this frame. */
  observe(frameOffset: number, bytes: Buffer): void {
    const end = frameOffset + bytes.length;
    while (this.nextRecord < end) {
      const at = this.nextRecord - frameOffset;
      let size: number;
      let magic: number | undefined;
      if (at >= 0 && at + 8 <= bytes.length) {
        size = bytes.readInt32BE(at);
        magic = bytes.readInt32BE(at + 4);
      } else {
        // The header straddles the frame's end: read it from the next frame.
        const head = this.partial ?? Buffer.alloc(0);
        const take = bytes.subarray(Math.max(0, at), Math.max(0, at) + (8 - head.length));
        const joined = Buffer.concat([head, take]);
        if (joined.length < 8) {
          this.partial = joined;
          break;
        }
        this.partial = undefined;
        size = joined.readInt32BE(0);
        magic = joined.readInt32BE(4);
      }
      if (size <= 0) break; // not a record: leave the count where it is rather than guess
      if (magic !== BLANK_MAGIC) {
        this.counted++;
        this.countedBytes += size;
      }
      this.nextRecord += size;
    }
    this.ends.push(end);
    this.counts.push(this.counted);
    if (this.ends.length > MAX_CHECKPOINTS) {
      this.ends.splice(0, MAX_CHECKPOINTS / 2);
      this.counts.splice(0, MAX_CHECKPOINTS / 2);
    }
  }

  /** Messages between acked and the master's end (sent or not), exact where frames tell. */
  lagMessages(acked: number, sentEnd: number, masterEnd: number): number {
    const average = this.counted > 0 ? this.countedBytes / this.counted : 0;
    const unsent = average > 0 ? Math.ceil(Math.max(0, masterEnd - sentEnd) / average) : 0;
    const sentCount = this.counted - this.countAt(acked, average);
    return Math.max(0, sentCount) + unsent;
  }

  /** Messages counted below offset (the latest frame end at or below it). */
  private countAt(offset: number, average: number): number {
    const ends = this.ends;
    if (ends.length === 0 || offset >= ends[ends.length - 1]!) return this.counted;
    let low = 0;
    let high = ends.length - 1;
    if (offset < ends[0]!)
      return Math.max(0, this.counts[0]! - (average > 0 ? (ends[0]! - offset) / average : 0));
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (ends[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return this.counts[low]!;
  }
}
