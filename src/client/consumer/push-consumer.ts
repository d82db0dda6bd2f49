/**
 * The push consumer: subscribe to topics, register a listener, start. Underneath it is a pull
 * loop per assigned queue (long polling), a rebalancer deciding the assignment, and a consume
 * service calling the listener (protocol/REMOTING.md 14.3-14.7).
 *
 *   pull loop ──► process queue (held messages, bounded) ──► consume service ──► listener
 *        ▲                                    │ lowest unfinished offset
 *        └── rebalancer (adds/drops queues)   ▼
 *                                        offset store ──► broker / local file every 5 s
 */
import type { AllocateStrategy } from './allocate-strategies.ts';
import { ConcurrentConsumeService } from './consume-concurrently.ts';
import type {
  ConsumeContext,
  ConsumeServiceOptions,
  MessageListener,
  OrderlyMessageListener,
} from './consume-listener.ts';
import { ConsumeResult, OrderlyConsumeResult } from './consume-listener.ts';
import { OrderlyConsumeService } from './consume-orderly.ts';
import { OrderlyLocks } from './orderly-locks.ts';
import type { FilledPushOptions, PushConsumerOptions } from './consumer-options.ts';
import { parsePushConsumerOptions } from './consumer-options.ts';
import { ConsumerSession } from './consumer-session.ts';
import { ClientClosedError, InvalidArgumentError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import type { ProcessQueue } from './process-queue.ts';
import { PullLoop } from './pull-loop.ts';
import type { MessageQueue } from '../core/route.ts';
import type { SubscriptionExpression } from './subscription.ts';
import { buildSubscription, retryTopicOf, validateTopic } from './subscription.ts';
import { TaskLimiter } from '../core/task-limiter.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export { ConsumeResult, OrderlyConsumeResult };
export type {
  AllocateStrategy,
  ConsumeContext,
  MessageListener,
  OrderlyMessageListener,
  PushConsumerOptions,
};

/** Concurrent consumption pauses a queue whose held messages span more offsets than this. */
const MAX_OFFSET_SPAN = 2000;
/** A queue whose offset moved (21) is handed back after this long, as the Java client does. */
const OFFSET_MOVED_RELEASE_MS = 10_000;
/**
 * An orderly queue leaving this member waits this long for its batch in progress inside the
 * rebalance round; a longer batch finishes in the background before the queue is committed
 * and unlocked (the lock keeps other members off meanwhile).
 */
const HAND_OVER_WAIT_MS = 1000;

type State = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export class PushConsumer {
  private readonly options: FilledPushOptions;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private concurrentListener: MessageListener | undefined;
  private orderlyListener: OrderlyMessageListener | undefined;
  private session: ConsumerSession | undefined;
  private locks: OrderlyLocks | undefined;
  private limiter: TaskLimiter | undefined;
  private deliver: ((pq: ProcessQueue, messages: MessageExt[]) => void) | undefined;
  private readonly loops = new Map<ProcessQueue, PullLoop>();
  private state: State = 'created';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: PushConsumerOptions) {
    this.options = parsePushConsumerOptions(options);
  }

  get group(): string {
    return this.options.group;
  }

  get clientId(): string | undefined {
    return this.session?.instance.clientId;
  }

  /** Subscribes to a topic with a tag expression ('*', 'A', 'A || B') or `{ sql }`; replaces an earlier one. */
  subscribe(topic: string, expression: SubscriptionExpression = '*'): void {
    this.assertUsable();
    validateTopic(topic);
    this.subscriptions.set(topic, buildSubscription(topic, expression));
    this.subscriptionsChanged();
  }

  unsubscribe(topic: string): void {
    this.assertUsable();
    this.subscriptions.delete(topic);
    this.subscriptionsChanged();
  }

  /** The concurrent listener: batches of consumeBatchSize, consumeConcurrency at once. */
  onMessage(listener: MessageListener): void {
    this.setListener(listener, undefined);
  }

  /** The orderly listener: one batch at a time per queue, in offset order. */
  onMessageOrderly(listener: OrderlyMessageListener): void {
    this.setListener(undefined, listener);
  }

  get assignedQueues(): MessageQueue[] {
    return this.session?.rebalancer.assignedQueues ?? [];
  }

  async start(): Promise<void> {
    if (this.state !== 'created')
      throw new InvalidArgumentError(`consumer ${this.options.group} was already started`);
    if (!this.concurrentListener && !this.orderlyListener)
      throw new InvalidArgumentError('register a listener (onMessage or onMessageOrderly) first');
    if (this.subscriptions.size === 0)
      throw new InvalidArgumentError('subscribe to at least one topic first');
    this.state = 'starting';
    const session = new ConsumerSession({
      options: this.options,
      consumeType: 'CONSUME_PASSIVELY',
      subscriptions: () => this.allSubscriptions(),
      balanced: true,
      target: {
        added: (pq, offset) => this.startPulling(pq, offset),
        removed: (pq) => this.stopPulling(pq),
        lockQueue: this.lockingQueues() ? (queue) => this.locks!.lock(queue) : undefined,
      },
    });
    this.session = session;
    if (this.lockingQueues())
      this.locks = new OrderlyLocks({
        instance: session.instance,
        group: this.options.group,
        logger: session.logger,
        processQueues: () => session.rebalancer.processQueues(),
      });
    this.limiter = new TaskLimiter(this.options.consumeConcurrency);
    this.deliver = this.consumeService(session, this.limiter);
    this.starting = session.start();
    try {
      await this.starting;
    } catch (error) {
      await this.teardown();
      this.session = undefined;
      this.state = 'created';
      throw error;
    }
    this.locks?.start();
    this.state = 'running';
  }

  /** Orderly clustering consumers take broker locks on their queues (REMOTING.md 14.8). */
  private lockingQueues(): boolean {
    return this.orderlyListener !== undefined && this.options.messageModel === 'CLUSTERING';
  }

  /**
   * Stops pulling, waits up to shutdownTimeoutMs for running listeners, commits offsets, leaves
   * the group and closes connections. Messages not yet consumed are left for the next owner.
   */
  async shutdown(): Promise<void> {
    if (this.state === 'created') {
      this.state = 'stopped';
      return;
    }
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    if (this.state === 'running') {
      this.state = 'stopping';
      this.stopping = this.teardown().finally(() => {
        this.state = 'stopped';
      });
    }
    await this.stopping;
  }

  private async teardown(): Promise<void> {
    const session = this.session!;
    // session.stop() halts rebalancing before its first await, so no loop starts after these.
    const stopping = session.stop();
    this.locks?.stop();
    const loops = [...this.loops.values()].map((loop) => loop.stop());
    this.limiter!.clear();
    const held = await stopping;
    // An orderly queue schedules its next batch itself, past limiter.clear(): dropped, it stops
    // after the batch in progress, whose offset still counts, instead of draining the backlog.
    if (this.locks) for (const pq of held) pq.drop();
    const idle = await this.limiter!.idle(this.options.shutdownTimeoutMs);
    if (!idle)
      session.logger.warn(
        { timeoutMs: this.options.shutdownTimeoutMs },
        'listeners still running at shutdown; their messages will be consumed again',
      );
    for (const pq of held) pq.drop();
    if (this.locks) {
      // Commit first, so whoever locks these queues next starts after what was consumed here.
      await session.persistOffsets(false);
      await this.locks.unlockAll(held);
    }
    await session.close().catch((error: unknown) => {
      session.logger.warn({ err: (error as Error).message }, 'closing the consumer failed');
    });
    await Promise.allSettled(loops);
    this.loops.clear();
  }

  private allSubscriptions(): ReadonlyMap<string, SubscriptionData> {
    if (this.options.messageModel !== 'CLUSTERING') return this.subscriptions;
    const retryTopic = retryTopicOf(this.options.group);
    if (this.subscriptions.has(retryTopic)) return this.subscriptions;
    const all = new Map(this.subscriptions);
    all.set(retryTopic, this.retrySubscription(retryTopic));
    return all;
  }

  private retrySubscriptionData: SubscriptionData | undefined;

  private retrySubscription(topic: string): SubscriptionData {
    this.retrySubscriptionData ??= buildSubscription(topic, '*');
    return this.retrySubscriptionData;
  }

  private consumeService(
    session: ConsumerSession,
    limiter: TaskLimiter,
  ): (pq: ProcessQueue, messages: MessageExt[]) => void {
    const options: ConsumeServiceOptions = {
      instance: session.instance,
      group: this.options.group,
      messageModel: this.options.messageModel,
      batchSize: this.options.consumeBatchSize,
      maxReconsumeTimes: this.options.maxReconsumeTimes,
      offsetStore: session.offsetStore,
      limiter,
      timers: session.timers,
      logger: session.logger,
    };
    if (this.orderlyListener) {
      const service = new OrderlyConsumeService(
        {
          ...options,
          maxReconsumeTimesGiven: this.options.maxReconsumeTimesGiven,
          suspendMs: this.options.suspendCurrentQueueTimeMillis,
          locks: this.locks,
        },
        this.orderlyListener,
      );
      return (pq) => service.submit(pq);
    }
    const service = new ConcurrentConsumeService(options, this.concurrentListener!);
    return (pq, messages) => service.submit(pq, messages);
  }

  private startPulling(pq: ProcessQueue, offset: number): void {
    const session = this.session!;
    const maxBytes = this.options.pullThresholdSizeForQueueMiB * 1024 * 1024;
    const orderly = this.orderlyListener !== undefined;
    const loop = new PullLoop({
      instance: session.instance,
      group: this.options.group,
      logger: session.logger,
      timers: session.timers,
      offsetStore: session.offsetStore,
      processQueue: pq,
      startOffset: offset,
      subscription: () => this.allSubscriptions().get(pq.queue.topic),
      pullBatchSize: this.options.pullBatchSize,
      commitOffsets: this.options.messageModel === 'CLUSTERING',
      recordIdleOffsets: true,
      sendSubscription: false,
      isFull: (queue) =>
        queue.messageCount > this.options.pullThresholdForQueue ||
        queue.messageBytes > maxBytes ||
        (!orderly && queue.offsetSpan > MAX_OFFSET_SPAN),
      deliver: (queue, messages) => this.deliver!(queue, messages),
      offsetMoved: (queue, nextOffset) => this.offsetMoved(queue, nextOffset),
    });
    this.loops.set(pq, loop);
  }

  private async stopPulling(pq: ProcessQueue): Promise<void> {
    void this.loops.get(pq)?.stop();
    this.loops.delete(pq);
    const session = this.session!;
    const locks = this.locks;
    if (!locks) {
      await session.release(pq);
      return;
    }
    // Stop, let the batch in progress finish, commit, and only then let another member in.
    const handOver = (async () => {
      await pq.inflight;
      await session.release(pq);
      pq.locked = false;
      await locks.unlock(pq.queue);
    })();
    await Promise.race([handOver, session.timers.sleep(HAND_OVER_WAIT_MS)]);
  }

  private offsetMoved(pq: ProcessQueue, nextOffset: number): void {
    const session = this.session!;
    pq.drop();
    session.timers.later(OFFSET_MOVED_RELEASE_MS, () => {
      void session.rebalancer
        .removeQueue(pq, () => session.offsetStore.update(pq.queue, nextOffset, false))
        .then(() => session.scheduleRebalance(0));
    });
  }

  private subscriptionsChanged(): void {
    const session = this.session;
    if (this.state !== 'running' || !session) return;
    void session.refreshRoutes().then(async () => {
      await session.instance.sendHeartbeats();
      session.scheduleRebalance(0);
    });
  }

  private setListener(
    concurrent: MessageListener | undefined,
    orderly: OrderlyMessageListener | undefined,
  ): void {
    if (this.state !== 'created')
      throw new InvalidArgumentError('register the listener before start()');
    const given = concurrent ?? orderly;
    if (typeof given !== 'function')
      throw new InvalidArgumentError('the listener must be a function');
    this.concurrentListener = concurrent;
    this.orderlyListener = orderly;
  }

  private assertUsable(): void {
    if (this.state === 'stopping' || this.state === 'stopped')
      throw new ClientClosedError(`push consumer ${this.options.group}`);
  }
}
