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
  /** True when records were found but not copied, because nobody wanted them (wantsData). */
  dataSkipped?: boolean;
}

export type ActorResponse =
  | { kind: 'ack'; requestId: number; ack: SendAck }
  | { kind: 'pull'; requestId: number; result: PullResult }
  | { kind: 'arrival'; topic: string; queueId: number; maxOffset: number };

/**
 * Decodes one response record. A pull result's records are copied out only when
 * wantsData(requestId) is true: a pull whose peer does not read its answers is answered
 * without them, and copying them would only cost the event loop.
 */
export function decodeResponse(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  wantsData?: (requestId: number) => boolean,
): ActorResponse {
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
    const requestId = view.getUint32(offset + 4);
    let data: Buffer | undefined;
    let dataSkipped = false;
    if (dataLength > 0) {
      if (wantsData === undefined || wantsData(requestId)) {
        data = Buffer.allocUnsafe(dataLength);
        buffer.copy(data, 0, dataStart, dataStart + dataLength);
      } else dataSkipped = true;
    }
    return {
      kind: 'pull',
      requestId,
      result: {
        status: PULL_STATUSES[view.getUint8(offset + 1)] ?? 'NO_MATCHED_LOGIC_QUEUE',
        nextBeginOffset: view.getFloat64(offset + 8),
        minOffset: view.getFloat64(offset + 16),
        maxOffset: view.getFloat64(offset + 24),
        messageCount: view.getUint32(offset + 32),
        data,
        dataSkipped,
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
