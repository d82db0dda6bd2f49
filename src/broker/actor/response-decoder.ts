/** Reads acks, pull results and arrival events from a response ring (ring-records.ts). */
import type { PullStatus, SendStatus } from './ring-records.ts';
import {
  ARRIVAL_HEADER_BYTES,
  bufferOf,
  PULL_RESULT_HEADER_BYTES,
  PULL_STATUSES,
  readTopic,
  ResponseType,
  SEND_ACK_HEADER_BYTES,
} from './ring-records.ts';

export interface SendAck {
  status: SendStatus;
  firstQueueOffset: number;
  /** One per message; local to the shard until the host adds the shard's base. */
  physicalOffsets: number[];
  remark: string;
}

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messageCount: number;
  /** The stored records, copied out of the ring (the ring's bytes are reused). */
  data: Buffer | undefined;
}

export type ActorResponse =
  | { kind: 'ack'; requestId: number; ack: SendAck }
  | { kind: 'pull'; requestId: number; result: PullResult }
  | { kind: 'arrival'; topic: string; queueId: number; maxOffset: number };

export function decodeResponse(bytes: Uint8Array, view: DataView, offset: number): ActorResponse {
  const type = view.getUint8(offset);
  const buffer = bufferOf(bytes);
  if (type === ResponseType.SEND_ACK) {
    const count = view.getUint16(offset + 2);
    const physicalOffsets: number[] = new Array<number>(count);
    let at = offset + SEND_ACK_HEADER_BYTES;
    for (let i = 0; i < count; i++, at += 8) physicalOffsets[i] = view.getFloat64(at);
    const remarkLength = view.getUint16(at);
    return {
      kind: 'ack',
      requestId: view.getUint32(offset + 4),
      ack: {
        status: view.getUint8(offset + 1) as SendStatus,
        firstQueueOffset: view.getFloat64(offset + 8),
        physicalOffsets,
        remark: remarkLength > 0 ? buffer.toString('utf8', at + 2, at + 2 + remarkLength) : '',
      },
    };
  }
  if (type === ResponseType.PULL_RESULT) {
    const dataLength = view.getUint32(offset + 36);
    const dataStart = offset + PULL_RESULT_HEADER_BYTES;
    let data: Buffer | undefined;
    if (dataLength > 0) {
      data = Buffer.allocUnsafe(dataLength);
      buffer.copy(data, 0, dataStart, dataStart + dataLength);
    }
    return {
      kind: 'pull',
      requestId: view.getUint32(offset + 4),
      result: {
        status: PULL_STATUSES[view.getUint8(offset + 1)] ?? 'NO_MATCHED_LOGIC_QUEUE',
        nextBeginOffset: view.getFloat64(offset + 8),
        minOffset: view.getFloat64(offset + 16),
        maxOffset: view.getFloat64(offset + 24),
        messageCount: view.getUint32(offset + 32),
        data,
      },
    };
  }
  if (type === ResponseType.ARRIVAL) {
    const topicLength = view.getUint8(offset + 16);
    return {
      kind: 'arrival',
      queueId: view.getInt32(offset + 4),
      maxOffset: view.getFloat64(offset + 8),
      topic: readTopic(buffer, offset + ARRIVAL_HEADER_BYTES, topicLength),
    };
  }
  throw new Error(`unknown response record type ${type}`);
}
