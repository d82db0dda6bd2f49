/**
 * The lite pull consumer: the application asks for messages with poll() instead of registering
 * a listener. Queues come from subscribe() (rebalanced in the group like a push consumer) or
 * from assign() (fixed, no rebalance). A pull loop per queue fills a bounded buffer of batches;
 * poll() hands out one batch; commit() stores, for every queue, the offset after the last
 * message polled. seek() moves a queue's next pull and forgets what was buffered for it.
 */
import { ConsumerSession } from './consumer-session.ts';
import type { ConsumerBaseOptions, FilledConsumerOptions } from './consumer-options.ts';
import { parseConsumerOptions } from './consumer-options.ts';
import { getMaxOffset, getMinOffset } from './consumer-calls.ts';
import { ClientClosedError, InvalidArgumentError } from '../core/errors.ts';
import type { MessageExt } from '../core/message.ts';
import { LiteQueues } from './lite-queues.ts';
import type { MessageQueue } from '../core/route.ts';
import { queueKey } from '../core/route.ts';
import type { SubscriptionExpression } from './subscription.ts';
import { buildSubscription, validateTopic } from './subscription.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export interface LitePullConsumerOptions extends ConsumerBaseOptions {
  /** Commit what poll() returned every autoCommitIntervalMs, from within poll() (default true). */
  autoCommit?: boolean;
  /** Default 5000. */
  autoCommitIntervalMs?: number;
  /** poll()'s default timeout (default 5000). */
  pollTimeoutMs?: number;
  /** Messages buffered over all queues before pulls pause (default 10000). */
  pullThresholdForAll?: number;
}

interface FilledLiteOptions extends FilledConsumerOptions {
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  pollTimeoutMs: number;
  pullThresholdForAll: number;
}

const MAX_POLL_TIMEOUT_MS = 3_600_000;

function parseLiteOptions(options: LitePullConsumerOptions): FilledLiteOptions {
  const base = parseConsumerOptions(options);
  const int = (name: string, value: unknown, fallback: number, min: number, max: number) => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new InvalidArgumentError(
        `options.${name} must be an integer from ${min} to ${max}, got ${String(v)}`,
      );
    return v;
  };
  if (options.autoCommit !== undefined && typeof options.autoCommit !== 'boolean')
    throw new InvalidArgumentError('options.autoCommit must be a boolean');
  return {
    ...base,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: int(
      'autoCommitIntervalMs',
      options.autoCommitIntervalMs,
      5000,
      100,
      MAX_POLL_TIMEOUT_MS,
    ),
    pollTimeoutMs: int('pollTimeoutMs', options.pollTimeoutMs, 5000, 0, MAX_POLL_TIMEOUT_MS),
    pullThresholdForAll: int(
      'pullThresholdForAll',
      options.pullThresholdForAll,
      10_000,
      1,
      1_000_000,
    ),
  };
}

type Mode = 'none' | 'subscribe' | 'assign';
type State = 'created' | 'running' | 'stopped';

export class LitePullConsumer {
  private readonly options: FilledLiteOptions;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private assigned: MessageQueue[] = [];
  private mode: Mode = 'none';
  private state: State = 'created';
  private session: ConsumerSession | undefined;
  private queues: LiteQueues | undefined;
  private lastCommitMs = Date.now();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: LitePullConsumerOptions) {
    this.options = parseLiteOptions(options);
  }

  subscribe(topic: string, expression: SubscriptionExpression = '*'): void {
    this.assertOpen();
    this.setMode('subscribe');
    validateTopic(topic);
    this.subscriptions.set(topic, buildSubscription(topic, expression));
    if (this.state === 'running') this.changed();
  }

  /** Takes exactly these queues, without rebalancing; replaces an earlier assignment. */
  assign(queues: readonly MessageQueue[]): void {
    this.assertOpen();
    this.setMode('assign');
    if (!Array.isArray(queues)) throw new InvalidArgumentError('assign() takes an array of queues');
    for (const queue of queues) {
      validateTopic(queue?.topic);
      if (
        typeof queue.brokerName !== 'string' ||
        !Number.isInteger(queue.queueId) ||
        queue.queueId < 0
      )
        throw new InvalidArgumentError(`not a message queue: ${JSON.stringify(queue)}`);
    }
    const unique = new Map(queues.map((q) => [queueKey(q), { ...q }]));
    this.assigned = [...unique.values()];
    for (const topic of new Set(this.assigned.map((q) => q.topic)))
      if (!this.subscriptions.has(topic))
        this.subscriptions.set(topic, buildSubscription(topic, '*'));
    if (this.state === 'running') this.changed();
  }

  get assignedQueues(): MessageQueue[] {
    return this.queues?.assignedQueues() ?? [];
  }

  async start(): Promise<void> {
    if (this.state !== 'created' || this.starting)
      throw new InvalidArgumentError('the consumer was already started');
    if (this.mode === 'none') throw new InvalidArgumentError('subscribe() or assign() first');
    this.starting = this.startNow();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async startNow(): Promise<void> {
    const balanced = this.mode === 'subscribe';
    const session = new ConsumerSession({
      options: this.options,
      consumeType: 'CONSUME_ACTIVELY',
      subscriptions: () => this.subscriptions,
      balanced,
      target: {
        added: (pq, offset) => this.queues!.add(pq, offset),
        removed: (pq) => this.queues!.remove(pq),
      },
    });
    const queues = new LiteQueues({
      session,
      options: this.options,
      subscription: (topic) => this.subscriptions.get(topic),
      autoCommit: this.options.autoCommit,
    });
    this.session = session;
    this.queues = queues;
    try {
      await session.start();
      if (!balanced) await queues.assign(this.assigned);
    } catch (error) {
      const stopping = session.stop();
      const ended = queues.stopAll(false);
      await stopping;
      await session.close().catch(() => undefined);
      await ended;
      this.session = undefined;
      this.queues = undefined;
      throw error;
    }
    this.state = 'running';
  }

  /** The next batch that arrived within timeoutMs, or [] when none did. */
  async poll(timeoutMs = this.options.pollTimeoutMs): Promise<MessageExt[]> {
    this.assertRunning();
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_POLL_TIMEOUT_MS)
      throw new InvalidArgumentError(
        `poll timeout must be 0 to ${MAX_POLL_TIMEOUT_MS} ms, got ${timeoutMs}`,
      );
    if (
      this.options.autoCommit &&
      Date.now() - this.lastCommitMs >= this.options.autoCommitIntervalMs
    ) {
      this.lastCommitMs = Date.now();
      void this.commit().catch(() => undefined);
    }
    return this.queues!.take(timeoutMs);
  }

  /** Commits, for every held queue, the offset after the last message poll() returned. */
  async commit(): Promise<void> {
    this.assertRunning();
    this.lastCommitMs = Date.now();
    await this.queues!.commit();
  }

  /** The next poll of this (held) queue starts at offset. */
  seek(queue: MessageQueue, offset: number): void {
    this.assertRunning();
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new InvalidArgumentError(`seek offset must be a non-negative integer, got ${offset}`);
    this.queues!.seek(queue, offset);
  }

  async seekToBegin(queue: MessageQueue): Promise<void> {
    this.assertRunning();
    this.queues!.seek(queue, await getMinOffset(this.session!.instance, queue));
  }

  async seekToEnd(queue: MessageQueue): Promise<void> {
    this.assertRunning();
    this.queues!.seek(queue, await getMaxOffset(this.session!.instance, queue));
  }

  /** The group's committed offset of the queue in the offset store (-1 when none). */
  async committed(queue: MessageQueue): Promise<number> {
    this.assertRunning();
    return this.session!.offsetStore.read(queue, 'STORE');
  }

  /** Stops pulling, commits (with autoCommit), leaves the group and closes. */
  async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (this.state === 'running') {
      this.state = 'stopped';
      this.stopping = this.teardown();
    }
    this.state = 'stopped';
    await this.stopping;
  }

  private async teardown(): Promise<void> {
    const session = this.session!;
    const stopping = session.stop();
    const ended = this.queues!.stopAll(this.options.autoCommit);
    await stopping;
    await session.close().catch((error: unknown) => {
      session.logger.warn({ err: (error as Error).message }, 'closing the consumer failed');
    });
    await ended;
  }

  private changed(): void {
    const session = this.session!;
    if (this.mode === 'assign') {
      void this.queues!.assign(this.assigned).then(() => session.instance.sendHeartbeats());
      return;
    }
    void session.refreshRoutes().then(async () => {
      await session.instance.sendHeartbeats();
      session.scheduleRebalance(0);
    });
  }

  private setMode(mode: Mode): void {
    if (this.mode !== 'none' && this.mode !== mode)
      throw new InvalidArgumentError('a consumer either subscribes or assigns queues, not both');
    this.mode = mode;
  }

  private assertOpen(): void {
    if (this.state === 'stopped') throw new ClientClosedError('lite pull consumer');
  }

  private assertRunning(): void {
    if (this.state !== 'running')
      throw this.state === 'stopped'
        ? new ClientClosedError('lite pull consumer')
        : new InvalidArgumentError('start() the consumer first');
  }
}
