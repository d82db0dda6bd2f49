/**
 * The filter pool (DESIGN.md: coordinator, queue actors, filter pool): piscina workers that
 * evaluate SQL92 subscriptions over the records a pull found. Each queue actor owns one, so
 * the records go actor → pool → actor by transfer, never through the coordinator, and neither
 * the coordinator's thread nor the actor's loop spends time per message on SQL92. Bounded: a
 * full queue refuses the task, and the pull is answered "retry" rather than queued without
 * limit.
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
  /** The kept records are data[0, bytes). */
  | { kind: 'filtered'; data: Uint8Array; kept: number; bytes: number }
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

  /**
   * Keeps the records of data that match expression. data (a buffer of its own, not a view of
   * one the caller reuses) is transferred: the caller reads the result's data, not its own.
   */
  async filter(expression: string, data: Uint8Array<ArrayBuffer>): Promise<FilterOutcome> {
    if (this.closed) return { kind: 'busy' };
    this.pool ??= new Piscina<FilterTask, FilterTaskResult>({
      ...taskWorker('filter-task'),
      minThreads: 0,
      maxThreads: this.options.threads,
      maxQueue: this.maxQueue,
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    if (this.pool.queueSize >= this.maxQueue) return { kind: 'busy' };
    const result = await this.pool.run({ expression, data }, { transferList: [data.buffer] });
    if ('error' in result) return { kind: 'invalid', reason: result.error };
    return { kind: 'filtered', ...result };
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
