/** Builders of store inputs shared by store tests, the crash test and benchmarks. */
import { createHash } from 'node:crypto';
import type { MessageInput } from '../../native-free-store/index.ts';
import { encodeProperties } from '../../src/protocol/properties.ts';

/** A body whose bytes follow from (seed, size), so a reader can rebuild and compare it. */
export function deterministicBody(seed: string, size: number): Buffer {
  const body = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(body, at, 0, Math.min(block.length, size - at));
    block = createHash('sha256').update(block).digest();
  }
  return body;
}

export interface TestMessageOptions {
  topic?: string;
  queueId?: number;
  tags?: string;
  keys?: string;
  uniqueKey?: string;
  bodySize?: number;
}

export function testMessage(seed: string, options: TestMessageOptions = {}): MessageInput {
  const properties: Record<string, string> = { UNIQ_KEY: options.uniqueKey ?? seed };
  if (options.tags) properties['TAGS'] = options.tags;
  if (options.keys) properties['KEYS'] = options.keys;
  return {
    topic: options.topic ?? 'TopicTest',
    queueId: options.queueId ?? 0,
    body: deterministicBody(seed, options.bodySize ?? 100),
    properties: encodeProperties(properties),
    bornTimestamp: 1_700_000_000_000,
    bornHost: { address: '10.0.0.7', port: 50123 },
  };
}
