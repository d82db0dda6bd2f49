/**
 * The broker's Prometheus metrics (RocketMQ-exporter-like names with a thrustmq_ prefix). Every
 * value is read lazily at scrape time: counters the processors keep in TrafficCounters, the
 * actors' ring usage, and flush figures and max offsets asked of the actors over their control
 * plane (one call per actor or shard per scrape, never per message).
 */
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ShardFlushMetrics } from '../actor/actor-control.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { logLoss } from '../../common/log-loss.ts';
import { packageVersion } from '../../common/package-version.ts';
import { registerActorMetrics } from './actor-metrics.ts';
import { consumerLag } from './consumer-lag.ts';
import { registerRemotingMetrics } from './remoting-metrics.ts';
import { registerReplicationMetrics } from './replication-metrics.ts';
import { registerStoreMetrics } from './store-metrics.ts';
import { registerTrafficMetrics } from './traffic-metrics.ts';
import type { RemotingServerView } from './remoting-metrics.ts';
import type { TrafficCounters } from './traffic-counters.ts';

/** Actor calls slower than this are skipped for the scrape (their series are left out). */
const ACTOR_CALL_TIMEOUT_MS = 5000;

export interface BrokerMetricsSources {
  ctx: Pick<
    BrokerContext,
    'config' | 'groups' | 'offsets' | 'topics' | 'actors' | 'brokerAddress' | 'replication'
  >;
  traffic: TrafficCounters;
  /** Pulls held for long polling right now. */
  heldPulls: () => number;
  /** The broker's remoting servers, for what their limits refused. */
  servers?: readonly RemotingServerView[];
  logger: Logger;
}

export interface BrokerMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The text exposition of every metric, read now. */
  render(): Promise<string>;
}

export function createBrokerMetrics(sources: BrokerMetricsSources): BrokerMetrics {
  const { ctx, traffic, logger } = sources;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let flush: ShardFlushMetrics[] = [];
  registerIdentity(registry, ctx);
  registerTrafficMetrics(registry, traffic, sources.heldPulls);
  registerStoreMetrics(registry, () => flush);
  registerConsumerLag(registry, ctx, logger);
  registerActorMetrics(registry, ctx.actors);
  registerLogLoss(registry);
  registerRemotingMetrics(registry, sources.servers ?? []);
  registerReplicationMetrics(registry, () => ctx.replication);

  const readFlush = async (): Promise<ShardFlushMetrics[]> => {
    const perActor = await Promise.all(
      ctx.actors.controls().map((control) =>
        withTimeout(Promise.resolve(control.flushMetrics()), 'reading flush metrics').catch(
          (error: unknown) => {
            logger.warn(
              { err: error },
              'metrics: an actor’s flush figures left out of this scrape',
            );
            return [];
          },
        ),
      ),
    );
    return perActor.flat();
  };

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      flush = await readFlush();
      return registry.metrics();
    },
  };
}

function registerIdentity(registry: Registry, ctx: BrokerMetricsSources['ctx']): void {
  const registers = [registry];
  new Gauge({
    name: 'thrustmq_broker_info',
    help: 'Broker identity; the value is always 1.',
    labelNames: ['cluster', 'broker', 'broker_id', 'address', 'version'],
    registers,
  }).set(
    {
      cluster: ctx.config.brokerClusterName,
      broker: ctx.config.brokerName,
      broker_id: String(ctx.config.brokerId),
      address: ctx.brokerAddress,
      version: packageVersion(),
    },
    1,
  );
}

function registerConsumerLag(
  registry: Registry,
  ctx: BrokerMetricsSources['ctx'],
  logger: Logger,
): void {
  const registers = [registry];
  new Gauge({
    name: 'thrustmq_consumer_lag',
    help: 'Messages not yet consumed (max offset - committed offset over the queues), by group and topic.',
    labelNames: ['group', 'topic'],
    registers,
    async collect() {
      this.reset();
      const series = await withTimeout(consumerLag(ctx), 'reading max offsets').catch(
        (error: unknown) => {
          logger.warn({ err: error }, 'metrics: consumer lag left out of this scrape');
          return [];
        },
      );
      for (const { group, topic, lag } of series) this.set({ group, topic }, lag);
    },
  });
}

function registerLogLoss(registry: Registry): void {
  const registers = [registry];
  new Counter({
    name: 'thrustmq_log_lines_dropped_total',
    help: 'Log lines not written to the log file because it could not take them (a full disk).',
    registers,
    collect() {
      this.reset();
      this.inc(logLoss().droppedLines);
    },
  });
  new Counter({
    name: 'thrustmq_log_write_errors_total',
    help: 'Failed writes to the log file (their lines stay buffered and are retried).',
    registers,
    collect() {
      this.reset();
      this.inc(logLoss().writeErrors);
    },
  });
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${ACTOR_CALL_TIMEOUT_MS} ms`)),
      ACTOR_CALL_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
