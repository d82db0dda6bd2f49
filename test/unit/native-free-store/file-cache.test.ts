import { fstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCache } from '../../../native-free-store/io/file-cache.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function files(count: number): string[] {
  const dir = makeTempDir('fdcache');
  cleanups.push(dir.remove);
  return Array.from({ length: count }, (_, i) => {
    const path = join(dir.path, `f${i}`);
    writeFileSync(path, 'x');
    return path;
  });
}

describe('file cache - bounded open files', () => {
  it('closes the least recently used fd past capacity, but never a pinned one', () => {
    const paths = files(10);
    const cache = new FileCache(8);
    const pinned = cache.pin(paths[0]!);
    for (const path of paths.slice(1)) cache.fd(path);
    expect(cache.size).toBeLessThanOrEqual(8);
    expect(() => fstatSync(pinned)).not.toThrow();
    cache.closeAll();
  });

  it('keeps a forgotten fd open until its last pin is released', () => {
    const [path] = files(1);
    const cache = new FileCache(8);
    const fd = cache.pin(path!);
    cache.forget(path!);
    expect(() => fstatSync(fd)).not.toThrow();
    cache.unpin(path!);
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });
});
