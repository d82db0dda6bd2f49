/**
 * Per-send options and where they send: any queue (round robin with retries), one given queue,
 * or the queue a selector picks from the topic's publish queues (for order by key).
 */
import { InvalidArgumentError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { PublishInfo } from './publish-routes.ts';
import type { QueueSelector } from './queue-selector.ts';
import { selectByHash } from './queue-selector.ts';
import type { MessageQueue } from '../core/route.ts';
import { queueKey } from '../core/route.ts';

export interface SendOptions {
  /** Send to exactly this queue (one attempt). */
  queue?: MessageQueue;
  /** Pick the queue from the topic's publish queues (one attempt). */
  selector?: QueueSelector;
  /** Passed to the selector; defaults to shardingKey. */
  arg?: unknown;
  /** Same key, same queue: selectByHash(shardingKey) unless a selector is given. */
  shardingKey?: string;
  /** Overrides sendTimeoutMs for this send. */
  timeoutMs?: number;
}

export interface BatchSendOptions {
  queue?: MessageQueue;
  timeoutMs?: number;
}

export type Target =
  | { kind: 'any' }
  | { kind: 'queue'; queue: MessageQueue }
  | { kind: 'select'; selector: QueueSelector; arg: unknown };

export function targetOf(options: SendOptions): Target {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('send options must be an object');
  const { queue, selector, shardingKey } = options;
  if (queue !== undefined) {
    if (selector !== undefined || shardingKey !== undefined)
      throw new InvalidArgumentError(
        'options.queue cannot be combined with options.selector or options.shardingKey',
      );
    return { kind: 'queue', queue };
  }
  if (selector !== undefined && typeof selector !== 'function')
    throw new InvalidArgumentError('options.selector must be a function');
  if (shardingKey !== undefined && (typeof shardingKey !== 'string' || shardingKey.length === 0))
    throw new InvalidArgumentError('options.shardingKey must be a non-empty string');
  if (selector === undefined && shardingKey === undefined) return { kind: 'any' };
  return {
    kind: 'select',
    selector: selector ?? selectByHash,
    arg: options.arg === undefined ? shardingKey : options.arg,
  };
}

export function checkQueue(queue: MessageQueue, topic: string): void {
  if (
    typeof queue !== 'object' ||
    queue === null ||
    typeof queue.brokerName !== 'string' ||
    !Number.isInteger(queue.queueId) ||
    queue.queueId < 0
  )
    throw new InvalidArgumentError('options.queue must be { topic, brokerName, queueId }');
  if (queue.topic !== topic)
    throw new InvalidArgumentError(
      `options.queue is a queue of topic ${queue.topic}, not of the message's topic ${topic}`,
    );
}

export function selectedQueue(
  info: PublishInfo,
  target: { selector: QueueSelector; arg: unknown },
  message: Message,
  topic: string,
): MessageQueue {
  const queue = target.selector(info.queues, message, target.arg) as MessageQueue | undefined;
  const key = typeof queue === 'object' && queue !== null ? queueKey(queue) : undefined;
  if (key === undefined || !info.queues.some((q) => queueKey(q) === key))
    throw new InvalidArgumentError(
      `options.selector returned ${JSON.stringify(queue)}, not one of the ${info.queues.length} publish queues of ${topic}`,
    );
  return queue!;
}
