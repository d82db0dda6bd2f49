/**
 * What the coordinator builds once the actors run: metadata managers, registries, the delay and
 * timer services, and the context every request processor shares.
 */
import type { Logger } from 'pino';
import { createRequest, RequestCode } from '../../remoting/index.ts';
import type { ActorHost } from '../actor/actor-host.ts';
import type { BrokerConfig } from '../broker-config.ts';
import { ClientRegistry } from '../clients/client-registry.ts';
import type { ConsumerGroupInfo } from '../clients/client-registry.ts';
import { ipv4Bytes } from '../message-id.ts';
import { ConsumerOffsetManager } from '../metadata/consumer-offset-manager.ts';
import { SubscriptionGroupManager } from '../metadata/subscription-group-manager.ts';
import { TopicConfigManager } from '../metadata/topic-config-manager.ts';
import { TrafficCounters } from '../metrics/traffic-counters.ts';
import { ScheduleService } from '../schedule/schedule-service.ts';
import { delayLevelPolicy, timerPolicy } from '../schedule/wait-policy.ts';
import type { BrokerContext } from './broker-context.ts';
import { BrokerStats } from './broker-stats.ts';
import { MessageIdCodec } from '../../protocol/message-id.ts';

export interface BrokerIdentity {
  brokerIp: string;
  port: number;
  /** brokerIP1:port, as advertised. */
  brokerAddress: string;
  configDirectory: string;
  storeShards: number;
  delayLevels: readonly number[];
}

export interface BrokerServices {
  ctx: BrokerContext;
  /** The timer-message wheel (the delay levels' service is ctx.schedule). */
  timers: ScheduleService;
  /** Makes ctx.registered() wait for the registrar, once there is one. */
  setRegistration(registration: () => Promise<void>): void;
}

/** Builds the services and starts the delay and timer schedules; on failure closes the actors. */
export async function startBrokerServices(
  config: BrokerConfig,
  identity: BrokerIdentity,
  actors: ActorHost,
  logger: Logger,
): Promise<BrokerServices> {
  const { configDirectory } = identity;
  const topics = new TopicConfigManager({
    configDirectory,
    storeShards: identity.storeShards,
    autoCreateTopicEnable: config.autoCreateTopicEnable,
    defaultTopicQueueNums: config.defaultTopicQueueNums,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    ...(config.traceTopicEnable ? { traceTopic: config.msgTraceTopicName } : {}),
  });
  const scheduleOptions = { actors, topics, configDirectory, logger };
  const schedule = new ScheduleService({
    ...scheduleOptions,
    policy: delayLevelPolicy(identity.delayLevels),
  });
  const timers = new ScheduleService({ ...scheduleOptions, policy: timerPolicy });
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
    messageIds: new MessageIdCodec(ipv4Bytes(identity.brokerIp), identity.port),
    brokerAddress: identity.brokerAddress,
    stats: new BrokerStats(),
    traffic: new TrafficCounters(),
    bootTimestamp: Date.now(),
    registered: () => registration(),
    schedule,
  };
  try {
    // A slave's log is its master's copy: delayed messages are the master's to deliver.
    if (config.brokerRole !== 'SLAVE') {
      schedule.start();
      timers.start();
    }
  } catch (error) {
    await schedule.close();
    await actors.close();
    throw error;
  }
  return { ctx, timers, setRegistration: (next) => (registration = next) };
}

/** NOTIFY_CONSUMER_IDS_CHANGED to every member, so each rebalances at once. */
function notifyMembersChanged(group: ConsumerGroupInfo): void {
  const notice = createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {
    consumerGroup: group.groupName,
  });
  for (const connection of group.channels.keys()) {
    if (!connection.closed) connection.invokeOneway(notice);
  }
}
