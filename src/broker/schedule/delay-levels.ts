/**
 * Delay levels on the send path (protocol/REMOTING.md 14.9): a message whose DELAY property is
 * a positive level is stored in SCHEDULE_TOPIC_XXXX, queue level - 1, with its real topic and
 * queue in REAL_TOPIC and REAL_QID; the schedule service delivers it when due.
 */
import type { BrokerConfig } from '../broker-config.ts';
import { parseDelayLevels } from '../broker-config.ts';
import { SCHEDULE_TOPIC } from '../../protocol/topic-names.ts';
import { decodeProperties, encodeProperties } from '../../protocol/properties.ts';
import { MessageProperty } from '../../protocol/property-names.ts';

const DELAY_ENTRY = 'DELAY\u0001';
/** Transaction type bits of sysFlag: only NOT_TYPE (0) and COMMIT (8) messages are delayed. */
const TRANSACTION_MASK = 0x0c;
const TRANSACTION_COMMIT = 0x08;

let cachedText: string | undefined;
let cachedLevels: readonly number[] = [];

/** The config's delay of each level in ms (level 1 first), parsed once per distinct text. */
export function delayLevelsOf(config: Pick<BrokerConfig, 'messageDelayLevel'>): readonly number[] {
  if (config.messageDelayLevel !== cachedText) {
    cachedLevels = Object.freeze(parseDelayLevels(config.messageDelayLevel));
    cachedText = config.messageDelayLevel;
  }
  return cachedLevels;
}

/** Only ordinary and committed messages wait; prepared and rollback ones never do. */
export function mayWait(sysFlag: number): boolean {
  const type = sysFlag & TRANSACTION_MASK;
  return type === 0 || type === TRANSACTION_COMMIT;
}

/** The positive delay level in the DELAY property, or undefined when there is none. */
export function statedDelayLevel(properties: Readonly<Record<string, string>>): number | undefined {
  const text = properties[MessageProperty.DELAY];
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  const level = Number(text);
  return level > 0 ? level : undefined;
}

export interface ScheduledDestination {
  topic: string;
  queueId: number;
  properties: string;
}

/**
 * Where a message goes when its properties carry DELAY > 0: the schedule queue of its level
 * (clamped to maxLevel), with DELAY rewritten to that level and REAL_TOPIC and REAL_QID added.
 * Undefined when the message is not delayed.
 */
export function scheduledDestination(
  properties: string,
  topic: string,
  queueId: number,
  sysFlag: number,
  maxLevel: number,
): ScheduledDestination | undefined {
  if (!properties.includes(DELAY_ENTRY) || !mayWait(sysFlag)) return undefined;
  const decoded = decodeProperties(properties);
  const requested = statedDelayLevel(decoded);
  if (requested === undefined || maxLevel <= 0) return undefined;
  const level = Math.min(requested, maxLevel);
  decoded[MessageProperty.DELAY] = String(level);
  decoded[MessageProperty.REAL_TOPIC] = topic;
  decoded[MessageProperty.REAL_QID] = String(queueId);
  return { topic: SCHEDULE_TOPIC, queueId: level - 1, properties: encodeProperties(decoded) };
}
