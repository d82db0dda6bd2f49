/**
 * Sending a dead letter back to be consumed again (protocol/REMOTING.md 14.7): found by id
 * among the newest letters of each broker, or by DLQ offset, then copied with the properties
 * that sent it to the DLQ removed and reconsumeTimes 0 either into %RETRY%<group> on its own
 * broker (consumers restore the original topic from RETRY_TOPIC) or into the original topic.
 */
import { deflateSync } from 'node:zlib';
import { createRequest, RequestCode } from '../../remoting/index.ts';
import type { DeadLetter, DlqBroker } from './admin-dlq.ts';
import {
  DeadLetterNotFoundError,
  dlqBrokers,
  dlqTopicOf,
  MAX_DEAD_LETTERS,
  readLetters,
} from './admin-dlq.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { getMaxOffset } from '../consumer/consumer-calls.ts';
import { errorFromResponse, InvalidArgumentError, NoRouteError } from '../core/errors.ts';
import type { MessageQueue } from '../core/route.ts';
import { masterAddress, publishQueues } from '../core/route.ts';
import type { SendResult } from '../producer/send-result.ts';
import { sendResultOf, sendStatusOf } from '../producer/send-result.ts';
import { retryTopicOf, validateGroup, validateTopic } from '../consumer/subscription.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { encodeProperties } from '../../protocol/properties.ts';

const INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';
const MAX_ID_CHARS = 128;
const COMPRESSED = 0x1;
/**
 * Properties of the stored letter that must not travel with the copy: client-side pull
 * markers, the schedule service's bookkeeping and the caps that sent it to the DLQ.
 */
const DROPPED_PROPERTIES = [
  MessageProperty.MIN_OFFSET,
  MessageProperty.MAX_OFFSET,
  MessageProperty.CONSUME_START_TIME,
  MessageProperty.DELAY,
  MessageProperty.REAL_TOPIC,
  MessageProperty.REAL_QID,
  MessageProperty.MAX_RECONSUME_TIMES,
  MessageProperty.RECONSUME_TIME,
];

export interface ResendDeadLetterOptions {
  /**
   * 'retry' (default): a copy in %RETRY%<group> on the letter's broker, seen again only by this
   * group, reconsumeTimes 0. 'origin': a copy in the original topic, seen by every group.
   */
  toTopic?: 'retry' | 'origin';
  /** The broker whose DLQ holds the letter; needed for an offset when several brokers have one. */
  brokerName?: string;
}

/**
 * Sends one dead letter to be consumed again and returns where the copy was stored. A string
 * matches a letter's msgId (UNIQ_KEY), offsetMsgId or originMsgId among the newest 10,000
 * letters of each broker (the newest match wins); a number is a DLQ offset.
 */
export async function resendDeadLetter(
  client: ClientInstance,
  group: string,
  msgIdOrOffset: string | number,
  options: ResendDeadLetterOptions = {},
): Promise<SendResult> {
  validateGroup(group);
  const mode = options.toTopic ?? 'retry';
  if (mode !== 'retry' && mode !== 'origin')
    throw new InvalidArgumentError(
      `options.toTopic must be 'retry' or 'origin', got ${JSON.stringify(options.toTopic)}`,
    );
  checkId(msgIdOrOffset);
  let brokers = await dlqBrokers(client, group);
  if (options.brokerName !== undefined) {
    brokers = brokers.filter((broker) => broker.brokerName === options.brokerName);
    if (brokers.length === 0)
      throw new InvalidArgumentError(
        `options.brokerName ${JSON.stringify(options.brokerName)} has no ${dlqTopicOf(group)}`,
      );
  }
  if (brokers.length === 0)
    throw new DeadLetterNotFoundError(group, msgIdOrOffset, `no broker has ${dlqTopicOf(group)}`);
  const letter =
    typeof msgIdOrOffset === 'number'
      ? await letterAt(client, group, brokers, msgIdOrOffset)
      : await letterWithId(client, group, brokers, msgIdOrOffset);
  return mode === 'retry'
    ? sendCopy(client, letter, await retryTarget(client, group, letter), true)
    : sendCopy(client, letter, await originTarget(client, letter), false);
}

function checkId(msgIdOrOffset: unknown): void {
  if (typeof msgIdOrOffset === 'number') {
    if (!Number.isSafeInteger(msgIdOrOffset) || msgIdOrOffset < 0)
      throw new InvalidArgumentError(
        `msgIdOrOffset must be a message id or a DLQ offset >= 0, got ${msgIdOrOffset}`,
      );
    return;
  }
  if (
    typeof msgIdOrOffset !== 'string' ||
    msgIdOrOffset.length === 0 ||
    msgIdOrOffset.length > MAX_ID_CHARS
  )
    throw new InvalidArgumentError(
      `msgIdOrOffset must be a message id of 1-${MAX_ID_CHARS} characters or a DLQ offset, got ${JSON.stringify(msgIdOrOffset)}`,
    );
}

async function letterAt(
  client: ClientInstance,
  group: string,
  brokers: DlqBroker[],
  offset: number,
): Promise<DeadLetter> {
  if (brokers.length > 1)
    throw new InvalidArgumentError(
      `options.brokerName is needed with an offset: ${dlqTopicOf(group)} is on ${brokers.map((b) => b.brokerName).join(', ')}`,
    );
  const [letter] = await readLetters(client, group, brokers[0]!, offset, 1);
  if (!letter || letter.dlqOffset !== offset)
    throw new DeadLetterNotFoundError(group, offset, `not stored on ${brokers[0]!.brokerName}`);
  return letter;
}

async function letterWithId(
  client: ClientInstance,
  group: string,
  brokers: DlqBroker[],
  id: string,
): Promise<DeadLetter> {
  const upper = id.toUpperCase();
  const matches = (letter: DeadLetter) =>
    letter.msgId === id || letter.originMsgId === id || letter.offsetMsgId === upper;
  let found: DeadLetter | undefined;
  for (const broker of brokers) {
    const queue = { topic: dlqTopicOf(group), brokerName: broker.brokerName, queueId: 0 };
    const end = await getMaxOffset(client, queue);
    const start = Math.max(0, end - MAX_DEAD_LETTERS);
    for (const letter of await readLetters(client, group, broker, start, MAX_DEAD_LETTERS, matches))
      if (!found || letter.storeTimestamp >= found.storeTimestamp) found = letter;
  }
  if (!found)
    throw new DeadLetterNotFoundError(
      group,
      id,
      `searched the newest ${MAX_DEAD_LETTERS} letters of ${brokers.map((b) => b.brokerName).join(', ')}`,
    );
  return found;
}

interface Target {
  queue: MessageQueue;
  address: string;
}

/** A queue of %RETRY%<group> on the letter's own broker (queue 0 if no route lists it yet). */
async function retryTarget(
  client: ClientInstance,
  group: string,
  letter: DeadLetter,
): Promise<Target> {
  const topic = retryTopicOf(group);
  let queueCount = 1;
  try {
    const route = await client.route(topic, true);
    const data = route.queueDatas.find((q) => q.brokerName === letter.brokerName);
    if (data && data.writeQueueNums > 0) queueCount = data.writeQueueNums;
  } catch (error) {
    if (!(error instanceof NoRouteError)) throw error;
  }
  const dlqRoute = await client.route(dlqTopicOf(group));
  const address = masterAddress(dlqRoute, letter.brokerName);
  if (address === undefined) throw new NoRouteError(`no master for broker ${letter.brokerName}`);
  return {
    queue: {
      topic,
      brokerName: letter.brokerName,
      queueId: Math.floor(Math.random() * queueCount),
    },
    address,
  };
}

async function originTarget(client: ClientInstance, letter: DeadLetter): Promise<Target> {
  const topic = letter.originTopic;
  if (topic === undefined)
    throw new InvalidArgumentError(
      `dead letter ${letter.msgId} carries no original topic (${MessageProperty.RETRY_TOPIC}); resend it with toTopic 'retry'`,
    );
  validateTopic(topic);
  const route = await client.route(topic, true);
  const queues = publishQueues(topic, route);
  if (queues.length === 0) throw new NoRouteError(`no writable queue for topic ${topic}`);
  const queue = queues[Math.floor(Math.random() * queues.length)]!;
  return { queue, address: masterAddress(route, queue.brokerName)! };
}

async function sendCopy(
  client: ClientInstance,
  letter: DeadLetter,
  target: Target,
  toRetry: boolean,
): Promise<SendResult> {
  const properties: Record<string, string> = { ...letter.properties };
  for (const name of DROPPED_PROPERTIES) delete properties[name];
  if (toRetry) {
    // Consumers give a message from their retry topic its RETRY_TOPIC back before the listener.
    if (letter.originTopic !== undefined)
      properties[MessageProperty.RETRY_TOPIC] = letter.originTopic;
    properties[MessageProperty.ORIGIN_MESSAGE_ID] = letter.originMsgId;
  } else {
    delete properties[MessageProperty.RETRY_TOPIC];
    delete properties[MessageProperty.ORIGIN_MESSAGE_ID];
  }
  const compressed = (letter.sysFlag & COMPRESSED) !== 0;
  const what = `resend of dead letter ${letter.msgId} to ${target.queue.topic}`;
  const response = await client.invokeBroker(
    target.address,
    createRequest(
      RequestCode.SEND_MESSAGE_V2,
      {
        a: INNER_PRODUCER_GROUP,
        b: target.queue.topic,
        c: 'TBW102',
        d: '1',
        e: String(target.queue.queueId),
        f: compressed ? String(COMPRESSED) : '0',
        g: String(Date.now()),
        h: String(letter.flag),
        i: encodeProperties(properties),
        j: '0',
        k: 'false',
      },
      compressed ? deflateSync(letter.body) : letter.body,
    ),
    what,
  );
  const status = sendStatusOf(response.code);
  if (status === undefined)
    throw errorFromResponse(response.code, response.remark, target.address, what);
  const msgId = properties[MessageProperty.UNIQ_KEY] ?? response.extFields?.['msgId'] ?? '';
  return sendResultOf(response, status, target.queue, msgId);
}
