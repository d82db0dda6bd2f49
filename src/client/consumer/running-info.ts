/**
 * GET_CONSUMER_RUNNING_INFO (307, REMOTING.md 12): an admin tool asks a broker, which asks this
 * consumer, for its running state. The answer is RocketMQ's ConsumerRunningInfo in fastjson's
 * form: the consumer's settings (properties), its subscriptions, and per queue the process
 * queue's state (mqTable, keyed by the MessageQueue object as fastjson writes such maps).
 * statusTable (consume TPS and RT) is sent empty: this client keeps no such statistics yet.
 */
import { toFastJson } from '../../remoting/index.ts';
import type { MessageQueue } from '../core/route.ts';
import type { ProcessQueue } from './process-queue.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export interface RunningInfoSources {
  properties: Record<string, string>;
  subscriptions: Iterable<SubscriptionData>;
  processQueues: readonly ProcessQueue[];
  committedOffset: (queue: MessageQueue) => number;
}

const MIB = 1024 * 1024;

export function consumerRunningInfo(sources: RunningInfoSources): Buffer {
  const mqTable = new Map<MessageQueue, Record<string, unknown>>();
  for (const pq of sources.processQueues) {
    const { min, max } = pq.heldRange;
    mqTable.set(
      { brokerName: pq.queue.brokerName, queueId: pq.queue.queueId, topic: pq.queue.topic },
      {
        commitOffset: sources.committedOffset(pq.queue),
        cachedMsgMinOffset: min,
        cachedMsgMaxOffset: max,
        cachedMsgCount: pq.messageCount,
        cachedMsgSizeInMiB: Math.floor(pq.messageBytes / MIB),
        transactionMsgMinOffset: 0,
        transactionMsgMaxOffset: 0,
        transactionMsgCount: 0,
        locked: pq.locked,
        tryUnlockTimes: 0,
        lastLockTimestamp: pq.lastLockTimestampMs,
        droped: pq.dropped,
        lastPullTimestamp: pq.lastPullTimestampMs,
        lastConsumeTimestamp: pq.lastConsumeTimestampMs,
      },
    );
  }
  return Buffer.from(
    toFastJson({
      properties: sources.properties,
      subscriptionSet: [...sources.subscriptions],
      mqTable,
      statusTable: {},
    }),
  );
}
