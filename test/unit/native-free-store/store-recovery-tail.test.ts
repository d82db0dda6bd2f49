/**
 * What recovery leaves past the valid end of the commit log. Records written before a crash and
 * dropped by it must never come back: not right away, and not after new appends end exactly
 * where such a record starts and the store crashes again (the record would then pass every
 * check). Crash images are copies of a live store's directory, as a SIGKILL leaves it.
 */
import {
  closeSync,
  cpSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRecord, GetMessageStatus, openStore } from '../../../native-free-store/index.ts';
import type { MessageStore } from '../../../native-free-store/index.ts';
import {
  currentBootId,
  readCrashMarker,
  sameBoot,
} from '../../../native-free-store/recovery/crash-marker.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { deterministicBody, testMessage } from '../../harness/store-messages.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

// 8 MiB segments: larger than recovery's 4 MiB window, so "how far past the end" matters.
const options = {
  maxMessageSizeBytes: 8192,
  segmentSizeBytes: 8 * 1024 * 1024,
  consumeQueueEntriesPerFile: 1000,
};
const SEGMENT_0 = join('commitlog', '00000000000000000000');

const directories = new WeakMap<MessageStore, string>();

async function open(
  directory: string,
  segmentSizeBytes = options.segmentSizeBytes,
): Promise<MessageStore> {
  const store = await openStore({ directory, ...options, segmentSizeBytes });
  cleanups.push(() => store.close());
  directories.set(store, directory);
  return store;
}

function tempDir(name: string): string {
  const dir = makeTempDir(name);
  cleanups.push(dir.remove);
  return dir.path;
}

/** What a SIGKILL at this moment would leave on disk (the store keeps running). */
function crashImage(store: MessageStore): string {
  store.writePending();
  const copy = tempDir('tail-image');
  cpSync(directories.get(store)!, copy, { recursive: true });
  return copy;
}

/** Same-size records (same seed length and body size), so old and new ones line up. */
function append(store: MessageStore, prefix: string, from: number, count: number): number[] {
  const offsets: number[] = [];
  for (let i = from; i < from + count; i++) {
    const seed = `${prefix}-${String(i).padStart(5, '0')}`;
    offsets.push(
      store.appendBatch([testMessage(seed, { queueId: 0, bodySize: 4000 })]).physicalOffsets[0]!,
    );
  }
  return offsets;
}

/** Every message of queue 0 as its UNIQ_KEY seed, each a valid record with its own body. */
function readSeeds(store: MessageStore): string[] {
  const found: string[] = [];
  let offset = store.getMinOffset('TopicTest', 0);
  for (let guard = 0; guard < 10_000; guard++) {
    const read = store.getMessages({
      topic: 'TopicTest',
      queueId: 0,
      queueOffset: offset,
      maxMessages: 32,
    });
    if (read.status !== GetMessageStatus.FOUND) break;
    for (let at = 0; at < read.data.length;) {
      const check = checkRecord(read.data, at, read.data.length - at, true);
      if (check.kind !== 'message') throw new Error(`not a record at ${at}: ${check.kind}`);
      const { record } = check;
      const properties = read.data.toString(
        'latin1',
        record.propertiesStart,
        record.propertiesStart + record.propertiesLength,
      );
      const seed = /(?:old|new)-\d{5}/.exec(properties)![0];
      const body = read.data.subarray(record.bodyStart, record.bodyStart + record.bodyLength);
      expect(body.equals(deterministicBody(seed, 4000)), seed).toBe(true);
      found.push(seed);
      at += record.totalSize;
    }
    offset = read.nextQueueOffset;
  }
  return found;
}

function seeds(prefix: string, from: number, to: number): string[] {
  return Array.from(
    { length: to - from },
    (_, i) => `${prefix}-${String(from + i).padStart(5, '0')}`,
  );
}

function patchFile(path: string, position: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    closeSync(fd);
  }
}

function flipByte(path: string, position: number): void {
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, position);
    byte[0]! ^= 0x5a;
    writeSync(fd, byte, 0, 1, position);
  } finally {
    closeSync(fd);
  }
}

describe('store - recovery of the commit-log tail', () => {
  it('marks an open store with the boot it runs in, and reads unknown markers as another boot', async () => {
    const dir = tempDir('tail-marker');
    await open(dir);
    const id = currentBootId();
    const marker = join(dir, 'abort');
    expect(readFileSync(marker, 'utf8')).toBe(id === undefined ? '' : `boot ${id}\n`);
    expect(sameBoot(readCrashMarker(marker))).toBe(id !== undefined);
    expect(readCrashMarker(join(dir, 'no-such-marker'))).toEqual({
      present: false,
      bootId: undefined,
    });
    for (const text of ['', 'garbage', `boot ${id ?? 'x'}${' '.repeat(300)}tail`]) {
      writeFileSync(marker, text);
      expect(readCrashMarker(marker).present).toBe(true);
      expect(sameBoot(readCrashMarker(marker))).toBe(false);
    }
  });

  it('never serves a stale record past a torn one, even when new appends end where it starts', async () => {
    const dir = tempDir('tail-torn');
    const live = await open(dir);
    const old = append(live, 'old', 0, 40);
    const image = crashImage(live);
    // Tear record 20 (a body byte): records 21..39 stay behind it, each a valid record.
    flipByte(join(image, SEGMENT_0), old[20]! + 200);

    const recovered = await open(image);
    expect(recovered.openInfo.recovery.stopReason).toBe('body CRC mismatch');
    expect(recovered.openInfo.recovery.endOffset).toBe(old[20]);
    expect(recovered.openInfo.recovery.zeroedBytes).toBeGreaterThanOrEqual(old[39]! - old[20]!);
    expect(readSeeds(recovered)).toEqual(seeds('old', 0, 20));

    // Ten new records take exactly the places of old 20..29, so the next recovery reads on
    // at the place where old record 30 (queue offset 30, the next one expected) once began.
    const fresh = append(recovered, 'new', 20, 10);
    expect(fresh).toEqual(old.slice(20, 30));
    const second = await open(crashImage(recovered));
    expect(second.openInfo.recovery.stopReason).toBe('end of data');
    expect(readSeeds(second)).toEqual([...seeds('old', 0, 20), ...seeds('new', 20, 30)]);
    expect(second.getMaxOffset('TopicTest', 0)).toBe(30);
  });

  it('recovers the same after a second crash right after recovery, and after one half way through its zeroing', async () => {
    const dir = tempDir('tail-twice');
    const live = await open(dir);
    const old = append(live, 'old', 0, 40);
    const image = crashImage(live);
    flipByte(join(image, SEGMENT_0), old[10]! + 300);

    // A kill while recovery zeroed back to front: the far part of the tail is zero already.
    const halfZeroed = tempDir('tail-half');
    cpSync(image, halfZeroed, { recursive: true });
    patchFile(join(halfZeroed, SEGMENT_0), old[25]!, Buffer.alloc(old[39]! + 5000 - old[25]!));

    for (const start of [image, halfZeroed]) {
      const first = await open(start);
      expect(first.openInfo.recovery.endOffset).toBe(old[10]);
      // Crash again before anything is appended: the same end, nothing left to zero.
      const again = await open(crashImage(first));
      expect(again.openInfo.recoveredFromCrash).toBe(true);
      expect(again.openInfo.recovery.stopReason).toBe('end of data');
      expect(again.openInfo.recovery.endOffset).toBe(old[10]);
      expect(again.openInfo.recovery.zeroedBytes).toBe(0);
      expect(readSeeds(again)).toEqual(seeds('old', 0, 10));
      // And the appends after it line up with old records without bringing one back.
      append(again, 'new', 10, 20);
      const third = await open(crashImage(again));
      expect(readSeeds(third)).toEqual([...seeds('old', 0, 10), ...seeds('new', 10, 30)]);
    }
  });

  it('after a crash in another boot, clears stale records beyond any gap of zeros', async () => {
    const segment = 16 * 1024 * 1024;
    const dir = tempDir('tail-boot');
    const live = await open(dir, segment);
    // About 11 MiB of records: the last ones lie far beyond two 4 MiB windows past record 100.
    const old = append(live, 'old', 0, 2700);
    const image = crashImage(live);
    // A power cut's picture: record 100 torn, then 9 MiB that never reached the disk, then
    // pages that did. The marker names a boot that is not this one.
    const gapEnd = old.findIndex((offset) => offset > old[100]! + 9 * 1024 * 1024);
    expect(gapEnd).toBeGreaterThan(0);
    patchFile(
      join(image, SEGMENT_0),
      old[100]! + 100,
      Buffer.alloc(old[gapEnd]! - old[100]! - 100),
    );
    writeFileSync(join(image, 'abort'), 'boot 00000000-0000-0000-0000-000000000000\n');

    const recovered = await open(image, segment);
    expect(recovered.openInfo.recovery.tail).toBe('whole');
    expect(recovered.openInfo.recovery.endOffset).toBe(old[100]);
    expect(recovered.openInfo.recovery.zeroedBytes).toBeGreaterThanOrEqual(
      old[2699]! - old[gapEnd]!,
    );
    // New records up to exactly where the first record past the gap began, then a crash.
    const fresh = append(recovered, 'new', 100, gapEnd - 100);
    expect(fresh[fresh.length - 1]).toBe(old[gapEnd - 1]);
    const second = await open(crashImage(recovered), segment);
    expect(second.openInfo.recovery.tail).toBe(currentBootId() === undefined ? 'whole' : 'written');
    expect(second.getMaxOffset('TopicTest', 0)).toBe(gapEnd);
    expect(readSeeds(second).slice(-2)).toEqual(seeds('new', gapEnd - 2, gapEnd));
  });
});
