/**
 * Runs listener calls with at most `limit` at once (the consumer's consumeConcurrency); the rest
 * wait in FIFO order. The waiting list is bounded by the pull loops' flow control (messages
 * held per queue), not here. clear() drops what has not started; idle() waits for what has.
 */
export class TaskLimiter {
  private readonly waiting: Array<() => Promise<void>> = [];
  private head = 0;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  run(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.pump();
  }

  /** Drops the tasks that have not started. */
  clear(): void {
    this.waiting.length = 0;
    this.head = 0;
  }

  /** Resolves true once nothing runs, false if timeoutMs passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.running === 0 && this.queued === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  private pump(): void {
    while (this.running < this.limit && this.head < this.waiting.length) {
      const task = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as unknown as () => Promise<void>;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queued === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const waiter of waiters) waiter();
          }
        });
    }
  }
}
