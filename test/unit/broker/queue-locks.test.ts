import { describe, expect, it } from 'vitest';
import { QueueLockTable } from '../../../src/broker/clients/queue-locks.ts';

const q = (queueId: number) => ({ topic: 'T', brokerName: 'b', queueId });

describe('broker - queue lock table', () => {
  it('grants free queues and refuses ones another client holds', () => {
    const table = new QueueLockTable(60_000);
    expect(table.lock('g', 'A', [q(0), q(1)], 1000)).toEqual([q(0), q(1)]);
    expect(table.lock('g', 'B', [q(1), q(2)], 2000)).toEqual([q(2)]);
    expect(table.holder('g', q(1), 2000)).toBe('A');
    expect(table.holder('g', q(2), 2000)).toBe('B');
    // another group has its own table
    expect(table.lock('h', 'B', [q(1)], 2000)).toEqual([q(1)]);
  });

  it('renews for the holder and hands an expired lock to another client', () => {
    const table = new QueueLockTable(60_000);
    table.lock('g', 'A', [q(0)], 0);
    expect(table.lock('g', 'A', [q(0)], 50_000)).toEqual([q(0)]);
    expect(table.lock('g', 'B', [q(0)], 100_000)).toEqual([]);
    expect(table.lock('g', 'B', [q(0)], 110_001)).toEqual([q(0)]);
    expect(table.holder('g', q(0), 110_001)).toBe('B');
    expect(table.entries('g', 170_002)).toEqual([]);
  });

  it('ignores an unlock by a client that does not hold the queue', () => {
    const table = new QueueLockTable(60_000);
    table.lock('g', 'A', [q(0), q(1)], 0);
    table.unlock('g', 'B', [q(0)]);
    expect(table.holder('g', q(0), 1)).toBe('A');
    table.unlock('g', 'A', [q(0)]);
    expect(table.holder('g', q(0), 1)).toBeUndefined();
    expect(table.lock('g', 'B', [q(0)], 2)).toEqual([q(0)]);
    expect(table.entries('g', 3).map((e) => [e.queue.queueId, e.clientId])).toEqual([
      [1, 'A'],
      [0, 'B'],
    ]);
  });

  it('releases every lock of a client that went away', () => {
    const table = new QueueLockTable(60_000);
    table.lock('g', 'A', [q(0)], 0);
    table.lock('h', 'A', [q(1)], 0);
    table.lock('g', 'B', [q(2)], 0);
    table.releaseClient('A');
    expect(table.entries('g', 1).map((e) => e.clientId)).toEqual(['B']);
    expect(table.entries('h', 1)).toEqual([]);
  });
});
