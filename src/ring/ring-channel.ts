/**
 * A ring channel: the two SharedArrayBuffers of one direction (ringbuf.js's data buffer and the
 * signal cells), created once and attached to by one writer and one reader. The record layout
 * inside the data buffer is described in record-ring.ts.
 */
import { RingBuffer } from 'ringbuf.js';
import { RingError, RingErrorCode } from './ring-errors.ts';
import { SIGNAL_BYTES, createSignalBuffer } from './ring-signal.ts';

/**
 * Everything a thread needs to attach to one direction of a channel; postMessage-able (only
 * SharedArrayBuffers inside).
 */
export interface RingChannel {
  data: SharedArrayBuffer;
  signal: SharedArrayBuffer;
  capacityBytes: number;
}

export const MIN_RING_CAPACITY_BYTES = 64 * 1024;
/** Pointers are u32; a gibibyte per direction is already far past any useful batch. */
export const MAX_RING_CAPACITY_BYTES = 1024 * 1024 * 1024;
export const RING_HEADER_BYTES = 8;
export const RECORD_PREFIX_BYTES = 4;
export const RECORD_ALIGNMENT_BYTES = 8;
export const PADDING_MARKER = 0xffffffff;

/** Indexes in the Uint32Array over the header, as ringbuf.js lays it out. */
export const WRITE_POINTER = 0;
export const READ_POINTER = 1;

export type RecordFill = (bytes: Uint8Array, view: DataView, offset: number) => void;
export type RecordVisitor = (
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
) => void;

/** Bytes a record of payloadBytes occupies in the storage. */
export function recordBytesFor(payloadBytes: number): number {
  return (
    (payloadBytes + RECORD_PREFIX_BYTES + RECORD_ALIGNMENT_BYTES - 1) & -RECORD_ALIGNMENT_BYTES
  );
}

/** The largest payload a ring of this capacity can always accept once empty. */
export function maxPayloadBytesFor(capacityBytes: number): number {
  return RECORD_ALIGNMENT_BYTES * Math.floor(capacityBytes / 16) - RECORD_PREFIX_BYTES;
}

export function createRingChannel(capacityBytes: number): RingChannel {
  checkCapacity(capacityBytes);
  // ringbuf.js allocates capacity + 1 elements, the extra one being the slot kept empty.
  const data = RingBuffer.getStorageForCapacity(capacityBytes - 1, Uint8Array);
  return { data, signal: createSignalBuffer(), capacityBytes };
}

function checkCapacity(capacityBytes: number): void {
  if (
    !Number.isSafeInteger(capacityBytes) ||
    capacityBytes < MIN_RING_CAPACITY_BYTES ||
    capacityBytes > MAX_RING_CAPACITY_BYTES ||
    capacityBytes % RECORD_ALIGNMENT_BYTES !== 0
  ) {
    throw new RingError(
      RingErrorCode.INVALID_OPTION,
      `capacityBytes must be a multiple of ${RECORD_ALIGNMENT_BYTES} from ` +
        `${MIN_RING_CAPACITY_BYTES} (64 KiB) to ${MAX_RING_CAPACITY_BYTES} (1 GiB), got ${capacityBytes}`,
    );
  }
}

/** The views both ends build once over a channel, after checking it is one. */
export class AttachedRing {
  readonly ring: RingBuffer;
  readonly pointers: Uint32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly capacityBytes: number;
  readonly maxPayloadBytes: number;

  constructor(channel: RingChannel) {
    const { data, signal, capacityBytes } = channel;
    checkCapacity(capacityBytes);
    if (
      !(data instanceof SharedArrayBuffer) ||
      data.byteLength !== RING_HEADER_BYTES + capacityBytes
    ) {
      throw new RingError(
        RingErrorCode.INVALID_OPTION,
        `channel.data must be a SharedArrayBuffer of ${RING_HEADER_BYTES + capacityBytes} bytes ` +
          '(made by createRingChannel)',
      );
    }
    if (!(signal instanceof SharedArrayBuffer) || signal.byteLength !== SIGNAL_BYTES) {
      throw new RingError(
        RingErrorCode.INVALID_OPTION,
        `channel.signal must be a SharedArrayBuffer of ${SIGNAL_BYTES} bytes (made by createRingChannel)`,
      );
    }
    this.ring = new RingBuffer(data, Uint8Array);
    this.pointers = new Uint32Array(data, 0, 2);
    this.bytes = new Uint8Array(data, RING_HEADER_BYTES, capacityBytes);
    this.view = new DataView(data, RING_HEADER_BYTES, capacityBytes);
    this.capacityBytes = capacityBytes;
    this.maxPayloadBytes = maxPayloadBytesFor(capacityBytes);
  }

  usedBytes(write: number, read: number): number {
    return write >= read ? write - read : write + this.capacityBytes - read;
  }
}
