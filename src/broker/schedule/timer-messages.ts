/**
 * Timer messages on the send path (RocketMQ 5's TIMER_DELIVER_MS, TIMER_DELAY_SEC and
 * TIMER_DELAY_MS properties, REMOTING.md 16): a message due in the future is stored in the timer
 * topic queue of its delay's highest bit, with TIMER_OUT_MS = its delivery time and its real
 * topic and queue in REAL_TOPIC / REAL_QID. A delay level (DELAY) wins over timer properties, as
 * in RocketMQ; a time already past is an ordinary message.
 */
import { TIMER_TOPIC } from '../metadata/topic-config.ts';
import { mayWait, statedDelayLevel } from './delay-levels.ts';
import { timerQueueFor } from './wait-policy.ts';
import { decodeProperties, encodeProperties } from '../../protocol/properties.ts';
import { MessageProperty } from '../../protocol/property-names.ts';

const MARK = 'TIMER_';
const INTEGER = /^-?\d{1,16}$/;

export type TimerOutcome =
  undefined | { error: string } | { topic: string; queueId: number; properties: string };

/**
 * Undefined for a message that is not a timer message (or is due already); an error text for
 * an unusable timer property or a delay above maxDelayMs; else where to store it.
 */
export function timerDestination(
  properties: string,
  topic: string,
  queueId: number,
  sysFlag: number,
  now: number,
  maxDelayMs: number,
): TimerOutcome {
  if (!properties.includes(MARK) || !mayWait(sysFlag)) return undefined;
  const decoded = decodeProperties(properties);
  if (statedDelayLevel(decoded) !== undefined) return undefined;
  const deliverAt = deliveryTime(decoded, now);
  if (deliverAt === undefined) return undefined;
  if (typeof deliverAt === 'string') return { error: deliverAt };
  const delay = deliverAt - now;
  if (delay <= 0) return undefined;
  if (delay > maxDelayMs)
    return {
      error: `timer message illegal, the delay time should not be bigger than the max delay ${maxDelayMs}ms`,
    };
  decoded[MessageProperty.TIMER_OUT_MS] = String(deliverAt);
  decoded[MessageProperty.REAL_TOPIC] = topic;
  decoded[MessageProperty.REAL_QID] = String(queueId);
  return {
    topic: TIMER_TOPIC,
    queueId: timerQueueFor(delay),
    properties: encodeProperties(decoded),
  };
}

/** The delivery time the properties ask for, an error naming the bad property, or undefined. */
function deliveryTime(
  properties: Record<string, string>,
  now: number,
): number | string | undefined {
  for (const [name, scale, base] of [
    [MessageProperty.TIMER_DELAY_SEC, 1000, now],
    [MessageProperty.TIMER_DELAY_MS, 1, now],
    [MessageProperty.TIMER_DELIVER_MS, 1, 0],
  ] as const) {
    const text = properties[name];
    if (text === undefined) continue;
    if (!INTEGER.test(text.trim()))
      return `timer message illegal, property ${name} must be an integer, got '${text.slice(0, 32)}'`;
    return base + Number(text.trim()) * scale;
  }
  return undefined;
}
