/**
 * The ARRIVAL response record (layout in ring-records.ts): the queue actor tells the
 * coordinator a queue grew, so that pulls held on it (long polling) run again.
 */
import type { InternTable } from './ring-records.ts';
import { ARRIVAL_HEADER_BYTES, ResponseType, bufferOf } from './ring-records.ts';

export interface Arrival {
  topic: string;
  queueId: number;
  maxOffset: number;
}

export function arrivalRecordBytes(topicBytes: Uint8Array): number {
  return ARRIVAL_HEADER_BYTES + topicBytes.length;
}

export function encodeArrival(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  shard: number,
  queueId: number,
  maxOffset: number,
  topicBytes: Uint8Array,
): void {
  view.setUint8(at, ResponseType.ARRIVAL);
  view.setUint8(at + 1, shard);
  view.setInt32(at + 4, queueId);
  view.setFloat64(at + 8, maxOffset);
  view.setUint8(at + 16, topicBytes.length);
  bytes.set(topicBytes, at + ARRIVAL_HEADER_BYTES);
}

export function decodeArrival(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  topics: InternTable,
): Arrival {
  const topicLength = view.getUint8(offset + 16);
  return {
    queueId: view.getInt32(offset + 4),
    maxOffset: view.getFloat64(offset + 8),
    topic: topics.lookup(bufferOf(bytes), offset + ARRIVAL_HEADER_BYTES, topicLength).text,
  };
}
