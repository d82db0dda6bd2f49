/**
 * Config files on a full disk (a 4 MiB tmpfs; needs root): a write that fails leaves the old
 * file as it was and no temp file behind, sync or async, and the consumer offsets stay dirty to
 * be written once space returns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConsumerOffsetManager } from '../../../src/broker/metadata/consumer-offset-manager.ts';
import { writeConfigFile, writeConfigFileSync } from '../../../src/broker/metadata/config-file.ts';
import { DelayOffsetTable } from '../../../src/broker/schedule/delay-offset-table.ts';
import { mountSmallDisk } from '../../harness/small-disk.ts';
import type { SmallDisk } from '../../harness/small-disk.ts';

const mounted = mountSmallDisk(4);
const skipReason = typeof mounted === 'string' ? mounted : undefined;
if (skipReason) console.warn(`config-file disk-full tests skipped: ${skipReason}`);
const disk = (): SmallDisk => mounted as SmallDisk;
afterAll(() => {
  if (typeof mounted !== 'string') mounted.unmount();
});

/** Larger than the free space left by fill(), which leaves less than a page. */
const BIG = JSON.stringify({ table: 'x'.repeat(64 * 1024) });

describe.skipIf(skipReason !== undefined)('config file - full disk', () => {
  afterEach(() => disk().free());
  const config = (): string => join(disk().dir, 'config');

  it('config file - a failed sync write keeps the old file and removes its temp', () => {
    const path = join(config(), 'topics.json');
    writeConfigFileSync(path, '{"old":true}');
    disk().fill();
    expect(() => writeConfigFileSync(path, BIG)).toThrow(/ENOSPC/);
    expect(readFileSync(path, 'utf8')).toBe('{"old":true}');
    expect(readdirSync(config()).filter((name) => name.startsWith('topics.json'))).toEqual([
      'topics.json',
    ]);
  });

  it('config file - a failed async write keeps the old file and removes its temp', async () => {
    const path = join(config(), 'groups.json');
    await writeConfigFile(path, '{"old":1}');
    disk().fill();
    await expect(writeConfigFile(path, BIG)).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(path, 'utf8')).toBe('{"old":1}');
    expect(readdirSync(config()).filter((name) => name.startsWith('groups.json'))).toEqual([
      'groups.json',
    ]);
  });

  it('config file - consumer offsets that failed to write are written once space returns', async () => {
    const offsets = new ConsumerOffsetManager(config());
    offsets.commit('g', 'T'.repeat(100), 0, 1);
    await offsets.persist();
    disk().fill();
    for (let queueId = 0; queueId < 2000; queueId++)
      offsets.commit('g', 'T'.repeat(100), queueId, 5);
    await expect(offsets.persist()).rejects.toThrow(/ENOSPC/);
    expect(() => offsets.persistSync()).toThrow(/ENOSPC/);
    disk().free();
    await offsets.persist();
    expect(new ConsumerOffsetManager(config()).query('g', 'T'.repeat(100), 1999)).toBe(5);
  });

  it('config file - delay progress that failed to write stays and is written later', async () => {
    const table = new DelayOffsetTable(config());
    table.set(1, 3);
    await table.persist();
    disk().fill();
    for (let level = 1; level <= 18; level++) table.set(level, 10_000_000_000 + level);
    // Any new file needs a page, and the filler left less than one.
    await expect(table.persist()).rejects.toThrow(/ENOSPC/);
    expect(() => table.persistSync()).toThrow(/ENOSPC/);
    disk().free();
    await table.persist();
    const reread = new DelayOffsetTable(config());
    reread.load();
    expect(reread.get(18)).toBe(10_000_000_018);
  });
});
