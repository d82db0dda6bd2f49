/**
 * The store's lock file holds the owner's pid. Node has no flock, so a lock is taken when the
 * file is absent, or names a pid that no longer runs; the same directory opened twice in one
 * process is caught by a process-wide set.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError, StoreErrorCode } from '../errors.ts';

const lockedHere = new Set<string>();

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireStoreLock(path: string): () => void {
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
  writeFileSync(path, String(process.pid));
  lockedHere.add(key);
  return () => {
    lockedHere.delete(key);
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
