import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KvConfigManager } from '../../../src/namesrv/kv-config-manager.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

describe('namesrv kv-config - persistence', () => {
  let dir: { path: string; remove: () => void };
  let path: string;

  beforeEach(() => {
    dir = makeTempDir('kv');
    path = join(dir.path, 'namesrv', 'kvConfig.json');
  });
  afterEach(() => dir.remove());

  it('namesrv - put, get, list and delete persist across a reload', async () => {
    const kv = new KvConfigManager(path, logger);
    kv.load();
    await kv.put('ORDER_TOPIC_CONFIG', 'TopicA', 'broker-a:4');
    await kv.put('ns', 'k', 'v');
    await kv.delete('ns', 'k');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      configTable: { ORDER_TOPIC_CONFIG: { TopicA: 'broker-a:4' } },
    });
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect(reloaded.get('ORDER_TOPIC_CONFIG', 'TopicA')).toBe('broker-a:4');
    expect(reloaded.list('ns')).toBeUndefined();
    expect([...reloaded.list('ORDER_TOPIC_CONFIG')!]).toEqual([['TopicA', 'broker-a:4']]);
  });

  it('namesrv - a corrupt file falls back to its backup', async () => {
    const kv = new KvConfigManager(path, logger);
    await kv.put('ns', 'a', '1');
    await kv.put('ns', 'b', '2');
    writeFileSync(path, '{"configTable":');
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect(reloaded.get('ns', 'a')).toBe('1');
    expect(reloaded.get('ns', 'b')).toBeUndefined();
  });

  it('namesrv - an unreadable file and backup stop the load with a clear error', async () => {
    const kv = new KvConfigManager(path, logger);
    await kv.put('ns', 'a', '1');
    writeFileSync(path, '[]');
    expect(() => new KvConfigManager(path, logger).load()).toThrow(
      /cannot load KV config.*kvConfig.json: expected a JSON object/,
    );
  });

  it('namesrv - entry and size limits', async () => {
    const kv = new KvConfigManager(path, logger, { maxEntries: 1, maxValueBytes: 4 });
    await kv.put('ns', 'a', '1');
    await kv.put('ns', 'a', '2');
    expect(() => kv.put('ns', 'b', '1')).toThrow(/maximum of 1 entries/);
    expect(() => kv.put('ns', 'a', '12345')).toThrow(/5 bytes; at most 4/);
    expect(() => kv.put('', 'a', '1')).toThrow(/namespace must be 1 to 1024 characters/);
  });

  it('namesrv - a cap on the characters held, which deletes give back', async () => {
    const kv = new KvConfigManager(path, logger, { maxTotalChars: 10 });
    await kv.put('ns', 'ab', '1234'); // 2 + 2 + 4
    expect(() => kv.put('ns', 'c', '12')).toThrow(/maximum of 10 characters/);
    await kv.put('ns', 'ab', '123456'); // an update counts only its growth
    await kv.delete('ns', 'ab');
    await kv.put('xy', 'k', '1234567');
    expect(kv.get('xy', 'k')).toBe('1234567');
  });

  it('namesrv - changes made during a write share the next one, and all are answered after it lands', async () => {
    const kv = new KvConfigManager(path, logger);
    const puts = Array.from({ length: 200 }, (_, i) => kv.put('ns', `k${i}`, String(i)));
    let landed = 0;
    for (const put of puts) {
      await put;
      // Whatever has been answered is already in the file.
      const table = JSON.parse(readFileSync(path, 'utf8')).configTable.ns as Record<string, string>;
      expect(Object.keys(table).length).toBeGreaterThanOrEqual(landed + 1);
      landed++;
    }
    await kv.flush();
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect(reloaded.list('ns')!.size).toBe(200);
  });

  it('namesrv - a write that fails rejects the changes waiting on it, and later writes go on', async () => {
    const kv = new KvConfigManager(path, logger);
    await kv.put('ns', 'a', '1');
    mkdirSync(`${path}.tmp`); // the temp file cannot be written while a directory holds its name
    await expect(kv.put('ns', 'b', '2')).rejects.toThrow(/cannot write KV config/);
    dir.remove();
    mkdirSync(join(dir.path, 'namesrv'), { recursive: true });
    await kv.put('ns', 'c', '3');
    await kv.flush();
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect([...reloaded.list('ns')!.keys()]).toEqual(['a', 'b', 'c']);
  });
});
