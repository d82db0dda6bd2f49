/**
 * Binary records the coordinator and the queue actors exchange over their rings. Layouts are
 * fixed little headers plus raw bytes, so a send's body is copied once from the socket into
 * the ring and read in place by the actor, and a pull's records are read from the commit log
 * straight into the ring; nothing is JSON or structured-cloned. Each record kind's encoder
 * and decoder sit together in one module: send-record.ts, pull-record.ts, send-ack-record.ts,
 * pull-result-record.ts, arrival-record.ts. The born host (bytes 24-31 of SEND) is already in
 * the stored layout (4-byte IPv4, 4-byte big-endian port), so it is copied, never parsed.
 *
 * Requests (coordinator -> actor)
 *   SEND   0 type | 1 shard | 2 u16 count | 4 u32 requestId | 8 i32 queueId | 12 i32 sysFlag
 *          16 f64 bornTimestamp | 24 4 bytes bornHost IPv4 | 28 i32 bornPort
 *          32 i32 reconsumeTimes | 36 u8 waitDurable | 37 u8 topicLength | 38 topic
 *          then per message: i32 flag | i32 propertiesLength | i32 bodyLength | properties | body
 *   PULL   0 type | 1 shard | 2 u16 tagCodeCount | 4 u32 requestId | 8 i32 queueId
 *          12 i32 maxMessages | 16 f64 queueOffset | 24 i32 maxBytes | 28 u8 topicLength
 *          30 u16 sqlLength | 32 i32 tag codes... | topic | SQL92 expression (UTF-8)
 * Responses (actor -> coordinator)
 *   SEND_ACK    0 type | 1 status | 2 u16 count | 4 u32 requestId | 8 f64 firstQueueOffset
 *               16 f64 physicalOffset × count | u16 remarkLength | remark
 *   PULL_RESULT 0 type | 1 status | 4 u32 requestId | 8 f64 nextBeginOffset | 16 f64 minOffset
 *               24 f64 maxOffset | 32 u32 messageCount | 36 u32 dataLength | 40 data
 *   ARRIVAL     0 type | 1 shard | 4 i32 queueId | 8 f64 maxOffset | 16 u8 topicLength | 17 topic
 */
export const RequestType = { SEND: 1, PULL: 2 } as const;
export const ResponseType = { SEND_ACK: 1, PULL_RESULT: 2, ARRIVAL: 3 } as const;

export const SendStatus = {
  OK: 0,
  FLUSH_DISK_TIMEOUT: 1,
  MESSAGE_ILLEGAL: 2,
  SERVICE_NOT_AVAILABLE: 3,
  ERROR: 4,
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** GetMessageStatus names by their number on the ring. */
export const PULL_STATUSES = [
  'FOUND',
  'NO_MATCHED_MESSAGE',
  'MESSAGE_WAS_REMOVING',
  'OFFSET_FOUND_NULL',
  'OFFSET_OVERFLOW_BADLY',
  'OFFSET_OVERFLOW_ONE',
  'OFFSET_TOO_SMALL',
  'NO_MATCHED_LOGIC_QUEUE',
  'NO_MESSAGE_IN_QUEUE',
] as const;
export type PullStatus = (typeof PULL_STATUSES)[number];

export const SEND_HEADER_BYTES = 38;
export const SEND_MESSAGE_HEADER_BYTES = 12;
export const PULL_HEADER_BYTES = 32;
export const SEND_ACK_HEADER_BYTES = 16;
export const PULL_RESULT_HEADER_BYTES = 40;
export const ARRIVAL_HEADER_BYTES = 17;

/** The head SEND and PULL share (bytes 0-11): the actor finds any request's id at +4. */
export function encodeRequestHead(
  view: DataView,
  offset: number,
  type: number,
  shard: number,
  count: number,
  requestId: number,
  queueId: number,
): void {
  view.setUint8(offset, type);
  view.setUint8(offset + 1, shard);
  view.setUint16(offset + 2, count);
  view.setUint32(offset + 4, requestId);
  view.setInt32(offset + 8, queueId);
}

/** A Buffer over the same memory as a ring's storage view, made once per ring. */
const bufferViews = new WeakMap<Uint8Array, Buffer>();
export function bufferOf(bytes: Uint8Array): Buffer {
  let buffer = bufferViews.get(bytes);
  if (!buffer) {
    buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    bufferViews.set(bytes, buffer);
  }
  return buffer;
}

export const MAX_SQL_EXPRESSION_BYTES = 0xffff;

/** A string decoded from ring bytes once, with its own copy of those bytes. */
export interface InternedString {
  readonly text: string;
  readonly bytes: Buffer;
}

const MAX_INTERNED = 10_000;

/**
 * Topic names (and filter expressions) repeat endlessly: each distinct byte string is decoded
 * once and found again by a hash of its bytes, with no string or key allocated per record.
 */
export class InternTable {
  private readonly byHash = new Map<number, InternedString[]>();
  private size = 0;

  lookup(buffer: Buffer, start: number, length: number): InternedString {
    let hash = 0x811c9dc5;
    for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ buffer[i]!, 0x01000193);
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) if (sameBytes(entry.bytes, buffer, start, length)) return entry;
    }
    const bytes = Buffer.from(buffer.subarray(start, start + length));
    const entry = { text: bytes.toString('utf8'), bytes };
    if (this.size >= MAX_INTERNED) {
      this.byHash.clear();
      this.size = 0;
    }
    const chain = this.size === 0 ? undefined : this.byHash.get(hash);
    if (chain !== undefined) chain.push(entry);
    else this.byHash.set(hash, [entry]);
    this.size++;
    return entry;
  }
}

/** A byte loop: names are short, and Buffer.compare's argument checks cost more than it. */
function sameBytes(bytes: Buffer, buffer: Buffer, start: number, length: number): boolean {
  if (bytes.length !== length) return false;
  for (let i = 0; i < length; i++) if (bytes[i] !== buffer[start + i]) return false;
  return true;
}
