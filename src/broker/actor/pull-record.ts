/**
 * The PULL request record (layout in ring-records.ts): the coordinator encodes a consumer's
 * pull, the queue actor decodes it into a store query and, for a SQL92 subscription, the
 * expression it evaluates over the records it finds.
 */
import type { GetMessagesQuery } from '../../../native-free-store/index.ts';
import type { InternTable } from './ring-records.ts';
import {
  MAX_SQL_EXPRESSION_BYTES,
  PULL_HEADER_BYTES,
  RequestType,
  bufferOf,
  encodeRequestHead,
} from './ring-records.ts';

export interface PullRequest {
  shard: number;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMessages: number;
  maxBytes: number;
  /** Tag hash codes to keep; empty keeps everything. */
  tagCodes: readonly number[];
  /** A SQL92 expression the found records must match (checked to compile by the caller). */
  sql?: string;
}

/** The record's size; throws RangeError when the expression is longer than the record allows. */
export function pullRecordBytes(request: PullRequest): number {
  const sqlBytes = request.sql === undefined ? 0 : Buffer.byteLength(request.sql);
  if (sqlBytes > MAX_SQL_EXPRESSION_BYTES)
    throw new RangeError(`sql is ${sqlBytes} bytes, at most ${MAX_SQL_EXPRESSION_BYTES}`);
  return PULL_HEADER_BYTES + request.tagCodes.length * 4 + request.topic.length + sqlBytes;
}

export function encodePull(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  request: PullRequest,
  requestId: number,
): void {
  const buffer = bufferOf(bytes);
  const { shard, tagCodes, queueId } = request;
  encodeRequestHead(view, offset, RequestType.PULL, shard, tagCodes.length, requestId, queueId);
  view.setInt32(offset + 12, request.maxMessages);
  view.setFloat64(offset + 16, request.queueOffset);
  view.setInt32(offset + 24, request.maxBytes);
  view.setUint8(offset + 28, request.topic.length);
  let at = offset + PULL_HEADER_BYTES;
  for (const code of request.tagCodes) {
    view.setInt32(at, code);
    at += 4;
  }
  at += buffer.write(request.topic, at, 'latin1');
  const sqlLength = request.sql === undefined ? 0 : buffer.write(request.sql, at, 'utf8');
  view.setUint16(offset + 30, sqlLength);
}

/** A PULL record as the actor reads it. */
export interface PullRecord {
  shard: number;
  requestId: number;
  query: GetMessagesQuery;
  sql: string | undefined;
}

export function decodePull(
  buffer: Buffer,
  view: DataView,
  offset: number,
  strings: InternTable,
): PullRecord {
  const tagCodeCount = view.getUint16(offset + 2);
  const topicLength = view.getUint8(offset + 28);
  const sqlLength = view.getUint16(offset + 30);
  let tagsCodes: Set<number> | undefined;
  if (tagCodeCount > 0) {
    tagsCodes = new Set();
    for (let i = 0; i < tagCodeCount; i++) tagsCodes.add(view.getInt32(offset + 32 + i * 4));
  }
  const topicStart = offset + PULL_HEADER_BYTES + tagCodeCount * 4;
  const query: GetMessagesQuery = {
    topic: strings.lookup(buffer, topicStart, topicLength).text,
    queueId: view.getInt32(offset + 8),
    queueOffset: view.getFloat64(offset + 16),
    maxMessages: view.getInt32(offset + 12),
    maxBytes: view.getInt32(offset + 24),
  };
  if (tagsCodes) query.tagsCodes = tagsCodes;
  return {
    shard: view.getUint8(offset + 1),
    requestId: view.getUint32(offset + 4),
    query,
    sql:
      sqlLength === 0
        ? undefined
        : strings.lookup(buffer, topicStart + topicLength, sqlLength).text,
  };
}
