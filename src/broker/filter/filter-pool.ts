/**
 * The filter pool (DESIGN.md: coordinator, queue actors, filter pool): piscina workers that
 * evaluate SQL92 subscriptions over pull results, so the coordinator's thread spends no time
 * per message on them and a pull for a group returns only its matches. Bounded: a full queue
 * refuses the task, and the pull is answered "retry" rather than queued without limit.
 */
import { Piscina } from 'piscina';
import { taskWorker } from '../worker-entry.ts';
import type { FilterTask, FilterTaskResult } from './filter-task.ts';

export interface FilterPoolOptions {
  threads: number;
  /** Tasks waiting for a worker beyond the running ones. */
  maxQueue?: number;
}

export type FilterOutcome =
  | { kind: 'filtered'; data: Buffer; kept: number; scanned: number }
  | { kind: 'invalid'; reason: string }
  | { kind: 'busy' };

const DEFAULT_MAX_QUEUE = 1024;

/** Workers start with the first SQL92 pull and stop after this long without one. */
const IDLE_TIMEOUT_MS = 60_000;

export class FilterPool {
  private pool: Piscina<FilterTask, FilterTaskResult> | undefined;
  private readonly options: FilterPoolOptions;
  private readonly maxQueue: number;
  private closed = false;

  constructor(options: FilterPoolOptions) {
    this.options = options;
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  }

  /** Keeps the records of data (a pull result) that match expression. */
  async filter(expression: string, data: Buffer): Promise<FilterOutcome> {
    if (this.closed) return { kind: 'busy' };
    this.pool ??= new Piscina<FilterTask, FilterTaskResult>({
      ...taskWorker('filter-task'),
      minThreads: 0,
      maxThreads: this.options.threads,
      maxQueue: this.maxQueue,
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    if (this.pool.queueSize >= this.maxQueue) return { kind: 'busy' };
    // A private copy crosses by transfer: data may view a larger buffer the caller reuses.
    const copy = new Uint8Array(data.length);
    copy.set(data);
    const result = await this.pool.run({ expression, data: copy }, { transferList: [copy.buffer] });
    if (result.error !== undefined) return { kind: 'invalid', reason: result.error };
    return {
      kind: 'filtered',
      data: Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength),
      kept: result.kept,
      scanned: result.scanned,
    };
  }

  /** Worker threads running now (0 until the first SQL92 pull). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.destroy();
  }
}
