/**
 * One PULL_MESSAGE (protocol/REMOTING.md 11.2, 14.3) and what the client makes of the answer:
 * 0 found (messages decoded, re-checked against the subscription's tags, MIN_OFFSET and
 * MAX_OFFSET added), 19 no new message, 20 nothing matched, 21 offset moved. Every other code is
 * thrown as a typed error carrying the response code, so the caller can tell FLOW_CONTROL (215)
 * from the rest.
 */
import { createRequest, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { BrokerError, errorFromResponse } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { decodeMessages } from '../core/message-decoder.ts';
import type { MessageQueue, TopicRoute } from '../core/route.ts';
import { matchesSubscription } from './subscription.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export const PullSysFlag = {
  COMMIT_OFFSET: 1,
  SUSPEND: 2,
  SUBSCRIPTION: 4,
  CLASS_FILTER: 8,
} as const;

/** Not in the shared ResponseCode table: brokers answer pulls with it under load. */
export const FLOW_CONTROL = 215;

export const PullStatus = {
  FOUND: 'FOUND',
  NO_NEW_MSG: 'NO_NEW_MSG',
  NO_MATCHED_MSG: 'NO_MATCHED_MSG',
  OFFSET_ILLEGAL: 'OFFSET_ILLEGAL',
} as const;
export type PullStatus = (typeof PullStatus)[keyof typeof PullStatus];

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** The replica the broker suggests for the next pull (0 = master). */
  suggestWhichBrokerId: number;
  /** Found messages that pass the subscription; may be empty even when FOUND. */
  messages: MessageExt[];
  /** Found messages before the tag re-check. */
  pulledCount: number;
}

export interface PullRequest {
  group: string;
  queue: MessageQueue;
  queueOffset: number;
  maxMsgNums: number;
  sysFlag: number;
  commitOffset: number;
  suspendTimeoutMs: number;
  subscription: SubscriptionData;
  /** RPC timeout; must exceed suspendTimeoutMs when SUSPEND is set. */
  timeoutMs: number;
}

export const DEFAULT_SUSPEND_TIMEOUT_MS = 15_000;
export const DEFAULT_PULL_TIMEOUT_MS = 30_000;

/** The address for a pull: the suggested replica if the route has it, else the master, else any. */
export function pullAddress(
  route: TopicRoute,
  brokerName: string,
  brokerId: number,
): string | undefined {
  const broker = route.brokerDatas.find((b) => b.brokerName === brokerName);
  if (!broker) return undefined;
  return (
    broker.brokerAddrs[String(brokerId)] ??
    broker.brokerAddrs['0'] ??
    Object.values(broker.brokerAddrs)[0]
  );
}

function requiredLong(
  fields: Record<string, string> | undefined,
  name: string,
  address: string,
): number {
  const value = Number(fields?.[name]);
  if (fields?.[name] === undefined || !Number.isSafeInteger(value))
    throw new BrokerError(`pull answer from ${address} has no integer ${name}`, { address });
  return value;
}

const STATUS_BY_CODE = new Map<number, PullStatus>([
  [ResponseCode.SUCCESS, PullStatus.FOUND],
  [ResponseCode.PULL_NOT_FOUND, PullStatus.NO_NEW_MSG],
  [ResponseCode.PULL_RETRY_IMMEDIATELY, PullStatus.NO_MATCHED_MSG],
  [ResponseCode.PULL_OFFSET_MOVED, PullStatus.OFFSET_ILLEGAL],
]);

export async function pullMessage(
  instance: ClientInstance,
  address: string,
  request: PullRequest,
): Promise<PullResult> {
  const { queue, subscription } = request;
  const fields: Record<string, string> = {
    consumerGroup: request.group,
    topic: queue.topic,
    queueId: String(queue.queueId),
    queueOffset: String(request.queueOffset),
    maxMsgNums: String(request.maxMsgNums),
    sysFlag: String(request.sysFlag),
    commitOffset: String(request.commitOffset),
    suspendTimeoutMillis: String(request.suspendTimeoutMs),
    subVersion: String(subscription.subVersion),
    expressionType: subscription.expressionType,
  };
  if ((request.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0)
    fields['subscription'] = subscription.subString;
  const what = `PULL_MESSAGE ${queue.topic}/${queue.brokerName}/${queue.queueId}@${request.queueOffset}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(RequestCode.PULL_MESSAGE, fields),
    what,
    request.timeoutMs,
  );
  const status = STATUS_BY_CODE.get(response.code);
  if (status === undefined) throw errorFromResponse(response.code, response.remark, address, what);
  const extFields = response.extFields;
  const result: PullResult = {
    status,
    nextBeginOffset: requiredLong(extFields, 'nextBeginOffset', address),
    minOffset: Number(extFields?.['minOffset'] ?? 0) || 0,
    maxOffset: Number(extFields?.['maxOffset'] ?? 0) || 0,
    suggestWhichBrokerId: Number(extFields?.['suggestWhichBrokerId'] ?? 0) || 0,
    messages: [],
    pulledCount: 0,
  };
  if (status !== PullStatus.FOUND || !response.body) return result;
  const pulled = decodeMessages(response.body, queue.brokerName);
  result.pulledCount = pulled.length;
  const minText = String(result.minOffset);
  const maxText = String(result.maxOffset);
  for (const message of pulled) {
    if (!matchesSubscription(subscription, message)) continue;
    message.properties[MessageProperty.MIN_OFFSET] = minText;
    message.properties[MessageProperty.MAX_OFFSET] = maxText;
    result.messages.push(message);
  }
  return result;
}
