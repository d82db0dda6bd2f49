/**
 * Each codec of src/protocol/ is its decoder's inverse, for arbitrary input (fast-check): the
 * properties encoding and its in-place scan, the SEND_BATCH_MESSAGE body, the stored record,
 * offset message ids, and the Java hash over bytes and over strings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBatchBody,
  encodeBatchBody,
  batchEntryBytes,
} from '../../../src/protocol/batch-body.ts';
import { javaCrc32 } from '../../../src/protocol/java-crc.ts';
import { javaAsciiHash, javaStringHash } from '../../../src/protocol/java-hash.ts';
import {
  MessageIdCodec,
  decodeOffsetMessageId,
  offsetMessageId,
} from '../../../src/protocol/message-id.ts';
import {
  checkRecord,
  encodeRecord,
  recordBytes,
  SysFlag,
} from '../../../src/protocol/message-record.ts';
import {
  appendProperty,
  decodeProperties,
  encodeProperties,
  scanProperties,
} from '../../../src/protocol/properties.ts';

const RUNS = { numRuns: 300 };
const text = (minLength: number, maxLength: number) =>
  fc
    .oneof(
      fc.string({ unit: 'binary', minLength, maxLength }),
      fc.string({ unit: 'binary-ascii', minLength, maxLength: Math.min(maxLength, 3) }),
    )
    .filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));
const properties = fc.dictionary(text(1, 10), text(1, 20), { maxKeys: 6 });

describe('protocol codecs - encode and decode are inverse', () => {
  it('properties: decode(encode(map)) is the map; appendProperty builds the same text', () => {
    fc.assert(
      fc.property(properties, (map) => {
        const encoded = encodeProperties(map);
        expect(decodeProperties(encoded)).toEqual({ ...map });
        let appended = '';
        for (const [name, value] of Object.entries(map))
          appended = appendProperty(appended, name, value);
        expect(appended).toBe(encoded);
      }),
      RUNS,
    );
  });

  it('properties: the in-place scan finds the TAGS, KEYS and UNIQ_KEY that decoding finds', () => {
    const system = fc.record({
      TAGS: fc.option(text(1, 8), { nil: undefined }),
      KEYS: fc.option(text(1, 8), { nil: undefined }),
      UNIQ_KEY: fc.option(text(1, 8), { nil: undefined }),
    });
    fc.assert(
      fc.property(properties, system, (user, sys) => {
        const map: Record<string, string> = { ...user };
        for (const [name, value] of Object.entries(sys)) if (value !== undefined) map[name] = value;
        const bytes = Buffer.from(`pad${encodeProperties(map)}pad`);
        const scan = scanProperties(bytes, 3, bytes.length - 3);
        const span = (start: number, end: number) =>
          start < 0 ? undefined : bytes.toString('utf8', start, end);
        expect(span(scan.tagsStart, scan.tagsEnd)).toBe(map['TAGS']);
        expect(span(scan.keysStart, scan.keysEnd)).toBe(map['KEYS']);
        expect(span(scan.uniqueKeyStart, scan.uniqueKeyEnd)).toBe(map['UNIQ_KEY']);
      }),
      RUNS,
    );
  });

  it('batch body: decoding the encoded entries gives them back with the header properties', () => {
    const entry = fc.record({
      flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      body: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      properties: properties.map((map) => Buffer.from(encodeProperties(map))),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 8 }),
        text(0, 12),
        (entries, header) => {
          const total = entries.reduce((sum, e) => sum + batchEntryBytes(e), 0);
          const decoded = decodeBatchBody(encodeBatchBody(entries, total), header);
          expect(decoded).toEqual(entries.map((e) => ({ ...e, propertiesSuffix: header })));
        },
      ),
      RUNS,
    );
  });

  it('stored record: checkRecord reads back every field encodeRecord wrote', () => {
    const host = fc.oneof(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
    );
    const offset = fc.integer({ min: 0, max: 2 ** 53 - 1 });
    const record = fc.record({
      queueId: fc.integer({ min: 0, max: 65535 }),
      body: fc.uint8Array({ maxLength: 500 }),
      topic: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,127}$/),
      properties: properties.map(encodeProperties),
      flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      sysFlag: fc.constantFrom(0, SysFlag.COMPRESSED, SysFlag.TRANSACTION_COMMIT),
      bornHost: host,
      storeHost: host,
      queueOffset: offset,
      physicalOffset: offset,
      storeTimestamp: offset,
    });
    fc.assert(
      fc.property(record, (r) => {
        const topicBytes = Buffer.from(r.topic);
        const propertiesBytes = Buffer.byteLength(r.properties);
        let sysFlag = r.sysFlag;
        if (r.bornHost.length === 20) sysFlag |= SysFlag.BORNHOST_V6;
        if (r.storeHost.length === 20) sysFlag |= SysFlag.STOREHOST_V6;
        const size = recordBytes(r.body.length, topicBytes.length, propertiesBytes, sysFlag);
        const buffer = Buffer.alloc(size + 5);
        const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        const content = {
          input: { queueId: r.queueId, body: r.body, properties: r.properties, flag: r.flag },
          topicBytes,
          propertiesBytes,
          bornHost: r.bornHost,
          sysFlag,
          recordBytes: size,
        };
        const at = 5;
        const propertiesAt = encodeRecord(
          buffer,
          view,
          at,
          content,
          r.storeHost,
          r.queueOffset,
          r.physicalOffset,
          r.storeTimestamp,
        );
        expect(buffer.toString('utf8', propertiesAt, at + size)).toBe(r.properties);
        const check = checkRecord(buffer, at, size, true);
        expect(check).toEqual({
          kind: 'message',
          record: {
            totalSize: size,
            queueId: r.queueId,
            queueOffset: r.queueOffset,
            physicalOffset: r.physicalOffset,
            sysFlag,
            storeTimestamp: r.storeTimestamp,
            bodyStart: expect.any(Number),
            bodyLength: r.body.length,
            topic: r.topic,
            propertiesStart: propertiesAt,
            propertiesLength: propertiesBytes,
          },
        });
        if (check.kind !== 'message') return;
        const { bodyStart } = check.record;
        expect(Buffer.compare(buffer.subarray(bodyStart, bodyStart + r.body.length), r.body)).toBe(
          0,
        );
        expect(buffer.readInt32BE(at + 8)).toBe(javaCrc32(r.body));
      }),
      RUNS,
    );
  });

  it('offset message ids: the broker codec and the SDK form agree, and decode back', () => {
    const ipv4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
    const port = fc.integer({ min: 1, max: 65535 });
    const offset = fc.integer({ min: 0, max: 2 ** 53 - 1 });
    fc.assert(
      fc.property(ipv4, port, offset, (address, p, physicalOffset) => {
        const id = new MessageIdCodec(address, p).offsetId(physicalOffset);
        const host = Buffer.alloc(8);
        host.set(address);
        host.writeInt32BE(p, 4);
        expect(offsetMessageId(host, physicalOffset)).toBe(id);
        expect(decodeOffsetMessageId(id)).toEqual({
          address: `${address.join('.')}:${p}`,
          physicalOffset,
        });
      }),
      RUNS,
    );
  });

  it('Java hash: over ASCII bytes it is the string hash, and non-ASCII bytes say undefined', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), (value, seed) => {
        const bytes = Buffer.from(value);
        const ascii = javaAsciiHash(bytes, 0, bytes.length, seed);
        if (bytes.every((byte) => byte < 0x80)) expect(ascii).toBe(javaStringHash(value, seed));
        else expect(ascii).toBeUndefined();
      }),
      RUNS,
    );
  });
});
