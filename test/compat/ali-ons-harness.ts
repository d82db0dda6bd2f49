/**
 * Steps only the ali-ons compatibility tests share: sharding keys ali-ons routes to a chosen
 * queue, bounded-concurrency sends that remember what each send returned, and a consumer with
 * ali-ons's retry option. Steps every test shares are in test/harness/.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { onsMessage } from './ali-ons-client.ts';
import type { ConsumerOptions, OnsConsumer, OnsMessage, OnsProducer } from './ali-ons-client.ts';

/**
 * A sharding key that makes ali-ons send to queueId of a topic with queueCount queues: it takes
 * the first 4 bytes of the key's MD5 modulo the queue count (queue 0 cannot be chosen this way).
 */
export function shardingKeyFor(queueId: number, queueCount: number): string {
  if (queueId <= 0 || queueId >= queueCount)
    throw new Error(`no sharding key reaches queue ${queueId}`);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const key = `shard-${attempt}`;
    if (createHash('md5').update(key).digest().readUInt32BE(0) % queueCount === queueId) return key;
  }
  throw new Error(`no sharding key for queue ${queueId} among 10,000 tried`);
}

/** What the test sent, and what the broker answered, for one message. */
export interface SentMessage {
  index: number;
  key: string;
  tags: string;
  body: string;
  msgId: string;
  queueId: number;
}

export interface SendPlan {
  topic: string;
  /** Distinguishes keys and bodies between batches and runs. */
  prefix: string;
  count: number;
  tagOf: (index: number) => string;
  /** The body of a message; undefined means the default, `<prefix>-body-<index>`. */
  bodyOf?: (index: number) => string | undefined;
  /** Sends in flight at once. */
  concurrency?: number;
  /** The client's `shardingKey`, which picks the queue by the key's MD5 (see shardingKeyFor). */
  shardingKeyOf?: (index: number) => string | undefined;
}

/** Sends plan.count messages, each with a unique key; every answer must be SEND_OK. */
export async function sendAll(producer: OnsProducer, plan: SendPlan): Promise<SentMessage[]> {
  const sent: SentMessage[] = new Array<SentMessage>(plan.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.count) {
      const index = next++;
      const key = `${plan.prefix}-key-${index}`;
      const tags = plan.tagOf(index);
      const body = plan.bodyOf?.(index) ?? `${plan.prefix}-body-${index}`;
      const message: OnsMessage = onsMessage(plan.topic, tags, body);
      message.keys = [key];
      const shardingKey = plan.shardingKeyOf?.(index);
      if (shardingKey !== undefined) message.shardingKey = shardingKey;
      const result = await producer.send(message);
      if (result.sendStatus !== 'SEND_OK' || typeof result.msgId !== 'string' || !result.msgId)
        throw new Error(`send ${key} answered ${JSON.stringify(result)}`);
      sent[index] = {
        index,
        key,
        tags,
        body,
        msgId: result.msgId,
        // The client passes the response header through, so this is a string.
        queueId: Number(result.messageQueue.queueId),
      };
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency ?? 50 }, worker));
  return sent;
}

/** What a consumer handler saw, keyed by the message's key. */
export interface Received {
  key: string;
  tags: string | null | undefined;
  body: string;
  msgId: string | null;
  queueId: number | null;
  consumer: string;
}

export function received(message: OnsMessage, consumer: string): Received {
  return {
    key: message.keys ?? '',
    tags: message.tags,
    body: message.body.toString('utf8'),
    msgId: message.msgId,
    queueId: message.queueId,
    consumer,
  };
}

/** Describes the first few sent messages that are missing or arrived altered. */
export function differences(sent: SentMessage[], got: Map<string, Received>, limit = 5): string[] {
  const problems: string[] = [];
  for (const message of sent) {
    if (problems.length >= limit) break;
    const seen = got.get(message.key);
    if (!seen) problems.push(`${message.key} missing`);
    else if (seen.body !== message.body) problems.push(`${message.key} body ${seen.body}`);
    else if (seen.tags !== message.tags) problems.push(`${message.key} tags ${seen.tags}`);
    else if (seen.msgId !== message.msgId)
      problems.push(`${message.key} msgId ${seen.msgId}, sent ${message.msgId}`);
  }
  return problems;
}

const requireCjs = createRequire(import.meta.url);

/**
 * startConsumer with ali-ons's maxReconsumeTimes option (default 16), which the client sends
 * with every CONSUMER_SEND_MSG_BACK. An onMessage that throws makes the client send the
 * message back (the client also emits the error, so it lands in options.problems).
 */
export async function startConsumerWithRetries(
  options: ConsumerOptions & { maxReconsumeTimes: number },
): Promise<OnsConsumer> {
  const { Consumer } = requireCjs('ali-ons') as {
    Consumer: new (settings: Record<string, unknown>) => OnsConsumer;
  };
  const consumer = new Consumer({
    httpclient: {},
    nameSrv: [options.nameServer],
    consumerGroup: options.consumerGroup,
    instanceName: options.instanceName,
    parallelConsumeLimit: options.parallelConsumeLimit ?? 1,
    maxReconsumeTimes: options.maxReconsumeTimes,
    logger: options.problems.logger(`consumer ${options.instanceName}`),
  });
  consumer.on('error', (error) =>
    options.problems.add(`consumer ${options.instanceName} event`, error),
  );
  await consumer.ready();
  consumer.subscribe(options.topic, options.subExpression, async (message) => {
    options.onMessage(message);
  });
  return consumer;
}
