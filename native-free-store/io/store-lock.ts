/**
 * The store's lock file holds the owner's pid. Node has no flock, so a lock is taken when the
 * file is absent, or names a pid that no longer runs; the same directory opened twice in one
 * process is caught by a process-wide set.
 *
 * On a full disk the pid cannot be written (even a few bytes need a block). The store still
 * opens, held by this process only, and the pid is written by retry() once space returns.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError, StoreErrorCode } from '../errors.ts';
import type { StoreLogger } from '../options.ts';
import { isNoSpaceError } from './disk-space.ts';

const lockedHere = new Set<string>();

export interface StoreLock {
  /** Writes the pid if open could not (a full disk); cheap when already written. */
  retry(): void;
  release(): void;
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireStoreLock(path: string, logger?: StoreLogger): StoreLock {
  const key = resolve(path);
  if (lockedHere.has(key)) {
    throw new StoreError(
      StoreErrorCode.LOCKED,
      `store lock ${path} is already held by this process`,
    );
  }
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    // No lock file: nobody holds it.
  }
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidRuns(holder)) {
    throw new StoreError(
      StoreErrorCode.LOCKED,
      `store lock ${path} is held by running process ${holder}`,
    );
  }
  let written = false;
  const write = (): void => {
    try {
      writeFileSync(path, String(process.pid));
      written = true;
    } catch (error) {
      if (!isNoSpaceError(error)) throw error;
    }
  };
  write();
  if (!written)
    logger?.warn(
      { path },
      'disk full: the store lock holds for this process only until space returns',
    );
  lockedHere.add(key);
  return {
    retry() {
      if (written || !lockedHere.has(key)) return;
      write();
      if (written) logger?.info({ path }, 'store lock written');
    },
    release() {
      lockedHere.delete(key);
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
