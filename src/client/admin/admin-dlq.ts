/**
 * Dead letters of a consumer group: reading %DLQ%<group> (protocol/REMOTING.md 14.7; sending
 * one back is admin-dlq-resend.ts). A dead letter is the failed message as the broker copied
 * it on the last CONSUMER_SEND_MSG_BACK: same body, flag, tags, keys and UNIQ_KEY, with
 * RETRY_TOPIC (the topic it was first sent to), ORIGIN_MESSAGE_ID and the reconsume count.
 *
 * Reading pulls queue 0 of the DLQ topic on each broker as RocketMQ's tools do: consumer group
 * TOOLS_CONSUMER, the subscription `*` sent with the pull (so no heartbeat is needed) and no
 * offset commit, so reading moves no group's progress.
 */
import type { ClientInstance } from '../core/client-instance.ts';
import { integerOption, InvalidArgumentError, NoRouteError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { pullMessage, PullStatus, PullSysFlag } from '../consumer/pull-api.ts';
import type { MessageQueue } from '../core/route.ts';
import { masterAddress } from '../core/route.ts';
import { buildSubscription, validateGroup } from '../consumer/subscription.ts';
import { MessageProperty } from '../../protocol/property-names.ts';
import { DLQ_GROUP_TOPIC_PREFIX } from '../../protocol/topic-names.ts';

export const DEFAULT_DEAD_LETTERS_MAX = 100;
/** At most this many letters per call, and per broker when looking one up by id. */
export const MAX_DEAD_LETTERS = 10_000;
export const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';
const PULL_BATCH = 32;
/** Offset corrections (21) followed before giving up on a broker. */
const MAX_OFFSET_JUMPS = 4;

export interface DeadLetter extends MessageExt {
  /** The topic the message was first sent to (RETRY_TOPIC); undefined if the record lacks it. */
  originTopic: string | undefined;
  /** The id of the message that failed: ORIGIN_MESSAGE_ID, else its own msgId. */
  originMsgId: string;
  /** Its offset in queue 0 of %DLQ%<group> on brokerName (equal to queueOffset). */
  dlqOffset: number;
  brokerName: string;
}

export interface DeadLettersOptions {
  /** Most letters returned over all brokers (default 100, at most 10,000). */
  max?: number;
  /** First DLQ offset read on each broker (default 0: the oldest kept). */
  fromOffset?: number;
}

/** No dead letter of the group matches the id or offset asked for. */
export class DeadLetterNotFoundError extends InvalidArgumentError {
  override name = 'DeadLetterNotFoundError';
  readonly group: string;
  readonly msgIdOrOffset: string | number;

  constructor(group: string, msgIdOrOffset: string | number, where: string) {
    super(
      `msgIdOrOffset ${JSON.stringify(msgIdOrOffset)} matches no dead letter of group ${group} (${where})`,
    );
    this.group = group;
    this.msgIdOrOffset = msgIdOrOffset;
  }
}

export interface DlqBroker {
  brokerName: string;
  address: string;
}

export function dlqTopicOf(group: string): string {
  return DLQ_GROUP_TOPIC_PREFIX + group;
}

/** The group's dead letters, by broker name then offset; [] when the group has no DLQ. */
export async function listDeadLetters(
  client: ClientInstance,
  group: string,
  options: DeadLettersOptions = {},
): Promise<DeadLetter[]> {
  validateGroup(group);
  const max = integerOption('max', options.max ?? DEFAULT_DEAD_LETTERS_MAX, 1, MAX_DEAD_LETTERS);
  const fromOffset = integerOption(
    'fromOffset',
    options.fromOffset ?? 0,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const letters: DeadLetter[] = [];
  for (const broker of await dlqBrokers(client, group)) {
    if (letters.length >= max) break;
    letters.push(...(await readLetters(client, group, broker, fromOffset, max - letters.length)));
  }
  return letters;
}

export async function dlqBrokers(client: ClientInstance, group: string): Promise<DlqBroker[]> {
  let route;
  try {
    route = await client.route(dlqTopicOf(group), true);
  } catch (error) {
    if (error instanceof NoRouteError) return [];
    throw error;
  }
  const brokers: DlqBroker[] = [];
  for (const data of route.queueDatas) {
    const address = masterAddress(route, data.brokerName);
    if (address !== undefined && data.readQueueNums > 0)
      brokers.push({ brokerName: data.brokerName, address });
  }
  return brokers.sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1));
}

/**
 * The letters of one broker among the next `limit` from fromOffset on (only those keep accepts,
 * so a search holds no more than its matches), pulled without committing.
 */
export async function readLetters(
  client: ClientInstance,
  group: string,
  broker: DlqBroker,
  fromOffset: number,
  limit: number,
  keep: (letter: DeadLetter) => boolean = () => true,
): Promise<DeadLetter[]> {
  const queue: MessageQueue = {
    topic: dlqTopicOf(group),
    brokerName: broker.brokerName,
    queueId: 0,
  };
  const subscription = buildSubscription(queue.topic, '*');
  const letters: DeadLetter[] = [];
  let scanned = 0;
  let offset = fromOffset;
  let jumps = 0;
  // Every round either reads a letter, moves the offset forward or ends the loop.
  for (let round = 0; round < limit + MAX_OFFSET_JUMPS && scanned < limit; round++) {
    const result = await pullMessage(client, broker.address, {
      group: TOOLS_CONSUMER_GROUP,
      queue,
      queueOffset: offset,
      maxMsgNums: Math.min(PULL_BATCH, limit - scanned),
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMs: 0,
      subscription,
      timeoutMs: client.requestTimeoutMs,
    });
    if (result.status === PullStatus.FOUND) {
      for (const message of result.messages.slice(0, limit - scanned)) {
        scanned++;
        const letter = deadLetterOf(message, broker.brokerName);
        if (keep(letter)) letters.push(letter);
      }
    } else if (result.status === PullStatus.OFFSET_ILLEGAL) {
      if (++jumps > MAX_OFFSET_JUMPS) break;
    } else if (result.status === PullStatus.NO_NEW_MSG) {
      break;
    }
    if (result.nextBeginOffset <= offset) break;
    offset = result.nextBeginOffset;
  }
  return letters;
}

function deadLetterOf(message: MessageExt, brokerName: string): DeadLetter {
  // pullMessage adds these for consumers; a dead letter shows the record as stored.
  delete message.properties[MessageProperty.MIN_OFFSET];
  delete message.properties[MessageProperty.MAX_OFFSET];
  return {
    ...message,
    brokerName,
    originTopic: message.properties[MessageProperty.RETRY_TOPIC],
    originMsgId: message.properties[MessageProperty.ORIGIN_MESSAGE_ID] ?? message.msgId,
    dlqOffset: message.queueOffset,
  };
}
