/**
 * What the SDK consumer integration tests share: a real name server and broker, topics created
 * with UPDATE_AND_CREATE_TOPIC and waited for in the routes, test messages sent with raw
 * SEND_MESSAGE_V2 (tags, keys and a unique id, spread over the queues), consumers that record
 * what they receive, and reads of the group's committed offsets.
 */
import { sendMessageRequest } from '../harness/broker-requests.ts';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { MessageExt } from '../../src/client/core/message.ts';
import type {
  ConsumeResult,
  PushConsumerOptions,
} from '../../src/client/consumer/push-consumer.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import { createUniqueId } from '../../src/client/core/unique-id.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { encodeProperties } from '../../src/protocol/properties.ts';

export { waitFor };
export const silent = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
export const RUN = randomBytes(4).toString('hex');

export class ConsumerCluster {
  nameServer!: NameServerProcess;
  broker!: BrokerProcess;
  admin!: RemotingClient;
  private readonly consumers = new Set<{ shutdown(): Promise<void> }>();

  async start(): Promise<void> {
    this.nameServer = await startNameServerProcess();
    this.broker = await startBrokerProcess({ namesrvAddr: this.nameServer.address });
    this.admin = adminClient();
  }

  async stop(): Promise<void> {
    await this.shutdownConsumers();
    await this.admin?.close();
    await stopAll();
  }

  /** Tracks a consumer so a failed test still shuts it down. */
  track<T extends { shutdown(): Promise<void> }>(consumer: T): T {
    this.consumers.add(consumer);
    return consumer;
  }

  async shutdownConsumers(): Promise<void> {
    const all = [...this.consumers];
    this.consumers.clear();
    await Promise.allSettled(all.map((consumer) => consumer.shutdown()));
  }

  createTopic(topic: string, queues = 8): Promise<void> {
    return createTopic(this.admin, this.broker.address, this.nameServer.address, topic, queues);
  }

  /** count messages with key `<prefix>-<i>`, body `<prefix>-body-<i>`, queue i mod queues. */
  async send(plan: SendPlan): Promise<Sent[]> {
    const sent: Sent[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < plan.count) {
        const index = next++;
        const message: Sent = {
          key: `${plan.prefix}-${index}`,
          body: `${plan.prefix}-body-${index}`,
          tags: plan.tagOf?.(index) ?? 'TagA',
          uniqueId: createUniqueId(),
        };
        const properties = encodeProperties({
          TAGS: message.tags,
          KEYS: message.key,
          UNIQ_KEY: message.uniqueId,
          WAIT: 'true',
        });
        const response = await this.admin.invoke(
          this.broker.address,
          sendMessageRequest({
            producerGroup: 'sdk-consumer-test',
            topic: plan.topic,
            queueId: index % (plan.queues ?? 8),
            body: message.body,
            properties,
          }),
          5000,
        );
        if (response.code !== ResponseCode.SUCCESS)
          throw new Error(`send ${message.key}: ${response.code} ${response.remark}`);
        // By index, not by answer: acks of different queues may come back in any order.
        sent[index] = message;
      }
    };
    await Promise.all(Array.from({ length: plan.concurrency ?? 32 }, worker));
    return sent;
  }

  /** The group's committed offsets of the topic's queues (-1 when none). */
  async committed(topic: string, group: string, queues = 8): Promise<number[]> {
    const offsets: number[] = [];
    for (let queueId = 0; queueId < queues; queueId++) {
      const response = await this.admin.invoke(
        this.broker.address,
        createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
          topic,
          consumerGroup: group,
          queueId: String(queueId),
        }),
        3000,
      );
      offsets.push(
        response.code === ResponseCode.SUCCESS ? Number(response.extFields?.['offset']) : -1,
      );
    }
    return offsets;
  }

  /** The broker's view of the group (GET_CONSUMER_CONNECTION_LIST), as the heartbeat left it. */
  async consumerConnection(group: string): Promise<ConsumerConnection> {
    const response = await this.admin.invoke(
      this.broker.address,
      createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: group }),
      3000,
    );
    if (response.code !== ResponseCode.SUCCESS || !response.body)
      throw new Error(`consumer connections of ${group}: ${response.code} ${response.remark}`);
    return parseLenientJson(response.body.toString('utf8')) as ConsumerConnection;
  }

  /** A push consumer that records every delivery; listener decides the result (default success). */
  async pushConsumer(
    options: Omit<PushConsumerOptions, 'namesrvAddr'>,
    topic: string,
    listener?: (message: MessageExt, queueTopic: string) => ConsumeResult,
    expression = '*',
  ): Promise<Recorder> {
    const consumer = this.track(
      new PushConsumer({ namesrvAddr: this.nameServer.address, logger: silent, ...options }),
    );
    const recorder = new Recorder(consumer);
    consumer.subscribe(topic, expression);
    consumer.onMessage((messages, context) => {
      let result: ConsumeResult = 'CONSUME_SUCCESS';
      for (const message of messages) {
        recorder.record(message);
        if (listener?.(message, context.queue.topic) === 'RECONSUME_LATER')
          result = 'RECONSUME_LATER';
      }
      return result;
    });
    await consumer.start();
    return recorder;
  }
}

export interface ConsumerConnection {
  connectionSet: Array<{ clientId: string }>;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptionTable: Record<string, { subString: string; codeSet: number[]; tagsSet: string[] }>;
}

export interface SendPlan {
  topic: string;
  prefix: string;
  count: number;
  queues?: number;
  tagOf?: (index: number) => string;
  concurrency?: number;
}

export interface Sent {
  key: string;
  body: string;
  tags: string;
  uniqueId: string;
}

/** Deliveries seen by one consumer, by key. */
export class Recorder {
  readonly byKey = new Map<string, MessageExt[]>();
  deliveries = 0;

  constructor(readonly consumer: PushConsumer) {}

  record(message: MessageExt): void {
    this.deliveries++;
    const key = message.keys[0] ?? '';
    const list = this.byKey.get(key) ?? [];
    list.push(message);
    this.byKey.set(key, list);
  }

  has(sent: readonly Sent[]): boolean {
    return sent.every((message) => this.byKey.has(message.key));
  }

  missing(sent: readonly Sent[], limit = 5): string[] {
    return sent
      .filter((message) => !this.byKey.has(message.key))
      .slice(0, limit)
      .map((m) => m.key);
  }
}

/** A received message differs from what was sent (body, tags, id); undefined when intact. */
export function alteration(sent: Sent, received: MessageExt): string | undefined {
  if (received.body.toString('utf8') !== sent.body) return `${sent.key} body`;
  if (received.tags !== sent.tags) return `${sent.key} tags ${received.tags}`;
  if (received.msgId !== sent.uniqueId) return `${sent.key} msgId ${received.msgId}`;
  return undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
