/**
 * The SEND_ACK response record (layout in ring-records.ts): the queue actor encodes a send's
 * outcome, the coordinator decodes it for the producer's answer.
 */
import type { SendStatus } from './ring-records.ts';
import { ResponseType, SEND_ACK_HEADER_BYTES, bufferOf } from './ring-records.ts';

export interface SendAck {
  status: SendStatus;
  firstQueueOffset: number;
  /** One per message; local to the shard until the host adds the shard's base. */
  physicalOffsets: number[];
  remark: string;
}

const MAX_REMARK_CHARS = 1000;

/** A remark as the record carries it: at most MAX_REMARK_CHARS characters, UTF-8. */
export function ackRemarkBytes(remark: string): Buffer | undefined {
  return remark ? Buffer.from(remark.slice(0, MAX_REMARK_CHARS)) : undefined;
}

export function sendAckRecordBytes(count: number, remarkBytes: Buffer | undefined): number {
  return SEND_ACK_HEADER_BYTES + count * 8 + 2 + (remarkBytes?.length ?? 0);
}

export function encodeSendAck(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  requestId: number,
  status: SendStatus,
  firstQueueOffset: number,
  physicalOffsets: readonly number[],
  remarkBytes: Buffer | undefined,
): void {
  const count = physicalOffsets.length;
  view.setUint8(at, ResponseType.SEND_ACK);
  view.setUint8(at + 1, status);
  view.setUint16(at + 2, count);
  view.setUint32(at + 4, requestId);
  view.setFloat64(at + 8, firstQueueOffset);
  let p = at + SEND_ACK_HEADER_BYTES;
  for (let i = 0; i < count; i++, p += 8) view.setFloat64(p, physicalOffsets[i]!);
  view.setUint16(p, remarkBytes?.length ?? 0);
  if (remarkBytes) bytes.set(remarkBytes, p + 2);
}

export function decodeSendAck(bytes: Uint8Array, view: DataView, offset: number): SendAck {
  const count = view.getUint16(offset + 2);
  const physicalOffsets: number[] = new Array<number>(count);
  let at = offset + SEND_ACK_HEADER_BYTES;
  for (let i = 0; i < count; i++, at += 8) physicalOffsets[i] = view.getFloat64(at);
  const remarkLength = view.getUint16(at);
  return {
    status: view.getUint8(offset + 1) as SendStatus,
    firstQueueOffset: view.getFloat64(offset + 8),
    physicalOffsets,
    remark: remarkLength > 0 ? bufferOf(bytes).toString('utf8', at + 2, at + 2 + remarkLength) : '',
  };
}
