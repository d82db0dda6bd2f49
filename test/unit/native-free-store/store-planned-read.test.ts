import { afterEach, describe, expect, it } from 'vitest';
import {
  GetMessageStatus,
  openStore,
  StoreError,
  StoreErrorCode,
} from '../../../native-free-store/index.ts';
import type { MessageInput, MessageStore } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const BORN_HOST_AT = 48;
const dirs: Array<{ remove: () => void }> = [];
const stores: MessageStore[] = [];

async function freshStore(): Promise<MessageStore> {
  const dir = makeTempDir('planned');
  dirs.push(dir);
  const store = await openStore({
    directory: dir.path,
    segmentSizeBytes: 1024 * 1024,
    maxMessageSizeBytes: 4096,
  });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) dir.remove();
});

function message(i: number, extra: Partial<MessageInput> = {}): MessageInput {
  return {
    topic: 'PlannedTopic',
    queueId: 0,
    body: Buffer.from(`body ${i} `.repeat(1 + (i % 7))),
    properties: `KEYS\u0001k${i}`,
    bornTimestamp: 1_700_000_000_000 + i,
    ...extra,
  };
}

describe('store planned reads and byte inputs', () => {
  it('readPlanned puts exactly the bytes of getMessages at an offset of a shared buffer', async () => {
    const store = await freshStore();
    for (let i = 0; i < 200; i++) store.appendBatch([message(i)]);
    store.writePending();
    // Spread-out reads too: every third message only, through a tag filter would be the store's
    // business; here offsets and sizes vary by the bodies.
    for (const queueOffset of [0, 37, 150, 199]) {
      const query = { topic: 'PlannedTopic', queueId: 0, queueOffset, maxMessages: 32 };
      const expected = store.getMessages(query);
      const plan = store.planMessages(query);
      expect(plan.status).toBe(GetMessageStatus.FOUND);
      expect(plan.messageCount).toBe(expected.messageCount);
      expect(plan.nextQueueOffset).toBe(expected.nextQueueOffset);
      expect(plan.totalBytes).toBe(expected.data.length);
      const target = new Uint8Array(new SharedArrayBuffer(plan.totalBytes + 100));
      target.fill(0xee);
      expect(store.readPlanned(plan, target, 40)).toBe(true);
      expect(Buffer.from(target.subarray(40, 40 + plan.totalBytes)).equals(expected.data)).toBe(
        true,
      );
      expect(target[39]).toBe(0xee);
      expect(target[40 + plan.totalBytes]).toBe(0xee);
    }
    const past = store.planMessages({
      topic: 'PlannedTopic',
      queueId: 0,
      queueOffset: 200,
      maxMessages: 8,
    });
    expect(past.status).toBe(GetMessageStatus.OFFSET_OVERFLOW_ONE);
    expect(past.totalBytes).toBe(0);
    expect(store.readPlanned(past, new Uint8Array(8), 0)).toBe(false);
  });

  it('stores topic and born-host bytes exactly as it stores the names they stand for', async () => {
    const store = await freshStore();
    const hostBytes = Buffer.from([10, 1, 2, 3, 0, 0, 0x30, 0x39]);
    store.appendBatch([message(1, { bornHost: { address: '10.1.2.3', port: 12345 } })]);
    store.appendBatch([
      message(1, { topicBytes: Buffer.from('PlannedTopic'), bornHostBytes: hostBytes }),
    ]);
    store.writePending();
    const read = store.getMessages({
      topic: 'PlannedTopic',
      queueId: 0,
      queueOffset: 0,
      maxMessages: 2,
    });
    expect(read.messageCount).toBe(2);
    const size = read.data.readInt32BE(0);
    const first = read.data.subarray(0, size);
    const second = read.data.subarray(size);
    expect(second.subarray(BORN_HOST_AT, BORN_HOST_AT + 8).equals(hostBytes)).toBe(true);
    // Same record but for the offsets and the store timestamp.
    expect(second.length).toBe(first.length);
    expect(second.subarray(first.length - 40).equals(first.subarray(first.length - 40))).toBe(true);
    expect(first.subarray(BORN_HOST_AT, BORN_HOST_AT + 8).equals(hostBytes)).toBe(true);
  });

  it('refuses topic bytes that are not the name, and a born host of the wrong length', async () => {
    const store = await freshStore();
    const illegal = (input: MessageInput): unknown => {
      try {
        store.appendBatch([input]);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const wrongTopic = illegal(message(1, { topicBytes: Buffer.from('OtherTopic') }));
    expect(wrongTopic).toBeInstanceOf(StoreError);
    expect((wrongTopic as StoreError).code).toBe(StoreErrorCode.MESSAGE_ILLEGAL);
    expect((wrongTopic as Error).message).toMatch(/topicBytes/);
    const shortHost = illegal(message(1, { bornHostBytes: Buffer.alloc(6) }));
    expect((shortHost as StoreError).code).toBe(StoreErrorCode.MESSAGE_ILLEGAL);
    expect((shortHost as Error).message).toMatch(/bornHostBytes are 6 bytes/);
    expect(store.getMaxOffset('PlannedTopic', 0)).toBe(0);
  });

  it('writePending settles the appends waiting for the end-of-turn write it replaces', async () => {
    const store = await freshStore();
    const waiting = store.append([message(1)]);
    store.writePending();
    let settled = false;
    void waiting.then(() => (settled = true));
    // Resolved by writePending itself: one microtask turn, no timer or immediate needed.
    for (let turn = 0; turn < 10 && !settled; turn++) await Promise.resolve();
    expect(settled).toBe(true);
    expect((await waiting).queueOffsets).toEqual([0]);
  });
});
