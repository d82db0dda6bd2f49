/**
 * What push and lite-pull consumers share once started: the client instance, the offset store
 * (broker or local file by message model), the rebalancer and its schedule (at start, every
 * rebalanceIntervalMs, at once on NOTIFY_CONSUMER_IDS_CHANGED or a route change, and sooner
 * while a subscribed topic has no route yet), the periodic offset commit, and the heartbeat
 * entry describing the group. Shutdown persists offsets, leaves the group and closes.
 */
import type { Logger } from 'pino';
import { checkSqlSubscriptions } from './sql-subscription-check.ts';
import { createResponse, RequestCode, ResponseCode } from '../../remoting/index.ts';
import { consumerRunningInfo } from './running-info.ts';
import { queueKey } from '../core/route.ts';
import { ClientInstance } from '../core/client-instance.ts';
import { unregisterConsumer } from './consumer-calls.ts';
import type { FilledConsumerOptions } from './consumer-options.ts';
import type { OffsetStore } from './offset-store.ts';
import { LocalFileOffsetStore, RemoteOffsetStore } from './offset-store.ts';
import type { ProcessQueue } from './process-queue.ts';
import type { RebalanceTarget } from './rebalance.ts';
import type { QueueOffset } from './reset-offset.ts';
import { parseResetOffsetBody } from './reset-offset.ts';
import { Rebalancer } from './rebalance.ts';
import { TimerSet } from '../core/timers.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

const FIRST_MISSING_ROUTE_RETRY_MS = 500;

export interface SessionOptions {
  options: FilledConsumerOptions;
  consumeType: 'CONSUME_PASSIVELY' | 'CONSUME_ACTIVELY';
  /** The subscriptions to register and balance, by topic. */
  subscriptions: () => ReadonlyMap<string, SubscriptionData>;
  /** Whether to rebalance at all (a lite-pull consumer with assigned queues does not). */
  balanced: boolean;
  target: RebalanceTarget;
}

export class ConsumerSession {
  readonly instance: ClientInstance;
  readonly offsetStore: OffsetStore;
  readonly rebalancer: Rebalancer;
  readonly timers = new TimerSet();
  readonly logger: Logger;
  private readonly removeHeartbeat: () => void;
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  private missingRouteDelayMs = FIRST_MISSING_ROUTE_RETRY_MS;
  private closed = false;

  constructor(private readonly session: SessionOptions) {
    const { options } = session;
    this.instance = new ClientInstance(options.client);
    this.logger = this.instance.logger.child({ component: 'consumer', group: options.group });
    this.offsetStore =
      options.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(options.offsetStoreDir, this.instance.clientId, options.group)
        : new RemoteOffsetStore(this.instance, options.group);
    this.rebalancer = new Rebalancer({
      instance: this.instance,
      group: options.group,
      messageModel: options.messageModel,
      strategy: options.allocateStrategy,
      position: {
        instance: this.instance,
        offsetStore: this.offsetStore,
        consumeFromWhere: options.consumeFromWhere,
        consumeTimestampMs: options.consumeTimestamp,
      },
      logger: this.logger,
      topics: () => [...session.subscriptions().keys()],
      target: session.target,
    });
    this.removeHeartbeat = this.instance.addHeartbeatSource(() => ({
      consumerDataSet: [this.consumerData()],
    }));
  }

  /** The ConsumerData entry of the heartbeat body (REMOTING.md 8.3). */
  consumerData(): Record<string, unknown> {
    const { options, consumeType } = this.session;
    return {
      consumeFromWhere: options.consumeFromWhere,
      consumeType,
      groupName: options.group,
      messageModel: options.messageModel,
      subscriptionDataSet: [...this.session.subscriptions().values()],
      unitMode: false,
    };
  }

  async start(): Promise<void> {
    await this.offsetStore.load();
    await this.refreshRoutes();
    await checkSqlSubscriptions(
      this.instance,
      this.session.options.group,
      this.session.subscriptions().values(),
    );
    this.instance.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      if (request.extFields?.['consumerGroup'] === this.session.options.group)
        this.scheduleRebalance(0);
      return undefined;
    });
    this.instance.onRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (request) => {
      if (request.extFields?.['group'] === this.session.options.group)
        void this.resetOffsets(parseResetOffsetBody(request.body));
      return undefined;
    });
    const startedMs = Date.now();
    this.instance.onRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) => {
      if (request.extFields?.['consumerGroup'] !== this.session.options.group)
        return createResponse(request, ResponseCode.SYSTEM_ERROR, 'not a group of this client');
      return createResponse(
        request,
        ResponseCode.SUCCESS,
        undefined,
        undefined,
        this.runningInfo(startedMs),
      );
    });
    this.instance.onRouteChange((topic) => {
      if (!this.closed && this.session.subscriptions().has(topic)) {
        void this.instance.sendHeartbeats();
        this.scheduleRebalance(0);
      }
    });
    await this.instance.sendHeartbeats();
    if (this.session.balanced) await this.runRebalance();
    const interval = this.session.options.persistOffsetIntervalMs;
    this.persistTimer = setInterval(() => void this.persistOffsets(true), interval).unref();
  }

  /** ConsumerRunningInfo for GET_CONSUMER_RUNNING_INFO (admin tools, the console). */
  private runningInfo(startedMs: number): Buffer {
    const { options, consumeType } = this.session;
    const committed = new Map(
      this.offsetStore.offsets().map(({ queue, offset }) => [queueKey(queue), offset]),
    );
    return consumerRunningInfo({
      properties: {
        consumerGroup: options.group,
        messageModel: options.messageModel,
        consumeFromWhere: options.consumeFromWhere,
        namesrvAddr: options.client.namesrvAddr ?? '',
        PROP_NAMESERVER_ADDR: options.client.namesrvAddr ?? '',
        PROP_CONSUME_TYPE: consumeType,
        PROP_CLIENT_VERSION: 'ThrustMQ',
        PROP_CONSUMER_START_TIMESTAMP: String(startedMs),
      },
      subscriptions: this.session.subscriptions().values(),
      processQueues: this.rebalancer.processQueues(),
      committedOffset: (queue) => committed.get(queueKey(queue)) ?? -1,
    });
  }

  /** Route lookups for every subscribed topic; a missing route is fine (rebalance retries). */
  async refreshRoutes(): Promise<void> {
    await Promise.all(
      [...this.session.subscriptions().keys()].map((topic) =>
        this.instance.route(topic, true).catch(() => undefined),
      ),
    );
  }

  scheduleRebalance(delayMs: number): void {
    if (this.closed || !this.session.balanced) return;
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = setTimeout(() => void this.runRebalance(), delayMs).unref();
  }

  private async runRebalance(): Promise<void> {
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
    let next = this.session.options.rebalanceIntervalMs;
    try {
      const outcome = await this.rebalancer.rebalance();
      if (outcome.missingRoute) {
        next = Math.min(next, this.missingRouteDelayMs);
        this.missingRouteDelayMs = Math.min(
          this.missingRouteDelayMs * 2,
          this.session.options.rebalanceIntervalMs,
        );
      } else {
        this.missingRouteDelayMs = FIRST_MISSING_ROUTE_RETRY_MS;
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'rebalance failed');
    }
    if (!this.closed && !this.rebalanceTimer) this.scheduleRebalance(next);
  }

  /** Commits the offsets of the queues held now (one-way for the periodic task). */
  async persistOffsets(periodic: boolean): Promise<void> {
    const queues = this.session.balanced
      ? this.rebalancer.assignedQueues
      : this.offsetStore.offsets().map((entry) => entry.queue);
    try {
      if (this.offsetStore instanceof RemoteOffsetStore)
        await this.offsetStore.persistAll(queues, periodic);
      else await this.offsetStore.persistAll(queues);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'committing offsets failed');
    }
  }

  /**
   * Moves held queues to new offsets: each is dropped (its listeners' results no longer count),
   * its new offset stored and persisted, and the next rebalance takes it up again from there.
   */
  async resetOffsets(entries: readonly QueueOffset[]): Promise<void> {
    if (this.closed || !this.session.balanced || entries.length === 0) return;
    this.logger.info({ queues: entries.length }, 'resetting offsets as the broker asked');
    for (const { queue, offset } of entries) {
      const processQueue = this.rebalancer.processQueueOf(queue);
      if (!processQueue) continue;
      processQueue.drop();
      await this.rebalancer.removeQueue(processQueue, () =>
        this.offsetStore.update(queue, offset, false),
      );
    }
    this.scheduleRebalance(0);
  }

  /** Persists one queue's offset and forgets it, for a queue leaving this member. */
  async release(processQueue: ProcessQueue): Promise<void> {
    try {
      await this.offsetStore.persist(processQueue.queue);
    } catch (error) {
      this.logger.warn(
        { queue: processQueue.queue, err: (error as Error).message },
        'committing the offset of a released queue failed',
      );
    }
    this.offsetStore.remove(processQueue.queue);
  }

  /**
   * Stops rebalancing and timers (synchronously: no queue is added once this returns) and
   * resolves with the queues still held when the round in progress has ended.
   */
  stop(): Promise<ProcessQueue[]> {
    this.closed = true;
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    if (this.persistTimer) clearInterval(this.persistTimer);
    this.timers.clear();
    return this.rebalancer.stop();
  }

  /** After stop() and the consumer's own draining: final commit, leave the group, close. */
  async close(): Promise<void> {
    await this.persistOffsets(false);
    this.removeHeartbeat();
    await unregisterConsumer(this.instance, this.session.options.group);
    await this.instance.close();
  }
}
