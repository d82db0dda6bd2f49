/** Wakes the reader when records are published. */
function dataSignalOf(channel: RingChannel): WakeSignal {
  return new WakeSignal(channel.signal, SignalIndex.DATA_SEQUENCE, SignalIndex.READER_ASLEEP);
}

/** Wakes the writer when the reader releases space. */
function spaceSignalOf(channel: RingChannel): WakeSignal {
  return new WakeSignal(channel.signal, SignalIndex.SPACE_SEQUENCE, SignalIndex.WRITER_WAITING);
}

/**
 * One direction of the data plane between the coordinator and a queue actor: a single-producer,
 * single-consumer ring of length-prefixed records in a SharedArrayBuffer, written in place and
 * read in place (no per-byte copy loop, no structured clone), published and released in batches.
 *
 * Memory is ringbuf.js's layout, so its RingBuffer class allocates it and advances the write
 * pointer; its own pop/push are not used, because they copy byte by byte in JavaScript
 * (measurements/architecture-limits.md, conclusion 1 and table 2).
 *
 *   data SharedArrayBuffer
 *   byte 0   u32 write pointer   (storage offset; advanced by the writer's publish)
 *   byte 4   u32 read pointer    (storage offset; advanced by the reader's release)
 *   byte 8   storage, capacityBytes long; offsets below are storage offsets
 *
 * As in ringbuf.js one byte is always left empty, so equal pointers mean "empty".
 *
 * A record is a u32 little-endian payload length, then the payload, padded to 8 bytes, so every
 * record starts 8-aligned:
 *
 *   +--------+---------------------+------+
 *   | length | payload (length B)  | pad  |   4 + length, rounded up to a multiple of 8
 *   +--------+---------------------+------+
 *
 * Records never wrap. When a record does not fit between the write position and the end of the
 * storage, the writer puts a padding marker (length 0xFFFFFFFF) there and writes the record at 0;
 * the reader, on a marker, continues at 0:
 *
 *   0                                                            capacityBytes
 *   | new record |   free   | rec | rec | rec | FFFFFFFF ......... |
 *                            ^ read            ^ tail too short: marker, skipped
 *
 * Because of that rule a record larger than half the storage might never fit (the pointers can
 * both sit in the middle), so maxPayloadBytes is 8 * floor(capacityBytes / 16) - 4: at every
 * position of an empty ring, a record that large fits either before the end or at 0.
 */
import { RingError, RingErrorCode } from './ring-errors.ts';
import {
  AttachedRing,
  PADDING_MARKER,
  READ_POINTER,
  RECORD_PREFIX_BYTES,
  WRITE_POINTER,
  recordBytesFor,
} from './ring-channel.ts';
import type { RecordFill, RecordVisitor, RingChannel } from './ring-channel.ts';
import { SignalIndex, WakeSignal, checkTimeout } from './ring-signal.ts';

export {
  MAX_RING_CAPACITY_BYTES,
  MIN_RING_CAPACITY_BYTES,
  PADDING_MARKER,
  RECORD_ALIGNMENT_BYTES,
  RECORD_PREFIX_BYTES,
  RING_HEADER_BYTES,
  createRingChannel,
  maxPayloadBytesFor,
  recordBytesFor,
} from './ring-channel.ts';
export type { RecordFill, RecordVisitor, RingChannel } from './ring-channel.ts';

export class RingWriter {
  private readonly attached: AttachedRing;
  private readonly dataSignal: WakeSignal;
  private readonly spaceSignal: WakeSignal;
  /** Where the next record goes; runs ahead of the shared write pointer by pendingBytes. */
  private writePosition: number;
  private pendingBytes = 0;
  /** Storage bytes taken by every record written so far, skipped tails included. */
  private totalWrittenBytes = 0;
  /** The read pointer seen by the last tryWrite that found no space, or -1. */
  private readPositionAtFailure = -1;
  private readonly takePending = (): number => this.pendingBytes;

  constructor(channel: RingChannel) {
    this.attached = new AttachedRing(channel);
    this.dataSignal = dataSignalOf(channel);
    this.spaceSignal = spaceSignalOf(channel);
    this.writePosition = Atomics.load(this.attached.pointers, WRITE_POINTER);
  }

  /**
   * Reserves a contiguous record of payloadBytes (the writer adds its own 4-byte length prefix
   * and pads so records never wrap), calls fill with the ring's storage and the payload's start
   * offset, and returns true; returns false without calling fill when there is not enough free
   * space now. Written records become visible to the reader only at publish(). payloadBytes
   * larger than the largest record the ring can ever hold throws.
   */
  tryWrite(payloadBytes: number, fill: RecordFill): boolean {
    const ring = this.attached;
    if (!(
      payloadBytes >= 0 &&
      payloadBytes <= ring.maxPayloadBytes &&
      Number.isInteger(payloadBytes)
    )) {
      throw this.payloadError(payloadBytes);
    }
    const capacity = ring.capacityBytes;
    const recordBytes = recordBytesFor(payloadBytes);
    const read = Atomics.load(ring.pointers, READ_POINTER);
    const write = this.writePosition;
    const freeBytes = capacity - 1 - ring.usedBytes(write, read);
    let start = write;
    let neededBytes = recordBytes;
    if (write + recordBytes > capacity) {
      start = 0;
      neededBytes += capacity - write;
    }
    if (neededBytes > freeBytes) {
      this.readPositionAtFailure = read;
      return false;
    }
    ring.view.setUint32(start, payloadBytes, true);
    fill(ring.bytes, ring.view, start + RECORD_PREFIX_BYTES);
    if (start !== write) ring.view.setUint32(write, PADDING_MARKER, true);
    const end = start + recordBytes;
    this.writePosition = end === capacity ? 0 : end;
    this.pendingBytes += neededBytes;
    this.totalWrittenBytes += neededBytes;
    return true;
  }

  /**
   * Makes all records written since the last publish visible with one Atomics store, and wakes
   * the reader only if it is asleep.
   */
  publish(): void {
    if (this.pendingBytes === 0) return;
    // ringbuf.js advances the shared write pointer by what the callback returns, in one store;
    // the bytes are already in place.
    const published = this.attached.ring.writeCallbackWithOffset(
      this.pendingBytes,
      this.takePending,
    );
    if (published !== this.pendingBytes) {
      throw new RingError(
        RingErrorCode.CORRUPT,
        `ring refused ${this.pendingBytes} reserved bytes (took ${published}): its pointers were changed by another party`,
      );
    }
    this.pendingBytes = 0;
    this.dataSignal.wake();
  }

  /**
   * Resolves when the reader has released space since the last tryWrite that returned false (or
   * since this call), immediately if it already has or the ring is empty, or after timeoutMs.
   * Publishes pending records first: a ring full of unpublished records would never drain.
   * Uses Atomics.waitAsync on the signal; never spins.
   */
  waitForSpace(timeoutMs = Infinity): Promise<void> {
    checkTimeout(timeoutMs, 'waitForSpace');
    this.publish();
    const pointers = this.attached.pointers;
    const reference =
      this.readPositionAtFailure >= 0
        ? this.readPositionAtFailure
        : Atomics.load(pointers, READ_POINTER);
    this.readPositionAtFailure = -1;
    return this.spaceSignal.sleep(() => {
      const read = Atomics.load(pointers, READ_POINTER);
      return read !== reference || read === this.writePosition;
    }, timeoutMs);
  }

  /** Ends a pending waitForSpace early (for shutdown); the caller re-checks. */
  interruptWait(): void {
    this.spaceSignal.interrupt();
  }

  /**
   * Free storage bytes as the writer sees them now; a record takes recordBytesFor(payload), plus
   * the tail it skips when it does not fit before the end.
   */
  get freeBytes(): number {
    const ring = this.attached;
    const read = Atomics.load(ring.pointers, READ_POINTER);
    return ring.capacityBytes - 1 - ring.usedBytes(this.writePosition, read);
  }

  /**
   * Storage bytes written since this writer was created, skipped tails included: a position in
   * the stream of records that only grows (exact up to 2^53 bytes).
   */
  get writtenBytes(): number {
    return this.totalWrittenBytes;
  }

  /**
   * How much of writtenBytes the reader has released: a record written when writtenBytes
   * reached E has been read once releasedBytes >= E.
   */
  get releasedBytes(): number {
    const ring = this.attached;
    const read = Atomics.load(ring.pointers, READ_POINTER);
    return this.totalWrittenBytes - ring.usedBytes(this.writePosition, read);
  }

  /** Bytes written but not yet published. */
  get unpublishedBytes(): number {
    return this.pendingBytes;
  }

  /** The largest payload tryWrite can ever accept. */
  get maxPayloadBytes(): number {
    return this.attached.maxPayloadBytes;
  }

  private payloadError(payloadBytes: number): RingError {
    if (payloadBytes > this.attached.maxPayloadBytes) {
      return new RingError(
        RingErrorCode.RECORD_TOO_LARGE,
        `payload of ${payloadBytes} bytes exceeds maxPayloadBytes ${this.attached.maxPayloadBytes} ` +
          `of a ${this.attached.capacityBytes}-byte ring; raise the ring's capacityBytes or send it another way`,
      );
    }
    return new RingError(
      RingErrorCode.INVALID_ARGUMENT,
      `payloadBytes must be an integer >= 0, got ${payloadBytes}`,
    );
  }
}

export class RingReader {
  private readonly attached: AttachedRing;
  private readonly dataSignal: WakeSignal;
  private readonly spaceSignal: WakeSignal;
  /** Owned by this reader; equal to the shared read pointer outside drain. */
  private readPosition: number;
  private readonly hasDataNow = (): boolean =>
    Atomics.load(this.attached.pointers, WRITE_POINTER) !== this.readPosition;

  constructor(channel: RingChannel) {
    this.attached = new AttachedRing(channel);
    this.dataSignal = dataSignalOf(channel);
    this.spaceSignal = spaceSignalOf(channel);
    this.readPosition = Atomics.load(this.attached.pointers, READ_POINTER);
  }

  /**
   * Calls onRecord for up to maxRecords published records, in order, reading in place (the views
   * are valid only during the call), then releases them all with one Atomics store and wakes a
   * writer waiting for space. Stops early once the records read take maxBytes of payload (at
   * least one is read). Returns the number of records read. If onRecord throws, the records
   * up to and including that one are released (a bad record is not delivered again) and the
   * error propagates.
   */
  drain(maxRecords: number, onRecord: RecordVisitor, maxBytes = Infinity): number {
    if (!(maxRecords >= 0)) {
      throw new RingError(
        RingErrorCode.INVALID_ARGUMENT,
        `maxRecords must be a number >= 0, got ${maxRecords}`,
      );
    }
    const ring = this.attached;
    const capacity = ring.capacityBytes;
    const view = ring.view;
    const write = Atomics.load(ring.pointers, WRITE_POINTER);
    let read = this.readPosition;
    if (read === write || maxRecords < 1) return 0;
    let count = 0;
    let payloadBytes = 0;
    try {
      while (read !== write && count < maxRecords && payloadBytes < maxBytes) {
        const length = view.getUint32(read, true);
        if (length === PADDING_MARKER && read > write) {
          read = 0;
          continue;
        }
        const start = read;
        const end = start + recordBytesFor(length);
        if (length > ring.maxPayloadBytes || end > (start < write ? write : capacity)) {
          throw new RingError(
            RingErrorCode.CORRUPT,
            `ring record at ${start} claims ${length} payload bytes, beyond the published data ` +
              `(write pointer ${write}, capacity ${capacity})`,
          );
        }
        read = end === capacity ? 0 : end;
        count++;
        payloadBytes += length;
        onRecord(ring.bytes, view, start + RECORD_PREFIX_BYTES, length);
      }
    } finally {
      this.readPosition = read;
      Atomics.store(ring.pointers, READ_POINTER, read);
      this.spaceSignal.wake();
    }
    return count;
  }

  /**
   * Resolves when published records are available (immediately if some already are), or after
   * timeoutMs. Uses Atomics.waitAsync (main thread and workers); never spins.
   */
  waitForData(timeoutMs = Infinity): Promise<void> {
    checkTimeout(timeoutMs, 'waitForData');
    return this.dataSignal.sleep(this.hasDataNow, timeoutMs);
  }

  /**
   * Blocks the thread in Atomics.wait until records are available or timeoutMs passed; returns
   * hasData(). Worker threads only: it stops the event loop.
   */
  waitForDataSync(timeoutMs: number): boolean {
    checkTimeout(timeoutMs, 'waitForDataSync');
    return this.dataSignal.sleepSync(this.hasDataNow, timeoutMs);
  }

  /** Ends a pending waitForData early (for shutdown); the caller re-checks. */
  interruptWait(): void {
    this.dataSignal.interrupt();
  }

  hasData(): boolean {
    return this.hasDataNow();
  }

  /** Published bytes not yet released, padding included. */
  get usedBytes(): number {
    const write = Atomics.load(this.attached.pointers, WRITE_POINTER);
    return this.attached.usedBytes(write, this.readPosition);
  }
}
