/**
 * Admin operations over the RocketMQ admin requests, as mqadmin and the console use them:
 * topics (create on every master of a cluster or one broker, delete, list, route, stats),
 * cluster info, consumer progress (per queue: broker offset, consumer offset, lag) and resetting
 * a group's offsets to a time, who is connected as a group (admin-connections.ts), and a
 * group's dead letters (admin-dlq.ts, admin-dlq-resend.ts), group configs (admin-groups.ts),
 * broker status and config (admin-broker.ts) and message lookups and reads (admin-messages.ts).
 */
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClientConnection, ConsumerConnection } from './admin-connections.ts';
import { consumerConnection, producerConnection } from './admin-connections.ts';
import type { DeadLetter, DeadLettersOptions } from './admin-dlq.ts';
import { listDeadLetters } from './admin-dlq.ts';
import type { ResendDeadLetterOptions } from './admin-dlq-resend.ts';
import { resendDeadLetter } from './admin-dlq-resend.ts';
import type { BrokerEntry } from './admin-broker.ts';
import {
  brokerConfig,
  brokerRuntimeInfo,
  brokersOf,
  haStatus,
  updateBrokerConfig,
} from './admin-broker.ts';
import type { HaStatus } from './admin-broker.ts';
import type { BrokerTarget, SubscriptionGroupSettings } from './admin-groups.ts';
import * as groups from './admin-groups.ts';
import type { QueryByKeyOptions, QueueRead, ReadMessagesOptions } from './admin-messages.ts';
import * as messages from './admin-messages.ts';
import type { ClientOptions } from '../core/client-instance.ts';
import { ClientInstance } from '../core/client-instance.ts';
import { errorFromResponse, InvalidArgumentError, NoRouteError } from '../core/errors.ts';
import type { BrokerData, MessageQueue, TopicRoute } from '../core/route.ts';
import { compareQueues } from '../core/route.ts';
import { updateConsumerOffset } from '../consumer/consumer-calls.ts';
import type { MessageExt } from '../core/message.ts';
import type { SendResult } from '../producer/send-result.ts';
import { validateTopic } from '../consumer/subscription.ts';
import { type ConsumerRunningInfo, consumerRunningInfo } from './admin-running-info.ts';
import type { SubscriptionGroupConfig } from '../../protocol/wire-types.ts';

export interface CreateTopicOptions {
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
  order?: boolean;
  /** Create on every master of this cluster... */
  clusterName?: string;
  /** ...or on this one broker ("host:port"). */
  brokerAddress?: string;
}

export interface ClusterInfo {
  brokers: Record<string, BrokerData>;
  clusters: Record<string, string[]>;
}

export interface QueueStats extends MessageQueue {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface QueueProgress extends MessageQueue {
  brokerOffset: number;
  consumerOffset: number;
  lag: number;
  lastTimestamp: number;
}

export class Admin {
  private readonly client: ClientInstance;

  constructor(options: ClientOptions = {}) {
    this.client = new ClientInstance(options);
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const response = await this.client.invokeNameServer(
      createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
      'cluster info',
    );
    const body = this.bodyOf(response, 'name server', 'cluster info') as {
      brokerAddrTable?: Record<string, BrokerData>;
      clusterAddrTable?: Record<string, string[]>;
    };
    return { brokers: body.brokerAddrTable ?? {}, clusters: body.clusterAddrTable ?? {} };
  }

  async createTopic(topic: string, options: CreateTopicOptions = {}): Promise<string[]> {
    validateTopic(topic);
    const readQueueNums = options.readQueueNums ?? 8;
    const writeQueueNums = options.writeQueueNums ?? readQueueNums;
    const addresses = options.brokerAddress
      ? [options.brokerAddress]
      : await this.masters(options.clusterName);
    const extFields = {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: String(readQueueNums),
      writeQueueNums: String(writeQueueNums),
      perm: String(options.perm ?? 6),
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: String(options.order ?? false),
    };
    for (const address of addresses) {
      const response = await this.client.invokeBroker(
        address,
        createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, extFields),
        'create topic',
      );
      if (response.code !== ResponseCode.SUCCESS)
        throw errorFromResponse(response.code, response.remark, address, `create topic ${topic}`);
    }
    return addresses;
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    for (const address of await this.masters(clusterName)) {
      const response = await this.client.invokeBroker(
        address,
        createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { topic }),
        'delete topic',
      );
      if (response.code !== ResponseCode.SUCCESS)
        throw errorFromResponse(response.code, response.remark, address, `delete topic ${topic}`);
    }
    const extFields: Record<string, string> = { topic };
    if (clusterName) extFields['clusterName'] = clusterName;
    const response = await this.client.invokeNameServer(
      createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, extFields),
      'delete topic',
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw errorFromResponse(
        response.code,
        response.remark,
        'name server',
        `delete topic ${topic}`,
      );
  }

  async topicList(): Promise<string[]> {
    const response = await this.client.invokeNameServer(
      createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
      'topic list',
    );
    const body = this.bodyOf(response, 'name server', 'topic list') as { topicList?: string[] };
    return [...(body.topicList ?? [])].sort();
  }

  topicRoute(topic: string): Promise<TopicRoute> {
    return this.client.route(topic, true);
  }

  async topicStats(topic: string): Promise<QueueStats[]> {
    const route = await this.client.route(topic, true);
    const stats: QueueStats[] = [];
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs['0'];
      if (!address) continue;
      const response = await this.client.invokeBroker(
        address,
        createRequest(RequestCode.GET_TOPIC_STATS_INFO, { topic }),
        'topic stats',
      );
      const body = this.bodyOf(response, address, `stats of topic ${topic}`) as {
        offsetTable?: Record<
          string,
          { minOffset: number; maxOffset: number; lastUpdateTimestamp: number }
        >;
      };
      for (const [key, value] of Object.entries(body.offsetTable ?? {})) {
        stats.push({
          ...queueOf(key),
          minOffset: Number(value.minOffset),
          maxOffset: Number(value.maxOffset),
          lastUpdateTimestamp: Number(value.lastUpdateTimestamp),
        });
      }
    }
    return stats.sort(compareQueues);
  }

  /** Per queue of every topic the group consumes (or just topic): offsets and lag. */
  async consumerProgress(group: string, topic?: string): Promise<QueueProgress[]> {
    const addresses = new Set<string>();
    for (const candidate of [`%RETRY%${group}`, topic].filter(
      (t): t is string => t !== undefined,
    )) {
      try {
        const route = await this.client.route(candidate, true);
        for (const broker of route.brokerDatas)
          if (broker.brokerAddrs['0']) addresses.add(broker.brokerAddrs['0']);
      } catch (error) {
        if (!(error instanceof NoRouteError)) throw error;
      }
    }
    if (addresses.size === 0) for (const address of await this.masters()) addresses.add(address);
    const progress: QueueProgress[] = [];
    for (const address of addresses) {
      const extFields: Record<string, string> = { consumerGroup: group };
      if (topic) extFields['topic'] = topic;
      const response = await this.client.invokeBroker(
        address,
        createRequest(RequestCode.GET_CONSUME_STATS, extFields),
        'consume stats',
      );
      const body = this.bodyOf(response, address, `progress of group ${group}`) as {
        offsetTable?: Record<
          string,
          { brokerOffset: number; consumerOffset: number; lastTimestamp: number }
        >;
      };
      for (const [key, value] of Object.entries(body.offsetTable ?? {})) {
        const brokerOffset = Number(value.brokerOffset);
        const consumerOffset = Number(value.consumerOffset);
        progress.push({
          ...queueOf(key),
          brokerOffset,
          consumerOffset,
          lag: Math.max(0, brokerOffset - consumerOffset),
          lastTimestamp: Number(value.lastTimestamp),
        });
      }
    }
    return progress.sort(compareQueues);
  }

  /**
   * Moves the group's offsets of topic to the first message stored at or after timestampMs
   * (-1: the end) on every master of the topic; the running members pick them up. Without
   * force a queue only moves back. Fails with responseCode 206 when no member is online.
   */
  async resetOffsetByTime(
    group: string,
    topic: string,
    timestampMs: number,
    options: { force?: boolean; onBroker?: (done: number, total: number) => void } = {},
  ): Promise<Array<MessageQueue & { offset: number }>> {
    if (!Number.isSafeInteger(timestampMs) || timestampMs < -1)
      throw new InvalidArgumentError(`timestamp ${timestampMs} must be -1 or a time in ms`);
    const route = await this.client.route(topic, true);
    const extFields = {
      topic,
      group,
      timestamp: String(timestampMs),
      isForce: String(options.force ?? true),
    };
    const result: Array<MessageQueue & { offset: number }> = [];
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs['0'];
      if (!address) continue;
      const response = await this.client.invokeBroker(
        address,
        createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, extFields),
        'reset offset',
      );
      const body = this.bodyOf(response, address, `reset offsets of group ${group}`) as {
        offsetTable?: Record<string, number>;
      };
      for (const [key, offset] of Object.entries(body.offsetTable ?? {}))
        result.push({ ...queueOf(key), offset: Number(offset) });
      options.onBroker?.(route.brokerDatas.indexOf(broker) + 1, route.brokerDatas.length);
    }
    return result.sort(compareQueues);
  }

  /** A group's live consumers and subscriptions over every master (GroupNotOnlineError if none). */
  consumerConnection(group: string): Promise<ConsumerConnection> {
    return consumerConnection(this.client, () => this.masters(), group);
  }

  /** One consumer's running state: settings, subscriptions and per-queue process state. */
  consumerRunningInfo(group: string, clientId: string): Promise<ConsumerRunningInfo> {
    return consumerRunningInfo(this.client, () => this.masters(), group, clientId);
  }

  /** The group's producers connected to the masters serving topic. */
  producerConnection(group: string, topic: string): Promise<ClientConnection[]> {
    return producerConnection(this.client, group, topic);
  }

  /** Messages of %DLQ%<group> on every broker, read without moving any offset. */
  deadLetters(group: string, options?: DeadLettersOptions): Promise<DeadLetter[]> {
    return listDeadLetters(this.client, group, options);
  }

  /** Sends one dead letter (by msgId or DLQ offset) to be consumed again. */
  resendDeadLetter(
    group: string,
    msgIdOrOffset: string | number,
    options?: ResendDeadLetterOptions,
  ): Promise<SendResult> {
    return resendDeadLetter(this.client, group, msgIdOrOffset, options);
  }

  /** Every broker (masters and slaves) of the cluster, or of all clusters. */
  async brokers(clusterName?: string): Promise<BrokerEntry[]> {
    return brokersOf(await this.clusterInfo(), clusterName);
  }

  /** A broker's replication: each slave shard link (master) or its link to the master (slave). */
  haStatus(brokerAddress: string): Promise<HaStatus> {
    return haStatus(this.client, brokerAddress);
  }

  brokerStatus(brokerAddress: string): Promise<Record<string, string>> {
    return brokerRuntimeInfo(this.client, brokerAddress);
  }

  getBrokerConfig(brokerAddress: string): Promise<Record<string, string>> {
    return brokerConfig(this.client, brokerAddress);
  }

  /** Changes run-time keys on one broker (in memory there; see broker-config-processor.ts). */
  updateBrokerConfig(brokerAddress: string, changes: Record<string, string>): Promise<void> {
    return updateBrokerConfig(this.client, brokerAddress, changes);
  }

  /** Creates or replaces the group's config on the target brokers; returns their addresses. */
  async updateSubGroup(
    group: string,
    settings: SubscriptionGroupSettings & BrokerTarget = {},
  ): Promise<string[]> {
    const { clusterName, brokerAddress, ...rest } = settings;
    const config = groups.subscriptionGroupOf(group, rest);
    const addresses = brokerAddress ? [brokerAddress] : await this.masters(clusterName);
    await groups.updateSubscriptionGroup(this.client, addresses, config);
    return addresses;
  }

  async deleteSubGroup(
    group: string,
    target: BrokerTarget & { removeOffset?: boolean } = {},
  ): Promise<string[]> {
    const addresses = target.brokerAddress
      ? [target.brokerAddress]
      : await this.masters(target.clusterName);
    await groups.deleteSubscriptionGroup(this.client, addresses, group, !!target.removeOffset);
    return addresses;
  }

  subscriptionGroups(brokerAddress: string): Promise<SubscriptionGroupConfig[]> {
    return groups.subscriptionGroups(this.client, brokerAddress);
  }

  queryMsgById(msgId: string, topic?: string): Promise<MessageExt[]> {
    return messages.queryMessagesById(this.client, msgId, topic);
  }

  queryMsgByKey(topic: string, key: string, options?: QueryByKeyOptions): Promise<MessageExt[]> {
    return messages.queryMessagesByKey(this.client, topic, key, options);
  }

  queryMsgByOffset(queue: MessageQueue, queueOffset: number): Promise<MessageExt | undefined> {
    return messages.messageAtOffset(this.client, queue, queueOffset);
  }

  /** Reads stored messages queue by queue without committing (admin-messages.ts). */
  readMessages(topic: string, options?: ReadMessagesOptions): AsyncGenerator<QueueRead> {
    return messages.readMessages(this.client, topic, options);
  }

  /** Commits the group's offset of one queue. */
  commitOffset(group: string, queue: MessageQueue, offset: number): Promise<void> {
    return updateConsumerOffset(this.client, group, queue, offset, false);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async masters(clusterName?: string): Promise<string[]> {
    const info = await this.clusterInfo();
    const names = clusterName ? info.clusters[clusterName] : Object.values(info.clusters).flat();
    if (!names || names.length === 0)
      throw new NoRouteError(
        clusterName
          ? `no broker in cluster ${clusterName}`
          : 'no broker registered with the name servers',
      );
    return names
      .map((name) => info.brokers[name]?.brokerAddrs['0'])
      .filter((address): address is string => address !== undefined);
  }

  private bodyOf(
    response: { code: number; remark?: string | undefined; body?: Buffer | undefined },
    address: string,
    what: string,
  ): unknown {
    if (response.code !== ResponseCode.SUCCESS)
      throw errorFromResponse(response.code, response.remark, address, what);
    return response.body ? parseLenientJson(response.body.toString('utf8')) : {};
  }
}

/** A MessageQueue from a fastjson object key (its compact JSON text). */
function queueOf(key: string): MessageQueue {
  const parsed = JSON.parse(key) as Partial<MessageQueue>;
  return {
    topic: String(parsed.topic),
    brokerName: String(parsed.brokerName),
    queueId: Number(parsed.queueId),
  };
}
