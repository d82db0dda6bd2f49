/**
 * Where a consumer starts in a newly assigned queue (protocol/REMOTING.md 14.4): the committed
 * offset when the store has one, otherwise the group's ConsumeFromWhere. Retry topics start at
 * 0 under LAST (nothing in them should be skipped) and at the end under TIMESTAMP.
 */
import type { ClientInstance } from '../core/client-instance.ts';
import { getMaxOffset, searchOffset } from './consumer-calls.ts';
import type { OffsetStore } from './offset-store.ts';
import type { MessageQueue } from '../core/route.ts';
import { isRetryTopic } from './subscription.ts';

export const ConsumeFromWhere = {
  CONSUME_FROM_LAST_OFFSET: 'CONSUME_FROM_LAST_OFFSET',
  CONSUME_FROM_FIRST_OFFSET: 'CONSUME_FROM_FIRST_OFFSET',
  CONSUME_FROM_TIMESTAMP: 'CONSUME_FROM_TIMESTAMP',
} as const;
export type ConsumeFromWhere = (typeof ConsumeFromWhere)[keyof typeof ConsumeFromWhere];

export const MessageModel = { CLUSTERING: 'CLUSTERING', BROADCASTING: 'BROADCASTING' } as const;
export type MessageModel = (typeof MessageModel)[keyof typeof MessageModel];

export interface StartPosition {
  instance: ClientInstance;
  offsetStore: OffsetStore;
  consumeFromWhere: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, ms since the epoch. */
  consumeTimestampMs: number;
}

/** The first offset to pull; errors (other than "no offset") are thrown: skip the queue this round. */
export async function computeStartOffset(
  position: StartPosition,
  queue: MessageQueue,
): Promise<number> {
  const committed = await position.offsetStore.read(queue, 'STORE');
  if (committed >= 0) return committed;
  switch (position.consumeFromWhere) {
    case ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET:
      return 0;
    case ConsumeFromWhere.CONSUME_FROM_TIMESTAMP:
      if (isRetryTopic(queue.topic)) return getMaxOffset(position.instance, queue);
      return searchOffset(position.instance, queue, position.consumeTimestampMs);
    case ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET:
      if (isRetryTopic(queue.topic)) return 0;
      return getMaxOffset(position.instance, queue);
  }
}
