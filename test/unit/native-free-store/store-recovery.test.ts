import { cpSync, openSync, readSync, writeSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetMessageStatus, openStore } from '../../../native-free-store/index.ts';
import type { MessageStore, StoreLogger } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { testMessage } from '../../harness/store-messages.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function recordingLogger(): StoreLogger & {
  lines: Array<{ level: string; msg: string | undefined; obj: object }>;
} {
  const lines: Array<{ level: string; msg: string | undefined; obj: object }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const base = {
  maxMessageSizeBytes: 1024,
  segmentSizeBytes: 70_000,
  consumeQueueEntriesPerFile: 50,
};

async function open(directory: string, logger?: StoreLogger): Promise<MessageStore> {
  const store = await openStore({ directory, ...base, ...(logger ? { logger } : {}) });
  cleanups.push(() => store.close());
  return store;
}

function readAll(store: MessageStore, queueId: number): number[] {
  const offsets: number[] = [];
  let offset = store.getMinOffset('TopicTest', queueId);
  for (let guard = 0; guard < 1000; guard++) {
    const read = store.getMessages({
      topic: 'TopicTest',
      queueId,
      queueOffset: offset,
      maxMessages: 32,
    });
    if (read.status !== GetMessageStatus.FOUND) break;
    offsets.push(...read.queueOffsets);
    offset = read.nextQueueOffset;
  }
  return offsets;
}

/** Copies a live store's directory: what a crash at this moment would leave on disk. */
function snapshotOf(directory: string): string {
  const copy = makeTempDir('snapshot');
  cleanups.push(copy.remove);
  cpSync(directory, copy.path, { recursive: true });
  return copy.path;
}

describe('store - checkpoint and recovery', () => {
  it('reopens after a clean close with queues, offsets and keys intact', async () => {
    const dir = makeTempDir('clean');
    cleanups.push(dir.remove);
    const first = await openStore({ directory: dir.path, ...base });
    for (let i = 0; i < 40; i++)
      first.appendBatch([testMessage(`c${i}`, { queueId: i % 4, keys: `key-${i}` })]);
    await first.close();
    expect(existsSync(join(dir.path, 'abort'))).toBe(false);
    const logger = recordingLogger();
    const second = await open(dir.path, logger);
    expect(second.openInfo.recoveredFromCrash).toBe(false);
    expect(second.openInfo.recovery.recordsReplayed).toBe(0);
    expect(readAll(second, 2)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(second.queryByKey('TopicTest', 'key-17', 4)).toHaveLength(1);
    const next = second.appendBatch([testMessage('after', { queueId: 2 })]);
    expect(next.queueOffsets[0]).toBe(10);
  });

  it('recovers a crash image: replays past the checkpoint and rebuilds queues and index', async () => {
    const dir = makeTempDir('crash');
    cleanups.push(dir.remove);
    const live = await open(dir.path);
    for (let i = 0; i < 30; i++)
      live.appendBatch([testMessage(`a${i}`, { queueId: i % 3, keys: `k${i}` })]);
    await live.flush();
    for (let i = 30; i < 120; i++)
      live.appendBatch([testMessage(`a${i}`, { queueId: i % 3, keys: `k${i}` })]);
    live.writePending();
    const image = snapshotOf(dir.path);
    const recovered = await open(image);
    expect(recovered.openInfo.recoveredFromCrash).toBe(true);
    expect(recovered.openInfo.recovery.recordsReplayed).toBeGreaterThanOrEqual(90);
    for (const queueId of [0, 1, 2])
      expect(readAll(recovered, queueId)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(recovered.queryByKey('TopicTest', 'k101', 4)).toHaveLength(1);
    expect(recovered.queryByKey('TopicTest', 'k5', 4)).toHaveLength(1);
  });

  it('truncates at a flipped byte in the tail, logs it, and serves nothing past it', async () => {
    const dir = makeTempDir('flip');
    cleanups.push(dir.remove);
    const live = await open(dir.path);
    const results = [];
    for (let i = 0; i < 20; i++)
      results.push(live.appendBatch([testMessage(`f${i}`, { queueId: 0, keys: `fk${i}` })]));
    live.writePending();
    const image = snapshotOf(dir.path);
    // Flip one body byte of message 15 in the crash image (segment 0 holds all of them).
    const victim = results[15]!.physicalOffsets[0]! + 100;
    const fd = openSync(join(image, 'commitlog', '00000000000000000000'), 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, victim);
    byte[0]! ^= 0x5a;
    writeSync(fd, byte, 0, 1, victim);
    closeSync(fd);
    const logger = recordingLogger();
    const recovered = await open(image, logger);
    expect(recovered.openInfo.recovery.stopReason).toBe('body CRC mismatch');
    expect(recovered.openInfo.recovery.endOffset).toBe(results[15]!.physicalOffsets[0]);
    expect(
      logger.lines.some((line) => line.level === 'warn' && /truncated/.test(line.msg ?? '')),
    ).toBe(true);
    expect(readAll(recovered, 0)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(recovered.queryByKey('TopicTest', 'fk16', 4)).toHaveLength(0);
    // New appends take the truncated offsets, and nothing stale reappears after another crash.
    const again = recovered.appendBatch([testMessage('new', { queueId: 0 })]);
    expect(again.queueOffsets[0]).toBe(15);
    recovered.writePending();
    const second = await open(snapshotOf(image));
    expect(readAll(second, 0)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('opens with a garbage checkpoint by scanning from the oldest segment', async () => {
    const dir = makeTempDir('badcp');
    cleanups.push(dir.remove);
    const first = await openStore({ directory: dir.path, ...base });
    for (let i = 0; i < 10; i++) first.appendBatch([testMessage(`g${i}`)]);
    await first.close();
    const fd = openSync(join(dir.path, 'checkpoint'), 'r+');
    writeSync(fd, Buffer.alloc(64, 0xee), 0, 64, 0);
    closeSync(fd);
    const logger = recordingLogger();
    const store = await open(dir.path, logger);
    expect(readAll(store, 0)).toHaveLength(10);
    expect(logger.lines.some((line) => /no valid checkpoint/.test(line.msg ?? ''))).toBe(true);
  });

  it('refuses a second open of the same directory', async () => {
    const dir = makeTempDir('lock');
    cleanups.push(dir.remove);
    await open(dir.path);
    await expect(openStore({ directory: dir.path, ...base })).rejects.toThrow(/already held/);
  });

  it('drops a segment a kill left half-created and keeps appending after the last record', async () => {
    const dir = makeTempDir('recovery-creating');
    cleanups.push(dir.remove);
    const store = await open(dir.path);
    await store.append([testMessage('m0'), testMessage('m1')]);
    const image = snapshotOf(dir.path);
    await store.close();
    cleanups.pop();
    // What a kill between open and ftruncate of the next segment leaves behind.
    const nextSegment = join(image, 'commitlog', '00000000000000070000.creating');
    closeSync(openSync(nextSegment, 'w'));
    closeSync(openSync(join(image, 'index', '20260101000000000.creating'), 'w'));

    const reopened = await open(image);
    expect(existsSync(nextSegment)).toBe(false);
    const appended = await reopened.append([testMessage('m2')]);
    expect(appended.queueOffsets).toEqual([2]);
    expect(readAll(reopened, 0)).toEqual([0, 1, 2]);
  });
});
