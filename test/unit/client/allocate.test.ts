import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AllocateStrategy } from '../../../src/client/consumer/allocate-strategies.ts';
import {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByConsistentHash,
} from '../../../src/client/consumer/allocate-strategies.ts';
import type { MessageQueue } from '../../../src/client/core/route.ts';
import { queueKey } from '../../../src/client/core/route.ts';

function queues(count: number, brokers = ['broker-a']): MessageQueue[] {
  const list: MessageQueue[] = [];
  for (const brokerName of brokers)
    for (let queueId = 0; queueId < count; queueId++)
      list.push({ topic: 'T', brokerName, queueId });
  return list;
}

const clients = (count: number) => Array.from({ length: count }, (_, i) => `10.0.0.${i}@${i}`);

function shares(strategy: AllocateStrategy, all: MessageQueue[], ids: string[]): MessageQueue[][] {
  return ids.map((id) => strategy('G', id, all, ids));
}

/** Every queue assigned to exactly one member. */
function expectPartition(all: MessageQueue[], parts: MessageQueue[][]): void {
  const seen = parts.flat().map(queueKey);
  expect(new Set(seen).size).toBe(seen.length);
  expect(new Set(seen)).toEqual(new Set(all.map(queueKey)));
}

describe('allocate - averagely', () => {
  it('allocate - 8 queues over 3 members gives contiguous blocks of 3, 3 and 2', () => {
    const all = queues(8);
    const parts = shares(allocateAveragely, all, clients(3));
    expect(parts.map((p) => p.map((q) => q.queueId))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
  });

  it('allocate - more members than queues leaves the last members empty', () => {
    const parts = shares(allocateAveragely, queues(2), clients(3));
    expect(parts.map((p) => p.map((q) => q.queueId))).toEqual([[0], [1], []]);
  });

  it('allocate - a member missing from the list gets nothing', () => {
    expect(allocateAveragely('G', 'stranger', queues(8), clients(2))).toEqual([]);
    expect(allocateAveragely('G', clients(1)[0]!, [], clients(1))).toEqual([]);
  });

  it('allocate - any queue and member count splits into shares differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 20 }), (n, c) => {
        const all = queues(n);
        const parts = shares(allocateAveragely, all, clients(c));
        expectPartition(all, parts);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('allocate - by circle', () => {
  it('allocate - deals queue k to member k mod members', () => {
    const parts = shares(allocateAveragelyByCircle, queues(8), clients(3));
    expect(parts.map((p) => p.map((q) => q.queueId))).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5],
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 20 }), (n, c) => {
        const all = queues(n);
        expectPartition(all, shares(allocateAveragelyByCircle, all, clients(c)));
      }),
    );
  });
});

describe('allocate - consistent hash', () => {
  it('allocate - partitions the queues and moves only the leaving member s queues', () => {
    const strategy = allocateByConsistentHash();
    const all = queues(16, ['broker-a', 'broker-b']);
    const ids = clients(4);
    const before = shares(strategy, all, ids);
    expectPartition(all, before);
    const remaining = ids.slice(0, 3);
    const after = shares(strategy, all, remaining);
    expectPartition(all, after);
    for (let i = 0; i < remaining.length; i++) {
      const kept = new Set(after[i]!.map(queueKey));
      for (const queue of before[i]!) expect(kept.has(queueKey(queue))).toBe(true);
    }
  });

  it('allocate - is deterministic and refuses bad virtual node counts', () => {
    const all = queues(8);
    expect(allocateByConsistentHash(5)('G', 'a@1', all, ['a@1', 'b@1'])).toEqual(
      allocateByConsistentHash(5)('G', 'a@1', all, ['a@1', 'b@1']),
    );
    expect(allocateByConsistentHash()('G', 'x@1', all, ['a@1'])).toEqual([]);
    expect(() => allocateByConsistentHash(0)).toThrow(/virtualNodes/);
    expect(() => allocateByConsistentHash(1.5)).toThrow(/virtualNodes/);
  });
});

describe('allocate - by config', () => {
  it('allocate - always returns the configured queues, as copies', () => {
    const mine = [queues(4)[1]!, queues(4)[3]!];
    const strategy = allocateByConfig(mine);
    const first = strategy('G', 'any', queues(8), ['any', 'other']);
    expect(first).toEqual(mine);
    first[0]!.queueId = 99;
    expect(strategy('G', 'any', [], []).map((q) => q.queueId)).toEqual([1, 3]);
  });
});
