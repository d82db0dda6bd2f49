/**
 * The consumers' timers in one place, so shutdown can cancel every pending delay at once:
 * sleeps resolve early (their loops then see they are stopping) and scheduled callbacks are
 * dropped. Timers are unref'd; a consumer alone never keeps the process alive.
 */
export class TimerSet {
  private readonly sleeps = new Map<NodeJS.Timeout, () => void>();
  private readonly callbacks = new Set<NodeJS.Timeout>();
  private closed = false;

  /**
   * Resolves after ms, or at once when the set is (or gets) cleared. Once cleared it still waits
   * for the next turn of the event loop, so a loop that missed its stop signal cannot spin.
   */
  sleep(ms: number): Promise<void> {
    if (this.closed) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.sleeps.set(timer, resolve);
    });
  }

  /** Runs fn once after ms unless the set is cleared first. */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.callbacks.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.callbacks.add(timer);
  }

  /** Cancels everything pending and refuses new timers. */
  clear(): void {
    this.closed = true;
    for (const timer of this.callbacks) clearTimeout(timer);
    this.callbacks.clear();
    for (const [timer, resolve] of this.sleeps) {
      clearTimeout(timer);
      resolve();
    }
    this.sleeps.clear();
  }

  get pending(): number {
    return this.sleeps.size + this.callbacks.size;
  }
}
