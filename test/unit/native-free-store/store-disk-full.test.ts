/**
 * The store on a full disk (a 16 MiB tmpfs; needs root): appends refused with STORE_DISK_FULL
 * and nothing acknowledged lost, reads served, close and reopen on the full disk, and appends
 * taken again once space returns, with the records of a refused write-out landing then.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GetMessageStatus, openStore, StoreErrorCode } from '../../../native-free-store/index.ts';
import type { MessageStore, StoreOptions } from '../../../native-free-store/index.ts';
import { deterministicBody, testMessage } from '../../harness/store-messages.ts';
import { mountSmallDisk } from '../../harness/small-disk.ts';
import { decodeMessages } from '../../../src/client/core/message-decoder.ts';
import type { SmallDisk } from '../../harness/small-disk.ts';
import { waitFor } from '../../harness/wait-for.ts';

const mounted = mountSmallDisk(16);
const skipReason = typeof mounted === 'string' ? mounted : undefined;
if (skipReason) console.warn(`store disk-full tests skipped: ${skipReason}`);
const disk = (): SmallDisk => mounted as SmallDisk;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(() => {
  if (typeof mounted !== 'string') mounted.unmount();
});

let storeCount = 0;
function storeOptions(overrides: Partial<StoreOptions> = {}): Partial<StoreOptions> & {
  directory: string;
} {
  return {
    directory: join(disk().dir, `store-${storeCount}`),
    maxMessageSizeBytes: 8192,
    segmentSizeBytes: 256 * 1024,
    maxHashSlotNum: 100,
    maxIndexNum: 400,
    diskCheckIntervalMs: 20,
    cleanFileForciblyEnable: false,
    ...overrides,
  };
}

async function open(overrides: Partial<StoreOptions> = {}): Promise<MessageStore> {
  const store = await openStore(storeOptions(overrides));
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await store.close();
    closed = true;
  });
  return store;
}

const BODY = 3000;

/** The seeds whose bodies queue 0 holds from offset 0, in order (bounded: 10,000 pulls). */
function readSeeds(store: MessageStore, seeds: readonly string[]): string[] {
  const bySeed = new Map(
    seeds.map((seed) => [deterministicBody(seed, BODY).toString('hex'), seed]),
  );
  const found: string[] = [];
  for (let offset = 0, guard = 0; guard < 10_000; guard++) {
    const result = store.getMessages({
      topic: 'TopicTest',
      queueId: 0,
      queueOffset: offset,
      maxMessages: 32,
    });
    if (result.status !== GetMessageStatus.FOUND) break;
    for (const message of decodeMessages(result.data)) {
      const seed = bySeed.get(Buffer.from(message.body).toString('hex'));
      if (seed) found.push(seed);
    }
    offset = result.nextQueueOffset;
  }
  return found;
}

function errorCodeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe.skipIf(skipReason !== undefined)('store disk full', () => {
  afterEach(() => {
    disk().free();
    storeCount++;
  });

  for (const flushDiskType of ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const) {
    it(`store disk full - ${flushDiskType}: ENOSPC refuses appends, reads go on, space back takes them again`, async () => {
      const store = await open({ flushDiskType, diskSpaceWarningLevelRatio: 100 });
      const acknowledged: string[] = [];
      for (let i = 0; i < 100; i++) {
        const seed = `${flushDiskType}-a${i}`;
        await store.append([testMessage(seed, { bodySize: BODY })]);
        acknowledged.push(seed);
      }
      disk().fill();
      let refused: unknown;
      for (let i = 0; i < 200 && refused === undefined; i++) {
        const seed = `${flushDiskType}-b${i}`;
        try {
          await store.append([testMessage(seed, { bodySize: BODY })]);
          acknowledged.push(seed);
        } catch (error) {
          refused = error;
        }
      }
      expect((refused as { code?: string }).code).toBe(StoreErrorCode.DISK_FULL);
      expect((refused as Error).message).toMatch(/disk is full/);
      expect(errorCodeOf(() => store.appendBatch([testMessage('x', { bodySize: BODY })]))).toBe(
        StoreErrorCode.DISK_FULL,
      );
      expect(store.stats()).toMatchObject({ diskFull: true, writable: false });
      expect(readSeeds(store, acknowledged)).toEqual(acknowledged);

      disk().free();
      await waitFor(
        () => store.stats().writable,
        5000,
        () => 'writable again',
      );
      for (let i = 0; i < 20; i++) {
        const seed = `${flushDiskType}-c${i}`;
        await store.append([testMessage(seed, { bodySize: BODY })]);
        acknowledged.push(seed);
      }
      const found = readSeeds(store, acknowledged);
      expect(found).toEqual(acknowledged);
    });
  }

  it('store disk full - past diskSpaceWarningLevelRatio appends are refused without a failed write', async () => {
    const store = await open({ diskSpaceWarningLevelRatio: 50 });
    await store.append([testMessage('before', { bodySize: BODY })]);
    disk().fill();
    await waitFor(
      () => store.stats().diskFull,
      5000,
      () => 'refusing writes',
    );
    expect(() => store.appendBatch([testMessage('x', { bodySize: BODY })])).toThrow(
      /diskSpaceWarningLevelRatio 50%/,
    );
    expect(readSeeds(store, ['before'])).toEqual(['before']);
    disk().free();
    await waitFor(
      () => store.stats().writable,
      5000,
      () => 'writable again',
    );
    await store.append([testMessage('after', { bodySize: BODY })]);
    expect(readSeeds(store, ['before', 'after'])).toEqual(['before', 'after']);
  });

  it('store disk full - closes and reopens on the full disk, serving reads and refusing writes', async () => {
    const options = { diskSpaceWarningLevelRatio: 100, flushDiskType: 'SYNC_FLUSH' as const };
    const first = await openStore(storeOptions(options));
    const acknowledged: string[] = [];
    for (let i = 0; i < 50; i++) {
      await first.append([testMessage(`r${i}`, { bodySize: BODY })]);
      acknowledged.push(`r${i}`);
    }
    disk().fill();
    // A refused write-out leaves records buffered: close must still finish.
    await first
      .append([testMessage('refused', { bodySize: 8000 })])
      .then(() => acknowledged.push('refused'))
      .catch(() => undefined);
    await first.close();

    const second = await open(options);
    expect(readSeeds(second, acknowledged)).toEqual(acknowledged);
    disk().free();
    await second.append([testMessage('later', { bodySize: BODY })]);
    expect(readSeeds(second, [...acknowledged, 'later'])).toEqual([...acknowledged, 'later']);
  });
});
