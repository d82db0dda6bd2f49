/**
 * The shard's epochs (RocketMQ 5's epoch file): each master term's number and the commit-log
 * offset it began writing at. A slave compares its list with its new master's to find where
 * their logs stop agreeing, and cuts its own log there before following (lastCommonOffset).
 * Written whole to a temporary file, fdatasync'ed and renamed, so a crash leaves the old list or
 * the new one.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { StoreError, StoreErrorCode } from '../errors.ts';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** Terms kept; the oldest go first (a slave that far behind copies from the oldest kept). */
const MAX_EPOCHS = 1000;

export class EpochLog {
  private readonly path: string;
  private entries: EpochEntry[] = [];

  constructor(path: string) {
    this.path = path;
    if (!existsSync(path)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new StoreError(StoreErrorCode.LAYOUT_MISMATCH, `${path} is not a JSON epoch list`);
    }
    if (!Array.isArray(parsed))
      throw new StoreError(StoreErrorCode.LAYOUT_MISMATCH, `${path} is not a JSON epoch list`);
    this.entries = parsed.filter(
      (e: unknown): e is EpochEntry =>
        Number.isSafeInteger((e as EpochEntry)?.epoch) &&
        Number.isSafeInteger((e as EpochEntry)?.startOffset),
    );
  }

  list(): EpochEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  get last(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Records that epoch starts at startOffset; an older epoch than the last is refused. */
  begin(epoch: number, startOffset: number): void {
    const last = this.last;
    if (last && epoch < last.epoch)
      throw new StoreError(
        StoreErrorCode.INVALID_OPTION,
        `epoch ${epoch} is older than the shard's last epoch ${last.epoch}`,
      );
    if (last && epoch === last.epoch) return;
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > MAX_EPOCHS) this.entries.splice(0, this.entries.length - MAX_EPOCHS);
    this.save();
  }

  /** Drops the epochs that began past a cut at physicalOffset. */
  truncate(physicalOffset: number): void {
    const kept = this.entries.filter((entry) => entry.startOffset <= physicalOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.save();
  }

  private save(): void {
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, JSON.stringify(this.entries));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}

interface Log {
  epochs: readonly EpochEntry[];
  end: number;
}

/** Where an epoch's writes end in a log: the next epoch's start, or the log's end. */
function epochEnd(log: Log, index: number): number {
  return log.epochs[index + 1]?.startOffset ?? log.end;
}

/**
 * How far a slave's log agrees with its master's: within the newest epoch both began at the
 * same offset, up to where the shorter of the two wrote in it. Without epochs on either side
 * (fixed master and slave) the logs are one history and the shorter end is the answer.
 */
export function lastCommonOffset(master: Log, slave: Log): number {
  if (master.epochs.length === 0 || slave.epochs.length === 0)
    return Math.min(master.end, slave.end);
  for (let s = slave.epochs.length - 1; s >= 0; s--) {
    const theirs = slave.epochs[s]!;
    const m = master.epochs.findIndex((e) => e.epoch === theirs.epoch);
    if (m < 0 || master.epochs[m]!.startOffset !== theirs.startOffset) continue;
    return Math.min(epochEnd(master, m), epochEnd(slave, s));
  }
  const first = master.epochs[0]!.startOffset;
  return slave.end <= first ? slave.end : Math.min(first, slave.end);
}
