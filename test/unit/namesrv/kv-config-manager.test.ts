import { readFileSync, writeFileSync } from 'node:fs';
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

  it('namesrv - put, get, list and delete persist across a reload', () => {
    const kv = new KvConfigManager(path, logger);
    kv.load();
    kv.put('ORDER_TOPIC_CONFIG', 'TopicA', 'broker-a:4');
    kv.put('ns', 'k', 'v');
    kv.delete('ns', 'k');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      configTable: { ORDER_TOPIC_CONFIG: { TopicA: 'broker-a:4' } },
    });
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect(reloaded.get('ORDER_TOPIC_CONFIG', 'TopicA')).toBe('broker-a:4');
    expect(reloaded.list('ns')).toBeUndefined();
    expect([...reloaded.list('ORDER_TOPIC_CONFIG')!]).toEqual([['TopicA', 'broker-a:4']]);
  });

  it('namesrv - a corrupt file falls back to its backup', () => {
    const kv = new KvConfigManager(path, logger);
    kv.put('ns', 'a', '1');
    kv.put('ns', 'b', '2');
    writeFileSync(path, '{"configTable":');
    const reloaded = new KvConfigManager(path, logger);
    reloaded.load();
    expect(reloaded.get('ns', 'a')).toBe('1');
    expect(reloaded.get('ns', 'b')).toBeUndefined();
  });

  it('namesrv - an unreadable file and backup stop the load with a clear error', () => {
    const kv = new KvConfigManager(path, logger);
    kv.put('ns', 'a', '1');
    writeFileSync(path, '[]');
    expect(() => new KvConfigManager(path, logger).load()).toThrow(
      /cannot load KV config.*kvConfig.json: expected a JSON object/,
    );
  });

  it('namesrv - entry and size limits', () => {
    const kv = new KvConfigManager(path, logger, { maxEntries: 1, maxValueBytes: 4 });
    kv.put('ns', 'a', '1');
    kv.put('ns', 'a', '2');
    expect(() => kv.put('ns', 'b', '1')).toThrow(/maximum of 1 entries/);
    expect(() => kv.put('ns', 'a', '12345')).toThrow(/5 bytes; at most 4/);
    expect(() => kv.put('', 'a', '1')).toThrow(/namespace must be 1 to 1024 characters/);
  });
});
