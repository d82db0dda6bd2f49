/**
 * Sleep and wake-up between the two threads of one ring direction: never spin (a spinning thread
 * takes a whole vCPU and delays the thread it waits for, measurements/architecture-limits.md,
 * conclusion 1), never lose a wake-up, and call Atomics.notify only when the other side sleeps.
 *
 * The signal buffer is an Int32Array; each cell sits on its own 64-byte line, so the reader's and
 * the writer's stores never bounce one cache line between cores:
 *
 *   index  0  DATA_SEQUENCE    the writer bumps it when it wakes a sleeping reader
 *   index 16  READER_ASLEEP    1 while the reader is waiting (or about to wait) for data
 *   index 32  SPACE_SEQUENCE   the reader bumps it when it wakes a waiting writer
 *   index 48  WRITER_WAITING   1 while the writer is waiting (or about to wait) for space
 *
 * Sleeper: if ready() return; s = load(SEQUENCE); store(FLAG, 1); if ready() {clear; return};
 *          wait(SEQUENCE, s).
 * Waker, after the Atomics.store of the ring pointer that makes ready() true:
 *          if load(FLAG) == 1 and exchange(FLAG, 0) == 1: add(SEQUENCE, 1); notify(SEQUENCE).
 *
 * All Atomics operations are sequentially consistent, so one of two things happens: the sleeper's
 * second ready() sees the pointer the waker stored, or the waker sees FLAG = 1 and changes
 * SEQUENCE after the sleeper read it, so the wait returns at once ("not-equal") or is notified.
 * The exchange makes only the first publish after the reader fell asleep pay for a notify.
 */
import { RingError, RingErrorCode } from './ring-errors.ts';

export const SignalIndex = {
  DATA_SEQUENCE: 0,
  READER_ASLEEP: 16,
  SPACE_SEQUENCE: 32,
  WRITER_WAITING: 48,
} as const;

/** Four cells, one 64-byte line each. */
export const SIGNAL_BYTES = 4 * 64;

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (
  cells: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => WaitAsyncResult;

// lib ES2022 (tsconfig) predates Atomics.waitAsync; Node has had it since 16.
export const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

const RESOLVED: Promise<void> = Promise.resolve();

export function createSignalBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SIGNAL_BYTES);
}

/*
 * A pending Atomics.waitAsync does not keep Node's event loop alive: a worker whose only work is
 * waiting for the ring would exit with the wait unresolved. One unref'd interval per thread is
 * ref'd while any wait is pending, which costs a flag toggle rather than a timer per sleep.
 */
let pendingWaitCount = 0;
let keepAlive: NodeJS.Timeout | undefined;

function holdEventLoop(): void {
  if (pendingWaitCount++ > 0) return;
  keepAlive ??= setInterval(() => undefined, 2 ** 31 - 1);
  keepAlive.ref();
}

function releaseEventLoop(): void {
  if (--pendingWaitCount === 0) keepAlive?.unref();
}

export function checkTimeout(timeoutMs: number, method: string): void {
  if (!(timeoutMs >= 0)) {
    throw new RingError(
      RingErrorCode.INVALID_ARGUMENT,
      `${method}: timeoutMs must be a number >= 0 (or Infinity), got ${timeoutMs}`,
    );
  }
}

/** One (sequence, flag) pair: the sleeping side calls sleep(), the other side calls wake(). */
export class WakeSignal {
  private readonly cells: Int32Array;
  private readonly sequenceIndex: number;
  private readonly flagIndex: number;
  private pending: Promise<void> | undefined;

  constructor(signal: SharedArrayBuffer, sequenceIndex: number, flagIndex: number) {
    if (waitAsync === undefined) {
      throw new RingError(RingErrorCode.UNSUPPORTED, 'this runtime has no Atomics.waitAsync');
    }
    this.cells = new Int32Array(signal);
    this.sequenceIndex = sequenceIndex;
    this.flagIndex = flagIndex;
  }

  /** Waker side. Returns true when it had to notify (the other side was asleep). */
  wake(): boolean {
    // The plain load keeps the common case (other side awake) free of read-modify-writes.
    if (Atomics.load(this.cells, this.flagIndex) === 0) return false;
    if (Atomics.exchange(this.cells, this.flagIndex, 0) === 0) return false;
    this.interrupt();
    return true;
  }

  /** Ends a pending sleep on this signal early, from either thread; the sleeper re-checks. */
  interrupt(): void {
    Atomics.add(this.cells, this.sequenceIndex, 1);
    Atomics.notify(this.cells, this.sequenceIndex);
  }

  /**
   * Sleeper side: resolves once ready() is true, after a wake or interrupt, or after timeoutMs.
   * A call while a sleep is pending returns that sleep (one thread, one waiter).
   */
  sleep(ready: () => boolean, timeoutMs: number): Promise<void> {
    if (ready()) return RESOLVED;
    if (this.pending !== undefined) return this.pending;
    const observed = Atomics.load(this.cells, this.sequenceIndex);
    Atomics.store(this.cells, this.flagIndex, 1);
    if (ready()) {
      Atomics.store(this.cells, this.flagIndex, 0);
      return RESOLVED;
    }
    const result = waitAsync!(this.cells, this.sequenceIndex, observed, timeoutMs);
    if (!result.async) {
      Atomics.store(this.cells, this.flagIndex, 0);
      return RESOLVED;
    }
    holdEventLoop();
    this.pending = result.value.then(this.onWoken);
    return this.pending;
  }

  /** Like sleep, but blocks the thread in Atomics.wait; for worker threads only. */
  sleepSync(ready: () => boolean, timeoutMs: number): boolean {
    if (ready()) return true;
    const observed = Atomics.load(this.cells, this.sequenceIndex);
    Atomics.store(this.cells, this.flagIndex, 1);
    if (!ready()) Atomics.wait(this.cells, this.sequenceIndex, observed, timeoutMs);
    Atomics.store(this.cells, this.flagIndex, 0);
    return ready();
  }

  /** True while the sleeping side has announced it waits (for tests and stats). */
  get sleeping(): boolean {
    return Atomics.load(this.cells, this.flagIndex) === 1;
  }

  private readonly onWoken = (): void => {
    this.pending = undefined;
    releaseEventLoop();
    // Already 0 after a wake; still 1 after a timeout or interrupt.
    Atomics.store(this.cells, this.flagIndex, 0);
  };
}
