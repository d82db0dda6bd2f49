import { javaStringHash as hashOf } from '../../../src/protocol/java-hash.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../native-free-store/errors.ts';
import { IndexService } from '../../../native-free-store/index-file/index-service.ts';
import { keyHashOf } from '../../../native-free-store/index-file/index-layout.ts';
import type { StoreLogger } from '../../../native-free-store/options.ts';

const BASE_MS = 1_700_000_000_000;
const ALL_TIME: [number, number] = [0, Number.MAX_SAFE_INTEGER];
const tempDirs: string[] = [];
const services: IndexService[] = [];

afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmq-index-'));
  tempDirs.push(dir);
  return dir;
}

interface Opened {
  service: IndexService;
  warnings: string[];
}

function open(directory: string, maxHashSlotNum: number, maxIndexNum: number): Opened {
  const warnings: string[] = [];
  const logger: StoreLogger = {
    debug() {},
    info() {},
    warn: (_fields, message) => warnings.push(message ?? ''),
    error() {},
  };
  const service = IndexService.open({ directory, maxHashSlotNum, maxIndexNum, logger });
  services.push(service);
  return { service, warnings };
}

interface IndexedRecord {
  physicalOffset: number;
  storeTimestampMs: number;
  keys: string[];
}

/** Record i at offset i*100, i seconds after BASE_MS, keys from keysOf(i). */
function records(count: number, keysOf: (i: number) => string[], first = 0): IndexedRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const i = first + n;
    return { physicalOffset: i * 100, storeTimestampMs: BASE_MS + i * 1000, keys: keysOf(i) };
  });
}

function addAll(service: IndexService, batch: readonly IndexedRecord[]): void {
  for (const record of batch) {
    service.addRecord(
      record.physicalOffset,
      record.storeTimestampMs,
      record.keys.map((key) => hashOf(key)),
    );
  }
  service.writePending();
}

/** What a query must return: offsets of records with a key of the same hash, newest first. */
function expected(batch: readonly IndexedRecord[], key: string): number[] {
  const keyHash = keyHashOf(key);
  return batch
    .filter((record) => record.keys.some((candidate) => keyHashOf(candidate) === keyHash))
    .map((record) => record.physicalOffset)
    .reverse();
}

function queryAll(service: IndexService, key: string): number[] {
  return service.query(key, 1_000_000, ...ALL_TIME);
}

function expectQueries(service: IndexService, batch: readonly IndexedRecord[], keys: string[]) {
  for (const key of keys) expect(queryAll(service, key), key).toEqual(expected(batch, key));
}

const twoKeys = (i: number) => [`T#k${i % 7}`, `T#u${i}`];
const sampleKeys = ['T#k0', 'T#k3', 'T#k6', 'T#u0', 'T#u5', 'T#u19', 'T#missing'];

describe('index service - add and query', () => {
  it('round-trips many keys, before and after writePending', () => {
    const { service } = open(tempDir(), 1000, 100_000);
    const batch = records(3000, (i) => [`T#k${i % 300}`, `T#u${i}`]);
    for (const record of batch) {
      service.addRecord(
        record.physicalOffset,
        record.storeTimestampMs,
        record.keys.map((key) => hashOf(key)),
      );
    }
    const keys = ['T#k0', 'T#k17', 'T#k299', 'T#u0', 'T#u2999', 'T#absent'];
    expectQueries(service, batch, keys);
    service.writePending();
    expectQueries(service, batch, keys);
    expect(queryAll(service, 'T#k5')).toHaveLength(10);
    expect(service.query('T#k5', 3, ...ALL_TIME)).toEqual(expected(batch, 'T#k5').slice(0, 3));
    expect(service.lastIndexedPhysicalOffset).toBe(299_900);
  });

  it('returns only the queried key when slots collide', () => {
    const { service } = open(tempDir(), 7, 1000);
    const keys = Array.from({ length: 30 }, (_, i) => `T#key-${i}`);
    expect(new Set(keys.map(keyHashOf)).size).toBe(keys.length);
    const batch = records(300, (i) => [keys[(i * 7) % 30]!]);
    addAll(service, batch);
    for (const [j, key] of keys.entries()) {
      const own = batch.filter((r) => r.keys[0] === keys[j]).map((r) => r.physicalOffset);
      expect(queryAll(service, key)).toEqual(own.reverse());
    }
  });

  for (const maxIndexNum of [1000, 9]) {
    it(`filters by time range (maxIndexNum ${maxIndexNum})`, () => {
      const { service } = open(tempDir(), 11, maxIndexNum);
      const batch = records(40, twoKeys);
      addAll(service, batch);
      const inRange = (i: number) => i % 7 === 3 && i >= 10 && i <= 20;
      const want = batch.filter((_, i) => inRange(i)).map((r) => r.physicalOffset);
      const [beginMs, endMs] = [BASE_MS + 10_000, BASE_MS + 20_000];
      expect(service.query('T#k3', 100, beginMs, endMs)).toEqual(want.reverse());
      expect(service.query('T#k3', 100, BASE_MS + 100_000, BASE_MS + 200_000)).toEqual([]);
      expect(service.query('T#k3', 100, BASE_MS - 9_000, BASE_MS - 1)).toEqual([]);
      expect(service.query('T#k3', 100, BASE_MS + 5_000, BASE_MS + 1_000)).toEqual([]);
    });
  }

  it('rolls to new files and queries across them; memory does not grow with records', () => {
    const directory = tempDir();
    const { service } = open(directory, 11, 6);
    addAll(service, records(2, twoKeys));
    const memoryBytesEarly = service.memoryBytes;
    const batch = records(200, twoKeys);
    addAll(service, batch.slice(2));
    const names = fs.readdirSync(directory);
    // 5 entries per file, 2 per record: a file takes 2 records, as a record never splits.
    expect(names).toHaveLength(100);
    expect(names.every((name) => /^\d{17}$/.test(name))).toBe(true);
    expectQueries(service, batch, sampleKeys);
    expect(service.memoryBytes - memoryBytesEarly).toBeLessThan(100 * 64);
  });

  it('skips records at or below the last indexed offset (replay after a crash)', () => {
    const { service } = open(tempDir(), 11, 100);
    const batch = records(10, twoKeys);
    addAll(service, batch);
    service.addRecord(900, BASE_MS, [hashOf('T#u0')]);
    service.addRecord(500, BASE_MS, [hashOf('T#u0')]);
    expect(queryAll(service, 'T#u0')).toEqual([0]);
    expect(service.lastIndexedPhysicalOffset).toBe(900);
  });

  it('indexes a key listed twice in a record once', () => {
    const { service } = open(tempDir(), 11, 100);
    service.addRecord(
      0,
      BASE_MS,
      ['T#a', 'T#a', 'T#b'].map((key) => hashOf(key)),
    );
    expect(queryAll(service, 'T#a')).toEqual([0]);
  });

  it('rejects invalid options, naming them', () => {
    const base = { directory: tempDir(), maxHashSlotNum: 7, logger: console };
    expect(() => IndexService.open({ ...base, maxIndexNum: 1 })).toThrow(StoreError);
    expect(() => IndexService.open({ ...base, maxIndexNum: 1 })).toThrow(
      /options\.maxIndexNum must be an integer in \[2, 100000000\] \(got 1\)/,
    );
  });
});

describe('index service - persistence and crashes', () => {
  it('keeps everything across close and open, and extends chains after', async () => {
    const directory = tempDir();
    const first = open(directory, 11, 9).service;
    const batch = records(30, twoKeys);
    addAll(first, batch);
    await first.close();
    const { service, warnings } = open(directory, 11, 9);
    expect(service.lastIndexedPhysicalOffset).toBe(2900);
    expectQueries(service, batch, sampleKeys);
    const more = records(10, twoKeys, 30);
    addAll(service, more);
    expectQueries(service, [...batch, ...more], sampleKeys);
    expect(warnings).toEqual([]);
  });

  for (const maxIndexNum of [1000, 9]) {
    it(`restores unflushed records by replay after a crash (maxIndexNum ${maxIndexNum})`, async () => {
      const directory = tempDir();
      const { service: crashed } = open(directory, 11, maxIndexNum);
      const flushed = records(100, twoKeys);
      const unflushed = records(50, twoKeys, 100);
      addAll(crashed, flushed);
      await Promise.all([crashed.flush(), crashed.flush()]);
      addAll(crashed, unflushed);
      // The copy is what a killed process leaves: everything written, nothing flushed since.
      const copy = tempDir();
      fs.cpSync(directory, copy, { recursive: true });
      const { service } = open(copy, 11, maxIndexNum);
      const all = [...flushed, ...unflushed];
      expect(service.lastIndexedPhysicalOffset).toBeGreaterThanOrEqual(9900);
      for (const key of sampleKeys) {
        const found = queryAll(service, key);
        expect(expected(all, key)).toEqual(expect.arrayContaining(found));
        expect(found).toEqual(expect.arrayContaining(expected(flushed, key)));
      }
      addAll(service, all);
      expectQueries(service, all, sampleKeys);
    });
  }

  /** Closes after batch A and B, with the header on disk put back to what it was after A. */
  async function slotsAheadOfHeader(directory: string, breakEntries: boolean) {
    const { service } = open(directory, 11, 1000);
    const batchA = records(40, twoKeys);
    const batchB = records(40, twoKeys, 40);
    addAll(service, batchA);
    await service.flush();
    const [name] = fs.readdirSync(directory);
    const file = path.join(directory, name!);
    const headerAfterA = fs.readFileSync(file).subarray(0, 40);
    addAll(service, batchB);
    await service.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, headerAfterA, 0, 40, 0);
    if (breakEntries) fs.writeSync(fd, Buffer.alloc(80 * 20), 0, 80 * 20, 40 + 11 * 4 + 81 * 20);
    fs.closeSync(fd);
    return { batchA, batchB };
  }

  for (const [breakEntries, warning] of [
    [false, 'index slots ahead of header repaired'],
    [true, 'index slot chain broken; slots rebuilt'],
  ] as const) {
    it(`repairs slots persisted past the header (${warning})`, async () => {
      const directory = tempDir();
      const { batchA, batchB } = await slotsAheadOfHeader(directory, breakEntries);
      const { service, warnings } = open(directory, 11, 1000);
      expect(warnings).toEqual([warning]);
      expect(service.lastIndexedPhysicalOffset).toBe(3900);
      expectQueries(service, batchA, sampleKeys);
      addAll(service, batchB);
      expectQueries(service, [...batchA, ...batchB], sampleKeys);
      await service.close();
      expectQueries(open(directory, 11, 1000).service, [...batchA, ...batchB], sampleKeys);
    });
  }

  it('deletes a file with a damaged header or the wrong size, with a warning', async () => {
    const directory = tempDir();
    const { service: first } = open(directory, 11, 9);
    addAll(first, records(12, twoKeys)); // 4 records per file: 3 files
    await first.close();
    const [oldest, second] = fs.readdirSync(directory).sort();
    const fd = fs.openSync(path.join(directory, oldest!), 'r+');
    fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xfb]), 0, 4, 36); // indexCount -5
    fs.closeSync(fd);
    fs.truncateSync(path.join(directory, second!), 100);
    fs.writeFileSync(path.join(directory, 'notes.txt'), 'not an index file');
    const { service, warnings } = open(directory, 11, 9);
    expect(warnings).toEqual(['damaged index file deleted', 'damaged index file deleted']);
    expect(fs.readdirSync(directory)).toHaveLength(2);
    expect(queryAll(service, 'T#u0')).toEqual([]);
    expect(queryAll(service, 'T#u9')).toEqual([900]);
    expect(service.lastIndexedPhysicalOffset).toBe(1100);
  });
});

describe('index service - truncation and retention', () => {
  for (const maxIndexNum of [1000, 9]) {
    it(`truncateFrom forgets records at and past the offset (maxIndexNum ${maxIndexNum})`, async () => {
      const directory = tempDir();
      const { service } = open(directory, 11, maxIndexNum);
      const batch = records(40, twoKeys);
      addAll(service, batch);
      service.truncateFrom(2500);
      expect(service.lastIndexedPhysicalOffset).toBe(2400);
      expectQueries(service, batch.slice(0, 25), sampleKeys);
      const rewritten = records(10, (i) => [`T#k${(i + 1) % 7}`, `T#new${i}`], 25);
      addAll(service, rewritten);
      const all = [...batch.slice(0, 25), ...rewritten];
      expectQueries(service, all, [...sampleKeys, 'T#new30', 'T#u30']);
      await service.close();
      expectQueries(open(directory, 11, maxIndexNum).service, all, [...sampleKeys, 'T#new30']);
    });
  }

  it('truncateFrom before everything leaves no files', () => {
    const directory = tempDir();
    const { service } = open(directory, 11, 9);
    addAll(service, records(20, twoKeys, 5));
    service.truncateFrom(0);
    expect(service.lastIndexedPhysicalOffset).toBe(-1);
    expect(fs.readdirSync(directory)).toEqual([]);
    addAll(service, records(3, twoKeys));
    expect(queryAll(service, 'T#u2')).toEqual([200]);
  });

  it('deleteFilesBelow removes whole old files, never the writable one', () => {
    const directory = tempDir();
    const { service } = open(directory, 11, 5);
    const batch = records(20, twoKeys);
    addAll(service, batch);
    expect(service.deleteFilesBelow(1000)).toBe(5);
    expect(fs.readdirSync(directory)).toHaveLength(5);
    expect(queryAll(service, 'T#u9')).toEqual([]);
    expectQueries(service, batch.slice(10), ['T#u10', 'T#u19']);
    expect(service.deleteFilesBelow(Number.MAX_SAFE_INTEGER)).toBe(4);
    expect(queryAll(service, 'T#u19')).toEqual([1900]);
  });
});

describe('index service - property', () => {
  it('random keys and offsets query back exactly', async () => {
    const alphabet = ['T#a', 'T#b', 'T#c', 'T#Aa', 'T#BB', 'U#a', 'T#'];
    const record = fc.record({
      keys: fc.subarray(alphabet, { minLength: 1 }),
      gapBytes: fc.integer({ min: 1, max: 5000 }),
      gapMs: fc.integer({ min: 0, max: 3000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 60 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 2, max: 20 }),
        fc.boolean(),
        async (steps, maxHashSlotNum, maxIndexNum, reopen) => {
          const directory = tempDir();
          let { service } = open(directory, maxHashSlotNum, maxIndexNum);
          const batch: IndexedRecord[] = [];
          let physicalOffset = 0;
          let storeTimestampMs = BASE_MS;
          for (const step of steps) {
            physicalOffset += step.gapBytes;
            storeTimestampMs += step.gapMs;
            batch.push({ physicalOffset, storeTimestampMs, keys: step.keys });
          }
          addAll(service, batch);
          if (reopen) {
            await service.close();
            service = open(directory, maxHashSlotNum, maxIndexNum).service;
          }
          expectQueries(service, batch, alphabet);
          const limited = service.query('T#a', 2, ...ALL_TIME);
          expect(limited).toEqual(expected(batch, 'T#a').slice(0, 2));
        },
      ),
      { numRuns: 100 },
    );
  });
});
