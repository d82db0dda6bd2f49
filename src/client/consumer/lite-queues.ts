/**
 * The queues a lite pull consumer holds: a pull loop each, and one buffer of pulled batches in
 * arrival order that poll() takes from. Each queue remembers its consumed offset, the offset
 * after the last message handed out (or the one seeked to), which commit() stores.
 *
 * Bounds: a queue's pulls pause while it holds pullThresholdForQueue messages or
 * pullThresholdSizeForQueueMiB, and all pulls pause while pullThresholdForAll are buffered.
 */
import { computeStartOffset } from './consume-from-where.ts';
import type { FilledConsumerOptions } from './consumer-options.ts';
import type { ConsumerSession } from './consumer-session.ts';
import { InvalidArgumentError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { ProcessQueue } from './process-queue.ts';
import { PULL_DELAY_ON_ERROR_MS, PullLoop } from './pull-loop.ts';
import type { MessageQueue } from '../core/route.ts';
import { compareQueues, queueKey } from '../core/route.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

interface Held {
  processQueue: ProcessQueue;
  loop: PullLoop;
  /** The next offset to hand out; -1 until something was polled or seeked. */
  consumedOffset: number;
}

interface Batch {
  processQueue: ProcessQueue;
  messages: MessageExt[];
}

export interface LiteQueuesOptions {
  session: ConsumerSession;
  options: FilledConsumerOptions & { pullThresholdForAll: number };
  subscription: (topic: string) => SubscriptionData | undefined;
  autoCommit: boolean;
}

export class LiteQueues {
  private readonly held = new Map<string, Held>();
  private ready: Batch[] = [];
  private bufferedCount = 0;
  private wakeUps: Array<() => void> = [];
  private closed = false;

  constructor(private readonly config: LiteQueuesOptions) {}

  assignedQueues(): MessageQueue[] {
    return [...this.held.values()].map((h) => ({ ...h.processQueue.queue })).sort(compareQueues);
  }

  add(processQueue: ProcessQueue, offset: number): void {
    const key = queueKey(processQueue.queue);
    this.held.set(key, {
      processQueue,
      loop: this.newLoop(processQueue, offset),
      consumedOffset: -1,
    });
  }

  async remove(processQueue: ProcessQueue): Promise<void> {
    const key = queueKey(processQueue.queue);
    const held = this.held.get(key);
    if (held?.processQueue !== processQueue) return;
    this.held.delete(key);
    processQueue.drop();
    void held.loop.stop();
    this.forget(processQueue);
    if (this.config.autoCommit && held.consumedOffset >= 0)
      this.config.session.offsetStore.update(processQueue.queue, held.consumedOffset, false);
    await this.config.session.release(processQueue);
  }

  /** Makes the held queues equal to queues (assign mode). */
  async assign(queues: readonly MessageQueue[]): Promise<void> {
    const wanted = new Map(queues.map((q) => [queueKey(q), q]));
    for (const [key, held] of [...this.held]) {
      if (!wanted.has(key)) await this.remove(held.processQueue);
    }
    await Promise.all(
      [...wanted].filter(([key]) => !this.held.has(key)).map(([, queue]) => this.start(queue)),
    );
  }

  /** Up to one batch, waiting at most timeoutMs for one to arrive. */
  async take(timeoutMs: number): Promise<MessageExt[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = this.next();
      if (batch) return batch;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUps.push(done);
      });
    }
  }

  /** Stores every held queue's consumed offset and persists it, awaiting the store. */
  async commit(): Promise<void> {
    const store = this.config.session.offsetStore;
    const queues: MessageQueue[] = [];
    for (const held of this.held.values()) {
      queues.push(held.processQueue.queue);
      if (held.consumedOffset >= 0)
        store.update(held.processQueue.queue, held.consumedOffset, false);
    }
    await Promise.all(queues.map((queue) => store.persist(queue)));
  }

  seek(queue: MessageQueue, offset: number): void {
    const held = this.held.get(queueKey(queue));
    if (!held)
      throw new InvalidArgumentError(
        `seek: queue ${queue.topic}/${queue.brokerName}/${queue.queueId} is not assigned to this consumer`,
      );
    void held.loop.stop();
    held.processQueue.reset();
    this.forget(held.processQueue);
    held.consumedOffset = offset;
    held.loop = this.newLoop(held.processQueue, offset);
  }

  /** Stops every loop (optionally recording consumed offsets first); resolves when all ended. */
  stopAll(recordConsumed: boolean): Promise<void> {
    this.closed = true;
    const ended: Array<Promise<void>> = [];
    for (const held of this.held.values()) {
      if (recordConsumed && held.consumedOffset >= 0)
        this.config.session.offsetStore.update(held.processQueue.queue, held.consumedOffset, false);
      held.processQueue.drop();
      ended.push(held.loop.stop());
    }
    this.ready = [];
    this.bufferedCount = 0;
    for (const wake of this.wakeUps.splice(0)) wake();
    return Promise.allSettled(ended).then(() => undefined);
  }

  private async start(queue: MessageQueue): Promise<void> {
    const { session, options } = this.config;
    let offset: number;
    try {
      offset = await computeStartOffset(
        {
          instance: session.instance,
          offsetStore: session.offsetStore,
          consumeFromWhere: options.consumeFromWhere,
          consumeTimestampMs: options.consumeTimestamp,
        },
        queue,
      );
    } catch (error) {
      session.logger.warn(
        { queue, err: (error as Error).message },
        'no start offset for an assigned queue, retrying in 3 s',
      );
      session.timers.later(PULL_DELAY_ON_ERROR_MS, () => void this.start(queue));
      return;
    }
    if (!this.held.has(queueKey(queue))) this.add(new ProcessQueue({ ...queue }), offset);
  }

  private next(): MessageExt[] | undefined {
    while (this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.bufferedCount -= batch.messages.length;
      const held = this.held.get(queueKey(batch.processQueue.queue));
      if (batch.processQueue.dropped || held?.processQueue !== batch.processQueue) continue;
      held.consumedOffset = batch.processQueue.remove(batch.messages);
      return batch.messages;
    }
    return undefined;
  }

  /** Drops the queue's buffered batches. */
  private forget(processQueue: ProcessQueue): void {
    const kept: Batch[] = [];
    for (const batch of this.ready) {
      if (batch.processQueue === processQueue) this.bufferedCount -= batch.messages.length;
      else kept.push(batch);
    }
    this.ready = kept;
  }

  private newLoop(processQueue: ProcessQueue, offset: number): PullLoop {
    const { session, options } = this.config;
    const maxBytes = options.pullThresholdSizeForQueueMiB * 1024 * 1024;
    return new PullLoop({
      instance: session.instance,
      group: options.group,
      logger: session.logger,
      timers: session.timers,
      offsetStore: session.offsetStore,
      processQueue,
      startOffset: offset,
      subscription: () => this.config.subscription(processQueue.queue.topic),
      pullBatchSize: options.pullBatchSize,
      commitOffsets: false,
      recordIdleOffsets: false,
      sendSubscription: true,
      isFull: (pq) =>
        pq.messageCount > options.pullThresholdForQueue ||
        pq.messageBytes > maxBytes ||
        this.bufferedCount > options.pullThresholdForAll,
      deliver: (pq, messages) => {
        this.ready.push({ processQueue: pq, messages });
        this.bufferedCount += messages.length;
        for (const wake of this.wakeUps.splice(0)) wake();
      },
      offsetMoved: (pq, nextOffset) => {
        // Start again where the broker says, keeping the queue.
        const held = this.held.get(queueKey(pq.queue));
        if (held?.processQueue !== pq) return;
        pq.reset();
        this.forget(pq);
        held.consumedOffset = nextOffset;
        held.loop = this.newLoop(pq, nextOffset);
      },
    });
  }
}
