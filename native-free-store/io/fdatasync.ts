import { fdatasync } from 'node:fs';
import type { FileCache } from './file-cache.ts';

/** fdatasync on the libuv pool, with the fd pinned so the cache cannot close it meanwhile. */
export function fdatasyncPath(files: FileCache, path: string): Promise<void> {
  const fd = files.pin(path);
  return new Promise<void>((resolve, reject) => {
    fdatasync(fd, (error) => {
      files.unpin(path);
      if (error) reject(error);
      else resolve();
    });
  });
}
