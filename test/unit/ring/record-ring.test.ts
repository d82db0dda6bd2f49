import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RingError,
  RingErrorCode,
  RingReader,
  RingWriter,
  createRingChannel,
  maxPayloadBytesFor,
  recordBytesFor,
} from '../../../src/ring/index.ts';
import {
  CAPACITY_BYTES,
  createPair,
  drainAll,
  moveEmptyRingTo,
  payloadFor,
  pointersOf,
  writePayload,
} from './ring-helpers.ts';

// toEqual walks typed arrays element by element, far too slow for thousands of 32 KiB records.
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.compare(actual, expected) === 0;
}

function errorOf(action: () => unknown): RingError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(RingError);
    return error as RingError;
  }
  throw new Error('expected a RingError');
}

describe('ring - channel options', () => {
  it('uses ringbuf.js layout: 8 header bytes, then capacityBytes of storage', () => {
    const channel = createRingChannel(CAPACITY_BYTES);
    expect(channel.capacityBytes).toBe(CAPACITY_BYTES);
    expect(channel.data.byteLength).toBe(8 + CAPACITY_BYTES);
    expect(channel.data).toBeInstanceOf(SharedArrayBuffer);
    expect(channel.signal).toBeInstanceOf(SharedArrayBuffer);
    expect(structuredClone(channel).capacityBytes).toBe(CAPACITY_BYTES);
  });

  it.each([0, 1024, 64 * 1024 - 8, 64 * 1024 + 4, 1.5e6 + 0.5, Number.NaN, 2 ** 31])(
    'rejects capacityBytes %s naming the option',
    (capacityBytes) => {
      const error = errorOf(() => createRingChannel(capacityBytes));
      expect(error.code).toBe(RingErrorCode.INVALID_OPTION);
      expect(error.message).toMatch(/^capacityBytes must be a multiple of 8 from 65536/);
    },
  );

  it('rejects a channel whose buffers do not match its capacity', () => {
    const channel = createRingChannel(CAPACITY_BYTES);
    const other = createRingChannel(2 * CAPACITY_BYTES);
    const error = errorOf(() => new RingWriter({ ...channel, data: other.data }));
    expect(error.message).toMatch(/channel\.data must be a SharedArrayBuffer of 65544 bytes/);
    const signalError = errorOf(
      () => new RingReader({ ...channel, signal: new SharedArrayBuffer(16) }),
    );
    expect(signalError.message).toMatch(/channel\.signal/);
  });
});

describe('ring - writing and draining on one thread', () => {
  it('delivers published records in order, in place, 8-aligned', () => {
    const { writer, reader } = createPair();
    const payloads = [0, 1, 3, 4, 5, 100, 1024, 4093].map((length, i) => payloadFor(i, length));
    for (const payload of payloads) expect(writePayload(writer, payload)).toBe(true);
    writer.publish();
    const records = drainAll(reader);
    expect(records.map((record) => record.payload)).toEqual(payloads);
    let expectedOffset = 4;
    for (const [i, record] of records.entries()) {
      expect(record.offset).toBe(expectedOffset);
      expectedOffset += recordBytesFor(payloads[i]!.length);
    }
    expect(reader.hasData()).toBe(false);
  });

  it('keeps records invisible until publish, and publishes them with one pointer store', () => {
    const { channel, writer, reader } = createPair();
    writePayload(writer, payloadFor(1, 10));
    writePayload(writer, payloadFor(2, 20));
    expect(reader.hasData()).toBe(false);
    expect(reader.drain(10, () => undefined)).toBe(0);
    expect(writer.unpublishedBytes).toBe(16 + 24);
    writer.publish();
    expect(pointersOf(channel)).toEqual([40, 0]);
    expect(reader.hasData()).toBe(true);
    expect(reader.drain(1, () => undefined)).toBe(1);
    expect(pointersOf(channel)).toEqual([40, 16]);
    expect(drainAll(reader).map((record) => record.payload)).toEqual([payloadFor(2, 20)]);
  });

  it('passes the whole storage as bytes and view, with the payload offset', () => {
    const { channel, writer, reader } = createPair();
    writer.tryWrite(8, (bytes, view, offset) => {
      expect(bytes.byteLength).toBe(channel.capacityBytes);
      expect(view.byteLength).toBe(channel.capacityBytes);
      expect(bytes.buffer).toBe(channel.data);
      expect(offset).toBe(4);
      view.setUint32(offset, 0xdeadbeef, true);
      view.setUint32(offset + 4, 7, true);
    });
    writer.publish();
    const seen: number[] = [];
    reader.drain(1, (_bytes, view, offset, length) => {
      seen.push(view.getUint32(offset, true), view.getUint32(offset + 4, true), length);
    });
    expect(seen).toEqual([0xdeadbeef, 7, 8]);
    expect(new DataView(channel.data, 8).getUint32(0, true)).toBe(8);
  });

  it('returns false on a full ring without calling fill, then has space after a drain', () => {
    const { writer, reader } = createPair();
    const payload = payloadFor(0, 1020);
    let written = 0;
    while (written < 100 && writePayload(writer, payload)) written++;
    // 1,024-byte records; one byte stays empty, so 63 fit in 64 KiB.
    expect(written).toBe(63);
    expect(writer.freeBytes).toBe(1023);
    let called = false;
    expect(writer.tryWrite(1020, () => (called = true))).toBe(false);
    expect(called).toBe(false);
    expect(writer.tryWrite(1012, () => undefined)).toBe(true);
    writer.publish();
    expect(writer.freeBytes).toBe(7);
    expect(writer.tryWrite(0, () => undefined)).toBe(false);
    expect(reader.drain(2, () => undefined)).toBe(2);
    expect(writer.freeBytes).toBe(2055);
    expect(writePayload(writer, payload)).toBe(true);
  });

  it('rejects payloads larger than maxPayloadBytes and bad sizes', () => {
    const { writer } = createPair();
    expect(writer.maxPayloadBytes).toBe(CAPACITY_BYTES / 2 - 4);
    expect(maxPayloadBytesFor(100_000)).toBe(49_996);
    const tooLarge = errorOf(() => writer.tryWrite(writer.maxPayloadBytes + 1, () => undefined));
    expect(tooLarge.code).toBe(RingErrorCode.RECORD_TOO_LARGE);
    expect(tooLarge.message).toMatch(/exceeds maxPayloadBytes 32764 of a 65536-byte ring/);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(errorOf(() => writer.tryWrite(bad, () => undefined)).code).toBe(
        RingErrorCode.INVALID_ARGUMENT,
      );
    }
    expect(writer.unpublishedBytes).toBe(0);
  });

  it('accepts a maxPayloadBytes record at every position of an empty ring', () => {
    const pair = createPair();
    const payload = payloadFor(9, pair.writer.maxPayloadBytes);
    for (let position = 0; position < CAPACITY_BYTES; position += 8) {
      moveEmptyRingTo(pair, position);
      expect(writePayload(pair.writer, payload)).toBe(true);
      pair.writer.publish();
      const [record] = drainAll(pair.reader);
      const expectedStart =
        position + recordBytesFor(payload.length) > CAPACITY_BYTES ? 0 : position;
      expect(record!.offset).toBe(expectedStart + 4);
      expect(sameBytes(record!.payload, payload)).toBe(true);
    }
  });

  it('pads past the tail at every write position where a record can need it', () => {
    // A record needs padding only when it is longer than the tail, and records are at most half
    // the ring, so padding happens only with the write position in the second half.
    const pair = createPair();
    const storage = new DataView(pair.channel.data, 8);
    for (let position = CAPACITY_BYTES / 2 + 8; position < CAPACITY_BYTES; position += 8) {
      moveEmptyRingTo(pair, position);
      const tailBytes = CAPACITY_BYTES - position - 8;
      const first = payloadFor(position, 4);
      const second = payloadFor(position + 1, tailBytes + 4 - (position % 7));
      expect(writePayload(pair.writer, first)).toBe(true);
      expect(writePayload(pair.writer, second)).toBe(true);
      pair.writer.publish();
      if (tailBytes > 0) expect(storage.getUint32(position + 8, true)).toBe(0xffffffff);
      const records = drainAll(pair.reader);
      expect(records.map((record) => record.offset)).toEqual([position + 4, 4]);
      expect(sameBytes(records[0]!.payload, first)).toBe(true);
      expect(sameBytes(records[1]!.payload, second)).toBe(true);
      expect(pair.reader.hasData()).toBe(false);
    }
  });

  it('stops a drain once the records read take maxBytes, reading at least one', () => {
    const { writer, reader } = createPair();
    for (let i = 0; i < 6; i++) writePayload(writer, payloadFor(i, 1000));
    writer.publish();
    expect(reader.drain(100, () => undefined, 2500)).toBe(3);
    expect(reader.drain(100, () => undefined, 10)).toBe(1);
    expect(reader.drain(100, () => undefined)).toBe(2);
  });

  it('counts bytes written and released as positions that only grow, across wraps', () => {
    // Records a tenth of the ring, read two by two: the ring wraps many times over.
    const pair = createPair();
    const { writer, reader } = pair;
    const ends: number[] = [];
    let released = 0;
    let read = 0;
    for (let i = 0; i < 200; i++) {
      while (!writePayload(writer, payloadFor(i, 6000 + (i % 13) * 8))) {
        writer.publish();
        read += reader.drain(2, () => undefined);
        expect(writer.releasedBytes).toBeGreaterThanOrEqual(released);
        released = writer.releasedBytes;
        // Exactly the records read end at or before the released position.
        expect(ends.filter((end) => end <= released)).toHaveLength(read);
      }
      ends.push(writer.writtenBytes);
    }
    writer.publish();
    reader.drain(Infinity, () => undefined);
    expect(writer.releasedBytes).toBe(writer.writtenBytes);
    expect(writer.writtenBytes).toBeGreaterThan(10 * CAPACITY_BYTES);
  });

  it('releases records up to the one whose handler threw', () => {
    const { writer, reader } = createPair();
    for (let i = 0; i < 3; i++) writePayload(writer, payloadFor(i, 8));
    writer.publish();
    let calls = 0;
    expect(() =>
      reader.drain(10, () => {
        if (++calls === 2) throw new Error('bad record');
      }),
    ).toThrow('bad record');
    expect(drainAll(reader).map((record) => record.payload)).toEqual([payloadFor(2, 8)]);
  });

  it('reports a damaged length prefix as corruption instead of reading past the data', () => {
    const { channel, writer, reader } = createPair();
    writePayload(writer, payloadFor(0, 8));
    writer.publish();
    new DataView(channel.data, 8).setUint32(0, 4000, true);
    expect(errorOf(() => reader.drain(1, () => undefined)).code).toBe(RingErrorCode.CORRUPT);
  });
});

describe('ring - random record sizes (property)', () => {
  it('every byte arrives in order, whatever the sizes, batches and start position', () => {
    const maxPayload = maxPayloadBytesFor(CAPACITY_BYTES);
    const size = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: 4096 }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: maxPayload }), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ size, publish: fc.boolean() }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: CAPACITY_BYTES / 8 - 1 }),
        (writes, batches, startSlot) => {
          const pair = createPair();
          moveEmptyRingTo(pair, startSlot * 8);
          const expected: Uint8Array[] = [];
          let delivered = 0;
          let drains = 0;
          const check = (bytes: Uint8Array, offset: number, length: number): void => {
            const want = expected[delivered++]!;
            expect(length).toBe(want.length);
            expect(offset % 8).toBe(4);
            expect(offset + length).toBeLessThanOrEqual(CAPACITY_BYTES);
            expect(Buffer.compare(bytes.subarray(offset, offset + length), want)).toBe(0);
          };
          const drainBatch = (): number =>
            pair.reader.drain(batches[drains++ % batches.length]!, (bytes, _view, offset, length) =>
              check(bytes, offset, length),
            );
          for (const [serial, write] of writes.entries()) {
            const payload = payloadFor(serial, write.size);
            let attempts = 0;
            while (!writePayload(pair.writer, payload)) {
              pair.writer.publish();
              expect(drainBatch()).toBeGreaterThan(0);
              expect(++attempts).toBeLessThan(200);
            }
            expected.push(payload);
            if (write.publish) pair.writer.publish();
          }
          pair.writer.publish();
          for (let i = 0; i < 200 && pair.reader.hasData(); i++) drainBatch();
          expect(delivered).toBe(expected.length);
          expect(pair.reader.usedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
