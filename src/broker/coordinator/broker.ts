/**
 * A ThrustMQ broker: the coordinator on this thread (network, protocol, registries, long
 * polling, name-server registration) and queue actors on worker threads that own the store
 * shards. `startBroker` is the embedding API; the CLI's `thrustmq broker` wraps it.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { ConfigError, validateConfig } from '../../common/config-schema.ts';
import { nonLocalListenReason } from '../../common/local-address.ts';
import {
  createRequest,
  RemotingClient,
  RemotingServer,
  RequestCode,
} from '../../remoting/index.ts';
import { remotingServerLimits } from '../../remoting/server-limits-config.ts';
import { ActorHost, SHARD_OFFSET_BASE } from '../actor/actor-host.ts';
import type { BrokerConfig } from '../broker-config.ts';
import {
  advertisedAddress,
  BROKER_CONFIG_SCHEMA,
  effectiveActorThreads,
  loadBrokerConfig,
  nameServerList,
} from '../broker-config.ts';
import type { BrokerContext } from './broker-context.ts';
import { checkBrokerConfigRelations } from '../config-relations.ts';
import { configErrorFromStore } from '../store-config-error.ts';
import { BrokerStats } from './broker-stats.ts';
import { ClientRegistry } from '../clients/client-registry.ts';
import type { ConsumerGroupInfo } from '../clients/client-registry.ts';
import { ipv4Bytes, MessageIdCodec } from '../message-id.ts';
import { ConsumerOffsetManager } from '../metadata/consumer-offset-manager.ts';
import { TrafficCounters } from '../metrics/traffic-counters.ts';
import { SubscriptionGroupManager } from '../metadata/subscription-group-manager.ts';
import { TopicConfigManager } from '../metadata/topic-config-manager.ts';
import { NameServerRegistrar } from './namesrv-registrar.ts';
import { registerProcessors } from '../processors/register-processors.ts';
import { SCHEDULE_TOPIC } from '../metadata/topic-config.ts';
import { PullHoldService } from './pull-hold-service.ts';
import { delayLevelsOf } from '../schedule/delay-levels.ts';
import { FilterPool } from '../filter/filter-pool.ts';
import { ScheduleService } from '../schedule/schedule-service.ts';
import { delayLevelPolicy, timerPolicy } from '../schedule/wait-policy.ts';
import { fixedStoreShards } from '../store-layout.ts';

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
  const { logger: givenLogger, ...values } = options;
  validateConfig(BROKER_CONFIG_SCHEMA, values);
  const config: BrokerConfig = { ...loadBrokerConfig([]).config, ...values };
  checkBrokerConfigRelations(config);
  await checkListenHosts(config);
  const logger =
    givenLogger ?? pino({ level: 'info', name: 'thrustmq-broker' }, pino.destination(2));
  const [port, fastPort] =
    config.listenPort === 0
      ? [await freePort(), await freePort()]
      : [config.listenPort, config.listenPort - 2];
  const brokerIp = advertisedAddress(config);
  const brokerAddress = `${brokerIp}:${port}`;
  const configDirectory = join(config.storePathRootDir, 'config');
  const storeShards = fixedStoreShards(configDirectory, config.storeShards, logger);
  const threads = effectiveActorThreads(config);
  const delayLevels = delayLevelsOf(config);

  const actorsStarting = ActorHost.start({
    threads,
    shards: storeShards,
    logger,
    logLevel: logger.level,
    // A record may take up to half a ring: room for the largest message and its headers.
    ringBytes: Math.max(16 << 20, 2 * (config.maxMessageSize + (1 << 20))),
    maxQueuedRequests: config.maxInflightSends,
    admissionUnits: config.actorAdmissionUnits,
    storeOptionsFor: (shard) => ({
      directory: join(config.storePathRootDir, 'shards', String(shard)),
      segmentSizeBytes: config.mappedFileSizeCommitLog,
      consumeQueueEntriesPerFile: Math.floor(config.mapedFileSizeConsumeQueue / 20),
      flushDiskType: config.flushDiskType as 'ASYNC_FLUSH' | 'SYNC_FLUSH',
      flushIntervalCommitLogMs: config.flushIntervalCommitLog,
      flushIntervalConsumeQueueMs: config.flushIntervalConsumeQueue,
      syncFlushTimeoutMs: config.syncFlushTimeout,
      maxMessageSizeBytes: config.maxMessageSize,
      checkCrcOnRecover: config.checkCRCOnRecover,
      storeHost: { address: brokerIp, port },
      recordOffsetBase: shard * SHARD_OFFSET_BASE,
      maxHashSlotNum: config.maxHashSlotNum,
      maxIndexNum: config.maxIndexNum,
      messageIndexEnable: config.messageIndexEnable,
      fileReservedTimeHours: config.fileReservedTime,
      deleteWhen: config.deleteWhen,
      diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
      diskSpaceWarningLevelRatio: config.diskSpaceWarningLevelRatio,
      cleanFileForciblyEnable: config.cleanFileForciblyEnable,
      diskCheckIntervalMs: config.diskCheckInterval,
      scheduleTopic: SCHEDULE_TOPIC,
      delayLevelsMs: [...delayLevels],
    }),
  }).catch((error: unknown) => {
    throw configErrorFromStore(error, config) ?? error;
  });
  // Loaded while the actor threads boot, not before: prom-client costs the main thread ~100 ms,
  // and every restart after a crash waits for the actors.
  const metricsModule = import('../metrics/metrics-endpoint.ts');
  metricsModule.catch(() => {});
  const actors = await actorsStarting;

  const topics = new TopicConfigManager({
    configDirectory,
    storeShards,
    autoCreateTopicEnable: config.autoCreateTopicEnable,
    defaultTopicQueueNums: config.defaultTopicQueueNums,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
  });
  const notifyMembersChanged = (group: ConsumerGroupInfo): void => {
    const notice = createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {
      consumerGroup: group.groupName,
    });
    for (const connection of group.channels.keys()) {
      if (!connection.closed) connection.invokeOneway(notice);
    }
  };
  const schedule = new ScheduleService({
    actors,
    topics,
    policy: delayLevelPolicy(delayLevels),
    configDirectory,
    logger,
  });
  const timers = new ScheduleService({
    actors,
    topics,
    policy: timerPolicy,
    configDirectory,
    logger,
  });
  /** Until the registrar exists, there is nobody to wait for. */
  let registration = (): Promise<void> => Promise.resolve();
  const ctx: BrokerContext = {
    config,
    logger,
    topics,
    groups: new SubscriptionGroupManager(
      configDirectory,
      config.autoCreateSubscriptionGroup,
      undefined,
      (error) => logger.error({ err: error }, 'writing subscription groups failed; kept in memory'),
    ),
    offsets: new ConsumerOffsetManager(configDirectory),
    clients: new ClientRegistry(
      config.clientChannelMaxIdleTimeSeconds * 1000,
      notifyMembersChanged,
    ),
    actors,
    messageIds: new MessageIdCodec(ipv4Bytes(brokerIp), port),
    brokerAddress,
    stats: new BrokerStats(),
    traffic: new TrafficCounters(),
    bootTimestamp: Date.now(),
    registered: () => registration(),
    filters: new FilterPool({ threads: config.filterThreads }),
    schedule,
  };
  try {
    schedule.start();
    timers.start();
  } catch (error) {
    await schedule.close();
    await actors.close();
    throw error;
  }
  const holds = new PullHoldService(config.maxHeldPulls);
  actors.onArrival((topic, queueId, maxOffset) => holds.arrived(topic, queueId, maxOffset));

  const serverOptions = {
    host: config.listenHost,
    idleTimeoutMs: config.clientChannelMaxIdleTimeSeconds * 1000,
    maxFrameBytes: config.maxMessageSize + 1024 * 1024,
    ...remotingServerLimits(config),
    logger,
  };
  const server = new RemotingServer({ ...serverOptions, port, name: 'broker' });
  registerProcessors(server, ctx, holds);
  const fastServer = new RemotingServer(
    { ...serverOptions, port: fastPort, name: 'broker-fast' },
    server.handlers,
  );
  for (const s of [server, fastServer])
    s.onConnectionClose((connection) => ctx.clients.connectionClosed(connection));
  try {
    await server.listen();
    await fastServer.listen();
  } catch (error) {
    await Promise.all([schedule.close(), timers.close()]);
    await Promise.allSettled([server.close(), fastServer.close(), actors.close()]);
    throw error;
  }

  const { startMetricsEndpoint } = await metricsModule;
  const metrics = await startMetricsEndpoint({
    ctx,
    holds,
    listenPort: port,
    servers: [server, fastServer],
  }).catch(async (error: unknown) => {
    await Promise.all([schedule.close(), timers.close()]);
    await Promise.allSettled([server.close(), fastServer.close(), actors.close()]);
    throw error;
  });

  const client = new RemotingClient({ logger });
  const registrar = new NameServerRegistrar({
    client,
    nameServers: nameServerList(config.namesrvAddr),
    topics,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerAddress,
    haServerAddress: `${brokerIp}:${port + 1}`,
    periodMs: config.registerNameServerPeriod,
    permission: () => config.brokerPermission,
    logger,
  });
  topics.onChange(() => void registrar.registerSoon());
  registration = () => registrar.registerSoon();
  await registrar.start();

  const offsetTimer = setInterval(() => {
    ctx.offsets
      .persist()
      .catch((error: unknown) => logger.error({ err: error }, 'writing consumer offsets failed'));
  }, config.flushConsumerOffsetInterval).unref();
  const clientTimer = setInterval(() => ctx.clients.expire(), CLIENT_SCAN_INTERVAL_MS).unref();

  logger.info(
    {
      address: brokerAddress,
      fastPort,
      metrics: metrics?.url,
      actorThreads: threads,
      storeShards,
      recovered: actors.reports.filter((r) => r.recoveredFromCrash).map((r) => r.shard),
    },
    'broker started',
  );

  let closing: Promise<void> | undefined;
  let stopReason: Error | undefined;
  let markStopped: (reason: Error | undefined) => void = () => {};
  const stopped = new Promise<Error | undefined>((resolve) => (markStopped = resolve));
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(offsetTimer);
      clearInterval(clientTimer);
      await registrar.stop();
      await Promise.all([schedule.close(), timers.close()]);
      holds.releaseAll();
      for (let i = 0; i < 500 && actors.inflight > 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      await Promise.allSettled([
        server.close(),
        fastServer.close(),
        metrics?.close(),
        ctx.filters.close(),
      ]);
      await actors.close();
      ctx.groups.flush();
      try {
        ctx.offsets.persistSync();
      } catch (error) {
        // Never holds the stop (a full disk): the file keeps the offsets last written.
        logger.error({ err: error }, 'writing consumer offsets at shutdown failed');
      }
      await client.close();
      logger.info({ address: brokerAddress }, 'broker stopped');
    })().finally(() => markStopped(stopReason)));
  // A dead actor stops the broker rather than being restarted in-process: what its thread held
  // (encoded but unwritten records, acks whose durability is unknown, open descriptors) died
  // with it, while crash recovery from disk is the path proven over many SIGKILLs. A broker
  // serving some shards and not others would look healthy to clients and name servers; a
  // stopped one is restarted by its supervisor and recovers every shard.
  actors.onActorDeath(({ actor, shards, error }) => {
    if (closing !== undefined) return;
    stopReason = new Error(
      `queue actor ${actor} (shards ${shards.join(', ')}) died: ${error.message}; the broker stopped`,
      { cause: error },
    );
    logger.fatal({ err: error, actor, shards }, 'queue actor died; stopping the broker');
    close().catch((failure: unknown) =>
      logger.error({ err: failure }, 'broker did not stop cleanly'),
    );
  });

  return {
    config,
    port,
    fastPort,
    address: brokerAddress,
    context: ctx,
    metricsUrl: metrics?.url,
    stopped,
    close,
  };
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
