/**
 * The abort marker (protocol/STORE.md 7): a file that exists while the store is open, so finding
 * it at open means the last run did not close cleanly. ThrustMQ writes into it the id of the
 * kernel boot it was created in (`boot <id>`), which tells recovery what a crash can have left
 * past the last valid record (recovery/recover.ts, TailZeroing):
 *
 * - same boot: only the process died. The kernel's page cache still holds every write the
 *   process completed, in order, so the bytes past the last write are exactly what they were.
 * - another boot, no id, or unreadable: the machine may have lost power, and any page written
 *   since the last fdatasync may or may not have reached the disk, in any order.
 *
 * The marker is written only once recovery has left the tail clean (all zeros past the write
 * position), so "same boot" also means "the tail was clean when this boot's run began".
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Linux's id of the running kernel boot; a container sees its host's. */
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
const PREFIX = 'boot ';
/** A marker longer than this is not one of ours. */
const MAX_MARKER_BYTES = 256;

let bootId: string | undefined | null = null;

/** The running boot's id, or undefined where the system does not tell (not Linux). */
export function currentBootId(): string | undefined {
  if (bootId === null) {
    try {
      const id = readFileSync(BOOT_ID_PATH, 'utf8').trim();
      bootId = /^[0-9a-f-]{8,64}$/i.test(id) ? id : undefined;
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

export interface CrashMarker {
  /** The marker exists: the last run did not close cleanly. */
  present: boolean;
  /** The boot it was written in, when it says. */
  bootId: string | undefined;
}

export function readCrashMarker(path: string): CrashMarker {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { present: false, bootId: undefined };
    // There but unreadable: a crash of unknown kind, the cautious reading.
    return { present: true, bootId: undefined };
  }
  const bytes = Buffer.alloc(MAX_MARKER_BYTES + 1);
  let length = 0;
  try {
    length = readSync(fd, bytes, 0, bytes.length, 0);
  } catch {
    length = 0;
  } finally {
    closeSync(fd);
  }
  const line = length <= MAX_MARKER_BYTES ? bytes.toString('utf8', 0, length).trim() : '';
  return {
    present: true,
    bootId: line.startsWith(PREFIX) ? line.slice(PREFIX.length) || undefined : undefined,
  };
}

/** True when the marker was written in the running boot, so only a process died since. */
export function sameBoot(marker: CrashMarker): boolean {
  const current = currentBootId();
  return current !== undefined && marker.bootId === current;
}

/**
 * Creates (or rewrites) the marker. `durable` also fsyncs it and its directory entry: a new
 * marker lost to a power cut would make the next open take an unclean stop for a clean one and
 * skip the tail zeroing, so it must be on disk before anything the run writes. Rewriting one
 * that exists needs no sync: whatever a power cut leaves of it (the old text, the new, or
 * nothing) names another boot than the next one, which is the cautious reading.
 *
 * A full disk may refuse the text; the marker then stays empty, which also reads cautiously.
 */
export function writeCrashMarker(path: string, options: { durable: boolean }): void {
  const fd = openSync(path, 'w');
  try {
    const id = currentBootId();
    try {
      if (id !== undefined) writeSync(fd, `${PREFIX}${id}\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!options.durable) return;
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
