/**
 * The SDK's Producer feeding a real RocketMQ client: our producer sends 2,000 tagged, keyed
 * messages with user properties (single sends pipelined, one batch, a few one-way sends and
 * bodies large enough to be deflated) through real name server and broker processes, and an
 * ali-ons 3.12.0 clustering push consumer receives each once, intact, where the send said it
 * was stored. ali-ons computes a message's msgId itself from the store host and commit-log
 * offset, so the id it shows is our SendResult.offsetMsgId; our SendResult.msgId (UNIQ_KEY)
 * reaches it as a property. A second case checks that a TagA subscription gets only TagA.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/client/core/message.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import type { SendResult } from '../../src/client/producer/producer.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { ClientProblems, closeInnerProducer, startConsumer } from './ali-ons-client.ts';
import type { OnsConsumer, OnsMessage } from './ali-ons-client.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';

const RUN = randomBytes(4).toString('hex');
const QUEUES = 8;
/** Grace after the last expected message, for late duplicates to show up. */
const DUPLICATE_GRACE_MS = 500;
/** The sysFlag bit of a deflated body. */
const COMPRESSED = 0x1;

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
const problems = new ClientProblems();
/** Warnings and errors our producer logged: a clean run logs none. */
const sdkLines: string[] = [];
const producers: Producer[] = [];
const consumers: OnsConsumer[] = [];

interface InnerProducer {
  on(event: 'error', listener: (error: Error) => void): void;
}
interface InnerProducerFactory {
  Producer: { getDefaultProducer(options: Record<string, unknown>): Promise<InnerProducer> };
}

/**
 * Creates ali-ons' process-wide inner producer up front, with its own client and an error
 * listener. Made by the first consumer instead, it would share that consumer's client and get
 * the client's routine %RETRY% route complaints with no listener but sdk-base's console.error,
 * and it would keep the consumer's sockets open after close().
 */
async function startInnerProducer(): Promise<void> {
  const ons = createRequire(import.meta.url)('ali-ons') as InnerProducerFactory;
  const inner = await ons.Producer.getDefaultProducer({
    httpclient: {},
    nameSrv: [nameServer.address],
    instanceName: `inner-${RUN}`,
    logger: problems.logger('inner producer'),
  });
  inner.on('error', (error) => problems.add('inner producer event', error));
}

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: nameServer.address });
  admin = adminClient();
  await startInnerProducer();
}, 30_000);

afterEach(async (context) => {
  await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.close()));
  await Promise.allSettled(producers.splice(0).map((producer) => producer.shutdown()));
  if (context.task.result?.state === 'fail') {
    context.task.result.errors?.push({
      name: 'ClientProblems',
      message: `ali-ons problems:\n${problems.tail()}\nSDK producer:\n${sdkLines.slice(-20).join('\n')}\nbroker output:\n${broker.output().slice(-3000)}`,
    });
  }
});

afterAll(async () => {
  await closeInnerProducer(problems);
  await admin?.close();
  await stopAll();
});

async function startSdkProducer(name: string): Promise<Producer> {
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        if (sdkLines.length < 200) sdkLines.push(line.trim());
      },
    },
  );
  const producer = new Producer({
    group: `PG_${name}_${RUN}`,
    namesrvAddr: nameServer.address,
    instanceName: `${name}-${RUN}`,
    logger,
  });
  producers.push(producer);
  await producer.start();
  return producer;
}

const SendKind = { SINGLE: 'single', BATCH: 'batch', ONEWAY: 'oneway' } as const;
type SendKind = (typeof SendKind)[keyof typeof SendKind];

/** One message as the test built it and, unless it went one-way, as the broker placed it. */
interface Sent {
  key: string;
  kind: SendKind;
  message: Message & { tags: string | undefined; body: string; keys: string[] };
  /** What the SendResult said; undefined for one-way sends. */
  uniqKey?: string;
  offsetMsgId?: string;
  queueId?: number;
  queueOffset?: number;
}

/** One delivery to an ali-ons handler. */
interface Delivery {
  topic: string;
  body: string;
  tags: string | null | undefined;
  keys: string | undefined;
  properties: Record<string, string | null>;
  msgId: string | null;
  queueId: number | null;
  queueOffset: number | null;
  sysFlag: number;
}

function delivery(message: OnsMessage): Delivery {
  return {
    topic: message.topic,
    body: message.body.toString('utf8'),
    tags: message.tags,
    keys: message.keys,
    properties: { ...message.properties },
    msgId: message.msgId,
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    // Decoded by ali-ons but not part of OnsMessage's declared shape.
    sysFlag: (message as OnsMessage & { sysFlag?: number }).sysFlag ?? -1,
  };
}

function build(topic: string, key: string, index: number, tags: string | undefined, body: string) {
  return {
    topic,
    body,
    tags,
    // A unique key and a shared one: ali-ons sees them as one space-separated KEYS.
    keys: [key, `sdk-${RUN}`],
    properties: { sdkIndex: String(index), origin: 'thrustmq-sdk' },
  };
}

function placed(sent: Sent, result: SendResult, position = 0): void {
  if (result.status !== 'SEND_OK') throw new Error(`${sent.key}: status ${result.status}`);
  sent.uniqKey = result.msgId.split(',')[position];
  sent.offsetMsgId = result.offsetMsgId.split(',')[position];
  sent.queueId = result.messageQueue.queueId;
  sent.queueOffset = result.queueOffset + position;
}

interface ConsumerHandle {
  /** Deliveries by the message's first key, repeats included. */
  got: Map<string, Delivery[]>;
  deliveries: number;
}

async function onsConsumer(name: string, topic: string, subExpression: string) {
  const handle: ConsumerHandle = { got: new Map(), deliveries: 0 };
  const consumer = await startConsumer({
    nameServer: nameServer.address,
    problems,
    instanceName: `${name}-${RUN}`,
    consumerGroup: `GID_${name}_${RUN}`,
    topic,
    subExpression,
    parallelConsumeLimit: 32,
    onMessage: (message) => {
      const seen = delivery(message);
      const key = (seen.keys ?? '').split(' ')[0]!;
      handle.deliveries++;
      handle.got.set(key, [...(handle.got.get(key) ?? []), seen]);
    },
  });
  consumers.push(consumer);
  return handle;
}

/** Everything about one sent message that did not arrive exactly as sent, exactly once. */
function mismatches(sent: Sent, got: Delivery[] | undefined): string[] {
  const { key, message } = sent;
  if (!got || got.length === 0) return [`${key} missing`];
  const [seen] = got as [Delivery];
  const wrong: string[] = [];
  const compare = (what: string, actual: unknown, wanted: unknown) => {
    if (actual !== wanted)
      wrong.push(`${key} (${sent.kind}) ${what} ${String(actual)}, expected ${String(wanted)}`);
  };
  compare('topic', seen.topic, message.topic);
  compare('body', seen.body, message.body);
  compare('tags', seen.tags, message.tags ?? null);
  compare('keys', seen.keys, message.keys.join(' '));
  compare('sdkIndex', seen.properties['sdkIndex'], message.properties!['sdkIndex']);
  compare('origin', seen.properties['origin'], message.properties!['origin']);
  const compressed = message.body.length > 4096 && sent.kind !== SendKind.BATCH;
  compare('compressed flag', (seen.sysFlag & COMPRESSED) !== 0, compressed);
  if (sent.kind === SendKind.ONEWAY) {
    // No SendResult to compare with, but the UNIQ_KEY must still have come along.
    if (!/^[0-9A-F]{32}$/.test(seen.properties['UNIQ_KEY'] ?? ''))
      wrong.push(`${key} UNIQ_KEY ${seen.properties['UNIQ_KEY']}`);
  } else {
    compare('UNIQ_KEY', seen.properties['UNIQ_KEY'], sent.uniqKey);
    compare('msgId', seen.msgId, sent.offsetMsgId);
    compare('queueId', seen.queueId, sent.queueId);
    compare('queueOffset', seen.queueOffset, sent.queueOffset);
  }
  return wrong;
}

describe('compat ali-ons - the SDK producer to an ali-ons push consumer', () => {
  it('sdk ali-ons - 2,000 single, batched, one-way and compressed sends arrive once with body, tags, keys, properties and ids intact', async () => {
    const topic = `SdkToOns_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, QUEUES);
    const producer = await startSdkProducer('sdk-to-ons');

    const tagOf = (i: number) => (i % 2 === 0 ? 'TagA' : 'TagB');
    const sent: Sent[] = Array.from({ length: 2000 }, (_, i) => {
      const key = `sdk-${RUN}-key-${i}`;
      const kind = i < 50 ? SendKind.BATCH : i < 60 ? SendKind.ONEWAY : SendKind.SINGLE;
      // Five single sends pass 4 KiB, so the producer deflates them (sysFlag bit 0).
      const big = kind === SendKind.SINGLE && i % 400 === 77;
      const body = big ? `sdk-${RUN}-big-${i}-`.padEnd(6000, 'z') : `sdk-${RUN}-body-${i}`;
      return { key, kind, message: build(topic, key, i, tagOf(i), body) };
    });
    const byKind = (kind: SendKind) => sent.filter((s) => s.kind === kind);

    const startedMs = Date.now();
    const batch = byKind(SendKind.BATCH);
    const batchDone = producer
      .sendBatch(batch.map((s) => s.message))
      .then((result) => batch.forEach((s, position) => placed(s, result, position)));
    const onewayDone = Promise.all(
      byKind(SendKind.ONEWAY).map((s) => producer.sendOneway(s.message)),
    );
    const singles = byKind(SendKind.SINGLE);
    let next = 0;
    const worker = async () => {
      while (next < singles.length) {
        const s = singles[next++]!;
        placed(s, await producer.send(s.message));
      }
    };
    await Promise.all([batchDone, onewayDone, ...Array.from({ length: 64 }, worker)]);
    const sentMs = Date.now() - startedMs;

    const placedOnes = sent.filter((s) => s.kind !== SendKind.ONEWAY);
    expect(new Set(placedOnes.map((s) => s.uniqKey)).size).toBe(placedOnes.length);
    expect(new Set(placedOnes.map((s) => s.offsetMsgId)).size).toBe(placedOnes.length);
    expect(new Set(placedOnes.map((s) => s.queueId)).size).toBe(QUEUES);
    // A batch is stored in one queue at consecutive offsets.
    expect(new Set(batch.map((s) => s.queueId)).size).toBe(1);

    const consumeStartedMs = Date.now();
    const reader = await onsConsumer('sdk-to-ons', topic, '*');
    await waitFor(
      () => reader.got.size >= sent.length,
      25_000,
      () =>
        `ali-ons received ${reader.got.size} of ${sent.length}; first missing: ${sent
          .filter((s) => !reader.got.has(s.key))
          .slice(0, 5)
          .map((s) => `${s.key} (${s.kind})`)
          .join(', ')}`,
    );
    const consumedMs = Date.now() - consumeStartedMs;
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_GRACE_MS));

    const wrong = sent.flatMap((s) => mismatches(s, reader.got.get(s.key)));
    expect(wrong.slice(0, 10)).toEqual([]);
    const strangers = [...reader.got.keys()].filter((key) => !key.startsWith(`sdk-${RUN}-key-`));
    expect(strangers).toEqual([]);
    const duplicated = sent.filter((s) => (reader.got.get(s.key)?.length ?? 0) > 1);
    expect(duplicated.map((s) => `${s.key} x${reader.got.get(s.key)!.length}`)).toEqual([]);
    expect(reader.deliveries).toBe(sent.length);
    expect(problems.unexpected()).toEqual([]);
    expect(sdkLines).toEqual([]);
    console.info(
      `sdk -> ali-ons: sent 2,000 in ${sentMs} ms, ali-ons received them in ${consumedMs} ms (consumer start included)`,
    );
  }, 40_000);

  it('sdk ali-ons - an ali-ons consumer subscribed to TagA receives exactly the TagA messages the SDK sent', async () => {
    const topic = `SdkToOnsTags_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, QUEUES);
    const producer = await startSdkProducer('sdk-to-ons-tags');
    // TagA, TagB and untagged (the SDK then sends no TAGS property, which ali-ons' own
    // re-check would let through: only the broker's filter keeps those out).
    const tags = ['TagA', 'TagB', undefined];
    const sendAll = async (
      prefix: string,
      count: number,
      tagOf: (i: number) => string | undefined,
    ) =>
      Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const key = `${prefix}-key-${i}`;
          const s: Sent = {
            key,
            kind: SendKind.SINGLE,
            message: build(topic, key, i, tagOf(i), `${prefix}-body-${i}`),
          };
          placed(s, await producer.send(s.message));
          return s;
        }),
      );
    const sent = await sendAll(`tags-${RUN}`, 300, (i) => tags[i % 3]);
    const tagA = sent.filter((s) => s.message.tags === 'TagA');

    const reader = await onsConsumer('sdk-to-ons-tags', topic, 'TagA');
    await waitFor(
      () => tagA.every((s) => reader.got.has(s.key)),
      15_000,
      () => `received ${tagA.filter((s) => reader.got.has(s.key)).length} of ${tagA.length} TagA`,
    );
    // Sent after the TagA messages arrived, a last TagA marker proves later pulls saw no others.
    const [marker] = await sendAll(`tags-${RUN}-marker`, 1, () => 'TagA');
    await waitFor(
      () => reader.got.has(marker!.key),
      10_000,
      () => 'the TagA marker did not arrive',
    );

    const others = [...reader.got.values()]
      .flat()
      .filter((seen) => seen.tags !== 'TagA')
      .map((seen) => `${seen.keys}: ${seen.tags}`);
    expect(others).toEqual([]);
    const wrong = [...tagA, marker!].flatMap((s) => mismatches(s, reader.got.get(s.key)));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(reader.deliveries).toBe(tagA.length + 1);
    expect(problems.unexpected()).toEqual([]);
    expect(sdkLines).toEqual([]);
  }, 30_000);
});
