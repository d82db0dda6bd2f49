import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { testMessage } from '../../harness/store-messages.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('store - flush', () => {
  it('SYNC_FLUSH: concurrent appends resolve only once durable and share fdatasyncs', async () => {
    const dir = makeTempDir('sync');
    cleanups.push(dir.remove);
    const store = await openStore({
      directory: dir.path,
      flushDiskType: 'SYNC_FLUSH',
      maxMessageSizeBytes: 4096,
      segmentSizeBytes: 1 << 20,
    });
    cleanups.push(() => store.close());
    const before = store.stats().flushCount;
    const appends = Array.from({ length: 1000 }, (_, i) =>
      store.append([testMessage(`s${i}`, { queueId: i % 4 })]),
    );
    const results = await Promise.all(appends);
    const flushed = store.stats().flushedPhysicalOffset;
    for (const result of results) expect(result.endPhysicalOffset).toBeLessThanOrEqual(flushed);
    const syncs = store.stats().flushCount - before;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(100);
  });

  it('ASYNC_FLUSH: appends resolve at once and the timer flushes them', async () => {
    const dir = makeTempDir('async');
    cleanups.push(dir.remove);
    const flushes: number[] = [];
    const store = await openStore({
      directory: dir.path,
      onFlushed: (ms) => flushes.push(ms),
      flushIntervalCommitLogMs: 20,
      maxMessageSizeBytes: 4096,
      segmentSizeBytes: 1 << 20,
    });
    cleanups.push(() => store.close());
    const result = await store.append([testMessage('a')]);
    expect(store.stats().flushedPhysicalOffset).toBeLessThan(result.endPhysicalOffset);
    for (
      let i = 0;
      i < 100 && store.stats().flushedPhysicalOffset < result.endPhysicalOffset;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(store.stats().flushedPhysicalOffset).toBeGreaterThanOrEqual(result.endPhysicalOffset);
    // Every fdatasync is reported with its duration, the one the stats show last.
    expect(flushes.length).toBe(store.stats().flushCount);
    expect(flushes.at(-1)).toBe(store.stats().lastFlushMs);
  });

  it('refuses appends after close', async () => {
    const dir = makeTempDir('closed');
    cleanups.push(dir.remove);
    const store = await openStore({
      directory: dir.path,
      maxMessageSizeBytes: 4096,
      segmentSizeBytes: 1 << 20,
    });
    await store.close();
    expect(() => store.appendBatch([testMessage('late')])).toThrow(/closed/);
  });
});
