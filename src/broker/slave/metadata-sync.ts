/**
 * A slave's copy of its master's metadata (protocol/STORE.md 10): every period (first after 3 s)
 * it fetches the topic configs, subscription groups and consumer offsets and takes them as its
 * own, as RocketMQ's SlaveSynchronize does, so that once the master is gone the slave routes and
 * serves the same topics and consumers resume where they were. Topics the master no longer has
 * are dropped; offsets are the master's, a reset included (commits taken here while the master
 * was down give way to the master's once it is back: at least once, never lost).
 */
import type { Logger } from 'pino';
import type { RemotingClient } from '../../remoting/index.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { topicConfigFromJson } from '../metadata/topic-config.ts';
import type { SubscriptionGroupConfig } from '../../protocol/wire-types.ts';

const FIRST_SYNC_MS = 3000;
const REQUEST_TIMEOUT_MS = 5000;
/** Topics kept whatever the master says: the broker's own, made at start. */
const LOCAL_TOPIC =
  /^(TBW102|SELF_TEST_TOPIC|OFFSET_MOVED_EVENT|SCHEDULE_TOPIC_XXXX|rmq_sys_|RMQ_SYS_)/;

export interface MetadataSyncOptions {
  ctx: BrokerContext;
  client: RemotingClient;
  periodMs: number;
  /** The master's client address (host:listenPort), when known. */
  masterAddress: () => string | undefined;
  logger: Logger;
}

export class MetadataSync {
  private readonly options: MetadataSyncOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastProblem = '';
  /** When the last sync finished, ms since the epoch (0: never). */
  lastSyncMs = 0;

  constructor(options: MetadataSyncOptions) {
    this.options = options;
  }

  start(): void {
    const first = setTimeout(
      () => {
        this.tick();
        this.timer = setInterval(() => this.tick(), this.options.periodMs);
        this.timer.unref();
      },
      Math.min(FIRST_SYNC_MS, this.options.periodMs),
    );
    first.unref();
    this.timer = first;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sync now (tests, and the period's tick when none runs). */
  syncOnce(): Promise<void> {
    this.running ??= this.sync().finally(() => (this.running = undefined));
    return this.running;
  }

  private tick(): void {
    void this.syncOnce().catch(() => undefined);
  }

  private async sync(): Promise<void> {
    const master = this.options.masterAddress();
    if (!master) return;
    try {
      const [topics, groups, offsets] = await Promise.all([
        this.fetch(master, RequestCode.GET_ALL_TOPIC_CONFIG),
        this.fetch(master, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
        this.fetch(master, RequestCode.GET_ALL_CONSUMER_OFFSET),
      ]);
      this.takeTopics(topics);
      this.takeGroups(groups);
      this.takeOffsets(offsets);
      this.lastSyncMs = Date.now();
      if (this.lastProblem)
        this.options.logger.info({ master }, 'metadata sync from the master resumed');
      this.lastProblem = '';
    } catch (error) {
      const problem = (error as Error).message;
      // One line per change of reason: a master that is down fails every period.
      if (problem !== this.lastProblem)
        this.options.logger.warn({ master, err: problem }, 'metadata sync from the master failed');
      this.lastProblem = problem;
    }
  }

  private async fetch(master: string, code: number): Promise<Record<string, unknown>> {
    const response = await this.options.client.invoke(
      master,
      createRequest(code),
      REQUEST_TIMEOUT_MS,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw new Error(`request ${code}: code ${response.code} ${response.remark ?? ''}`);
    const parsed = parseLenientJson(response.body?.toString('utf8') ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`request ${code}: not JSON`);
    return parsed as Record<string, unknown>;
  }

  private takeTopics(body: Record<string, unknown>): void {
    const table = (body['topicConfigTable'] ?? {}) as Record<string, unknown>;
    const topics = this.options.ctx.topics;
    const names = new Set<string>();
    for (const value of Object.values(table)) {
      const config = topicConfigFromJson(value);
      if (!config) continue;
      names.add(config.topicName);
      const mine = topics.get(config.topicName);
      if (!mine || JSON.stringify(mine) !== JSON.stringify(config)) topics.upsert(config);
    }
    for (const config of [...topics.all()])
      if (!names.has(config.topicName) && !LOCAL_TOPIC.test(config.topicName))
        topics.delete(config.topicName);
  }

  private takeGroups(body: Record<string, unknown>): void {
    const table = (body['subscriptionGroupTable'] ?? {}) as Record<string, SubscriptionGroupConfig>;
    const groups = this.options.ctx.groups;
    for (const config of Object.values(table)) {
      if (typeof config?.groupName !== 'string') continue;
      const mine = groups.get(config.groupName);
      if (!mine || JSON.stringify(mine) !== JSON.stringify({ ...mine, ...config }))
        groups.upsert(config);
    }
  }

  private takeOffsets(body: Record<string, unknown>): void {
    const table = (body['offsetTable'] ?? {}) as Record<string, Record<string, number>>;
    const offsets = this.options.ctx.offsets;
    for (const [key, queues] of Object.entries(table)) {
      const at = key.lastIndexOf('@');
      if (at <= 0 || typeof queues !== 'object' || queues === null) continue;
      const topic = key.slice(0, at);
      const group = key.slice(at + 1);
      for (const [queueId, offset] of Object.entries(queues)) {
        const id = Number(queueId);
        if (!Number.isSafeInteger(id) || typeof offset !== 'number') continue;
        if (offsets.query(group, topic, id) !== offset) offsets.commit(group, topic, id, offset);
      }
    }
  }
}
