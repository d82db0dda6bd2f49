/** Writes send and pull requests into a request ring (layouts in ring-records.ts). */
import { PROPERTY_SEPARATOR } from '../../protocol/properties.ts';
import {
  PULL_HEADER_BYTES,
  RequestType,
  SEND_HEADER_BYTES,
  SEND_MESSAGE_HEADER_BYTES,
  bufferOf,
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

export interface PullRequest {
  shard: number;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMessages: number;
  maxBytes: number;
  /** Tag hash codes to keep; empty keeps everything. */
  tagCodes: readonly number[];
}

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
  view.setUint8(offset, RequestType.SEND);
  view.setUint8(offset + 1, request.shard);
  view.setUint16(offset + 2, request.messages.length);
  view.setUint32(offset + 4, requestId);
  view.setInt32(offset + 8, request.queueId);
  view.setInt32(offset + 12, request.sysFlag);
  view.setFloat64(offset + 16, request.bornTimestamp);
  const host = request.bornHost;
  buffer[offset + 24] = host[0];
  buffer[offset + 25] = host[1];
  buffer[offset + 26] = host[2];
  buffer[offset + 27] = host[3];
  view.setInt32(offset + 28, request.bornPort);
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

export function pullRecordBytes(request: PullRequest): number {
  return PULL_HEADER_BYTES + request.tagCodes.length * 4 + request.topic.length;
}

export function encodePull(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  request: PullRequest,
  requestId: number,
): void {
  const buffer = bufferOf(bytes);
  view.setUint8(offset, RequestType.PULL);
  view.setUint8(offset + 1, request.shard);
  view.setUint16(offset + 2, request.tagCodes.length);
  view.setUint32(offset + 4, requestId);
  view.setInt32(offset + 8, request.queueId);
  view.setInt32(offset + 12, request.maxMessages);
  view.setFloat64(offset + 16, request.queueOffset);
  view.setInt32(offset + 24, request.maxBytes);
  view.setUint8(offset + 28, request.topic.length);
  let at = offset + PULL_HEADER_BYTES;
  for (const code of request.tagCodes) {
    view.setInt32(at, code);
    at += 4;
  }
  buffer.write(request.topic, at, 'latin1');
}
