/**
 * Messages as applications write them (Message) and read them (MessageExt). Their property
 * encoding and names are the protocol library's (src/protocol/properties.ts, property-names.ts).
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

export function bodyBytes(body: Message['body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function keysOf(keys: Message['keys']): string[] {
  if (keys === undefined) return [];
  const list = typeof keys === 'string' ? keys.split(' ') : [...keys];
  return list.filter((key) => key.length > 0);
}
