/**
 * Handing a failed message back for a later retry (protocol/REMOTING.md 11.6, 14.7): first
 * CONSUMER_SEND_MSG_BACK to the broker the message came from, which copies it into
 * %RETRY%<group> (or %DLQ%<group> past maxReconsumeTimes); if that fails, the client sends the
 * copy to %RETRY%<group> itself, as the Java client does, with RETRY_TOPIC, ORIGIN_MESSAGE_ID
 * and the delay level the broker would have chosen, and the retry count and cap in the send
 * header so the broker applies the same dead-letter rule.
 */
import { createRequest, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { masterOf } from './consumer-calls.ts';
import { errorFromResponse, NoRouteError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import type { MessageQueue } from '../core/route.ts';
import { masterAddress, publishQueues } from '../core/route.ts';
import { retryTopicOf } from './subscription.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { encodeProperties } from '../../protocol/properties.ts';

const SEND_BACK_TIMEOUT_MS = 5000;
const INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';
/** Properties the consumer added after the pull; they do not travel with the copy. */
const CLIENT_ADDED = [
  MessageProperty.MIN_OFFSET,
  MessageProperty.MAX_OFFSET,
  MessageProperty.CONSUME_START_TIME,
];

export interface SendBackRequest {
  group: string;
  message: MessageExt;
  /** The queue the message was pulled from (its broker holds the original). */
  queue: MessageQueue;
  maxReconsumeTimes: number;
  /** 0 lets the broker choose (3 + reconsumeTimes); -1 sends straight to the DLQ. */
  delayLevel?: number;
}

export async function sendMessageBack(
  instance: ClientInstance,
  request: SendBackRequest,
): Promise<void> {
  const { message, queue } = request;
  const address = await masterOf(instance, queue);
  const what = `CONSUMER_SEND_MSG_BACK ${message.msgId}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: String(message.commitLogOffset),
      group: request.group,
      delayLevel: String(request.delayLevel ?? 0),
      originMsgId: message.msgId,
      originTopic: message.topic,
      unitMode: 'false',
      maxReconsumeTimes: String(request.maxReconsumeTimes),
      bname: queue.brokerName,
    }),
    what,
    SEND_BACK_TIMEOUT_MS,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
}

/** The client's own copy to %RETRY%<group>, used when the broker refused the send-back. */
export async function resendToRetryTopic(
  instance: ClientInstance,
  request: SendBackRequest,
): Promise<void> {
  const { message } = request;
  const topic = retryTopicOf(request.group);
  const route = await instance.route(topic);
  const queues = publishQueues(topic, route);
  if (queues.length === 0) throw new NoRouteError(`no writable queue for topic ${topic}`);
  const target = queues[Math.floor(Math.random() * queues.length)]!;
  const address = masterAddress(route, target.brokerName)!;
  const properties: Record<string, string> = { ...message.properties };
  for (const name of CLIENT_ADDED) delete properties[name];
  properties[MessageProperty.RETRY_TOPIC] ??= message.topic;
  properties[MessageProperty.ORIGIN_MESSAGE_ID] ??= message.msgId;
  const delayLevel = request.delayLevel ?? 0;
  properties[MessageProperty.DELAY] = String(
    delayLevel > 0 ? delayLevel : 3 + message.reconsumeTimes,
  );
  const what = `resend of ${message.msgId} to ${topic}`;
  const response = await instance.invokeBroker(
    address,
    createRequest(
      RequestCode.SEND_MESSAGE_V2,
      {
        a: INNER_PRODUCER_GROUP,
        b: topic,
        c: 'TBW102',
        d: '4',
        e: String(target.queueId),
        f: '0',
        g: String(Date.now()),
        h: String(message.flag),
        i: encodeProperties(properties),
        j: String(message.reconsumeTimes + 1),
        k: 'false',
        l: String(request.maxReconsumeTimes),
      },
      message.body,
    ),
    what,
    SEND_BACK_TIMEOUT_MS,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
}

/** Send-back, then the client's own copy; false when both failed (retry locally later). */
export async function giveBack(
  instance: ClientInstance,
  request: SendBackRequest,
): Promise<boolean> {
  try {
    await sendMessageBack(instance, request);
    return true;
  } catch (error) {
    instance.logger.warn(
      { msgId: request.message.msgId, err: (error as Error).message },
      'send-back failed, resending to the retry topic',
    );
  }
  try {
    await resendToRetryTopic(instance, request);
    return true;
  } catch (error) {
    instance.logger.warn(
      { msgId: request.message.msgId, err: (error as Error).message },
      'resend to the retry topic failed, will consume again locally',
    );
    return false;
  }
}
