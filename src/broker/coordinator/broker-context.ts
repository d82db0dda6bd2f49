/** What the request processors share: config, metadata, registries and the actors. */
import type { Logger } from 'pino';
import type { ActorHost } from '../actor/actor-host.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { ConsumerOffsetManager } from '../metadata/consumer-offset-manager.ts';
import type { SubscriptionGroupManager } from '../metadata/subscription-group-manager.ts';
import type { TopicConfigManager } from '../metadata/topic-config-manager.ts';
import type { ScheduleService } from '../schedule/schedule-service.ts';
import type { BrokerStats } from './broker-stats.ts';
import type { TrafficCounters } from '../metrics/traffic-counters.ts';
import type { MessageIdCodec } from '../../protocol/message-id.ts';
import type { Replication } from '../ha/replication.ts';

export interface BrokerContext {
  config: BrokerConfig;
  logger: Logger;
  topics: TopicConfigManager;
  groups: SubscriptionGroupManager;
  offsets: ConsumerOffsetManager;
  clients: ClientRegistry;
  actors: ActorHost;
  messageIds: MessageIdCodec;
  /** brokerIP1:listenPort, as advertised in routes. */
  brokerAddress: string;
  stats: BrokerStats;
  /** Per-topic counts for /metrics, read only at scrape time. */
  traffic: TrafficCounters;
  /** Delivers delayed messages; its offsets answer GET_ALL_DELAY_OFFSET. */
  schedule: ScheduleService;
  bootTimestamp: number;
  /** Evaluates SQL92 subscriptions over pull results (piscina workers). */
  /** Settles when the name servers have the current topics (or registration gave up). */
  registered(): Promise<void>;
  /** Master/slave replication, once started (ha/replication.ts). */
  replication?: Replication;
}
