/**
 * A ThrustMQ broker: the coordinator on this thread (network, protocol, registries, long
 * polling, name-server registration) and queue actors on worker threads that own the store
 * shards. `startBroker` is the embedding API; the CLI's `thrustmq broker` wraps it.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { checkRelations, configFromValues, ConfigError } from '../../common/config-schema.ts';
import { nonLocalListenReason } from '../../common/local-address.ts';
import { RemotingClient, RemotingServer } from '../../remoting/index.ts';
import { remotingServerLimits } from '../../remoting/server-limits-config.ts';
import { ActorHost } from '../actor/actor-host.ts';
import type { BrokerConfig } from '../broker-config.ts';
import {
  advertisedAddress,
  BROKER_CONFIG_TABLE,
  effectiveActorThreads,
  loadBrokerConfig,
  nameServerList,
} from '../broker-config.ts';
import { registerProcessors } from '../processors/register-processors.ts';
import { delayLevelsOf } from '../schedule/delay-levels.ts';
import { configErrorFromStore } from '../store-config-error.ts';
import { fixedStoreShards } from '../store-layout.ts';
import type { BrokerContext } from './broker-context.ts';
import { startBrokerServices } from './broker-services.ts';
import type { BrokerIdentity } from './broker-services.ts';
import { brokerStop } from './broker-stop.ts';
import { NameServerRegistrar } from './namesrv-registrar.ts';
import { Replication } from '../ha/replication.ts';
import { MetadataSync } from '../slave/metadata-sync.ts';
import { PullHoldService } from './pull-hold-service.ts';
import { SAMPLE_INTERVAL_MS } from './broker-stats.ts';
import { shardStoreOptions } from './shard-store-options.ts';

export interface StartBrokerOptions extends Partial<BrokerConfig> {
  logger?: Logger;
}

export interface Broker {
  readonly config: BrokerConfig;
  /** Client port (listenPort) and the older clients' port (listenPort - 2 unless random). */
  readonly port: number;
  readonly fastPort: number;
  /** brokerIP1:port as advertised to name servers and in message ids. */
  readonly address: string;
  readonly context: BrokerContext;
  /** http://host:port/metrics (Prometheus), or undefined when metricsPort is -1. */
  readonly metricsUrl: string | undefined;
  /**
   * Settles once the broker has stopped: undefined after close(), or the reason it stopped by
   * itself (a queue actor thread died: its shards cannot be served, so the broker does not run
   * half alive; a supervisor restarts the process and crash recovery reopens the shards).
   */
  readonly stopped: Promise<Error | undefined>;
  close(): Promise<void>;
}

const CLIENT_SCAN_INTERVAL_MS = 10_000;

export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const { config, logger, port, fastPort } = await resolveStart(options);
  const identity = brokerIdentity(config, port, logger);
  const actorsStarting = startActors(config, identity, logger);
  // Loaded while the actor threads boot, not before: prom-client costs the main thread ~100 ms,
  // and every restart after a crash waits for the actors.
  const metricsModule = import('../metrics/metrics-endpoint.ts');
  metricsModule.catch(() => {});
  const actors = await actorsStarting;
  const { ctx, timers, setRegistration } = await startBrokerServices(
    config,
    identity,
    actors,
    logger,
  );
  const holds = new PullHoldService(config.maxHeldPulls);
  actors.onArrival((topic, queueId, maxOffset) => holds.arrived(topic, queueId, maxOffset));

  const servers = brokerServers(config, ctx, holds, [port, fastPort]);
  const abort = async (error: unknown): Promise<never> => {
    await Promise.all([ctx.schedule.close(), timers.close()]);
    await Promise.allSettled([...servers.map((server) => server.close()), actors.close()]);
    throw error;
  };
  for (const server of servers) await server.listen().catch(abort);
  const { startMetricsEndpoint } = await metricsModule;
  const metrics = await startMetricsEndpoint({ ctx, holds, listenPort: port, servers }).catch(
    abort,
  );

  const learned: { registrar?: NameServerRegistrar } = {};
  const replication = await startReplication(config, identity, ctx, learned).catch(abort);
  const client = new RemotingClient({ logger });
  const registrar = nameServerRegistrar(config, ctx, client, identity, replication.haPort);
  learned.registrar = registrar;
  const metadataSync = slaveMetadataSync(config, ctx, client, registrar);
  ctx.topics.onChange(() => void registrar.registerSoon());
  setRegistration(() => registrar.registerSoon());
  await registrar.start();

  const intervals = periodicTasks(config, ctx);
  logger.info(
    {
      address: identity.brokerAddress,
      fastPort,
      metrics: metrics?.url,
      actorThreads: effectiveActorThreads(config),
      storeShards: identity.storeShards,
      recovered: actors.reports.filter((r) => r.recoveredFromCrash).map((r) => r.shard),
    },
    'broker started',
  );
  const running = {
    ...{ ctx, timers, holds, servers, metrics, registrar, client, intervals, logger },
    metadataSync,
  };
  const { close, stopped } = brokerStop(running);
  const address = identity.brokerAddress;
  return {
    config,
    port,
    fastPort,
    address,
    context: ctx,
    metricsUrl: metrics?.url,
    stopped,
    close,
  };
}

/** The config with its defaults, checked; the logger; the two client ports. */
async function resolveStart(options: StartBrokerOptions): Promise<{
  config: BrokerConfig;
  logger: Logger;
  port: number;
  fastPort: number;
}> {
  const { logger: givenLogger, ...values } = options;
  const config: BrokerConfig = { ...values, ...configFromValues(BROKER_CONFIG_TABLE, values) };
  checkRelations(BROKER_CONFIG_TABLE, config);
  await checkListenHosts(config);
  const logger =
    givenLogger ?? pino({ level: 'info', name: 'thrustmq-broker' }, pino.destination(2));
  const [port, fastPort] =
    config.listenPort === 0
      ? [await freePort(), await freePort()]
      : [config.listenPort, config.listenPort - 2];
  return { config, logger, port, fastPort };
}

function startActors(
  config: BrokerConfig,
  identity: BrokerIdentity,
  logger: Logger,
): Promise<ActorHost> {
  return ActorHost.start({
    threads: effectiveActorThreads(config),
    shards: identity.storeShards,
    logger,
    logLevel: logger.level,
    // filterThreads is the broker's: shared out among the actors, each pool at least one.
    filterThreads: Math.max(1, Math.ceil(config.filterThreads / effectiveActorThreads(config))),
    // A record may take up to half a ring: room for the largest message and its headers.
    ringBytes: Math.max(16 << 20, 2 * (config.maxMessageSize + (1 << 20))),
    maxQueuedRequests: config.maxInflightSends,
    admissionUnits: config.actorAdmissionUnits,
    storeOptionsFor: storeOptionsOf(config, identity),
  }).catch((error: unknown) => {
    throw configErrorFromStore(error, config) ?? error;
  });
}

/** Replication by role (ha/replication.ts); the master's address comes from registration. */
async function startReplication(
  config: BrokerConfig,
  identity: BrokerIdentity,
  ctx: BrokerContext,
  learned: { registrar?: NameServerRegistrar },
): Promise<{ haPort: number }> {
  const replication = new Replication({
    config,
    actors: ctx.actors,
    shards: identity.storeShards,
    storeOptionsFor: storeOptionsOf(config, identity),
    brokerAddress: identity.brokerAddress,
    learnedMasterHaAddress: () => learned.registrar?.masterHaAddress,
    logger: ctx.logger,
  });
  ctx.replication = replication;
  return { haPort: (await replication.start()) ?? 0 };
}

/** A slave's copy of its master's topics, groups and offsets (slave/metadata-sync.ts). */
function slaveMetadataSync(
  config: BrokerConfig,
  ctx: BrokerContext,
  client: RemotingClient,
  registrar: NameServerRegistrar,
): MetadataSync | undefined {
  if (config.brokerRole !== 'SLAVE') return undefined;
  const sync = new MetadataSync({
    ctx,
    client,
    periodMs: config.haMetadataSyncInterval,
    masterAddress: () => registrar.masterAddress ?? staticMasterAddress(config),
    logger: ctx.logger.child({ component: 'metadata-sync' }),
  });
  sync.start();
  return sync;
}

/** With haMasterAddress set: the master's client port is the one below its HA port. */
function staticMasterAddress(config: BrokerConfig): string | undefined {
  const at = config.haMasterAddress.lastIndexOf(':');
  if (at < 0) return undefined;
  return `${config.haMasterAddress.slice(0, at)}:${Number(config.haMasterAddress.slice(at + 1)) - 1}`;
}

function storeOptionsOf(config: BrokerConfig, identity: BrokerIdentity) {
  return shardStoreOptions(
    config,
    { address: identity.brokerIp, port: identity.port },
    identity.delayLevels,
  );
}

/** Offsets written every flushConsumerOffsetInterval; idle clients expired. */
function periodicTasks(config: BrokerConfig, ctx: BrokerContext): NodeJS.Timeout[] {
  return [
    setInterval(() => {
      ctx.offsets
        .persist()
        .catch((error: unknown) =>
          ctx.logger.error({ err: error }, 'writing consumer offsets failed'),
        );
    }, config.flushConsumerOffsetInterval).unref(),
    setInterval(() => ctx.clients.expire(), CLIENT_SCAN_INTERVAL_MS).unref(),
    setInterval(() => ctx.stats.sample(), SAMPLE_INTERVAL_MS).unref(),
  ];
}

function brokerIdentity(config: BrokerConfig, port: number, logger: Logger): BrokerIdentity {
  const brokerIp = advertisedAddress(config);
  const configDirectory = join(config.storePathRootDir, 'config');
  return {
    brokerIp,
    port,
    brokerAddress: `${brokerIp}:${port}`,
    configDirectory,
    storeShards: fixedStoreShards(configDirectory, config.storeShards, logger),
    delayLevels: delayLevelsOf(config),
  };
}

/** The client port's server and the older clients' port, sharing one handler table. */
function brokerServers(
  config: BrokerConfig,
  ctx: BrokerContext,
  holds: PullHoldService,
  [port, fastPort]: [number, number],
): RemotingServer[] {
  const serverOptions = {
    host: config.listenHost,
    idleTimeoutMs: config.clientChannelMaxIdleTimeSeconds * 1000,
    maxFrameBytes: config.maxMessageSize + 1024 * 1024,
    ...remotingServerLimits(config),
    logger: ctx.logger,
  };
  const server = new RemotingServer({ ...serverOptions, port, name: 'broker' });
  registerProcessors(server, ctx, holds);
  const fastServer = new RemotingServer(
    { ...serverOptions, port: fastPort, name: 'broker-fast' },
    server.handlers,
  );
  for (const s of [server, fastServer])
    s.onConnectionClose((connection) => ctx.clients.connectionClosed(connection));
  return [server, fastServer];
}

function nameServerRegistrar(
  config: BrokerConfig,
  ctx: BrokerContext,
  client: RemotingClient,
  identity: BrokerIdentity,
  haListenPort: number,
): NameServerRegistrar {
  return new NameServerRegistrar({
    client,
    nameServers: nameServerList(config.namesrvAddr),
    topics: ctx.topics,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerAddress: ctx.brokerAddress,
    haServerAddress: `${config.brokerIP2 || identity.brokerIp}:${haListenPort || identity.port + 1}`,
    periodMs: config.registerNameServerPeriod,
    permission: () => config.brokerPermission,
    logger: ctx.logger,
  });
}

/** listenHost (and metricsHost) must be addresses of this machine, or names resolving to one. */
async function checkListenHosts(config: BrokerConfig): Promise<void> {
  for (const key of ['listenHost', 'metricsHost'] as const) {
    const host = config[key];
    const reason = await nonLocalListenReason(host);
    if (reason === undefined) continue;
    throw new ConfigError(
      key,
      `invalid value for ${key}: '${host}' (${reason}; allowed: an address of this machine, 0.0.0.0 or ::)`,
    );
  }
}

export { loadBrokerConfig };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
