/**
 * RESET_CONSUMER_CLIENT_OFFSET (220, protocol/REMOTING.md 12): an operator moved the group's
 * offsets (mqadmin resetOffsetByTime) and the broker tells each member the new positions. The
 * body is ResetOffsetBody, a map keyed by MessageQueue objects ({offsetTable:{{...}:offset}}),
 * or ResetOffsetBodyForC, a list of {brokerName, offset, queueId, topic} (8.3).
 */
import { parseLenientJson } from '../../remoting/index.ts';
import type { MessageQueue } from '../core/route.ts';

const MAX_ENTRIES = 100_000;

export interface QueueOffset {
  queue: MessageQueue;
  offset: number;
}

function entryOf(key: unknown, offset: unknown): QueueOffset | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const { topic, brokerName, queueId } = key as Partial<MessageQueue>;
  const value = Number(offset);
  if (typeof topic !== 'string' || typeof brokerName !== 'string') return undefined;
  if (!Number.isInteger(queueId) || !Number.isSafeInteger(value) || value < 0) return undefined;
  return { queue: { topic, brokerName, queueId: queueId! }, offset: value };
}

/** The queue offsets in either body form; malformed entries are skipped, a bad body gives []. */
export function parseResetOffsetBody(body: Buffer | undefined): QueueOffset[] {
  if (!body || body.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = parseLenientJson(body.toString('utf8'));
  } catch {
    return [];
  }
  const table = (parsed as { offsetTable?: unknown } | null)?.offsetTable;
  const entries: QueueOffset[] = [];
  if (Array.isArray(table)) {
    for (const item of table.slice(0, MAX_ENTRIES)) {
      const entry = entryOf(item, (item as { offset?: unknown } | null)?.offset);
      if (entry) entries.push(entry);
    }
  } else if (typeof table === 'object' && table !== null) {
    for (const [keyText, offset] of Object.entries(table).slice(0, MAX_ENTRIES)) {
      let key: unknown;
      try {
        key = JSON.parse(keyText);
      } catch {
        continue;
      }
      const entry = entryOf(key, offset);
      if (entry) entries.push(entry);
    }
  }
  return entries;
}
