/**
 * Where each shard's commit log has been written to its files, shared between the queue actor
 * that writes the shard and the coordinator's replication senders, which read those bytes from
 * the segment files. The actor publishes once per write-out (not per message); a sender that has
 * sent everything sleeps on the shard's sequence with Atomics.waitAsync instead of polling.
 *
 * Layout: per shard one 64-byte line (a cache line, so two actors never share one) holding the
 * written end (BigInt64 at byte 0) and a sequence bumped on every publish (Int32 at byte 8).
 */

const LINE_BYTES = 64;
const SEQUENCE_INDEX = 2; // Int32 index of byte 8 in a line

import { waitAsync } from '../../ring/ring-signal.ts';

export function createWrittenPositions(shards: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, shards) * LINE_BYTES);
}

export class WrittenPositions {
  private readonly ends: BigInt64Array;
  private readonly sequences: Int32Array;
  readonly shards: number;

  constructor(buffer: SharedArrayBuffer) {
    this.ends = new BigInt64Array(buffer);
    this.sequences = new Int32Array(buffer);
    this.shards = buffer.byteLength / LINE_BYTES;
  }

  /** Actor side: the shard's files now hold every byte below end. */
  publish(shard: number, end: number): void {
    Atomics.store(this.ends, (shard * LINE_BYTES) / 8, BigInt(end));
    const cell = (shard * LINE_BYTES) / 4 + SEQUENCE_INDEX;
    Atomics.add(this.sequences, cell, 1);
    Atomics.notify(this.sequences, cell);
  }

  end(shard: number): number {
    return Number(Atomics.load(this.ends, (shard * LINE_BYTES) / 8));
  }

  sequence(shard: number): number {
    return Atomics.load(this.sequences, (shard * LINE_BYTES) / 4 + SEQUENCE_INDEX);
  }

  /** Resolves once the shard publishes after `seen` (a sequence read earlier), or at timeoutMs. */
  async changedSince(shard: number, seen: number, timeoutMs: number): Promise<void> {
    const result = waitAsync!(
      this.sequences,
      (shard * LINE_BYTES) / 4 + SEQUENCE_INDEX,
      seen,
      timeoutMs,
    );
    if (result.async) await result.value;
  }
}
