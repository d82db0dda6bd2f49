/** Helpers for the single-thread ring tests: deterministic payloads and positioning an empty ring. */
import { expect } from 'vitest';
import {
  RingReader,
  RingWriter,
  createRingChannel,
  recordBytesFor,
} from '../../../src/ring/index.ts';
import type { RingChannel } from '../../../src/ring/index.ts';

export const CAPACITY_BYTES = 64 * 1024;

export interface RingPair {
  channel: RingChannel;
  writer: RingWriter;
  reader: RingReader;
}

export function createPair(capacityBytes = CAPACITY_BYTES): RingPair {
  const channel = createRingChannel(capacityBytes);
  return { channel, writer: new RingWriter(channel), reader: new RingReader(channel) };
}

/** The shared pointers, as ringbuf.js lays them out: [write, read]. */
export function pointersOf(channel: RingChannel): [number, number] {
  const pointers = new Uint32Array(channel.data, 0, 2);
  return [Atomics.load(pointers, 0), Atomics.load(pointers, 1)];
}

/** Bytes of record number `serial`: different for every serial and every position. */
export function payloadFor(serial: number, length: number): Uint8Array {
  const payload = new Uint8Array(length);
  let state = (serial * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    payload[i] = state >>> 24;
  }
  return payload;
}

export function writePayload(writer: RingWriter, payload: Uint8Array): boolean {
  return writer.tryWrite(payload.length, (bytes, _view, offset) => bytes.set(payload, offset));
}

/** Drains everything and returns copies of the payloads with their storage offsets. */
export function drainAll(reader: RingReader): { offset: number; payload: Uint8Array }[] {
  const records: { offset: number; payload: Uint8Array }[] = [];
  reader.drain(Infinity, (bytes, _view, offset, length) => {
    records.push({ offset, payload: bytes.slice(offset, offset + length) });
  });
  return records;
}

/**
 * Moves an empty ring's pointers to `target` (a multiple of 8) with filler records that end
 * exactly at the end of the storage, so no padding is involved.
 */
export function moveEmptyRingTo(pair: RingPair, target: number): void {
  const capacity = pair.channel.capacityBytes;
  const maxRecordBytes = recordBytesFor(pair.writer.maxPayloadBytes);
  let [position] = pointersOf(pair.channel);
  for (let step = 0; step < 64 && position !== target; step++) {
    const distance = target > position ? target - position : capacity - position;
    const recordBytes = Math.min(distance, maxRecordBytes);
    expect(writePayload(pair.writer, new Uint8Array(recordBytes - 4))).toBe(true);
    pair.writer.publish();
    expect(pair.reader.drain(1, () => undefined)).toBe(1);
    position = (position + recordBytes) % capacity;
  }
  expect(pointersOf(pair.channel)).toEqual([target, target]);
}
