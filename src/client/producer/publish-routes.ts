/**
 * Where a producer may send each topic: publish queues from the topic's route, or, while the
 * name server has no route for it (code 17), from TBW102's route with each broker's queue count
 * cut to min(defaultTopicQueueNums, its TBW102 readQueueNums), as the Java producer does so a
 * broker with autoCreateTopicEnable creates the topic on first send (protocol/REMOTING.md 14.2).
 *
 * Concurrent first sends to a topic share one lookup. Routes refreshed by the ClientInstance
 * (every 30 s) are picked up on the next send; a TBW102-derived entry asks for the topic's own
 * route again every few seconds in the background, and a failed send asks for a refresh soon.
 */
import type { Logger } from 'pino';
import type { ClientInstance } from '../core/client-instance.ts';
import { NoRouteError } from '../core/errors.ts';
import type { LatencyFaultTable } from './latency-fault.ts';
import type { MessageQueue, TopicRoute } from '../core/route.ts';
import { publishQueues } from '../core/route.ts';

export const DEFAULT_TOPIC = 'TBW102';
const TOPIC_NOT_EXIST = 17;
/** How often a TBW102-derived entry looks for the topic's own route. */
const DEFAULT_ROUTE_RECHECK_MS = 5000;
/** At most one failure-triggered refresh per topic in this period. */
const FAILURE_REFRESH_MS = 1000;
/** Topics tracked per producer; beyond it new topics are looked up without being cached. */
const MAX_TOPICS = 10_000;

export interface PublishInfo {
  topic: string;
  route: TopicRoute;
  queues: MessageQueue[];
  /** True while the topic has no route of its own and TBW102's stands in. */
  fromDefault: boolean;
  checkedAtMs: number;
  /** Round-robin position; starts at random so producers spread over queues. */
  nextIndex: number;
}

export class PublishRoutes {
  readonly #client: ClientInstance;
  readonly #defaultTopicQueueNums: number;
  readonly #onNewBrokers: () => void;
  readonly #log: Logger;
  readonly #infos = new Map<string, PublishInfo>();
  readonly #loading = new Map<string, Promise<PublishInfo>>();
  readonly #refreshedAtMs = new Map<string, number>();
  readonly #knownBrokers = new Set<string>();

  constructor(client: ClientInstance, defaultTopicQueueNums: number, onNewBrokers: () => void) {
    this.#client = client;
    this.#defaultTopicQueueNums = defaultTopicQueueNums;
    this.#onNewBrokers = onNewBrokers;
    this.#log = client.logger.child({ component: 'producer-routes' });
  }

  /** The topic's publish info, from the cache when there is one. */
  info(topic: string): Promise<PublishInfo> | PublishInfo {
    const cached = this.#infos.get(topic);
    if (cached === undefined) return this.#load(topic);
    if (!cached.fromDefault) {
      const route = this.#client.cachedRoute(topic);
      if (route !== undefined && route !== cached.route) this.#replace(cached, route, false);
    } else if (Date.now() - cached.checkedAtMs > DEFAULT_ROUTE_RECHECK_MS) {
      cached.checkedAtMs = Date.now();
      this.#refreshInBackground(topic);
    }
    return cached;
  }

  /** The latest known info, without any lookup. */
  current(topic: string): PublishInfo | undefined {
    return this.#infos.get(topic);
  }

  /** Asks the name server again after a failed send, at most once a second per topic. */
  refreshSoon(topic: string): void {
    const nowMs = Date.now();
    if (nowMs - (this.#refreshedAtMs.get(topic) ?? 0) < FAILURE_REFRESH_MS) return;
    this.#refreshedAtMs.set(topic, nowMs);
    this.#refreshInBackground(topic);
  }

  #refreshInBackground(topic: string): void {
    if (this.#loading.has(topic) || this.#client.isClosed) return;
    this.#load(topic).catch((error: unknown) =>
      this.#log.debug({ topic, err: (error as Error).message }, 'route refresh failed'),
    );
  }

  #load(topic: string): Promise<PublishInfo> {
    let pending = this.#loading.get(topic);
    if (pending === undefined) {
      pending = this.#lookup(topic).finally(() => this.#loading.delete(topic));
      this.#loading.set(topic, pending);
    }
    return pending;
  }

  async #lookup(topic: string): Promise<PublishInfo> {
    const cached = this.#infos.get(topic);
    let route: TopicRoute;
    let fromDefault = false;
    try {
      route = await this.#client.route(topic, cached !== undefined);
    } catch (error) {
      if (!(error instanceof NoRouteError) || error.responseCode !== TOPIC_NOT_EXIST) throw error;
      // Keep what we have (as the Java producer keeps a route it cannot refresh): a
      // TBW102-derived entry until the topic's own route shows up.
      if (cached !== undefined) return cached;
      route = await this.#defaultRoute(topic);
      fromDefault = true;
    }
    const current = this.#infos.get(topic);
    if (current !== undefined) {
      this.#replace(current, route, fromDefault);
      return current;
    }
    const info: PublishInfo = {
      topic,
      route,
      queues: this.#queuesOf(topic, route),
      fromDefault,
      checkedAtMs: Date.now(),
      nextIndex: Math.floor(Math.random() * 0x10000),
    };
    if (this.#infos.size < MAX_TOPICS) this.#infos.set(topic, info);
    this.#noteBrokers(route);
    return info;
  }

  async #defaultRoute(topic: string): Promise<TopicRoute> {
    let template: TopicRoute;
    try {
      template = await this.#client.route(DEFAULT_TOPIC);
    } catch (error) {
      if (!(error instanceof NoRouteError)) throw error;
      throw new NoRouteError(
        `no route info of topic ${topic}: the name server knows no such topic, and no broker offers ${DEFAULT_TOPIC} for auto-creation`,
        { responseCode: TOPIC_NOT_EXIST, remark: error.remark, cause: error },
      );
    }
    return {
      brokerDatas: template.brokerDatas,
      queueDatas: template.queueDatas.map((data) => {
        const queues = Math.min(this.#defaultTopicQueueNums, data.readQueueNums);
        return { ...data, readQueueNums: queues, writeQueueNums: queues };
      }),
    };
  }

  #queuesOf(topic: string, route: TopicRoute): MessageQueue[] {
    const queues = publishQueues(topic, route);
    if (queues.length === 0)
      throw new NoRouteError(
        `topic ${topic} has no writable queue on a broker with a master (route: ${route.queueDatas.length} queue data)`,
      );
    return queues;
  }

  #replace(info: PublishInfo, route: TopicRoute, fromDefault: boolean): void {
    const queues = publishQueues(info.topic, route);
    info.checkedAtMs = Date.now();
    // An empty route (e.g. every broker just went away) keeps the last queues: sends then
    // fail and retry against real brokers instead of failing without trying.
    if (queues.length === 0) return;
    info.route = route;
    info.queues = queues;
    info.fromDefault = fromDefault;
    this.#noteBrokers(route);
  }

  #noteBrokers(route: TopicRoute): void {
    let added = false;
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs['0'];
      if (address !== undefined && !this.#knownBrokers.has(address)) {
        this.#knownBrokers.add(address);
        added = true;
      }
    }
    if (added) this.#onNewBrokers();
  }
}

/**
 * Round robin over the publish queues, preferring a broker neither tried in this send nor
 * failing recently; then one not tried; then one not failing; then any but the broker of the
 * last attempt, so retries move between brokers.
 */
export function selectQueue(
  info: PublishInfo,
  triedBrokers: readonly string[],
  faults: LatencyFaultTable,
): MessageQueue {
  const queues = info.queues;
  const start = info.nextIndex;
  info.nextIndex = (start + 1) % 0x40000000;
  const lastBroker = triedBrokers.at(-1);
  let untried: MessageQueue | undefined;
  let healthy: MessageQueue | undefined;
  let notLast: MessageQueue | undefined;
  for (let i = 0; i < queues.length; i++) {
    const queue = queues[(start + i) % queues.length]!;
    const isHealthy = faults.isAvailable(queue.brokerName);
    const isUntried = lastBroker === undefined || !triedBrokers.includes(queue.brokerName);
    if (isHealthy && isUntried) return queue;
    if (isUntried) untried ??= queue;
    if (isHealthy && queue.brokerName !== lastBroker) healthy ??= queue;
    if (queue.brokerName !== lastBroker) notLast ??= queue;
  }
  return untried ?? healthy ?? notLast ?? queues[start % queues.length]!;
}
