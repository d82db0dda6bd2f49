/**
 * The PULL_RESULT response record (layout in ring-records.ts): the queue actor writes the
 * header and reads the stored records straight into the slot after it; the coordinator copies
 * them out once, into the body of the consumer's answer.
 */
import type { PullStatus } from './ring-records.ts';
import { PULL_RESULT_HEADER_BYTES, PULL_STATUSES, ResponseType, bufferOf } from './ring-records.ts';

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

/** A pull result's header fields as the actor writes them. */
export interface PullResultHeader {
  status: PullStatus;
  nextQueueOffset: number;
  minOffset: number;
  maxOffset: number;
  messageCount: number;
}

export function pullResultRecordBytes(dataBytes: number): number {
  return PULL_RESULT_HEADER_BYTES + dataBytes;
}

/** Where the records go in a slot whose record starts at `at`. */
export function pullResultDataStart(at: number): number {
  return at + PULL_RESULT_HEADER_BYTES;
}

export function encodePullResultHeader(
  view: DataView,
  at: number,
  requestId: number,
  header: PullResultHeader,
  dataLength: number,
): void {
  view.setUint8(at, ResponseType.PULL_RESULT);
  view.setUint8(at + 1, PULL_STATUSES.indexOf(header.status));
  view.setUint32(at + 4, requestId);
  view.setFloat64(at + 8, header.nextQueueOffset);
  view.setFloat64(at + 16, header.minOffset);
  view.setFloat64(at + 24, header.maxOffset);
  view.setUint32(at + 32, header.messageCount);
  view.setUint32(at + 36, dataLength);
}

/**
 * Decodes a pull result. Its records are copied out only when wantsData(requestId) is true: a
 * pull whose peer does not read its answers is answered without them, and copying them would
 * only cost the event loop.
 */
export function decodePullResult(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  wantsData?: (requestId: number) => boolean,
): { requestId: number; result: PullResult } {
  const dataLength = view.getUint32(offset + 36);
  const dataStart = offset + PULL_RESULT_HEADER_BYTES;
  const requestId = view.getUint32(offset + 4);
  let data: Buffer | undefined;
  let dataSkipped = false;
  if (dataLength > 0) {
    if (wantsData === undefined || wantsData(requestId)) {
      data = Buffer.allocUnsafe(dataLength);
      bufferOf(bytes).copy(data, 0, dataStart, dataStart + dataLength);
    } else dataSkipped = true;
  }
  return {
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
