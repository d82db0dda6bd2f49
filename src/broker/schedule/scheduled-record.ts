/**
 * Reads a stored SCHEDULE_TOPIC_XXXX record (layout: protocol/REMOTING.md 13.1) and builds the
 * send that delivers it to its real topic and queue: DELAY removed, REAL_TOPIC and REAL_QID kept,
 * WAIT=false; body, flag, born data, sysFlag and reconsumeTimes as stored.
 */
import { decodeProperties, encodeProperties } from '../../../native-free-store/index.ts';
import type { RecordSummary } from '../../../native-free-store/index.ts';
import type { SendRequest } from '../actor/request-encoder.ts';

const FLAG_AT = 16;
const BORN_TIMESTAMP_AT = 40;
const BORN_HOST_AT = 48;
const BORN_HOST_V6 = 0x10;
const STORE_HOST_V6 = 0x20;
const IPV4_HOST_BYTES = 8;
const IPV6_HOST_BYTES = 20;
const STORE_TIMESTAMP_BYTES = 8;

export interface ScheduledMessage {
  /** Delivery time: store timestamp + delay of the record's level. */
  dueAt: number;
  queueOffset: number;
  /** Undefined when the record names no valid real topic and queue; it is skipped. */
  send: Omit<SendRequest, 'shard'> | undefined;
}

export function readScheduledRecord(
  record: Buffer,
  summary: RecordSummary,
  queueLevel: number,
  levelsMs: readonly number[],
): ScheduledMessage {
  const properties = decodeProperties(
    record.toString(
      'utf8',
      summary.propertiesStart,
      summary.propertiesStart + summary.propertiesLength,
    ),
  );
  const stated = Number(properties['DELAY']);
  const level = Number.isInteger(stated) && stated > 0 ? stated : queueLevel;
  const dueAt = summary.storeTimestamp + levelsMs[Math.min(level, levelsMs.length) - 1]!;
  const topic = properties['REAL_TOPIC'];
  const queueId = Number(properties['REAL_QID']);
  if (!topic || !Number.isInteger(queueId) || queueId < 0)
    return { dueAt, queueOffset: summary.queueOffset, send: undefined };
  delete properties['DELAY'];
  properties['WAIT'] = 'false';

  const sysFlag = summary.sysFlag;
  const bornV6 = (sysFlag & BORN_HOST_V6) !== 0;
  const bornHostBytes = bornV6 ? IPV6_HOST_BYTES : IPV4_HOST_BYTES;
  const storeHostBytes = (sysFlag & STORE_HOST_V6) !== 0 ? IPV6_HOST_BYTES : IPV4_HOST_BYTES;
  const reconsumeAt = BORN_HOST_AT + bornHostBytes + STORE_TIMESTAMP_BYTES + storeHostBytes;
  const send: Omit<SendRequest, 'shard'> = {
    topic,
    queueId,
    sysFlag: sysFlag & ~(BORN_HOST_V6 | STORE_HOST_V6),
    bornTimestamp: Number(record.readBigInt64BE(BORN_TIMESTAMP_AT)),
    bornHost: bornV6
      ? [0, 0, 0, 0]
      : [
          record[BORN_HOST_AT]!,
          record[BORN_HOST_AT + 1]!,
          record[BORN_HOST_AT + 2]!,
          record[BORN_HOST_AT + 3]!,
        ],
    bornPort: record.readInt32BE(BORN_HOST_AT + bornHostBytes - 4),
    reconsumeTimes: record.readInt32BE(reconsumeAt),
    waitDurable: false,
    messages: [
      {
        flag: record.readInt32BE(FLAG_AT),
        properties: encodeProperties(properties),
        body: record.subarray(summary.bodyStart, summary.bodyStart + summary.bodyLength),
      },
    ],
  };
  return { dueAt, queueOffset: summary.queueOffset, send };
}
