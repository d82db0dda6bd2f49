import { describe, expect, it } from 'vitest';
import { RecordEncoder } from '../../../native-free-store/commit-log/record-encoder.ts';
import { StoreError } from '../../../native-free-store/errors.ts';
import { javaStringHash } from '../../../src/protocol/java-hash.ts';
import {
  BLANK_MAGIC,
  checkRecord,
  Field,
  MESSAGE_MAGIC,
  SysFlag,
} from '../../../src/protocol/message-record.ts';
import {
  decodeProperties,
  encodeProperties,
  scanProperties,
} from '../../../src/protocol/properties.ts';

function encodeOne(
  bornHost = { address: '192.168.1.2', port: 7000 },
  storeHost = { address: '10.1.2.3', port: 10911 },
) {
  const encoder = new RecordEncoder(storeHost, 4096);
  const message = encoder.prepare(
    {
      topic: 'TopicA',
      queueId: 3,
      body: Buffer.from('hello'),
      properties: 'TAGS\u0001TagA',
      flag: 9,
      bornTimestamp: 1234,
      bornHost,
      reconsumeTimes: 2,
      preparedTransactionOffset: 77,
    },
    0,
  );
  const buffer = Buffer.alloc(message.recordBytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  encoder.encode(buffer, view, 0, message, 42, 1_000_000_000_123, 5678);
  return { buffer, message };
}

describe('message record - stored layout', () => {
  it('places IPv4 fields at the offsets of protocol/REMOTING.md 13.1', () => {
    const { buffer, message } = encodeOne();
    expect(message.recordBytes).toBe(91 + 5 + 6 + 'TAGS\u0001TagA'.length);
    expect(buffer.readInt32BE(0)).toBe(message.recordBytes);
    expect(buffer.readInt32BE(Field.MAGIC)).toBe(MESSAGE_MAGIC);
    expect(buffer.readInt32BE(Field.QUEUE_ID)).toBe(3);
    expect(buffer.readInt32BE(Field.FLAG)).toBe(9);
    expect(buffer.readBigInt64BE(Field.QUEUE_OFFSET)).toBe(42n);
    expect(buffer.readBigInt64BE(Field.PHYSICAL_OFFSET)).toBe(1_000_000_000_123n);
    expect(buffer.readBigInt64BE(40)).toBe(1234n);
    expect([...buffer.subarray(48, 52)]).toEqual([192, 168, 1, 2]);
    expect(buffer.readInt32BE(52)).toBe(7000);
    expect(buffer.readBigInt64BE(56)).toBe(5678n);
    expect([...buffer.subarray(64, 68)]).toEqual([10, 1, 2, 3]);
    expect(buffer.readInt32BE(68)).toBe(10911);
    expect(buffer.readInt32BE(72)).toBe(2);
    expect(buffer.readBigInt64BE(76)).toBe(77n);
    expect(buffer.readInt32BE(84)).toBe(5);
    expect(buffer.toString('utf8', 88, 93)).toBe('hello');
    expect(buffer.readInt8(93)).toBe(6);
    expect(buffer.toString('utf8', 94, 100)).toBe('TopicA');
  });

  it('checkRecord reads back what was encoded, CRC included', () => {
    const { buffer } = encodeOne();
    const check = checkRecord(buffer, 0, buffer.length, true);
    expect(check.kind).toBe('message');
    if (check.kind !== 'message') return;
    expect(check.record).toMatchObject({
      queueId: 3,
      queueOffset: 42,
      physicalOffset: 1_000_000_000_123,
      storeTimestamp: 5678,
      topic: 'TopicA',
      bodyLength: 5,
    });
  });

  it('sets the IPv6 sysFlag bits and sizes hosts at 20 bytes', () => {
    const { buffer, message } = encodeOne(
      { address: '::1', port: 1 },
      { address: 'fe80::2', port: 2 },
    );
    expect(message.sysFlag & SysFlag.BORNHOST_V6).toBeTruthy();
    expect(message.sysFlag & SysFlag.STOREHOST_V6).toBeTruthy();
    const check = checkRecord(buffer, 0, buffer.length, true);
    expect(check.kind === 'message' && check.record.storeTimestamp).toBe(5678);
  });

  it('flags a flipped body byte, a wrong size and a blank marker', () => {
    const { buffer } = encodeOne();
    const flipped = Buffer.from(buffer);
    flipped[90] ^= 0xff;
    expect(checkRecord(flipped, 0, flipped.length, true)).toEqual({
      kind: 'invalid',
      reason: 'body CRC mismatch',
    });
    const resized = Buffer.from(buffer);
    resized.writeInt32BE(buffer.length - 1, 0);
    expect(checkRecord(resized, 0, resized.length, true).kind).toBe('invalid');
    const blank = Buffer.alloc(16);
    blank.writeInt32BE(16, 0);
    blank.writeInt32BE(BLANK_MAGIC, 4);
    expect(checkRecord(blank, 0, 16, true)).toEqual({ kind: 'blank', totalSize: 16 });
    expect(checkRecord(Buffer.alloc(200), 0, 200, true)).toEqual({
      kind: 'invalid',
      reason: 'end of data',
    });
  });

  it('rejects bad input with the field named', () => {
    const encoder = new RecordEncoder({ address: '127.0.0.1', port: 1 }, 10);
    expect(() => encoder.prepare({ topic: 'a/b', queueId: 0, body: Buffer.alloc(1) }, 0)).toThrow(
      /topic "a\/b"/,
    );
    expect(() =>
      encoder.prepare({ topic: 'x'.repeat(128), queueId: 0, body: Buffer.alloc(1) }, 0),
    ).toThrow(/128 bytes, at most 127/);
    expect(() => encoder.prepare({ topic: 't', queueId: 0, body: Buffer.alloc(11) }, 2)).toThrow(
      /message 2: body is 11 bytes/,
    );
    expect(() => encoder.prepare({ topic: 't', queueId: -1, body: Buffer.alloc(1) }, 0)).toThrow(
      StoreError,
    );
    expect(() =>
      encoder.prepare(
        { topic: 't', queueId: 0, body: Buffer.alloc(1), properties: 'x'.repeat(40000) },
        0,
      ),
    ).toThrow(/properties are 40000 bytes/);
  });
});

describe('properties and hashes', () => {
  it('encodes and decodes like the Java client', () => {
    const encoded = encodeProperties({ TAGS: 'A', KEYS: 'k1 k2', EMPTY: '' });
    expect(encoded).toBe('TAGS\u0001A\u0002KEYS\u0001k1 k2');
    expect(decodeProperties(encoded + '\u0002')).toEqual({ TAGS: 'A', KEYS: 'k1 k2' });
    const bytes = Buffer.from(
      'X\u0001y\u0002TAGS\u0001TagB\u0002UNIQ_KEY\u0001ABC\u0002KEYS\u0001a b',
    );
    const scanned = scanProperties(bytes, 0, bytes.length);
    expect(bytes.toString('utf8', scanned.tagsStart, scanned.tagsEnd)).toBe('TagB');
    expect(bytes.toString('utf8', scanned.uniqueKeyStart, scanned.uniqueKeyEnd)).toBe('ABC');
    expect(bytes.toString('utf8', scanned.keysStart, scanned.keysEnd)).toBe('a b');
    // Bytes past the end are not read: the last entry stops at end, not at the next 0x02.
    const cut = scanProperties(bytes, 0, bytes.indexOf('UNIQ_KEY') + 10);
    expect(bytes.toString('utf8', cut.uniqueKeyStart, cut.uniqueKeyEnd)).toBe('A');
    expect(cut.keysStart).toBe(-1);
  });

  it('computes Java String.hashCode', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
    expect(javaStringHash('TagA')).toBe(2598919);
  });
});
