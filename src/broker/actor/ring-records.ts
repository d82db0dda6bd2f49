/**
 * Binary records the coordinator and the queue actors exchange over their rings. Layouts are
 * fixed little headers plus raw bytes, so a send's body is copied once from the socket into
 * the ring and read in place by the actor; nothing is JSON or structured-cloned.
 *
 * Requests (coordinator -> actor)
 *   SEND   0 type | 1 shard | 2 u16 count | 4 u32 requestId | 8 i32 queueId | 12 i32 sysFlag
 *          16 f64 bornTimestamp | 24 4 bytes bornHost IPv4 | 28 i32 bornPort
 *          32 i32 reconsumeTimes | 36 u8 waitDurable | 37 u8 topicLength | 38 topic
 *          then per message: i32 flag | i32 propertiesLength | i32 bodyLength | properties | body
 *   PULL   0 type | 1 shard | 2 u16 tagCodeCount | 4 u32 requestId | 8 i32 queueId
 *          12 i32 maxMessages | 16 f64 queueOffset | 24 i32 maxBytes | 28 u8 topicLength
 *          32 i32 tag codes... | topic
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

const topicNames = new Map<string, string>();
/** Topic names repeat endlessly; decode each distinct byte string once. */
export function readTopic(buffer: Buffer, start: number, length: number): string {
  const key = buffer.toString('latin1', start, start + length);
  let name = topicNames.get(key);
  if (name === undefined) {
    name = buffer.toString('utf8', start, start + length);
    if (topicNames.size > 100_000) topicNames.clear();
    topicNames.set(key, name);
  }
  return name;
}
