/**
 * The stored-message layout (protocol/REMOTING.md 13.1), v1 (1-byte topic length), big-endian:
 * the store writes it to the commit log and checks it on recovery, a pull-response body is these
 * bytes unchanged, and the broker and the SDK read them back. One definition for all of them.
 *
 *   0 totalSize  4 magic  8 bodyCRC  12 queueId  16 flag  20 queueOffset(8)  28 physicalOffset(8)
 *  36 sysFlag  40 bornTimestamp(8)  48 bornHost(8|20)  storeTimestamp(8)  storeHost(8|20)
 *     reconsumeTimes(4)  preparedTransactionOffset(8)  bodyLength(4) body  topicLength(1) topic
 *     propertiesLength(2) properties
 *
 * End of segment: an 8-byte blank marker (totalSize = bytes left in the segment, magic BLANK).
 */
import { javaCrc32 } from './java-crc.ts';

/** v1 magic: what ThrustMQ writes. */
export const MESSAGE_MAGIC = 0xdaa320a7 | 0;
/** v2 magic: a 2-byte topic length; Java brokers may return it, so the SDK reads it. */
export const MESSAGE_MAGIC_V2 = 0xdaa320ab | 0;
export const BLANK_MAGIC = 0xcbd43194 | 0;
export const BLANK_MARKER_BYTES = 8;

export const SysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_MASK: 0xc,
  TRANSACTION_PREPARED: 0x4,
  TRANSACTION_COMMIT: 0x8,
  TRANSACTION_ROLLBACK: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
} as const;

export const Field = {
  TOTAL_SIZE: 0,
  MAGIC: 4,
  BODY_CRC: 8,
  QUEUE_ID: 12,
  FLAG: 16,
  QUEUE_OFFSET: 20,
  PHYSICAL_OFFSET: 28,
  SYS_FLAG: 36,
  BORN_TIMESTAMP: 40,
  BORN_HOST: 48,
} as const;

/** Fixed part of a v1 record with IPv4 hosts: 91 bytes plus body, topic and properties. */
export const FIXED_RECORD_BYTES = 91;
export const IPV6_EXTRA_BYTES = 12;

const TWO_POW_32 = 0x1_0000_0000;

export function writeUint64(buffer: Buffer, position: number, value: number): void {
  buffer.writeUInt32BE(Math.floor(value / TWO_POW_32) >>> 0, position);
  buffer.writeUInt32BE(value >>> 0, position + 4);
}

/** Reads an 8-byte signed value as a number; exact below 2^53, which offsets and times stay in. */
export function readInt64(buffer: Uint8Array, position: number): number {
  const view = buffer as Buffer;
  return view.readInt32BE(position) * TWO_POW_32 + view.readUInt32BE(position + 4);
}

/** Writes a non-negative safe integer as 8 big-endian bytes through a DataView. */
export function setUint64(view: DataView, position: number, value: number): void {
  view.setUint32(position, Math.floor(value / TWO_POW_32));
  view.setUint32(position + 4, value >>> 0);
}

export function recordBytes(
  bodyBytes: number,
  topicBytes: number,
  propertiesBytes: number,
  sysFlag: number,
): number {
  let size = FIXED_RECORD_BYTES + bodyBytes + topicBytes + propertiesBytes;
  if (sysFlag & SysFlag.BORNHOST_V6) size += IPV6_EXTRA_BYTES;
  if (sysFlag & SysFlag.STOREHOST_V6) size += IPV6_EXTRA_BYTES;
  return size;
}

/** Positions of the variable fields of a record, derived from its sysFlag. */
export interface RecordLayout {
  storeTimestamp: number;
  storeHost: number;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  bodyLength: number;
}

export function recordLayout(sysFlag: number): RecordLayout {
  const bornHostBytes = sysFlag & SysFlag.BORNHOST_V6 ? 20 : 8;
  const storeHostBytes = sysFlag & SysFlag.STOREHOST_V6 ? 20 : 8;
  const storeTimestamp = Field.BORN_HOST + bornHostBytes;
  const storeHost = storeTimestamp + 8;
  const reconsumeTimes = storeHost + storeHostBytes;
  return {
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset: reconsumeTimes + 4,
    bodyLength: reconsumeTimes + 12,
  };
}

/** The fields of a stored record that dispatch and lookups need, read from its bytes. */
export interface RecordSummary {
  totalSize: number;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  storeTimestamp: number;
  bodyStart: number;
  bodyLength: number;
  topic: string;
  propertiesStart: number;
  propertiesLength: number;
}

export type RecordCheck =
  | { kind: 'message'; record: RecordSummary }
  | { kind: 'blank'; totalSize: number }
  | { kind: 'invalid'; reason: string };

/**
 * Validates the record at bytes[position] the way recovery must: magic, a declared size that
 * matches the size computed from its fields, and (when checkCrc) the body CRC. `available` is how
 * many bytes from position are readable.
 */
export function checkRecord(
  bytes: Buffer,
  position: number,
  available: number,
  checkCrc: boolean,
): RecordCheck {
  if (available < BLANK_MARKER_BYTES) return { kind: 'invalid', reason: 'truncated header' };
  const totalSize = bytes.readInt32BE(position);
  const magic = bytes.readInt32BE(position + Field.MAGIC);
  if (magic === BLANK_MAGIC) {
    if (totalSize < BLANK_MARKER_BYTES || totalSize > available) {
      return { kind: 'invalid', reason: `blank marker with size ${totalSize}` };
    }
    return { kind: 'blank', totalSize };
  }
  if (magic !== MESSAGE_MAGIC) {
    return {
      kind: 'invalid',
      reason: totalSize === 0 && magic === 0 ? 'end of data' : 'bad magic',
    };
  }
  if (totalSize < FIXED_RECORD_BYTES || totalSize > available) {
    return { kind: 'invalid', reason: `size ${totalSize} out of range` };
  }
  const sysFlag = bytes.readInt32BE(position + Field.SYS_FLAG);
  const layout = recordLayout(sysFlag);
  const bodyLength = bytes.readInt32BE(position + layout.bodyLength);
  const bodyStart = position + layout.bodyLength + 4;
  const topicLengthAt = bodyStart + bodyLength;
  if (bodyLength < 0 || topicLengthAt + 1 > position + totalSize) {
    return { kind: 'invalid', reason: 'body length out of range' };
  }
  const topicLength = bytes.readInt8(topicLengthAt);
  const propertiesLengthAt = topicLengthAt + 1 + topicLength;
  if (topicLength <= 0 || propertiesLengthAt + 2 > position + totalSize) {
    return { kind: 'invalid', reason: 'topic length out of range' };
  }
  const propertiesLength = bytes.readInt16BE(propertiesLengthAt);
  const computed = recordBytes(bodyLength, topicLength, propertiesLength, sysFlag);
  if (propertiesLength < 0 || computed !== totalSize) {
    return { kind: 'invalid', reason: `declared size ${totalSize} but fields make ${computed}` };
  }
  if (checkCrc) {
    const expected = bytes.readInt32BE(position + Field.BODY_CRC);
    if (javaCrc32(bytes.subarray(bodyStart, bodyStart + bodyLength)) !== expected) {
      return { kind: 'invalid', reason: 'body CRC mismatch' };
    }
  }
  return {
    kind: 'message',
    record: {
      totalSize,
      queueId: bytes.readInt32BE(position + Field.QUEUE_ID),
      queueOffset: readInt64(bytes, position + Field.QUEUE_OFFSET),
      physicalOffset: readInt64(bytes, position + Field.PHYSICAL_OFFSET),
      sysFlag,
      storeTimestamp: readInt64(bytes, position + layout.storeTimestamp),
      bodyStart,
      bodyLength,
      topic: bytes.toString('utf8', topicLengthAt + 1, propertiesLengthAt),
      propertiesStart: propertiesLengthAt + 2,
      propertiesLength,
    },
  };
}

/** Half and rolled-back transactional records take no queue offset and no consume-queue entry. */
export function takesQueueOffset(sysFlag: number): boolean {
  const transaction = sysFlag & SysFlag.TRANSACTION_MASK;
  return (
    transaction !== SysFlag.TRANSACTION_PREPARED && transaction !== SysFlag.TRANSACTION_ROLLBACK
  );
}

/** A message's own fields as encodeRecord takes them (the store's MessageInput fits). */
export interface RecordInput {
  queueId: number;
  body: Uint8Array;
  /** Encoded properties (properties.ts) as a string or its UTF-8 bytes. */
  properties?: string | Uint8Array;
  flag?: number;
  bornTimestamp?: number;
  reconsumeTimes?: number;
  preparedTransactionOffset?: number;
}

/** A message checked and measured for encoding: its sizes, sysFlag and host bytes settled. */
export interface RecordContent {
  input: RecordInput;
  topicBytes: Uint8Array;
  propertiesBytes: number;
  /** 8 bytes (IPv4) or 20 (IPv6, with SysFlag.BORNHOST_V6 set). */
  bornHost: Uint8Array;
  sysFlag: number;
  recordBytes: number;
}

/**
 * Writes one record at buffer[position] (view over the same bytes), in one pass with no
 * intermediate objects. storeHost is 8 or 20 bytes, matching SysFlag.STOREHOST_V6. Returns the
 * position where its properties start, so the store can scan them in place.
 */
export function encodeRecord(
  buffer: Buffer,
  view: DataView,
  position: number,
  message: RecordContent,
  storeHost: Uint8Array,
  queueOffset: number,
  physicalOffset: number,
  storeTimestamp: number,
): number {
  // DataView setters compile to plain stores; Buffer.write*BE re-checks bounds each call.
  const input = message.input;
  const layout = recordLayout(message.sysFlag);
  view.setInt32(position, message.recordBytes);
  view.setInt32(position + Field.MAGIC, MESSAGE_MAGIC);
  view.setInt32(position + Field.BODY_CRC, javaCrc32(input.body));
  view.setInt32(position + Field.QUEUE_ID, input.queueId);
  view.setInt32(position + Field.FLAG, input.flag ?? 0);
  setUint64(view, position + Field.QUEUE_OFFSET, queueOffset);
  setUint64(view, position + Field.PHYSICAL_OFFSET, physicalOffset);
  view.setInt32(position + Field.SYS_FLAG, message.sysFlag);
  setUint64(view, position + Field.BORN_TIMESTAMP, input.bornTimestamp ?? storeTimestamp);
  buffer.set(message.bornHost, position + Field.BORN_HOST);
  setUint64(view, position + layout.storeTimestamp, storeTimestamp);
  buffer.set(storeHost, position + layout.storeHost);
  view.setInt32(position + layout.reconsumeTimes, input.reconsumeTimes ?? 0);
  setUint64(
    view,
    position + layout.preparedTransactionOffset,
    input.preparedTransactionOffset ?? 0,
  );
  let at = position + layout.bodyLength;
  view.setInt32(at, input.body.length);
  buffer.set(input.body, at + 4);
  at += 4 + input.body.length;
  view.setInt8(at, message.topicBytes.length);
  buffer.set(message.topicBytes, at + 1);
  at += 1 + message.topicBytes.length;
  view.setInt16(at, message.propertiesBytes);
  at += 2;
  const properties = input.properties;
  if (typeof properties === 'string') buffer.write(properties, at, 'utf8');
  else if (properties) buffer.set(properties, at);
  return at;
}
