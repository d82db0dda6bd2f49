/**
 * SYNC_MASTER's wait: a send is answered once a slave has acknowledged an offset at or past the
 * shard's written end as it stood when the send's record was stored. Waiters of one shard queue
 * in offset order (the written end only grows), so one slave report settles every send it
 * covers: many acknowledgements share one replication round, the way sends share one fdatasync.
 */

export type ReplicaOutcome = 'replicated' | 'timeout';

interface Waiter {
  offset: number;
  deadline: number;
  settle: (outcome: ReplicaOutcome) => void;
}

/** Checks deadlines this often while anyone waits; a timeout is answered at most this late. */
const EXPIRY_TICK_MS = 25;

export class ReplicaWaiters {
  private readonly queues: Waiter[][];
  private readonly heads: number[];
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxWaiters: number;

  constructor(shards: number, maxWaiters: number) {
    this.queues = Array.from({ length: shards }, () => []);
    this.heads = new Array<number>(shards).fill(0);
    this.maxWaiters = maxWaiters;
  }

  get size(): number {
    return this.waiting;
  }

  /** False (nothing queued) when maxWaiters already wait: the caller answers at once. */
  add(shard: number, offset: number, timeoutMs: number, settle: Waiter['settle']): boolean {
    if (this.waiting >= this.maxWaiters) return false;
    this.queues[shard]!.push({ offset, deadline: performance.now() + timeoutMs, settle });
    this.waiting++;
    this.timer ??= setInterval(() => this.expire(performance.now()), EXPIRY_TICK_MS);
    return true;
  }

  /** A slave acknowledged everything below `acked` in shard. */
  acknowledged(shard: number, acked: number): void {
    const queue = this.queues[shard];
    if (!queue) return;
    let head = this.heads[shard]!;
    while (head < queue.length && queue[head]!.offset <= acked) {
      const waiter = queue[head++]!;
      this.waiting--;
      waiter.settle('replicated');
    }
    this.compact(shard, head);
  }

  /** Settles every waiter as timed out (the broker stops, or the shard lost its slaves). */
  failAll(): void {
    for (let shard = 0; shard < this.queues.length; shard++) {
      const queue = this.queues[shard]!;
      for (let i = this.heads[shard]!; i < queue.length; i++) queue[i]!.settle('timeout');
      this.queues[shard] = [];
      this.heads[shard] = 0;
    }
    this.waiting = 0;
    this.stopTimer();
  }

  private expire(now: number): void {
    for (let shard = 0; shard < this.queues.length; shard++) {
      const queue = this.queues[shard]!;
      let head = this.heads[shard]!;
      // Every waiter of a shard has the same timeout, so deadlines are in order too.
      while (head < queue.length && queue[head]!.deadline <= now) {
        const waiter = queue[head++]!;
        this.waiting--;
        waiter.settle('timeout');
      }
      this.compact(shard, head);
    }
    if (this.waiting === 0) this.stopTimer();
  }

  private compact(shard: number, head: number): void {
    const queue = this.queues[shard]!;
    if (head === queue.length) {
      this.queues[shard] = [];
      this.heads[shard] = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.queues[shard] = queue.slice(head);
      this.heads[shard] = 0;
    } else {
      this.heads[shard] = head;
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
