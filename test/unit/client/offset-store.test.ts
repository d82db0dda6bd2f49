import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalFileOffsetStore,
  parseOffsetTable,
} from '../../../src/client/consumer/offset-store.ts';
import { parseResetOffsetBody } from '../../../src/client/consumer/reset-offset.ts';
import type { MessageQueue } from '../../../src/client/core/route.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const dirs: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function tempDir(): string {
  const dir = makeTempDir('offsets');
  dirs.push(dir);
  return dir.path;
}

const q = (queueId: number, topic = 'T'): MessageQueue => ({ topic, brokerName: 'b', queueId });

describe('offset store - local file', () => {
  it('offset store - persists to <dir>/<clientId>/<group>/offsets.json and loads it back', async () => {
    const dir = tempDir();
    const store = new LocalFileOffsetStore(dir, '10.0.0.1@app', 'G');
    await store.load();
    expect(await store.read(q(0), 'MEMORY_THEN_STORE')).toBe(-1);
    store.update(q(0), 12, false);
    store.update(q(1), 7, false);
    await store.persistAll([q(0), q(1)]);
    expect(store.path).toBe(join(dir, '10.0.0.1@app', 'G', 'offsets.json'));
    const text = readFileSync(store.path, 'utf8');
    // The Java client's form: MessageQueue objects as map keys.
    expect(text).toBe(
      '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:12,{"brokerName":"b","queueId":1,"topic":"T"}:7}}',
    );
    const again = new LocalFileOffsetStore(dir, '10.0.0.1@app', 'G');
    await again.load();
    expect(await again.read(q(0), 'STORE')).toBe(12);
    expect(await again.read(q(1), 'MEMORY')).toBe(7);
    expect(await again.read(q(2), 'STORE')).toBe(-1);
  });

  it('offset store - increaseOnly keeps the larger offset; negatives are never written', async () => {
    const dir = tempDir();
    const store = new LocalFileOffsetStore(dir, 'c', 'G');
    await store.load();
    store.update(q(0), 10, true);
    store.update(q(0), 5, true);
    expect(await store.read(q(0), 'MEMORY')).toBe(10);
    store.update(q(0), 5, false);
    expect(await store.read(q(0), 'MEMORY')).toBe(5);
    store.update(q(1), -1, false);
    await store.persistAll([q(0), q(1)]);
    expect(parseOffsetTable(readFileSync(store.path, 'utf8'))).toEqual([
      { queue: q(0), offset: 5 },
    ]);
  });

  it('offset store - persistAll forgets queues outside the set and read(STORE) ignores memory', async () => {
    const dir = tempDir();
    const store = new LocalFileOffsetStore(dir, 'c', 'G');
    await store.load();
    store.update(q(0), 3, false);
    store.update(q(1), 4, false);
    await store.persistAll([q(1)]);
    expect(store.offsets()).toEqual([{ queue: q(1), offset: 4 }]);
    store.update(q(1), 9, false);
    expect(await store.read(q(1), 'STORE')).toBe(4);
    expect(await store.read(q(0), 'STORE')).toBe(-1);
  });

  it('offset store - keeps the previous file as .bak and falls back to it when the file is corrupt', async () => {
    const dir = tempDir();
    const store = new LocalFileOffsetStore(dir, 'c', 'G');
    await store.load();
    store.update(q(0), 1, false);
    await store.persist(q(0));
    store.update(q(0), 2, false);
    await store.persist(q(0));
    expect(existsSync(`${store.path}.bak`)).toBe(true);
    expect(existsSync(`${store.path}.tmp`)).toBe(false);
    writeFileSync(store.path, '{"offsetTable":{{"broker');
    const recovered = new LocalFileOffsetStore(dir, 'c', 'G');
    await recovered.load();
    expect(await recovered.read(q(0), 'STORE')).toBe(1);
  });

  it('offset store - concurrent persists are written one after another and the last one wins', async () => {
    const dir = tempDir();
    const store = new LocalFileOffsetStore(dir, 'c', 'G');
    await store.load();
    const writes: Array<Promise<void>> = [];
    for (let i = 1; i <= 20; i++) {
      store.update(q(0), i, false);
      writes.push(store.persist(q(0)));
    }
    await Promise.all(writes);
    expect(parseOffsetTable(readFileSync(store.path, 'utf8'))).toEqual([
      { queue: q(0), offset: 20 },
    ]);
  });

  it('offset store - reads standard JSON keys too and skips malformed entries', () => {
    const text =
      '{"offsetTable":{"{\\"brokerName\\":\\"b\\",\\"queueId\\":2,\\"topic\\":\\"T\\"}":5,{"topic":"T"}:1}}';
    expect(parseOffsetTable(text)).toEqual([{ queue: q(2), offset: 5 }]);
    expect(() => parseOffsetTable('{"nothing":1}')).toThrow(/offsetTable/);
  });
});

describe('offset store - RESET_CONSUMER_CLIENT_OFFSET bodies', () => {
  it('offset store - reads ResetOffsetBody (object keys) and ResetOffsetBodyForC (a list)', () => {
    const java = Buffer.from(
      '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5,{"brokerName":"b","queueId":1,"topic":"T"}:9}}',
    );
    expect(parseResetOffsetBody(java)).toEqual([
      { queue: q(0), offset: 5 },
      { queue: q(1), offset: 9 },
    ]);
    const forC = Buffer.from(
      '{"offsetTable":[{"brokerName":"b","offset":3,"queueId":2,"topic":"T"},{"topic":"T"}]}',
    );
    expect(parseResetOffsetBody(forC)).toEqual([{ queue: q(2), offset: 3 }]);
    expect(parseResetOffsetBody(Buffer.from('not json'))).toEqual([]);
    expect(parseResetOffsetBody(undefined)).toEqual([]);
    expect(
      parseResetOffsetBody(
        Buffer.from('{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:-4}}'),
      ),
    ).toEqual([]);
  });
});
