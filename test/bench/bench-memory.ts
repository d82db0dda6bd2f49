/**
 * A broker's resident memory from /proc/<pid>/status (Linux), read once its case has run: the
 * node process for ThrustMQ (actors are its threads), the JVM for Apache RocketMQ. Memory-mapped
 * store files count as RssFile in both, so the anonymous part is reported too.
 */
import { readFileSync } from 'node:fs';

export interface ResidentMemory {
  /** VmRSS: resident now. */
  rssMiB: number;
  /** VmHWM: the most that was resident at once. */
  peakMiB: number;
  /** RssAnon: heap, stacks and other private memory. */
  anonMiB: number;
  /** RssFile + RssShmem: mapped files (the commit log) and shared memory. */
  fileMiB: number;
}

function fieldKb(status: string, name: string): number {
  const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
  return match === null ? Number.NaN : Number(match[1]);
}

/** Undefined when /proc is unreadable (not Linux, or the process is gone). */
export function residentMemory(pid: number): ResidentMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  return {
    rssMiB: mib(fieldKb(status, 'VmRSS')),
    peakMiB: mib(fieldKb(status, 'VmHWM')),
    anonMiB: mib(fieldKb(status, 'RssAnon')),
    fileMiB: mib(fieldKb(status, 'RssFile') + fieldKb(status, 'RssShmem')),
  };
}
