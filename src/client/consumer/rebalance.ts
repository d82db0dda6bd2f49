/**
 * Client-side rebalance (protocol/REMOTING.md 14.5, 14.6). For every subscribed topic: the
 * readable queues from the route; in clustering, the group's members from one broker serving the
 * topic and this member's share from the allocation strategy; in broadcasting, every queue.
 * Queues that left the share are dropped (their offset persisted, then forgotten); queues that
 * joined start where computeStartOffset says, or wait for the next round if that fails.
 *
 * Rounds never overlap: a request during a round runs one more round after it. A topic whose
 * route or member list cannot be read keeps its current queues for this round.
 */
import type { Logger } from 'pino';
import type { AllocateStrategy } from './allocate-strategies.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import type { MessageModel, StartPosition } from './consume-from-where.ts';
import { computeStartOffset } from './consume-from-where.ts';
import { anyBrokerOf, consumerIdList } from './consumer-calls.ts';
import { NoRouteError } from '../core/errors.ts';
import { ProcessQueue } from './process-queue.ts';
import type { MessageQueue } from '../core/route.ts';
import { compareQueues, queueKey, subscribeQueues } from '../core/route.ts';

export interface RebalanceTarget {
  /** A queue joined this member's share; pull it from offset. */
  added(processQueue: ProcessQueue, offset: number): void;
  /** A queue left the share; it is already dropped. Persist its offset. */
  removed(processQueue: ProcessQueue): Promise<void>;
  /**
   * Orderly clustering: locks a newly assigned queue on its broker before it is taken up; a
   * queue it refuses (another member still holds it) waits for the next round, which comes soon.
   */
  lockQueue?: (queue: MessageQueue) => Promise<boolean>;
}

export interface RebalanceOptions {
  instance: ClientInstance;
  group: string;
  messageModel: MessageModel;
  strategy: AllocateStrategy;
  position: StartPosition;
  logger: Logger;
  /** The topics to balance, read at the start of every round. */
  topics: () => readonly string[];
  target: RebalanceTarget;
}

export interface RebalanceOutcome {
  /**
   * Some topic had no route yet (e.g. a retry topic the broker just created), or a new queue's
   * lock was refused: either way the next round should come soon.
   */
  missingRoute: boolean;
  changed: boolean;
}

export class Rebalancer {
  private readonly table = new Map<string, ProcessQueue>();
  private running: Promise<RebalanceOutcome> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private again = false;
  private stopped = false;

  constructor(private readonly options: RebalanceOptions) {}

  get assignedQueues(): MessageQueue[] {
    return [...this.table.values()].map((pq) => ({ ...pq.queue })).sort(compareQueues);
  }

  processQueues(): ProcessQueue[] {
    return [...this.table.values()];
  }

  processQueueOf(queue: MessageQueue): ProcessQueue | undefined {
    return this.table.get(queueKey(queue));
  }

  /** Runs a round now, or right after the one in progress. */
  rebalance(): Promise<RebalanceOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<RebalanceOutcome> => {
      let outcome: RebalanceOutcome = { missingRoute: false, changed: false };
      try {
        do {
          this.again = false;
          if (this.stopped) break;
          const round = await this.exclusive(() => this.round());
          outcome = { missingRoute: round.missingRoute, changed: outcome.changed || round.changed };
        } while (this.again);
      } finally {
        this.running = undefined;
      }
      return outcome;
    };
    this.running = run();
    return this.running;
  }

  /**
   * Runs fn with no rebalance round in between, so a queue it drops (after storing a new offset)
   * is not taken up again before that offset is persisted.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn, fn);
    this.lock = result.catch(() => undefined);
    return result;
  }

  /**
   * Drops one queue (its offset moved or was reset); `before` runs first, under the same
   * exclusion, e.g. to store the new offset that dropping then persists. The next round may take
   * the queue up again, from the persisted offset.
   */
  removeQueue(processQueue: ProcessQueue, before?: () => void): Promise<void> {
    return this.exclusive(async () => {
      if (this.table.get(queueKey(processQueue.queue)) !== processQueue) return;
      before?.();
      await this.dropQueue(processQueue);
    });
  }

  /** Stops further rounds and returns the queues still held, without dropping them. */
  async stop(): Promise<ProcessQueue[]> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    return this.processQueues();
  }

  private async dropQueue(processQueue: ProcessQueue): Promise<void> {
    const key = queueKey(processQueue.queue);
    if (this.table.get(key) !== processQueue) return;
    this.table.delete(key);
    processQueue.drop();
    await this.options.target.removed(processQueue);
  }

  private async round(): Promise<RebalanceOutcome> {
    const outcome: RebalanceOutcome = { missingRoute: false, changed: false };
    const topics = [...new Set(this.options.topics())];
    for (const topic of topics) {
      if (this.stopped) return outcome;
      const share = await this.shareOf(topic);
      if (share === 'no-route') outcome.missingRoute = true;
      if (typeof share === 'string') continue;
      const applied = await this.apply(topic, share);
      if (applied.changed) outcome.changed = true;
      if (applied.lockRefused) outcome.missingRoute = true;
    }
    const wanted = new Set(topics);
    for (const pq of this.processQueues()) {
      if (!wanted.has(pq.queue.topic)) {
        await this.dropQueue(pq);
        outcome.changed = true;
      }
    }
    return outcome;
  }

  private async shareOf(topic: string): Promise<MessageQueue[] | 'no-route' | 'skip'> {
    const { instance, group, logger } = this.options;
    let queues: MessageQueue[];
    let route;
    try {
      route = await instance.route(topic);
      queues = subscribeQueues(topic, route);
    } catch (error) {
      if (error instanceof NoRouteError) return 'no-route';
      logger.warn({ topic, err: (error as Error).message }, 'rebalance: route lookup failed');
      return 'skip';
    }
    if (this.options.messageModel === 'BROADCASTING') return queues;
    const address = anyBrokerOf(route);
    if (address === undefined) return 'no-route';
    let clientIds: string[];
    try {
      clientIds = await consumerIdList(instance, group, address);
    } catch (error) {
      logger.warn({ topic, address, err: (error as Error).message }, 'rebalance: no member list');
      return 'skip';
    }
    if (queues.length === 0 || clientIds.length === 0) return [];
    try {
      const share = this.options.strategy(group, instance.clientId, queues, clientIds);
      const known = new Set(queues.map(queueKey));
      return share.filter((queue) => queue.topic === topic && known.has(queueKey(queue)));
    } catch (error) {
      logger.warn({ topic, err: (error as Error).message }, 'rebalance: allocation failed');
      return 'skip';
    }
  }

  /** Makes the topic's queues in the table equal share (those it can lock, when orderly). */
  private async apply(
    topic: string,
    share: readonly MessageQueue[],
  ): Promise<{ changed: boolean; lockRefused: boolean }> {
    const wanted = new Map(share.map((queue) => [queueKey(queue), queue]));
    let changed = false;
    for (const [key, pq] of [...this.table]) {
      if (pq.queue.topic === topic && !wanted.has(key)) {
        await this.dropQueue(pq);
        changed = true;
      }
    }
    const added = [...wanted].filter(([key]) => !this.table.has(key));
    let lockRefused = false;
    const lockedAt = Date.now();
    const starts = await Promise.all(
      added.map(async ([, queue]) => {
        const { lockQueue } = this.options.target;
        if (lockQueue && !(await lockQueue(queue))) {
          lockRefused = true;
          return undefined;
        }
        this.options.position.offsetStore.remove(queue);
        try {
          return await computeStartOffset(this.options.position, queue);
        } catch (error) {
          this.options.logger.warn(
            { queue, err: (error as Error).message },
            'rebalance: no start offset, the queue waits for the next round',
          );
          return undefined;
        }
      }),
    );
    for (let i = 0; i < added.length; i++) {
      const [key, queue] = added[i]!;
      const offset = starts[i];
      if (offset === undefined || this.stopped || this.table.has(key)) continue;
      const pq = new ProcessQueue({ ...queue });
      if (this.options.target.lockQueue) {
        pq.locked = true;
        pq.lastLockTimestampMs = lockedAt;
      }
      this.table.set(key, pq);
      this.options.target.added(pq, offset);
      changed = true;
    }
    return { changed, lockRefused };
  }
}
