/**
 * Reads a record stored in a waiting topic (SCHEDULE_TOPIC_XXXX or the timer topic; layout:
 * protocol/REMOTING.md 13.1) and builds the send that stores it again elsewhere: its real topic
 * when due, or the next timer queue. Body, flag, born data, sysFlag and reconsumeTimes are kept.
 */
import type { SendRequest } from '../actor/send-record.ts';
import { Field, recordLayout, SysFlag } from '../../protocol/message-record.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import type { RecordSummary } from '../../protocol/message-record.ts';
import { decodeProperties } from '../../protocol/properties.ts';

const BORN_HOST_AT = Field.BORN_HOST;
const IPV4_HOST_BYTES = 8;
const IPV6_HOST_BYTES = 20;

export interface WaitingMessage {
  storeTimestamp: number;
  queueOffset: number;
  reconsumeTimes: number;
  properties: Record<string, string>;
  /** The same message for another topic and queue, with the given encoded properties. */
  resend(topic: string, queueId: number, properties: string): Omit<SendRequest, 'shard'>;
}

export function readWaitingRecord(record: Buffer, summary: RecordSummary): WaitingMessage {
  const properties = decodeProperties(
    record.toString(
      'utf8',
      summary.propertiesStart,
      summary.propertiesStart + summary.propertiesLength,
    ),
  );
  return {
    storeTimestamp: summary.storeTimestamp,
    queueOffset: summary.queueOffset,
    reconsumeTimes: record.readInt32BE(recordLayout(summary.sysFlag).reconsumeTimes),
    properties,
    resend: (topic, queueId, props) => resendOf(record, summary, topic, queueId, props),
  };
}

function resendOf(
  record: Buffer,
  summary: RecordSummary,
  topic: string,
  queueId: number,
  properties: string,
): Omit<SendRequest, 'shard'> {
  const sysFlag = summary.sysFlag;
  const bornV6 = (sysFlag & SysFlag.BORNHOST_V6) !== 0;
  const bornHostBytes = bornV6 ? IPV6_HOST_BYTES : IPV4_HOST_BYTES;
  return {
    topic,
    queueId,
    sysFlag: sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6),
    bornTimestamp: Number(record.readBigInt64BE(Field.BORN_TIMESTAMP)),
    bornHost: bornV6
      ? [0, 0, 0, 0]
      : [
          record[BORN_HOST_AT]!,
          record[BORN_HOST_AT + 1]!,
          record[BORN_HOST_AT + 2]!,
          record[BORN_HOST_AT + 3]!,
        ],
    bornPort: record.readInt32BE(BORN_HOST_AT + bornHostBytes - 4),
    reconsumeTimes: record.readInt32BE(recordLayout(sysFlag).reconsumeTimes),
    waitDurable: false,
    messages: [
      {
        flag: record.readInt32BE(Field.FLAG),
        properties,
        body: record.subarray(summary.bodyStart, summary.bodyStart + summary.bodyLength),
      },
    ],
  };
}

/** Where a due message goes: its REAL_TOPIC and REAL_QID, or undefined when they are unusable. */
export function realDestination(
  properties: Record<string, string>,
): { topic: string; queueId: number } | undefined {
  const topic = properties[MessageProperty.REAL_TOPIC];
  const queueId = Number(properties[MessageProperty.REAL_QID]);
  if (!topic || !Number.isInteger(queueId) || queueId < 0) return undefined;
  return { topic, queueId };
}
