/**
 * The send request header in both spellings: V1 names (SEND_MESSAGE) and the one-letter V2
 * names (SEND_MESSAGE_V2, SEND_BATCH_MESSAGE); the reply codes (324, 325) likewise.
 * protocol/REMOTING.md 11.1.
 */
import type { RemotingCommand } from '../../remoting/index.ts';
import { HeaderFieldError, RequestCode } from '../../remoting/index.ts';

export interface SendHeader {
  producerGroup: string;
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  properties: string;
  reconsumeTimes: number;
  maxReconsumeTimes: number | undefined;
  batch: boolean;
}

const V1 = [
  'producerGroup',
  'topic',
  'defaultTopic',
  'defaultTopicQueueNums',
  'queueId',
  'sysFlag',
  'bornTimestamp',
  'flag',
  'properties',
  'reconsumeTimes',
  'unitMode',
  'maxReconsumeTimes',
  'batch',
] as const;
const V2 = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'] as const;

export function readSendHeader(request: RemotingCommand): SendHeader {
  const names =
    request.code === RequestCode.SEND_MESSAGE || request.code === RequestCode.SEND_REPLY_MESSAGE
      ? V1
      : V2;
  const ext = request.extFields ?? {};
  const required = (i: number): string => {
    const value = ext[names[i]!];
    if (value === undefined)
      throw new HeaderFieldError(V1[i]!, `the custom field ${V1[i]} is null`);
    return value;
  };
  const integer = (i: number, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isSafeInteger(n)) {
      throw new HeaderFieldError(
        V1[i]!,
        `the custom field ${V1[i]} is not a valid number: ${value}`,
      );
    }
    return n;
  };
  const reconsumeTimes = ext[names[9]!];
  const maxReconsume = ext[names[11]!];
  return {
    producerGroup: required(0),
    topic: required(1),
    defaultTopic: required(2),
    defaultTopicQueueNums: integer(3, required(3)),
    queueId: integer(4, required(4)),
    sysFlag: integer(5, required(5)),
    bornTimestamp: integer(6, required(6)),
    flag: integer(7, required(7)),
    properties: ext[names[8]!] ?? '',
    reconsumeTimes: reconsumeTimes === undefined ? 0 : integer(9, reconsumeTimes),
    maxReconsumeTimes: maxReconsume === undefined ? undefined : integer(11, maxReconsume),
    batch: (ext[names[12]!] ?? '').toLowerCase() === 'true',
  };
}
