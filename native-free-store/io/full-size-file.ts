/**
 * Creates preallocated store files so that a crash can never leave one at the wrong size: the
 * file is sized under a temporary name and renamed into place, and rename is atomic. A kill
 * between open and ftruncate otherwise leaves a 0-byte segment that no later open accepts.
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.creating';

export function createFullSizeFile(path: string, sizeBytes: number): void {
  const temp = path + TEMP_SUFFIX;
  const fd = openSync(temp, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

/** Removes files a crash left half-created in directory. */
export function removeUnfinishedFiles(directory: string): void {
  for (const name of readdirSync(directory)) {
    if (name.endsWith(TEMP_SUFFIX)) unlinkSync(join(directory, basename(name)));
  }
}

/** Persists the directory entry of a new file, so a power loss cannot drop a synced segment. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
