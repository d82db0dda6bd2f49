/**
 * The broker's topics (config/topics.json, RocketMQ's TopicConfigSerializeWrapper) and, for
 * each queue, the store shard that holds it for life (config/queueShards.json).
 */
import { join } from 'node:path';
import type { DataVersion } from './data-version.ts';
import { nextDataVersion } from './data-version.ts';
import { readConfigFile, writeConfigFileSync } from './config-file.ts';
import type { TopicConfig } from './topic-config.ts';
import {
  DEFAULT_TOPIC,
  newTopicConfig,
  Perm,
  queueCountOf,
  TIMER_QUEUES,
  TIMER_TOPIC,
  topicConfigFromJson,
} from './topic-config.ts';
import { SCHEDULE_TOPIC } from '../../protocol/topic-names.ts';
import { javaStringHash } from '../../protocol/java-hash.ts';

export interface TopicConfigManagerOptions {
  configDirectory: string;
  storeShards: number;
  autoCreateTopicEnable: boolean;
  defaultTopicQueueNums: number;
  clusterName: string;
  brokerName: string;
  /** The message-trace topic made at startup (traceTopicEnable), if any. */
  traceTopic?: string;
  /** Most topics held; creating more fails with a clear error. */
  maxTopics?: number;
}

const SCHEDULE_LEVELS = 18;
/** The cluster's reply topic is `<brokerClusterName>_REPLY_TOPIC`. */
export const REPLY_TOPIC_SUFFIX = '_REPLY_TOPIC';

export class TopicConfigManager {
  private readonly topics = new Map<string, TopicConfig>();
  private readonly queueShards = new Map<string, number[]>();
  private readonly options: TopicConfigManagerOptions;
  private readonly topicsPath: string;
  private readonly shardsPath: string;
  private version: DataVersion = { counter: 0, timestamp: Date.now() };
  private readonly changeListeners: Array<(topic: string) => void> = [];
  /** queueShards.json is rewritten only when an assignment was added or removed. */
  private shardsChanged = false;

  constructor(options: TopicConfigManagerOptions) {
    this.options = options;
    this.topicsPath = join(options.configDirectory, 'topics.json');
    this.shardsPath = join(options.configDirectory, 'queueShards.json');
    this.load();
    this.ensureSystemTopics();
  }

  get dataVersion(): DataVersion {
    return this.version;
  }

  onChange(listener: (topic: string) => void): void {
    this.changeListeners.push(listener);
  }

  get(topic: string): TopicConfig | undefined {
    return this.topics.get(topic);
  }

  all(): IterableIterator<TopicConfig> {
    return this.topics.values();
  }

  get size(): number {
    return this.topics.size;
  }

  /** Whether the topic exists and has a queue `queueId` (read or write). */
  hasQueue(topic: string, queueId: number): boolean {
    const config = this.topics.get(topic);
    return (
      config !== undefined &&
      Number.isInteger(queueId) &&
      queueId >= 0 &&
      queueId < queueCountOf(config)
    );
  }

  /**
   * The shard holding (topic, queueId). Shards are assigned when a topic's queues are created;
   * a queue the topic does not have (or an unknown topic) gets the shard it would be assigned,
   * computed, never stored: a request naming any queue id must not grow the table or the file.
   */
  shardOf(topic: string, queueId: number): number {
    const assigned = this.queueShards.get(topic)?.[queueId];
    if (assigned !== undefined) return assigned;
    return this.computedShard(topic, Number.isSafeInteger(queueId) ? Math.abs(queueId) : 0);
  }

  /** Creates or replaces a topic's config; returns the stored config. */
  upsert(config: TopicConfig): TopicConfig {
    const existing = this.topics.get(config.topicName);
    if (!existing && this.topics.size >= (this.options.maxTopics ?? 100_000)) {
      throw new Error(`the broker already holds ${this.topics.size} topics, the most it allows`);
    }
    const stored = { ...config };
    this.topics.set(config.topicName, stored);
    this.assignShards(config.topicName, queueCountOf(stored));
    this.changed(config.topicName);
    return stored;
  }

  delete(topic: string): boolean {
    if (!this.topics.delete(topic)) return false;
    if (this.queueShards.delete(topic)) this.shardsChanged = true;
    this.changed(topic);
    return true;
  }

  /**
   * Auto-creation on send (REMOTING.md 14.2): from a template topic with INHERIT permission,
   * with min(requested, template) queues and the template's permission minus INHERIT.
   */
  createFromTemplate(
    topic: string,
    templateName: string,
    requestedQueues: number,
  ): TopicConfig | undefined {
    const existing = this.topics.get(topic);
    if (existing) return existing;
    const template = this.topics.get(templateName);
    if (!template || (template.perm & Perm.INHERIT) === 0) return undefined;
    if (templateName === DEFAULT_TOPIC && !this.options.autoCreateTopicEnable) return undefined;
    const queues = Math.max(1, Math.min(requestedQueues, template.writeQueueNums));
    const config = newTopicConfig(topic, queues, template.perm & ~Perm.INHERIT);
    config.topicFilterType = template.topicFilterType;
    return this.upsert(config);
  }

  /** Creates a system-managed topic (retry, dead-letter) if missing. */
  ensureTopic(topic: string, queues: number, perm: number = Perm.READ | Perm.WRITE): TopicConfig {
    return this.topics.get(topic) ?? this.upsert(newTopicConfig(topic, queues, perm));
  }

  /** topics.json content in RocketMQ's form. */
  serialize(): { dataVersion: DataVersion; topicConfigTable: Record<string, TopicConfig> } {
    const table: Record<string, TopicConfig> = {};
    for (const [name, config] of this.topics) table[name] = config;
    return { dataVersion: this.version, topicConfigTable: table };
  }

  /**
   * A new data version without a topic change, for when what the broker advertises about
   * every topic changed (its permission): name servers only re-read topics of a new version.
   */
  touch(): void {
    this.changed('');
  }

  private changed(topic: string): void {
    this.version = nextDataVersion(this.version);
    this.persist();
    for (const listener of this.changeListeners) listener(topic);
  }

  /**
   * Consecutive queues of a topic go to consecutive shards, from a start that depends on the
   * topic, so one topic's queues spread over every shard and actor.
   */
  private computedShard(topic: string, queueId: number): number {
    const count = this.options.storeShards;
    const start = ((javaStringHash(topic) % count) + count) % count;
    return (start + (queueId % count)) % count;
  }

  /** Extends the topic's shard list to `queues` entries; true when it grew. */
  private assignShards(topic: string, queues: number): boolean {
    const shards = this.queueShards.get(topic) ?? [];
    const before = shards.length;
    for (let q = before; q < queues; q++) shards.push(this.computedShard(topic, q));
    this.queueShards.set(topic, shards);
    if (shards.length === before) return false;
    this.shardsChanged = true;
    return true;
  }

  private ensureSystemTopics(): void {
    const { autoCreateTopicEnable, defaultTopicQueueNums, clusterName, brokerName, traceTopic } =
      this.options;
    const rw = Perm.READ | Perm.WRITE;
    const wanted: TopicConfig[] = [
      newTopicConfig('SELF_TEST_TOPIC', 1),
      newTopicConfig('OFFSET_MOVED_EVENT', 1),
      newTopicConfig(SCHEDULE_TOPIC, SCHEDULE_LEVELS),
      newTopicConfig(TIMER_TOPIC, TIMER_QUEUES),
      newTopicConfig(clusterName, 16, Perm.INHERIT | rw),
      newTopicConfig(brokerName, 1, Perm.INHERIT | rw),
      // Where request-reply stores replies; RocketMQ makes it whatever autoCreateTopicEnable is.
      newTopicConfig(`${clusterName}${REPLY_TOPIC_SUFFIX}`, 1),
    ];
    if (traceTopic !== undefined) wanted.push(newTopicConfig(traceTopic, 1));
    if (autoCreateTopicEnable) {
      wanted.push(newTopicConfig(DEFAULT_TOPIC, defaultTopicQueueNums, Perm.INHERIT | rw));
    }
    let added = false;
    for (const config of wanted) {
      if (this.topics.has(config.topicName)) continue;
      this.topics.set(config.topicName, config);
      this.assignShards(config.topicName, queueCountOf(config));
      added = true;
    }
    if (added) {
      this.version = nextDataVersion(this.version);
      this.persist();
    }
  }

  private load(): void {
    const text = readConfigFile(this.topicsPath);
    if (text !== undefined) {
      const parsed = JSON.parse(text) as {
        dataVersion?: DataVersion;
        topicConfigTable?: Record<string, unknown>;
      };
      if (parsed.dataVersion) this.version = parsed.dataVersion;
      for (const value of Object.values(parsed.topicConfigTable ?? {})) {
        const config = topicConfigFromJson(value);
        if (config) this.topics.set(config.topicName, config);
      }
    }
    const shards = readConfigFile(this.shardsPath);
    if (shards !== undefined) {
      for (const [topic, list] of Object.entries(JSON.parse(shards) as Record<string, unknown>)) {
        const config = this.topics.get(topic);
        // Entries past a topic's queues, or for topics that do not exist, are what offset
        // requests with any queue id used to add: drop them and rewrite the file once.
        if (config === undefined || !Array.isArray(list)) {
          this.shardsChanged = true;
          continue;
        }
        const kept = list.slice(0, queueCountOf(config));
        if (kept.length < list.length) this.shardsChanged = true;
        if (!kept.every((s) => Number.isInteger(s))) continue;
        this.queueShards.set(
          topic,
          (kept as number[]).map((s) => s % this.options.storeShards),
        );
      }
    }
    for (const config of this.topics.values()) {
      this.assignShards(config.topicName, queueCountOf(config));
    }
  }

  private persist(): void {
    writeConfigFileSync(this.topicsPath, JSON.stringify(this.serialize(), null, 2));
    if (!this.shardsChanged) return;
    writeConfigFileSync(this.shardsPath, JSON.stringify(Object.fromEntries(this.queueShards)));
    this.shardsChanged = false;
  }
}
