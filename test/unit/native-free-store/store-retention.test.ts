import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetMessageStatus, openStore } from '../../../native-free-store/index.ts';
import type { MessageStore } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { testMessage } from '../../harness/store-messages.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const HOUR_MS = 3_600_000;

async function filledStore(): Promise<{ store: MessageStore; directory: string }> {
  const dir = makeTempDir('retention');
  cleanups.push(dir.remove);
  const store = await openStore({
    directory: dir.path,
    maxMessageSizeBytes: 1024,
    segmentSizeBytes: 70_000,
    consumeQueueEntriesPerFile: 40,
    fileReservedTimeHours: 48,
    deleteWhen: '04;16',
    diskMaxUsedSpaceRatio: 75,
  });
  cleanups.push(() => store.close());
  for (let i = 0; i < 400; i++)
    store.appendBatch([testMessage(`r${i}`, { bodySize: 800, queueId: i % 2, keys: `rk${i}` })]);
  return { store, directory: dir.path };
}

function ageSegments(directory: string, store: MessageStore, hours: number): void {
  const seconds = (Date.now() - hours * HOUR_MS) / 1000;
  const segmentSize = store.options.segmentSizeBytes;
  for (let start = store.minPhysicalOffset; start < store.maxPhysicalOffset; start += segmentSize) {
    utimesSync(join(directory, 'commitlog', String(start).padStart(20, '0')), seconds, seconds);
  }
}

function at(hour: number): number {
  const date = new Date();
  date.setHours(hour, 30, 0, 0);
  return date.getTime();
}

describe('store - retention', () => {
  it('deletes only expired segments, only at a deleteWhen hour, never the last', async () => {
    const { store, directory } = await filledStore();
    const segments = store.stats().segmentCount;
    expect(segments).toBeGreaterThan(3);
    expect(store.runRetention(at(10), 20)).toMatchObject({ deletedSegments: 0, reason: 'not due' });
    expect(store.runRetention(at(4), 20).deletedSegments).toBe(0); // due, but nothing is 48 h old
    ageSegments(directory, store, 73);
    const pass = store.runRetention(at(16), 20);
    expect(pass.reason).toBe('deleteWhen hour');
    expect(pass.deletedSegments).toBe(segments - 1);
    expect(store.stats().segmentCount).toBe(1);
    expect(store.minPhysicalOffset).toBeGreaterThan(0);
  });

  it('moves queue minimum offsets and answers OFFSET_TOO_SMALL below them', async () => {
    const { store, directory } = await filledStore();
    ageSegments(directory, store, 100);
    store.runRetention(at(4), 20);
    const min = store.getMinOffset('TopicTest', 0);
    expect(min).toBeGreaterThan(0);
    expect(
      store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxMessages: 4 }),
    ).toMatchObject({ status: GetMessageStatus.OFFSET_TOO_SMALL, nextQueueOffset: min });
    const read = store.getMessages({
      topic: 'TopicTest',
      queueId: 0,
      queueOffset: min,
      maxMessages: 4,
    });
    expect(read.status).toBe(GetMessageStatus.FOUND);
    expect(read.queueOffsets[0]).toBe(min);
    expect(store.queryByKey('TopicTest', 'rk0', 4)).toHaveLength(0);
    expect(store.queryByKey('TopicTest', 'rk399', 4)).toHaveLength(1);
    const next = store.appendBatch([testMessage('after', { queueId: 0 })]);
    expect(next.queueOffsets[0]).toBe(200);
  });

  it('deletes expired segments at any hour once disk use passes the ratio, unexpired ones past 85%', async () => {
    const { store, directory } = await filledStore();
    expect(store.runRetention(at(10), 80).deletedSegments).toBe(0);
    ageSegments(directory, store, 73);
    expect(store.runRetention(at(10), 80)).toMatchObject({ reason: 'disk over ratio' });
    expect(store.stats().segmentCount).toBe(1);

    const fresh = await filledStore();
    const pass = fresh.store.runRetention(at(10), 90);
    expect(pass.reason).toBe('disk over forcible ratio');
    expect(pass.deletedSegments).toBeGreaterThan(0);
  });
});
