/**
 * The SEND request record (layout in ring-records.ts): the coordinator encodes it from a
 * producer's request, the queue actor decodes it into the store's message inputs.
 */
import type { MessageInput } from '../../../native-free-store/index.ts';
import { PROPERTY_SEPARATOR } from '../../protocol/properties.ts';
import type { InternTable, InternedString } from './ring-records.ts';
import {
  RequestType,
  SEND_HEADER_BYTES,
  SEND_MESSAGE_HEADER_BYTES,
  bufferOf,
  encodeRequestHead,
} from './ring-records.ts';

export interface SendMessagePart {
  flag: number;
  /** Encoded properties: a string from a request header, or bytes from a batch body. */
  properties: string | Buffer;
  /** Batch-level properties appended to each message's own (joined by 0x02). */
  propertiesSuffix?: string;
  body: Buffer;
}

export interface SendRequest {
  shard: number;
  topic: string;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  /** IPv4 bytes of the producer's address. */
  bornHost: readonly [number, number, number, number];
  bornPort: number;
  reconsumeTimes: number;
  waitDurable: boolean;
  messages: readonly SendMessagePart[];
}

/** Where the born host starts: 4 address bytes then the port, as the store lays it out. */
const BORN_HOST_AT = 24;
export const BORN_HOST_BYTES = 8;

function propertiesBytes(part: SendMessagePart): number {
  const own =
    typeof part.properties === 'string'
      ? Buffer.byteLength(part.properties)
      : part.properties.length;
  if (!part.propertiesSuffix) return own;
  return own + (own > 0 ? 1 : 0) + Buffer.byteLength(part.propertiesSuffix);
}

export function sendRecordBytes(request: SendRequest): number {
  let size = SEND_HEADER_BYTES + request.topic.length;
  for (const part of request.messages) {
    size += SEND_MESSAGE_HEADER_BYTES + propertiesBytes(part) + part.body.length;
  }
  return size;
}

export function encodeSend(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  request: SendRequest,
  requestId: number,
): void {
  const buffer = bufferOf(bytes);
  const { shard, messages, queueId } = request;
  encodeRequestHead(view, offset, RequestType.SEND, shard, messages.length, requestId, queueId);
  view.setInt32(offset + 12, request.sysFlag);
  view.setFloat64(offset + 16, request.bornTimestamp);
  const host = request.bornHost;
  buffer[offset + BORN_HOST_AT] = host[0];
  buffer[offset + BORN_HOST_AT + 1] = host[1];
  buffer[offset + BORN_HOST_AT + 2] = host[2];
  buffer[offset + BORN_HOST_AT + 3] = host[3];
  view.setInt32(offset + BORN_HOST_AT + 4, request.bornPort);
  view.setInt32(offset + 32, request.reconsumeTimes);
  view.setUint8(offset + 36, request.waitDurable ? 1 : 0);
  // Topic names are validated ASCII, so latin1 writes them byte for byte.
  const topicLength = buffer.write(request.topic, offset + SEND_HEADER_BYTES, 'latin1');
  view.setUint8(offset + 37, topicLength);
  let at = offset + SEND_HEADER_BYTES + topicLength;
  for (const part of request.messages) {
    const propertiesStart = at + SEND_MESSAGE_HEADER_BYTES;
    let propertiesEnd = propertiesStart;
    if (typeof part.properties === 'string') {
      propertiesEnd += buffer.write(part.properties, propertiesStart, 'utf8');
    } else {
      buffer.set(part.properties, propertiesStart);
      propertiesEnd += part.properties.length;
    }
    if (part.propertiesSuffix) {
      if (propertiesEnd > propertiesStart) buffer[propertiesEnd++] = PROPERTY_SEPARATOR;
      propertiesEnd += buffer.write(part.propertiesSuffix, propertiesEnd, 'utf8');
    }
    view.setInt32(at, part.flag);
    view.setInt32(at + 4, propertiesEnd - propertiesStart);
    view.setInt32(at + 8, part.body.length);
    buffer.set(part.body, propertiesEnd);
    at = propertiesEnd + part.body.length;
  }
}

/** A SEND record as the actor reads it; its messages view the ring and the born-host scratch. */
export interface SendRecord {
  shard: number;
  requestId: number;
  queueId: number;
  waitDurable: boolean;
  topic: InternedString;
  messages: MessageInput[];
}

/**
 * Decodes a SEND record in place. The topic comes from topics (decoded once per distinct
 * name), and the born host is copied as bytes into bornHost, a scratch the caller reuses: both
 * go to the store's record encoder as bytes, so valid only until the record is appended.
 */
export function decodeSend(
  buffer: Buffer,
  view: DataView,
  offset: number,
  length: number,
  topics: InternTable,
  bornHost: Buffer,
): SendRecord {
  const count = view.getUint16(offset + 2);
  const queueId = view.getInt32(offset + 8);
  const sysFlag = view.getInt32(offset + 12);
  const bornTimestamp = view.getFloat64(offset + 16);
  buffer.copy(bornHost, 0, offset + BORN_HOST_AT, offset + BORN_HOST_AT + BORN_HOST_BYTES);
  const reconsumeTimes = view.getInt32(offset + 32);
  const topicLength = view.getUint8(offset + 37);
  const topic = topics.lookup(buffer, offset + SEND_HEADER_BYTES, topicLength);
  const messages: MessageInput[] = [];
  let at = offset + SEND_HEADER_BYTES + topicLength;
  const end = offset + length;
  for (let i = 0; i < count && at + SEND_MESSAGE_HEADER_BYTES <= end; i++) {
    const flag = view.getInt32(at);
    const propertiesLength = view.getInt32(at + 4);
    const bodyLength = view.getInt32(at + 8);
    const propertiesStart = at + SEND_MESSAGE_HEADER_BYTES;
    const bodyStart = propertiesStart + propertiesLength;
    messages.push({
      topic: topic.text,
      topicBytes: topic.bytes,
      queueId,
      flag,
      sysFlag,
      bornTimestamp,
      bornHostBytes: bornHost,
      reconsumeTimes,
      properties: buffer.subarray(propertiesStart, bodyStart),
      body: buffer.subarray(bodyStart, bodyStart + bodyLength),
    });
    at = bodyStart + bodyLength;
  }
  return {
    shard: view.getUint8(offset + 1),
    requestId: view.getUint32(offset + 4),
    queueId,
    waitDurable: view.getUint8(offset + 36) === 1,
    topic,
    messages,
  };
}
