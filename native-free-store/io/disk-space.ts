/**
 * Disk space: how full the file system under a directory is (statfs), and whether an error
 * means it ran out of room. A write refused for lack of space wrote nothing that needs undoing
 * and may be retried once space returns, unlike other I/O errors.
 */
import { statfsSync } from 'node:fs';

const NO_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** True when error, or one of its causes, is ENOSPC or EDQUOT. */
export function isNoSpaceError(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && NO_SPACE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Percent of the file system's blocks not available to unprivileged writers, as `df` shows. */
export function diskUsedPercent(directory: string): number {
  const stats = statfsSync(directory);
  if (stats.blocks === 0) return 0;
  return ((stats.blocks - stats.bavail) / stats.blocks) * 100;
}
