/**
 * Queue selectors for ordered sends: the application picks the queue from the topic's publish
 * queues, so messages with one key always land in one queue and keep their send order.
 */
import { InvalidArgumentError } from '../core/errors.ts';
import type { Message } from '../core/message.ts';
import type { MessageQueue } from '../core/route.ts';
import { javaLongHash, javaStringHash } from '../../protocol/java-hash.ts';

export type QueueSelector = (
  queues: readonly MessageQueue[],
  message: Message,
  arg: unknown,
) => MessageQueue;

/** The Java hashCode of arg, as RocketMQ's SelectMessageQueueByHash sees a String/Long/Integer. */
export function javaHashCode(arg: unknown): number {
  if (typeof arg === 'string') return javaStringHash(arg);
  if (typeof arg === 'bigint') return javaLongHash(arg);
  if (typeof arg === 'number' && Number.isSafeInteger(arg)) {
    return arg === (arg | 0) ? arg : javaLongHash(BigInt(arg));
  }
  throw new InvalidArgumentError(
    `selectByHash needs a string, integer or bigint arg, got ${typeof arg === 'number' ? arg : typeof arg}`,
  );
}

/**
 * The queue at hash(arg) mod queue count, made non-negative as the Java selector does
 * (|h % n|, not h mod n), so Java and Node producers agree on the queue for a key.
 */
export const selectByHash: QueueSelector = (queues, _message, arg) => {
  if (queues.length === 0) throw new InvalidArgumentError('selectByHash got no queues');
  return queues[Math.abs(javaHashCode(arg) % queues.length)]!;
};
