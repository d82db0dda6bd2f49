/**
 * A small tmpfs mounted under a temp dir, for tests of a full disk (needs root), and a filler
 * file that takes every free byte of it. unmount() removes the mount point and its temp dir.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  /** The mount point. */
  dir: string;
  /** Writes dir/filler until the disk refuses (ENOSPC); returns the bytes written. */
  fill(): number;
  /** Deletes the filler file: the space is back. */
  free(): void;
  unmount(): void;
}

/** Mounts a tmpfs of sizeMiB, or returns why it cannot (not root, no mount). */
export function mountSmallDisk(sizeMiB: number): SmallDisk | string {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const root = mkdtempSync(join(tmpdir(), 'tmq-small-disk-'));
  const dir = join(root, 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}`;
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      let written = 0;
      try {
        for (const chunk of [Buffer.alloc(1 << 20, 1), Buffer.alloc(4096, 1)]) {
          // Bounded by the disk's size: a 1 GiB tmpfs takes 1,024 chunks of 1 MiB.
          for (let i = 0; i < 1_000_000; i++) {
            try {
              written += writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
