/**
 * Commit-log flushing. SYNC_FLUSH is group commit "as soon as possible": one fdatasync runs at a
 * time, and the next starts as soon as the last returns if anything was appended meanwhile, so
 * every append waiting then shares it (measurements/architecture-limits.md, conclusion 2).
 * ASYNC_FLUSH runs the same loop on a timer. Waiters are kept in append order, so each flush
 * resolves a prefix of them and the timeout watchdog only looks at the head.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { StoreError, StoreErrorCode } from '../errors.ts';
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { FileCache } from '../io/file-cache.ts';
import { isNoSpaceError } from '../io/disk-space.ts';
import { fdatasyncPath } from '../io/fdatasync.ts';
import type { FlushDiskType, StoreLogger } from '../options.ts';

interface Waiter {
  endPhysicalOffset: number;
  deadlineMs: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface FlusherHooks {
  /** Writes buffered records to the segment files; called before each sync. */
  beforeSync: () => void;
  onFatal: (error: Error) => void;
  /** beforeSync threw: returns the error to give the waiters of this pass. */
  onWriteFailed: (cause: unknown) => Error;
  /** After each successful write-out and fdatasync, with its duration. */
  onFlushed?: (durationMs: number) => void;
}

export interface FlusherOptions {
  flushDiskType: FlushDiskType;
  flushIntervalCommitLogMs: number;
  syncFlushTimeoutMs: number;
}

export class CommitLogFlusher {
  private readonly commitLog: CommitLog;
  private readonly files: FileCache;
  private readonly options: FlusherOptions;
  private readonly logger: StoreLogger;
  private readonly hooks: FlusherHooks;
  /** Everything below this physical offset is durable. */
  flushedPosition: number;
  private readonly waiters: Waiter[] = [];
  private waiterHead = 0;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** Longest fdatasync seen, for stats. */
  flushCount = 0;
  lastFlushMs = 0;

  constructor(
    commitLog: CommitLog,
    files: FileCache,
    options: FlusherOptions,
    logger: StoreLogger,
    hooks: FlusherHooks,
  ) {
    this.commitLog = commitLog;
    this.files = files;
    this.options = options;
    this.logger = logger;
    this.hooks = hooks;
    this.flushedPosition = commitLog.writePosition;
  }

  start(): void {
    if (this.options.flushDiskType === 'ASYNC_FLUSH') {
      this.timer = setInterval(
        () => void this.requestFlush(),
        this.options.flushIntervalCommitLogMs,
      );
      this.timer.unref();
    }
    const tick = Math.max(5, Math.min(100, Math.floor(this.options.syncFlushTimeoutMs / 4)));
    this.watchdog = setInterval(() => this.expireWaiters(Date.now()), tick);
    this.watchdog.unref();
  }

  /** Resolves once everything below endPhysicalOffset is durable (rejects on timeout). */
  whenDurable(
    endPhysicalOffset: number,
    timeoutMs = this.options.syncFlushTimeoutMs,
  ): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (endPhysicalOffset <= this.flushedPosition) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => {
      this.waiters.push({ endPhysicalOffset, deadlineMs: Date.now() + timeoutMs, resolve, reject });
    });
    void this.requestFlush();
    return promise;
  }

  /** Starts a flush loop unless one runs; resolves when the loop has caught up. */
  requestFlush(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    // Bounded by appends: each pass covers all that was written before it started.
    while (!this.failure && this.flushedPosition < this.commitLog.writePosition) {
      // One turn of the event loop first: appends resumed by the last sync land in this one.
      await yieldToEventLoop();
      const target = this.commitLog.writePosition;
      const startedMs = performance.now();
      try {
        this.hooks.beforeSync();
      } catch (cause) {
        // The write-out failed and wrote nothing it did not keep: the records stay buffered and
        // a later pass writes them. Whoever waits now is told; the store decides what follows.
        this.rejectWaiters(this.hooks.onWriteFailed(cause));
        return;
      }
      try {
        const segments = this.commitLog.takeDirtySegments();
        for (const segment of segments)
          // Retention may have deleted an old segment since it was marked dirty.
          if (this.commitLog.hasSegment(segment)) {
            await fdatasyncPath(this.files, this.commitLog.segmentPath(segment));
          }
      } catch (cause) {
        // A failed fdatasync may have lost dirty pages: retrying could report success for
        // lost data, so the store stops taking writes instead (until reopened).
        const code = isNoSpaceError(cause) ? StoreErrorCode.DISK_FULL : StoreErrorCode.IO_ERROR;
        this.fail(
          new StoreError(code, `syncing the commit log failed: ${String(cause)}`, { cause }),
        );
        return;
      }
      this.lastFlushMs = performance.now() - startedMs;
      this.flushCount++;
      this.hooks.onFlushed?.(this.lastFlushMs);
      this.flushedPosition = Math.max(this.flushedPosition, target);
      this.resolveWaiters();
    }
  }

  private resolveWaiters(): void {
    while (this.waiterHead < this.waiters.length) {
      const waiter = this.waiters[this.waiterHead]!;
      if (waiter.endPhysicalOffset > this.flushedPosition) break;
      this.waiterHead++;
      waiter.resolve();
    }
    this.compactWaiters();
  }

  private expireWaiters(nowMs: number): void {
    while (this.waiterHead < this.waiters.length) {
      const waiter = this.waiters[this.waiterHead]!;
      if (waiter.deadlineMs > nowMs) break;
      this.waiterHead++;
      waiter.reject(
        new StoreError(
          StoreErrorCode.FLUSH_DISK_TIMEOUT,
          `no fdatasync covered offset ${waiter.endPhysicalOffset} within ${this.options.syncFlushTimeoutMs} ms`,
        ),
      );
    }
    this.compactWaiters();
  }

  private compactWaiters(): void {
    if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
      this.waiters.splice(0, this.waiterHead);
      this.waiterHead = 0;
    } else if (this.waiterHead === this.waiters.length) {
      this.waiters.length = 0;
      this.waiterHead = 0;
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    this.logger.error(
      { err: error },
      'commit-log flush failed; the store refuses writes until reopened',
    );
    this.rejectWaiters(error);
    this.hooks.onFatal(error);
  }

  private rejectWaiters(error: Error): void {
    while (this.waiterHead < this.waiters.length) this.waiters[this.waiterHead++]!.reject(error);
    this.compactWaiters();
  }

  get pendingWaiters(): number {
    return this.waiters.length - this.waiterHead;
  }

  /** Stops timers and waits for a running flush; waiters left are flushed by the caller's close. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    await this.running;
  }
}
