/**
 * Producer and consumer groups known from heartbeats: which connections belong to them, what
 * each consumer group subscribes to, and when members change (REMOTING.md 11.5). Entries not
 * refreshed within the idle limit are dropped, as are those of closed connections.
 */
import type { RemotingConnection } from '../../remoting/index.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export interface ClientChannel {
  connection: RemotingConnection;
  clientId: string;
  language: string;
  version: number;
  lastUpdateMs: number;
}

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  channels: Map<RemotingConnection, ClientChannel>;
  subscriptions: Map<string, SubscriptionData>;
  lastUpdateMs: number;
}

export interface ConsumerRegistration {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: SubscriptionData[];
}

const MAX_GROUPS = 100_000;

export class ClientRegistry {
  readonly consumers = new Map<string, ConsumerGroupInfo>();
  readonly producers = new Map<string, Map<RemotingConnection, ClientChannel>>();
  private readonly idleMs: number;
  private readonly onMembersChanged: (group: ConsumerGroupInfo) => void;

  constructor(idleMs: number, onMembersChanged: (group: ConsumerGroupInfo) => void) {
    this.idleMs = idleMs;
    this.onMembersChanged = onMembersChanged;
  }

  /** Registers or refreshes a consumer; true when the group's members or topics changed. */
  registerConsumer(channel: ClientChannel, registration: ConsumerRegistration): boolean {
    let group = this.consumers.get(registration.groupName);
    if (!group) {
      if (this.consumers.size >= MAX_GROUPS) return false;
      group = {
        groupName: registration.groupName,
        consumeType: registration.consumeType,
        messageModel: registration.messageModel,
        consumeFromWhere: registration.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
        lastUpdateMs: channel.lastUpdateMs,
      };
      this.consumers.set(registration.groupName, group);
    }
    group.consumeType = registration.consumeType;
    group.messageModel = registration.messageModel;
    group.consumeFromWhere = registration.consumeFromWhere;
    group.lastUpdateMs = channel.lastUpdateMs;
    const previous = group.channels.get(channel.connection);
    const membersChanged = !previous || previous.clientId !== channel.clientId;
    group.channels.set(channel.connection, channel);
    let topicsChanged = false;
    const wanted = new Set<string>();
    for (const subscription of registration.subscriptions) {
      wanted.add(subscription.topic);
      const existing = group.subscriptions.get(subscription.topic);
      if (!existing) topicsChanged = true;
      if (!existing || existing.subVersion < subscription.subVersion) {
        group.subscriptions.set(subscription.topic, subscription);
      }
    }
    for (const topic of group.subscriptions.keys()) {
      if (!wanted.has(topic)) {
        group.subscriptions.delete(topic);
        topicsChanged = true;
      }
    }
    if (membersChanged || topicsChanged) this.onMembersChanged(group);
    return membersChanged || topicsChanged;
  }

  registerProducer(group: string, channel: ClientChannel): void {
    let channels = this.producers.get(group);
    if (!channels) {
      if (this.producers.size >= MAX_GROUPS) return;
      channels = new Map();
      this.producers.set(group, channels);
    }
    channels.set(channel.connection, channel);
  }

  unregister(connection: RemotingConnection, producerGroup?: string, consumerGroup?: string): void {
    if (producerGroup) this.removeProducer(producerGroup, connection);
    if (consumerGroup) this.removeConsumer(consumerGroup, connection);
  }

  /** The client ids of a consumer group's live members. */
  consumerIds(group: string): string[] {
    const info = this.consumers.get(group);
    if (!info) return [];
    return [...new Set([...info.channels.values()].map((channel) => channel.clientId))];
  }

  /** The live connection of one member of a consumer group, by client id. */
  consumerChannel(group: string, clientId: string): ClientChannel | undefined {
    const info = this.consumers.get(group);
    if (!info) return undefined;
    for (const channel of info.channels.values())
      if (channel.clientId === clientId && !channel.connection.closed) return channel;
    return undefined;
  }

  /** The live connection of a producer by client id, in any group (a requester awaiting replies). */
  producerChannel(clientId: string): ClientChannel | undefined {
    for (const channels of this.producers.values())
      for (const channel of channels.values())
        if (channel.clientId === clientId && !channel.connection.closed) return channel;
    return undefined;
  }

  subscription(group: string, topic: string): SubscriptionData | undefined {
    return this.consumers.get(group)?.subscriptions.get(topic);
  }

  connectionClosed(connection: RemotingConnection): void {
    for (const group of [...this.producers.keys()]) this.removeProducer(group, connection);
    for (const group of [...this.consumers.keys()]) this.removeConsumer(group, connection);
  }

  /** Drops registrations not refreshed within the idle limit. */
  expire(nowMs = Date.now()): void {
    for (const [group, channels] of this.producers) {
      for (const [connection, channel] of channels) {
        if (nowMs - channel.lastUpdateMs > this.idleMs) this.removeProducer(group, connection);
      }
    }
    for (const [group, info] of this.consumers) {
      for (const [connection, channel] of info.channels) {
        if (nowMs - channel.lastUpdateMs > this.idleMs) this.removeConsumer(group, connection);
      }
    }
  }

  private removeProducer(group: string, connection: RemotingConnection): void {
    const channels = this.producers.get(group);
    if (!channels?.delete(connection)) return;
    if (channels.size === 0) this.producers.delete(group);
  }

  private removeConsumer(group: string, connection: RemotingConnection): void {
    const info = this.consumers.get(group);
    if (!info?.channels.delete(connection)) return;
    if (info.channels.size === 0) {
      this.consumers.delete(group);
      return;
    }
    this.onMembersChanged(info);
  }
}
