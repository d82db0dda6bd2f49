/**
 * What distinguishes the two topics where messages wait (REMOTING.md 14.9, 16): in each queue
 * every message waits the same span after it was stored, so a queue becomes ready in offset
 * order and only its head is ever checked.
 *
 * - Delay levels: SCHEDULE_TOPIC_XXXX queue `level - 1` holds each message for that level's
 *   delay, then delivers it to REAL_TOPIC / REAL_QID.
 * - Timers (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS): a hierarchical wheel made of
 *   the same kind of queues. Timer queue k holds each message 2^k ms; when that is over, the
 *   remaining time either is gone (deliver) or goes to the queue of its highest bit. A message
 *   passes through one queue per set bit of its delay (at most 30 for 12 days), and a pending
 *   message costs no memory and no work until its queue's head reaches it.
 */
import { TIMER_TOPIC, TIMER_QUEUES } from '../metadata/topic-config.ts';
import { statedDelayLevel } from './delay-levels.ts';
import { realDestination } from './scheduled-record.ts';
import type { WaitingMessage } from './scheduled-record.ts';
import { SCHEDULE_TOPIC } from '../../protocol/topic-names.ts';
import { MessageProperty } from '../../protocol/property-names.ts';

export interface Destination {
  topic: string;
  queueId: number;
  properties: Record<string, string>;
}

export interface WaitPolicy {
  /** For logs and the offsets file. */
  name: string;
  topic: string;
  queues: number;
  /** File under config/ keeping the next offset of each queue (keyed queueId + 1). */
  offsetsFile: string;
  /** When the message, stored in queue `queueId`, is ready to move on. */
  readyAt(message: WaitingMessage, queueId: number): number;
  /** Where a ready message is stored next; undefined when it names no usable destination. */
  next(message: WaitingMessage, now: number): Destination | undefined;
}

/** Leaving a waiting topic: the real topic and queue, DELAY dropped, no wait for a flush. */
function deliverReal(properties: Record<string, string>): Destination | undefined {
  const real = realDestination(properties);
  if (!real) return undefined;
  delete properties[MessageProperty.DELAY];
  properties[MessageProperty.WAIT] = 'false';
  return { ...real, properties };
}

export function delayLevelPolicy(levelsMs: readonly number[]): WaitPolicy {
  return {
    name: 'delay level',
    topic: SCHEDULE_TOPIC,
    queues: levelsMs.length,
    offsetsFile: 'delayOffset.json',
    readyAt(message, queueId) {
      const level = statedDelayLevel(message.properties) ?? queueId + 1;
      return message.storeTimestamp + levelsMs[Math.min(level, levelsMs.length) - 1]!;
    },
    next: (message) => deliverReal(message.properties),
  };
}

/** The timer queue whose hold time is the highest power of two not above `remainingMs` (≥ 1). */
export function timerQueueFor(remainingMs: number): number {
  if (remainingMs >= 2 ** (TIMER_QUEUES - 1)) return TIMER_QUEUES - 1;
  return 31 - Math.clz32(Math.max(1, Math.floor(remainingMs)));
}

export const timerPolicy: WaitPolicy = {
  name: 'timer',
  topic: TIMER_TOPIC,
  queues: TIMER_QUEUES,
  offsetsFile: 'timerOffset.json',
  readyAt: (message, queueId) => message.storeTimestamp + 2 ** queueId,
  next(message, now) {
    const deliverAt = Number(message.properties[MessageProperty.TIMER_OUT_MS]);
    const remaining = Number.isFinite(deliverAt) ? deliverAt - now : 0;
    if (remaining <= 0) return deliverReal(message.properties);
    return {
      topic: TIMER_TOPIC,
      queueId: timerQueueFor(remaining),
      properties: message.properties,
    };
  },
};
