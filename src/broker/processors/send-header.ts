/**
 * The send request header in both spellings: V1 names (SEND_MESSAGE) and the one-letter V2
 * names (SEND_MESSAGE_V2, SEND_BATCH_MESSAGE). protocol/REMOTING.md 11.1.
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

type Names = typeof V1 | typeof V2;

function required(ext: Record<string, string>, names: Names, i: number): string {
  const value = ext[names[i]!];
  if (value === undefined) throw new HeaderFieldError(V1[i]!, `the custom field ${V1[i]} is null`);
  return value;
}

function integer(i: number, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isSafeInteger(n)) {
    throw new HeaderFieldError(V1[i]!, `the custom field ${V1[i]} is not a valid number: ${value}`);
  }
  return n;
}

export function readSendHeader(request: RemotingCommand): SendHeader {
  const names = request.code === RequestCode.SEND_MESSAGE ? V1 : V2;
  const ext = request.extFields ?? {};
  const reconsumeTimes = ext[names[9]!];
  const maxReconsume = ext[names[11]!];
  return {
    producerGroup: required(ext, names, 0),
    topic: required(ext, names, 1),
    defaultTopic: required(ext, names, 2),
    defaultTopicQueueNums: integer(3, required(ext, names, 3)),
    queueId: integer(4, required(ext, names, 4)),
    sysFlag: integer(5, required(ext, names, 5)),
    bornTimestamp: integer(6, required(ext, names, 6)),
    flag: integer(7, required(ext, names, 7)),
    properties: ext[names[8]!] ?? '',
    reconsumeTimes: reconsumeTimes === undefined ? 0 : integer(9, reconsumeTimes),
    maxReconsumeTimes: maxReconsume === undefined ? undefined : integer(11, maxReconsume),
    batch: (ext[names[12]!] ?? '').toLowerCase() === 'true',
  };
}
