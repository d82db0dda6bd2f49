/**
 * What push-consumer listeners receive and return, and the parts both consume services share:
 * preparing a batch for the listener and calling it so that a throw or an unexpected value
 * counts as a failure rather than escaping.
 */
import type { Logger } from 'pino';
import type { ClientInstance } from '../core/client-instance.ts';
import type { MessageModel } from './consume-from-where.ts';
import type { MessageExt } from '../core/message.ts';
import type { OffsetStore } from './offset-store.ts';
import type { MessageQueue } from '../core/route.ts';
import { restoreRetryTopic } from './subscription.ts';
import type { TaskLimiter } from '../core/task-limiter.ts';
import type { TimerSet } from '../core/timers.ts';
import { MessageProperty } from '../../protocol/property-names.ts';

/**
 * The results as constants as well as string types: TypeScript widens a bare literal returned
 * from an `async` listener to `string` (the contextual type is a union with a Promise), so
 * `return ConsumeResult.CONSUME_SUCCESS` (or `'CONSUME_SUCCESS' as const`) is what async
 * listeners write.
 */
export const ConsumeResult = {
  CONSUME_SUCCESS: 'CONSUME_SUCCESS',
  RECONSUME_LATER: 'RECONSUME_LATER',
} as const;
export type ConsumeResult = (typeof ConsumeResult)[keyof typeof ConsumeResult];

export const OrderlyConsumeResult = {
  SUCCESS: 'SUCCESS',
  SUSPEND_CURRENT_QUEUE_A_MOMENT: 'SUSPEND_CURRENT_QUEUE_A_MOMENT',
} as const;
export type OrderlyConsumeResult = (typeof OrderlyConsumeResult)[keyof typeof OrderlyConsumeResult];

export interface ConsumeContext {
  /** The queue the messages were pulled from (a %RETRY% queue for retried messages). */
  queue: MessageQueue;
}

export type MessageListener = (
  messages: MessageExt[],
  context: ConsumeContext,
) => ConsumeResult | Promise<ConsumeResult>;

export type OrderlyMessageListener = (
  messages: MessageExt[],
  context: ConsumeContext,
) => OrderlyConsumeResult | Promise<OrderlyConsumeResult>;

export interface ConsumeServiceOptions {
  instance: ClientInstance;
  group: string;
  messageModel: MessageModel;
  batchSize: number;
  maxReconsumeTimes: number;
  offsetStore: OffsetStore;
  limiter: TaskLimiter;
  timers: TimerSet;
  logger: Logger;
}

/** Retried messages get their topic back, and every message its consume start time. */
export function prepareForListener(messages: readonly MessageExt[], group: string): void {
  const now = String(Date.now());
  for (const message of messages) {
    restoreRetryTopic(message, group);
    message.properties[MessageProperty.CONSUME_START_TIME] = now;
  }
}

/** The listener's verdict; a throw or any other value than `success` gives `failure`. */
export async function callListener<R extends string>(
  call: () => R | Promise<R>,
  success: R,
  failure: R,
  logger: Logger,
  queue: MessageQueue,
): Promise<R> {
  try {
    const result = await call();
    if (result === success) return success;
    if (result !== failure)
      logger.warn({ queue, result }, 'listener returned an unknown result, counted as a failure');
    return failure;
  } catch (error) {
    logger.warn({ queue, err: (error as Error).message }, 'listener threw; the batch is retried');
    return failure;
  }
}
