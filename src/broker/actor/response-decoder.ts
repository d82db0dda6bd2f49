/** Reads acks, pull results and arrival events from a response ring, by record type. */
import { decodeArrival } from './arrival-record.ts';
import type { Arrival } from './arrival-record.ts';
import { decodePullResult } from './pull-result-record.ts';
import type { PullResult } from './pull-result-record.ts';
import { InternTable, ResponseType } from './ring-records.ts';
import { decodeSendAck } from './send-ack-record.ts';
import type { SendAck } from './send-ack-record.ts';

export type ActorResponse =
  | { kind: 'ack'; requestId: number; ack: SendAck }
  | { kind: 'pull'; requestId: number; result: PullResult }
  | ({ kind: 'arrival' } & Arrival);

const topics = new InternTable();

/** Decodes one response record; wantsData as decodePullResult's. */
export function decodeResponse(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  wantsData?: (requestId: number) => boolean,
): ActorResponse {
  const type = view.getUint8(offset);
  if (type === ResponseType.SEND_ACK)
    return {
      kind: 'ack',
      requestId: view.getUint32(offset + 4),
      ack: decodeSendAck(bytes, view, offset),
    };
  if (type === ResponseType.PULL_RESULT)
    return { kind: 'pull', ...decodePullResult(bytes, view, offset, wantsData) };
  if (type === ResponseType.ARRIVAL)
    return { kind: 'arrival', ...decodeArrival(bytes, view, offset, topics) };
  throw new Error(`unknown response record type ${type}`);
}
