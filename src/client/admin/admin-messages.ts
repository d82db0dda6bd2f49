/**
 * Message lookups and reads for mqadmin's queryMsgById, queryMsgByKey, queryMsgByOffset,
 * printMsg and consumeMessage. By id: an offset message id (store host + commit-log offset,
 * REMOTING.md 13.5) is answered by VIEW_MESSAGE_BY_ID (33) at that host; a unique id (UNIQ_KEY)
 * by QUERY_MESSAGE (12) with _UNIQUE_KEY_QUERY on every master of the topic. By key:
 * QUERY_MESSAGE on every master, the answers re-checked against KEYS (11.9). By offset and
 * ranges: pulls as TOOLS_CONSUMER (or a given group) without committing, so reading moves no
 * group's progress unless the caller commits.
 */
import { createRequest, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { getMaxOffset, getMinOffset, searchOffset } from '../consumer/consumer-calls.ts';
import {
  errorFromResponse,
  integerOption,
  InvalidArgumentError,
  NoRouteError,
} from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { decodeMessages } from '../core/message-decoder.ts';
import { pullMessage, PullStatus, PullSysFlag } from '../consumer/pull-api.ts';
import type { MessageQueue } from '../core/route.ts';
import { compareQueues, masterAddress, subscribeQueues } from '../core/route.ts';
import { buildSubscription, validateTopic } from '../consumer/subscription.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { decodeOffsetMessageId } from '../../protocol/message-id.ts';

export const TOOLS_CONSUMER = 'TOOLS_CONSUMER';
/** The most one key query returns per broker (the broker's own cap is 64). */
export const MAX_QUERY_RESULTS = 64;
/** The most messages one read returns over all queues. */
export const MAX_READ_MESSAGES = 1_000_000;
const PULL_BATCH = 32;
const MAX_OFFSET_JUMPS = 4;

export interface QueryByKeyOptions {
  /** Most messages per broker (default 64, at most 64). */
  maxNum?: number;
  /** Store-time range in ms (default: everything). */
  beginTimestampMs?: number;
  endTimestampMs?: number;
}

export interface ReadMessagesOptions {
  /** Only this broker's queues... */
  brokerName?: string;
  /** ...and only this queue id. */
  queueId?: number;
  /** First queue offset read in each queue (default: the first kept, or by beginTimestampMs). */
  fromOffset?: number;
  /** Messages stored at or after this time (ms). */
  beginTimestampMs?: number;
  /** Messages stored at or before this time (ms). */
  endTimestampMs?: number;
  /** Tag expression ("*", "a || b"). */
  subExpression?: string;
  /** Most messages returned over every queue (default 10,000). */
  maxMessages?: number;
  /** Pulls as this group (default TOOLS_CONSUMER); nothing is committed. */
  group?: string;
  /** Called after each queue is read, for progress. */
  onQueue?: (queue: MessageQueue, queuesDone: number, queuesTotal: number) => void;
}

export interface QueueRead {
  queue: MessageQueue;
  messages: MessageExt[];
  /** The next offset to read in the queue, e.g. to commit. */
  nextOffset: number;
}

/** The message an offset message id points at (VIEW_MESSAGE_BY_ID at its store host). */
export async function viewMessage(
  client: ClientInstance,
  offsetMsgId: string,
): Promise<MessageExt> {
  const decoded = decodeOffsetMessageId(offsetMsgId);
  if (!decoded) throw new InvalidArgumentError(`${offsetMsgId} is not an offset message id`);
  const what = `view message ${offsetMsgId}`;
  const response = await client.invokeBroker(
    decoded.address,
    createRequest(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(decoded.physicalOffset) }),
    what,
  );
  if (response.code !== ResponseCode.SUCCESS || !response.body)
    throw errorFromResponse(response.code, response.remark, decoded.address, what);
  const [message] = decodeMessages(response.body);
  if (!message) throw errorFromResponse(response.code, 'empty body', decoded.address, what);
  return message;
}

async function topicMasters(
  client: ClientInstance,
  topic: string,
): Promise<Array<{ brokerName: string; address: string }>> {
  const route = await client.route(topic, true);
  const masters = route.brokerDatas
    .map((broker) => ({ brokerName: broker.brokerName, address: broker.brokerAddrs['0'] }))
    .filter((entry): entry is { brokerName: string; address: string } => !!entry.address);
  if (masters.length === 0) throw new NoRouteError(`no master serves topic ${topic}`);
  return masters.sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1));
}

async function queryMessage(
  client: ClientInstance,
  topic: string,
  key: string,
  unique: boolean,
  options: QueryByKeyOptions,
): Promise<MessageExt[]> {
  validateTopic(topic);
  if (key.length === 0 || key.length > 1024)
    throw new InvalidArgumentError('key must be 1 to 1024 characters');
  const maxNum = integerOption('maxNum', options.maxNum ?? MAX_QUERY_RESULTS, 1, MAX_QUERY_RESULTS);
  const begin = options.beginTimestampMs ?? 0;
  const end = options.endTimestampMs ?? Number.MAX_SAFE_INTEGER;
  const extFields: Record<string, string> = {
    topic,
    key,
    maxNum: String(maxNum),
    beginTimestamp: String(begin),
    endTimestamp: String(end),
  };
  if (unique) extFields['_UNIQUE_KEY_QUERY'] = 'true';
  const found: MessageExt[] = [];
  for (const { brokerName, address } of await topicMasters(client, topic)) {
    const what = `query ${unique ? 'id' : 'key'} ${key} in topic ${topic}`;
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.QUERY_MESSAGE, extFields),
      what,
    );
    if (response.code === ResponseCode.QUERY_NOT_FOUND) continue;
    if (response.code !== ResponseCode.SUCCESS)
      throw errorFromResponse(response.code, response.remark, address, what);
    if (!response.body) continue;
    for (const message of decodeMessages(response.body, brokerName)) {
      // The index is a hash: the broker may answer with collisions.
      const matches = unique
        ? message.properties[MessageProperty.UNIQ_KEY] === key
        : message.keys.includes(key);
      if (matches && message.topic === topic) found.push(message);
    }
  }
  return found.sort(
    (a, b) =>
      a.storeTimestamp - b.storeTimestamp ||
      compareQueues(
        { topic, brokerName: a.brokerName ?? '', queueId: a.queueId },
        { topic, brokerName: b.brokerName ?? '', queueId: b.queueId },
      ),
  );
}

/** Messages of topic whose KEYS include key, oldest first. */
export function queryMessagesByKey(
  client: ClientInstance,
  topic: string,
  key: string,
  options: QueryByKeyOptions = {},
): Promise<MessageExt[]> {
  return queryMessage(client, topic, key, false, options);
}

/**
 * The message(s) with this id: with a topic, by unique id (what applications see as msgId)
 * and, failing that, as an offset id; without one, as an offset id only.
 */
export async function queryMessagesById(
  client: ClientInstance,
  msgId: string,
  topic?: string,
): Promise<MessageExt[]> {
  if (!/^[0-9A-Fa-f]{32}([0-9A-Fa-f]{24})?$/.test(msgId))
    throw new InvalidArgumentError(
      `message id ${JSON.stringify(msgId)} is not 32 or 56 hex digits`,
    );
  if (topic !== undefined) {
    const found = await queryMessage(client, topic, msgId.toUpperCase(), true, {});
    if (found.length > 0) return found;
  }
  if (!decodeOffsetMessageId(msgId)) {
    if (topic === undefined)
      throw new InvalidArgumentError(
        `${msgId} is not an offset message id; give the topic to look up a unique message id`,
      );
    return [];
  }
  const message = await viewMessage(client, msgId);
  return topic === undefined || message.topic === topic ? [message] : [];
}

/** The message at queueOffset of one queue, or undefined when the queue has none there. */
export async function messageAtOffset(
  client: ClientInstance,
  queue: MessageQueue,
  queueOffset: number,
): Promise<MessageExt | undefined> {
  const address = masterAddress(await client.route(queue.topic, true), queue.brokerName);
  if (!address)
    throw new NoRouteError(`topic ${queue.topic} has no master on broker ${queue.brokerName}`);
  const result = await pullMessage(client, address, {
    group: TOOLS_CONSUMER,
    queue,
    queueOffset,
    maxMsgNums: 1,
    sysFlag: PullSysFlag.SUBSCRIPTION,
    commitOffset: 0,
    suspendTimeoutMs: 0,
    subscription: buildSubscription(queue.topic, '*'),
    timeoutMs: client.requestTimeoutMs,
  });
  const message = result.status === PullStatus.FOUND ? result.messages[0] : undefined;
  return message?.queueOffset === queueOffset ? stripPullMarkers(message) : undefined;
}

function stripPullMarkers(message: MessageExt): MessageExt {
  delete message.properties[MessageProperty.MIN_OFFSET];
  delete message.properties[MessageProperty.MAX_OFFSET];
  return message;
}

/** The queues a read covers, checked against the topic's route. */
export async function readQueues(
  client: ClientInstance,
  topic: string,
  options: Pick<ReadMessagesOptions, 'brokerName' | 'queueId'>,
): Promise<MessageQueue[]> {
  validateTopic(topic);
  const queues = subscribeQueues(topic, await client.route(topic, true)).filter(
    (queue) =>
      (options.brokerName === undefined || queue.brokerName === options.brokerName) &&
      (options.queueId === undefined || queue.queueId === options.queueId),
  );
  if (queues.length === 0)
    throw new InvalidArgumentError(
      `topic ${topic} has no readable queue` +
        (options.brokerName === undefined ? '' : ` on broker ${options.brokerName}`) +
        (options.queueId === undefined ? '' : ` with id ${options.queueId}`),
    );
  return queues;
}

/**
 * Reads the messages of the chosen queues, queue by queue (oldest first in each), yielding
 * each queue's messages; stops after maxMessages in all.
 */
export async function* readMessages(
  client: ClientInstance,
  topic: string,
  options: ReadMessagesOptions = {},
): AsyncGenerator<QueueRead> {
  const max = integerOption('maxMessages', options.maxMessages ?? 10_000, 1, MAX_READ_MESSAGES);
  const queues = await readQueues(client, topic, options);
  const subscription = buildSubscription(topic, options.subExpression ?? '*');
  let total = 0;
  for (const [index, queue] of queues.entries()) {
    if (total >= max) break;
    const read = await readQueue(client, queue, options, subscription, max - total);
    total += read.messages.length;
    options.onQueue?.(queue, index + 1, queues.length);
    yield read;
  }
}

async function startOffset(
  client: ClientInstance,
  queue: MessageQueue,
  options: ReadMessagesOptions,
): Promise<number> {
  const min = await getMinOffset(client, queue);
  if (options.fromOffset !== undefined) return Math.max(min, options.fromOffset);
  if (options.beginTimestampMs !== undefined && options.beginTimestampMs > 0)
    return Math.max(min, await searchOffset(client, queue, options.beginTimestampMs));
  return min;
}

async function readQueue(
  client: ClientInstance,
  queue: MessageQueue,
  options: ReadMessagesOptions,
  subscription: ReturnType<typeof buildSubscription>,
  limit: number,
): Promise<QueueRead> {
  const address = masterAddress(await client.route(queue.topic), queue.brokerName);
  if (!address) throw new NoRouteError(`topic ${queue.topic} has no master on ${queue.brokerName}`);
  let offset = await startOffset(client, queue, options);
  const end = await getMaxOffset(client, queue);
  const begin = options.beginTimestampMs ?? 0;
  const until = options.endTimestampMs ?? Number.MAX_SAFE_INTEGER;
  const messages: MessageExt[] = [];
  let jumps = 0;
  // Each round moves offset forward or ends the loop, so end - offset bounds the rounds.
  for (let rounds = end - offset + MAX_OFFSET_JUMPS; rounds > 0 && offset < end; rounds--) {
    if (messages.length >= limit) break;
    const result = await pullMessage(client, address, {
      group: options.group ?? TOOLS_CONSUMER,
      queue,
      queueOffset: offset,
      maxMsgNums: PULL_BATCH,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMs: 0,
      subscription,
      timeoutMs: client.requestTimeoutMs,
    });
    if (result.status === PullStatus.NO_NEW_MSG) break;
    if (result.status === PullStatus.OFFSET_ILLEGAL && ++jumps > MAX_OFFSET_JUMPS) break;
    let passedEnd = false;
    for (const message of result.messages) {
      if (message.storeTimestamp > until) {
        passedEnd = true;
        break;
      }
      if (message.storeTimestamp < begin) continue;
      messages.push(stripPullMarkers(message));
      if (messages.length >= limit) break;
    }
    const last = messages[messages.length - 1];
    if (passedEnd || messages.length >= limit) {
      offset = last && last.queueOffset >= offset ? last.queueOffset + 1 : offset;
      break;
    }
    if (result.nextBeginOffset <= offset) break;
    offset = result.nextBeginOffset;
  }
  return { queue, messages, nextOffset: offset };
}
