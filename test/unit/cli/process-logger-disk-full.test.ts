/**
 * The daemon logger on a full disk (a 4 MiB tmpfs; needs root), in a real child process: it
 * never dies of the file's errors, counts the failed writes, and drops (and counts) lines past
 * its buffer limit.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mountSmallDisk } from '../../harness/small-disk.ts';
import type { SmallDisk } from '../../harness/small-disk.ts';

const mounted = mountSmallDisk(4);
const skipReason = typeof mounted === 'string' ? mounted : undefined;
if (skipReason) console.warn(`logger disk-full tests skipped: ${skipReason}`);
const disk = (): SmallDisk => mounted as SmallDisk;
afterAll(() => {
  if (typeof mounted !== 'string') mounted.unmount();
});

const CHILD = fileURLToPath(new URL('./fixtures/log-to-full-disk.mjs', import.meta.url));

describe.skipIf(skipReason !== undefined)('process logger - full disk', () => {
  it('process logger - logging 8 MiB to a full disk: the process lives, errors and dropped lines are counted', () => {
    disk().fill();
    const child = spawnSync(process.execPath, [CHILD, disk().dir, '8000'], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(
      child.stderr.split('\n').filter((line) => /Error|error:/.test(line) && !line.startsWith('{')),
    ).toEqual([]);
    expect(child.status).toBe(0);
    const loss = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      droppedLines: number;
      writeErrors: number;
    };
    expect(loss.writeErrors).toBeGreaterThan(0);
    // 8 MiB of lines against a 4 MiB buffer.
    expect(loss.droppedLines).toBeGreaterThan(1000);
  });
});
