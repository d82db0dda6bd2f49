/**
 * Messages as applications write them (Message) and read them (MessageExt), and the property
 * encoding RocketMQ puts on the wire (protocol/REMOTING.md 13.2, 13.3).
 */
export interface Message {
  topic: string;
  body: Buffer | Uint8Array | string;
  tags?: string;
  /** Business keys, indexed by the broker for lookups. */
  keys?: string | readonly string[];
  /** User properties; names must not clash with RocketMQ's system properties. */
  properties?: Readonly<Record<string, string>>;
  /** One of the broker's delay levels (1 = 1 s ... 18 = 2 h by default). */
  delayLevel?: number;
  /**
   * Deliver no earlier than this time (ms since the epoch, or a Date): RocketMQ 5's
   * TIMER_DELIVER_MS, up to the broker's timerMaxDelaySec (7 days) ahead. Not with delayLevel.
   */
  deliverAt?: number | Date;
  /** Stored as-is in the message's flag field. */
  flag?: number;
  /** false answers the send before the broker's flush (RocketMQ's WAIT property). */
  waitStoreMsgOK?: boolean;
}

export interface MessageExt {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  properties: Record<string, string>;
  /** The producer's unique id (UNIQ_KEY), or the offset id when there is none. */
  msgId: string;
  /** Broker store host and commit-log offset, hex, as RocketMQ's offset message id. */
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost: string;
  storeHost: string;
  reconsumeTimes: number;
  sysFlag: number;
  flag: number;
  bodyCrc: number;
  /** The broker the message was pulled from, when known. */
  brokerName: string | undefined;
}

export const MessageProperty = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  UNIQ_KEY: 'UNIQ_KEY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
  CONSUME_START_TIME: 'CONSUME_START_TIME',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
} as const;

/** Names the Java client refuses as user properties (REMOTING.md 13.3). */
export const SYSTEM_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'KEYS',
  'TAGS',
  'WAIT',
  'DELAY',
  'RETRY_TOPIC',
  'REAL_TOPIC',
  'REAL_QID',
  'TRAN_MSG',
  'PGROUP',
  'MIN_OFFSET',
  'MAX_OFFSET',
  'BUYER_ID',
  'ORIGIN_MESSAGE_ID',
  'TRANSFER_FLAG',
  'CORRECTION_FLAG',
  'MQ2_FLAG',
  'RECONSUME_TIME',
  'UNIQ_KEY',
  'MAX_RECONSUME_TIMES',
  'CONSUME_START_TIME',
  'INSTANCE_ID',
  'CORRELATION_ID',
  'REPLY_TO_CLIENT',
  'TTL',
  'ARRIVE_TIME',
  'PUSH_REPLY_TIME',
  'CLUSTER',
  'MSG_TYPE',
  'INNER_MULTI_QUEUE_OFFSET',
  'TRACE_ON',
  'MSG_REGION',
]);

const NAME_VALUE = '\u0001';
const ENTRY = '\u0002';

export function encodeProperties(properties: Readonly<Record<string, string>>): string {
  let out = '';
  for (const name in properties) {
    const value = properties[name];
    if (value === undefined || value === '' || name === '') continue;
    if (out.length > 0) out += ENTRY;
    out += name + NAME_VALUE + value;
  }
  return out;
}

export function decodeProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  if (text.length === 0) return properties;
  for (const entry of text.split(ENTRY)) {
    if (entry.length < 3) continue;
    const at = entry.indexOf(NAME_VALUE);
    if (at <= 0 || at === entry.length - 1) continue;
    properties[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return properties;
}

export function bodyBytes(body: Message['body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function keysOf(keys: Message['keys']): string[] {
  if (keys === undefined) return [];
  const list = typeof keys === 'string' ? keys.split(' ') : [...keys];
  return list.filter((key) => key.length > 0);
}
