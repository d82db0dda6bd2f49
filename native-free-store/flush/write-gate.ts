/**
 * Whether a store takes appends. An I/O error that may have lost data (a failed fdatasync, a
 * write failing other than for space) stops writes until the store is reopened. A full disk only
 * pauses them: appends are refused with STORE_DISK_FULL while disk use is past
 * diskSpaceWarningLevelRatio (where RocketMQ marks the disk full), while a write refused with
 * ENOSPC waits to be retried (its records stay buffered, nothing is lost). Disk use is read by the periodic check (statfs), never
 * per message; the store's hooks do the retries. Reads go on throughout. Each change is logged.
 */
import { StoreError, StoreErrorCode } from '../errors.ts';
import { diskUsedPercent, isNoSpaceError } from '../io/disk-space.ts';
import type { StoreLogger, StoreOptions } from '../options.ts';

export interface WriteGateHooks {
  /** A retention pass now (past the warning level: RocketMQ's cleanImmediately). */
  cleanNow: (usedPercent: number) => void;
  /** Writes out what a full disk refused; true when it went out. */
  retryWrite: () => boolean;
  /** Anything else open deferred for space (the lock's pid). */
  retryDeferred: () => void;
}

export class WriteGate {
  private readonly directory: string;
  private readonly warningRatio: number;
  private readonly logger: StoreLogger;
  /** Disk use (%) at the last check. */
  usedPercent = 0;
  /** Why the last write was refused for lack of space, while its records wait to be written. */
  private refusedWrite: string | undefined;
  private reportedFull = false;
  private timer: NodeJS.Timeout | undefined;
  /** The error that stopped writes until reopened. */
  failure: StoreError | undefined;

  constructor(options: Pick<StoreOptions, 'directory' | 'diskSpaceWarningLevelRatio' | 'logger'>) {
    this.directory = options.directory;
    this.warningRatio = options.diskSpaceWarningLevelRatio;
    this.logger = options.logger;
  }

  /** Stops writes until reopened; the first error is kept and logged. */
  fail(error: StoreError): void {
    if (!this.failure) this.logger.error({ err: error }, 'store stopped taking writes');
    this.failure ??= error;
  }

  /** The error to give for a failed write: a full disk pauses writes, anything else stops them. */
  ioFailure(what: string, cause: unknown): StoreError {
    if (isNoSpaceError(cause)) return this.writeRefused(what, cause);
    const error = new StoreError(StoreErrorCode.IO_ERROR, `${what} failed: ${String(cause)}`, {
      cause,
    });
    this.fail(error);
    return error;
  }

  get writable(): boolean {
    return !this.failure && this.fullReason === undefined;
  }

  get diskFull(): boolean {
    return this.fullReason !== undefined || this.failure?.code === StoreErrorCode.DISK_FULL;
  }

  /** Throws while appends are refused: STORE_DISK_FULL, or NOT_WRITABLE after a failure. */
  checkWritable(): void {
    if (this.failure) {
      const code =
        this.failure.code === StoreErrorCode.DISK_FULL
          ? StoreErrorCode.DISK_FULL
          : StoreErrorCode.NOT_WRITABLE;
      const message = `the store refuses writes after an earlier error: ${this.failure.message}`;
      throw new StoreError(code, message, { cause: this.failure });
    }
    const reason = this.fullReason;
    if (reason !== undefined)
      throw new StoreError(StoreErrorCode.DISK_FULL, `the disk is full: ${reason}`);
  }

  /**
   * Runs a step of open that writes; when the disk has no room for it, logs that instead of
   * failing the open (a store on a full disk still serves reads).
   */
  async atOpen(what: string, step: () => unknown): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!isNoSpaceError(error)) throw error;
      this.logger.warn(
        { err: error, directory: this.directory },
        `disk full at open: ${what} waits`,
      );
    }
  }

  /** Starts the periodic check. */
  start(intervalMs: number, hooks: WriteGateHooks): void {
    this.report();
    this.timer = setInterval(() => this.check(hooks), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Why appends are refused for lack of space now; undefined when they are taken. */
  get fullReason(): string | undefined {
    if (this.usedPercent > this.warningRatio)
      return `disk use ${this.usedPercent.toFixed(1)}% is over diskSpaceWarningLevelRatio ${this.warningRatio}%`;
    if (this.refusedWrite !== undefined) return this.refusedWrite;
    return undefined;
  }

  /** A write failed with ENOSPC: records it and returns the error to give its callers. */
  private writeRefused(what: string, cause: unknown): StoreError {
    this.refusedWrite = `${what} failed: no space left on the device`;
    this.report();
    return new StoreError(StoreErrorCode.DISK_FULL, `the disk is full: ${this.refusedWrite}`, {
      cause,
    });
  }

  /** Reads disk use now. */
  measure(): void {
    try {
      this.usedPercent = diskUsedPercent(this.directory);
    } catch (error) {
      this.logger.warn({ err: error, directory: this.directory }, 'cannot read disk use (statfs)');
    }
  }

  /** The periodic check. */
  check(hooks: WriteGateHooks): void {
    if (this.timer === undefined) return;
    this.measure();
    if (this.usedPercent > this.warningRatio && !this.reportedFull) {
      try {
        hooks.cleanNow(this.usedPercent);
      } catch (error) {
        this.logger.error({ err: error }, 'retention pass failed');
      }
      this.measure();
    }
    if (this.refusedWrite !== undefined && this.usedPercent <= this.warningRatio) {
      if (hooks.retryWrite() && !this.failure) this.refusedWrite = undefined;
    }
    hooks.retryDeferred();
    this.report();
  }

  /** Logs a change between refusing and taking writes. */
  report(): void {
    const reason = this.fullReason;
    if ((reason !== undefined) === this.reportedFull) return;
    this.reportedFull = reason !== undefined;
    const fields = { directory: this.directory, diskUsedPercent: this.usedPercent };
    if (reason !== undefined)
      this.logger.error({ ...fields, reason }, 'disk full: the store refuses writes');
    else this.logger.warn(fields, 'disk space is back: the store takes writes again');
  }
}
