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
import { BucketHistogram } from './bucket-histogram.ts';
import { consumerLag } from './consumer-lag.ts';
import { registerRemotingMetrics } from './remoting-metrics.ts';
import type { RemotingServerView } from './remoting-metrics.ts';
import type { TrafficCounters } from './traffic-counters.ts';

/** Actor calls slower than this are skipped for the scrape (their series are left out). */
const ACTOR_CALL_TIMEOUT_MS = 5000;

export interface BrokerMetricsSources {
  ctx: Pick<BrokerContext, 'config' | 'groups' | 'offsets' | 'topics' | 'actors' | 'brokerAddress'>;
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
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  let flush: ShardFlushMetrics[] = [];

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

  const inbound = (name: string, help: string, pick: 'messages' | 'bytes'): void => {
    new Counter({
      name,
      help,
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const [topic, counts] of traffic.inboundSeries()) this.inc({ topic }, counts[pick]);
      },
    });
  };
  inbound('thrustmq_messages_in_total', 'Messages stored, by topic.', 'messages');
  inbound('thrustmq_bytes_in_total', 'Message body bytes received by sends, by topic.', 'bytes');
  const outbound = (name: string, help: string, pick: 'messages' | 'bytes'): void => {
    new Counter({
      name,
      help,
      labelNames: ['topic', 'group'],
      registers,
      collect() {
        this.reset();
        for (const [topic, group, counts] of traffic.outboundSeries())
          this.inc({ topic, group }, counts[pick]);
      },
    });
  };
  outbound(
    'thrustmq_messages_out_total',
    'Messages returned by pulls, by topic and group.',
    'messages',
  );
  outbound(
    'thrustmq_bytes_out_total',
    'Stored bytes returned by pulls, by topic and group.',
    'bytes',
  );

  new BucketHistogram({
    name: 'thrustmq_pull_latency_seconds',
    help: 'Pulls answered without a long-polling hold: request arrival to response.',
    labelNames: [],
    registry,
    read: () => [{ labels: {}, snapshot: traffic.pullLatency.snapshot() }],
  });
  new Counter({
    name: 'thrustmq_pulls_held_total',
    help: 'Pulls that found no message and were held for long polling.',
    registers,
    collect() {
      this.reset();
      this.inc(traffic.pullsHeld);
    },
  });
  new Gauge({
    name: 'thrustmq_pulls_held',
    help: 'Pulls held for long polling now.',
    registers,
    collect() {
      this.set(sources.heldPulls());
    },
  });

  new BucketHistogram({
    name: 'thrustmq_store_flush_latency_seconds',
    help: 'Commit-log write-out and fdatasync, by shard (group commit under SYNC_FLUSH, the timer under ASYNC_FLUSH).',
    labelNames: ['shard'],
    registry,
    read: () =>
      flush.flatMap(({ shard, flushLatency }) =>
        flushLatency ? [{ labels: { shard: String(shard) }, snapshot: flushLatency }] : [],
      ),
  });
  new Counter({
    name: 'thrustmq_store_flushes_total',
    help: 'Commit-log flush passes (fdatasync rounds), by shard.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, flushCount } of flush) this.inc({ shard: String(shard) }, flushCount);
    },
  });
  new Gauge({
    name: 'thrustmq_store_last_flush_seconds',
    help: 'Duration of the latest commit-log flush pass, by shard.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, lastFlushMs } of flush)
        this.set({ shard: String(shard) }, lastFlushMs / 1000);
    },
  });

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

  new Gauge({
    name: 'thrustmq_ring_occupancy_ratio',
    help: "Share of a queue actor's ring in use: request (to the actor) or response (from it).",
    labelNames: ['actor', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const usage of ctx.actors.ringUsage()) {
        const actor = String(usage.actor);
        this.set({ actor, direction: 'request' }, usage.requestBytes / usage.capacityBytes);
        this.set({ actor, direction: 'response' }, usage.responseBytes / usage.capacityBytes);
      }
    },
  });
  new Gauge({
    name: 'thrustmq_ring_queued_requests',
    help: 'Requests waiting for admission into a queue actor’s request ring (its space or actorAdmissionUnits).',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of ctx.actors.ringUsage())
        this.set({ actor: String(usage.actor) }, usage.queuedRequests);
    },
  });

  new Counter({
    name: 'thrustmq_actor_admission_deferred_total',
    help: "Requests that waited at the coordinator for admission into a queue actor's ring (actorAdmissionUnits or ring space).",
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of ctx.actors.ringUsage())
        this.inc({ actor: String(usage.actor) }, usage.deferredRequests);
    },
  });
  new Gauge({
    name: 'thrustmq_actor_admission_waiting_flows',
    help: 'Connections with requests waiting for admission into a queue actor’s ring, served in turn.',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of ctx.actors.ringUsage())
        this.set({ actor: String(usage.actor) }, usage.waitingFlows);
    },
  });

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
  new Gauge({
    name: 'thrustmq_store_disk_full',
    help: 'By shard: 1 while the store refuses writes for lack of disk space, else 0.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, diskFull } of flush)
        if (diskFull !== undefined) this.set({ shard: String(shard) }, diskFull ? 1 : 0);
    },
  });
  new Gauge({
    name: 'thrustmq_store_disk_used_ratio',
    help: "By shard: share of the store's file system in use at the last disk check.",
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const { shard, diskUsedPercent } of flush)
        if (diskUsedPercent !== undefined)
          this.set({ shard: String(shard) }, diskUsedPercent / 100);
    },
  });
  registerRemotingMetrics(registry, sources.servers ?? []);

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
