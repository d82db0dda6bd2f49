import { afterEach, describe, expect, it } from 'vitest';
import {
  checkRecord,
  GetMessageStatus,
  javaStringHash,
  openStore,
} from '../../../native-free-store/index.ts';
import type { MessageStore, StoreOptions } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { deterministicBody, testMessage } from '../../harness/store-messages.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function tempStore(
  options: Partial<StoreOptions> = {},
): Promise<{ store: MessageStore; directory: string }> {
  const dir = makeTempDir('store');
  cleanups.push(dir.remove);
  const store = await openStore({
    directory: dir.path,
    maxMessageSizeBytes: 4096,
    segmentSizeBytes: 128 * 1024,
    ...options,
  });
  cleanups.push(() => store.close());
  return { store, directory: dir.path };
}

function bodiesOf(data: Buffer): Buffer[] {
  const bodies: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const check = checkRecord(data, at, data.length - at, true);
    if (check.kind !== 'message') throw new Error(`bad record at ${at}`);
    bodies.push(
      data.subarray(check.record.bodyStart, check.record.bodyStart + check.record.bodyLength),
    );
    at += check.record.totalSize;
  }
  return bodies;
}

describe('store - append and read', () => {
  it('gives consecutive queue offsets per queue and returns them in order', async () => {
    const { store } = await tempStore();
    const batch = Array.from({ length: 30 }, (_, i) => testMessage(`m${i}`, { queueId: i % 3 }));
    const result = await store.append(batch);
    expect(result.count).toBe(30);
    expect([...result.queueOffsets.slice(0, 6)]).toEqual([0, 0, 0, 1, 1, 1]);
    expect(store.getMaxOffset('TopicTest', 1)).toBe(10);
    const read = store.getMessages({
      topic: 'TopicTest',
      queueId: 1,
      queueOffset: 0,
      maxMessages: 32,
    });
    expect(read.status).toBe(GetMessageStatus.FOUND);
    expect(read.messageCount).toBe(10);
    expect(read.nextQueueOffset).toBe(10);
    expect(read.queueOffsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const expected = batch.filter((m) => m.queueId === 1).map((m) => Buffer.from(m.body));
    expect(bodiesOf(read.data)).toEqual(expected);
  });

  it('answers each pull status as RocketMQ does', async () => {
    const { store } = await tempStore();
    const query = { topic: 'TopicTest', queueId: 0, maxMessages: 8 };
    expect(store.getMessages({ ...query, queueOffset: 5 }).status).toBe(
      GetMessageStatus.NO_MATCHED_LOGIC_QUEUE,
    );
    store.appendBatch([testMessage('a', { tags: 'TagA' }), testMessage('b', { tags: 'TagB' })]);
    expect(store.getMessages({ ...query, queueOffset: 2 })).toMatchObject({
      status: GetMessageStatus.OFFSET_OVERFLOW_ONE,
      nextQueueOffset: 2,
      minOffset: 0,
      maxOffset: 2,
    });
    expect(store.getMessages({ ...query, queueOffset: 9 })).toMatchObject({
      status: GetMessageStatus.OFFSET_OVERFLOW_BADLY,
      nextQueueOffset: 2,
    });
    const tagB = new Set([javaStringHash('TagB')]);
    expect(store.getMessages({ ...query, queueOffset: 0, tagsCodes: tagB })).toMatchObject({
      status: GetMessageStatus.FOUND,
      messageCount: 1,
      queueOffsets: [1],
      nextQueueOffset: 2,
    });
    const none = new Set([javaStringHash('TagC')]);
    expect(store.getMessages({ ...query, queueOffset: 0, tagsCodes: none })).toMatchObject({
      status: GetMessageStatus.NO_MATCHED_MESSAGE,
      nextQueueOffset: 2,
    });
  });

  it('stops at maxMessages and maxBytes but returns at least one message', async () => {
    const { store } = await tempStore();
    store.appendBatch(
      Array.from({ length: 10 }, (_, i) => testMessage(`m${i}`, { bodySize: 500 })),
    );
    expect(
      store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxMessages: 3 })
        .messageCount,
    ).toBe(3);
    const small = store.getMessages({
      topic: 'TopicTest',
      queueId: 0,
      queueOffset: 4,
      maxMessages: 32,
      maxBytes: 1300,
    });
    expect(small.messageCount).toBe(2);
    expect(small.nextQueueOffset).toBe(6);
    expect(
      store.getMessages({
        topic: 'TopicTest',
        queueId: 0,
        queueOffset: 4,
        maxMessages: 32,
        maxBytes: 10,
      }).messageCount,
    ).toBe(1);
  });

  it('rejects a bad batch whole, naming the message and field', async () => {
    const { store } = await tempStore();
    expect(() =>
      store.appendBatch([
        testMessage('ok'),
        { topic: 'TopicTest', queueId: 0, body: Buffer.alloc(5000) },
      ]),
    ).toThrow(/message 1: body is 5000 bytes/);
    expect(store.getMaxOffset('TopicTest', 0)).toBe(0);
    store.appendBatch([testMessage('after')]);
    expect(store.getMaxOffset('TopicTest', 0)).toBe(1);
  });

  it('looks up by time, physical offset and key', async () => {
    const { store } = await tempStore();
    const first = store.appendBatch([
      testMessage('k1', { keys: 'order-1 shared' }),
      testMessage('k2', { keys: 'order-2 shared' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const second = store.appendBatch([testMessage('k3', { keys: 'order-3' })]);
    const t1 = first.storeTimestamps[0]!;
    const t3 = second.storeTimestamps[0]!;
    expect(store.getEarliestStoreTime('TopicTest', 0)).toBe(t1);
    expect(store.getOffsetByTime('TopicTest', 0, t1)).toBe(0);
    expect(store.getOffsetByTime('TopicTest', 0, t1 + 1)).toBe(2);
    expect(store.getOffsetByTime('TopicTest', 0, t3 + 1000)).toBe(3);
    const record = store.readMessageAt(second.physicalOffsets[0]!);
    expect(record?.length).toBe(second.sizes[0]);
    expect(store.readMessageAt(second.physicalOffsets[0]! + 1)).toBeUndefined();
    expect(store.queryByKey('TopicTest', 'shared', 10)).toHaveLength(2);
    expect(store.queryByKey('TopicTest', 'order-3', 10)).toHaveLength(1);
    expect(store.queryByKey('TopicTest', 'k2', 10)).toHaveLength(1);
    expect(store.queryByKey('OtherTopic', 'k2', 10)).toHaveLength(0);
    expect(store.queryByKey('TopicTest', 'shared', 10, t3, t3 + 10)).toHaveLength(0);
  });

  it('writes a blank marker at a segment end and continues in the next segment', async () => {
    const { store } = await tempStore({ segmentSizeBytes: 70_000, maxMessageSizeBytes: 1024 });
    const messages = Array.from({ length: 200 }, (_, i) =>
      testMessage(`s${i}`, { bodySize: 900, queueId: i % 2 }),
    );
    for (let i = 0; i < messages.length; i += 7) store.appendBatch(messages.slice(i, i + 7));
    expect(store.stats().segmentCount).toBeGreaterThan(2);
    for (const queueId of [0, 1]) {
      const bodies: Buffer[] = [];
      let offset = 0;
      for (let guard = 0; guard < 100 && offset < 100; guard++) {
        const read = store.getMessages({
          topic: 'TopicTest',
          queueId,
          queueOffset: offset,
          maxMessages: 16,
        });
        bodies.push(...bodiesOf(read.data));
        offset = read.nextQueueOffset;
      }
      expect(bodies).toEqual(
        messages.filter((m) => m.queueId === queueId).map((m) => Buffer.from(m.body)),
      );
    }
  });

  it('keeps body bytes exactly, including a large body', async () => {
    const { store } = await tempStore();
    const body = deterministicBody('large', 4096);
    const result = store.appendBatch([
      { topic: 'Big', queueId: 5, body, properties: 'TAGS\u0001x' },
    ]);
    const record = store.readMessageAt(result.physicalOffsets[0]!)!;
    const check = checkRecord(record, 0, record.length, true);
    expect(
      check.kind === 'message' &&
        record.subarray(check.record.bodyStart, check.record.bodyStart + 4096),
    ).toEqual(body);
  });

  it('writes recordOffsetBase into each record and keeps API offsets local, across reopen', async () => {
    const base = 3 * 2 ** 48;
    const { store, directory } = await tempStore({ recordOffsetBase: base });
    const appended = await store.append([testMessage('a'), testMessage('b')]);
    const local = appended.physicalOffsets[1]!;
    const read = store.readMessageAt(local);
    const check = checkRecord(read!, 0, read!.length, true);
    expect(check.kind === 'message' && check.record.physicalOffset).toBe(base + local);
    await store.close();
    cleanups.pop();
    const reopened = await openStore({
      directory,
      maxMessageSizeBytes: 4096,
      segmentSizeBytes: 128 * 1024,
      recordOffsetBase: base,
    });
    cleanups.push(() => reopened.close());
    expect(reopened.getMaxOffset('TopicTest', 0)).toBe(2);
    expect(reopened.readMessageAt(local)).toEqual(read);
  });
});
