/**
 * The broker keys of delivery features: delay levels, timers and SQL92 filtering (part of
 * BROKER_CONFIG_SCHEMA, kept here with the delay-level parser they need).
 */
import type { Schema } from '../common/config-schema.ts';

/** 1 to 18 levels (SCHEDULE_TOPIC_XXXX has 18 queues), each at most 9 digits and a unit. */
const DELAY_LEVELS = /^\s*\d{1,9}[smhd](\s+\d{1,9}[smhd]){0,17}\s*$/;
const MAX_DELAY_MS = 365 * 86_400_000;
const DELAY_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DELIVERY_CONFIG_SCHEMA = {
  messageDelayLevel: {
    type: 'string',
    default: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
    doc: 'Delay of each delay level (1 first), e.g. 1s 5s 10s 30s 1m ... 2h; units s m h d.',
    pattern: DELAY_LEVELS,
    allowed: '1 to 18 delays like 1s, 5m, 2h or 1d separated by spaces',
  },
  enablePropertyFilter: {
    type: 'bool',
    default: false,
    doc: 'Serve SQL92 subscriptions (evaluated on the filter pool), as RocketMQ, off by default.',
  },
  filterThreads: {
    type: 'int',
    default: 1,
    min: 1,
    max: 16,
    doc: 'Worker threads of the filter pools (SQL92 subscriptions), shared among the actors.',
  },
  timerWheelEnable: {
    type: 'bool',
    default: true,
    doc: 'Deliver messages at the time in TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS.',
  },
  timerMaxDelaySec: {
    type: 'int',
    default: 604_800,
    min: 1,
    max: 1_073_741,
    doc: 'Longest timer delay accepted in seconds (7 days); longer ones are refused.',
  },
} as const satisfies Schema;

/**
 * Delay of each level in ms from `messageDelayLevel` text (level 1 first). Throws naming the
 * key when the text is not 1-18 delays with units s, m, h or d.
 */
export function parseDelayLevels(text: string): number[] {
  if (!DELAY_LEVELS.test(text))
    throw new Error(
      `invalid value for messageDelayLevel: '${text}' (allowed: 1 to 18 delays like 1s, 5m, 2h or 1d separated by spaces)`,
    );
  const levels = text
    .trim()
    .split(/\s+/)
    .map((entry) => Number(entry.slice(0, -1)) * DELAY_UNIT_MS[entry.slice(-1)]!);
  if (levels.some((ms) => ms > MAX_DELAY_MS))
    throw new Error(`invalid value for messageDelayLevel: '${text}' (allowed: delays up to 365d)`);
  return levels;
}
