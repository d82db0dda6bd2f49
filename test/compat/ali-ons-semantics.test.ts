/**
 * Consumption semantics of the real RocketMQ client `ali-ons` 3.12.0 against real `thrustmq
 * namesrv` and `thrustmq broker` processes: delayed messages (`delayTimeLevel`), a failed
 * message coming back from %RETRY%<group> after its delay level, and a message that always
 * fails ending in %DLQ%<group> after the client's maxReconsumeTimes. The broker runs with short
 * delay levels so the file takes about 20 s.
 *
 * Not covered: ali-ons never answers or acts on requests the broker pushes (it has no listener
 * for them), so RESET_CONSUMER_CLIENT_OFFSET (220) — and with it the broker's
 * INVOKE_BROKER_TO_RESET_OFFSET (222) — has no effect on a running ali-ons consumer.
 * Facts about the client: /work/shared/protocol/clients/ali-ons.md.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import {
  ClientProblems,
  closeInnerProducer,
  onsMessage,
  startConsumer,
  startProducer,
} from './ali-ons-client.ts';
import type { OnsConsumer, OnsMessage, OnsProducer } from './ali-ons-client.ts';
import { startConsumerWithRetries } from './ali-ons-harness.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic, maxOffset, viewMessage } from '../harness/broker-admin.ts';
import { pullQueue } from '../harness/broker-requests.ts';

const RUN = randomBytes(4).toString('hex');
/**
 * Level 1 = 1 s, 2 = 2 s, 4 = 3 s for the delayed sends; a send-back with delayLevel 0 waits
 * level 3 + reconsumeTimes, so the first retry waits 2 s and the second 3 s.
 */
const DELAY_LEVELS = '1s 2s 2s 3s 3s 3s';
const DELAY_MS = [1000, 2000, 2000, 3000, 3000, 3000];
/** Error text of the handlers that fail on purpose; the client emits it as an error event. */
const DELIBERATE = 'deliberate failure';
/** A deadline to wait for what should already have happened. */
const SLACK_MS = 500;
/** Retries go through two delayed hops (schedule topic, then the retry queue's long poll). */
const RETRY_SLACK_MS = 1500;

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
let problems = new ClientProblems();
const clients: Array<OnsProducer | OnsConsumer> = [];

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: nameServer.address,
    properties: { messageDelayLevel: DELAY_LEVELS },
  });
  admin = adminClient();
}, 60_000);

afterAll(async () => {
  await closeInnerProducer(problems);
  await admin?.close();
  await stopAll();
});

afterEach(async (context) => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  if (context.task.result?.state === 'fail') {
    context.task.result.errors?.push({
      name: 'ClientProblems',
      message: `ali-ons problems:\n${problems.tail()}\nbroker output:\n${broker.output().slice(-3000)}`,
    });
  }
});

/** One handler call as the test saw it. */
interface Delivery {
  key: string;
  topic: string;
  tags: string | null | undefined;
  body: string;
  msgId: string | null;
  originMessageId: string | undefined;
  queueId: number | null;
  reconsumeTimes: number;
  atMs: number;
}

function delivery(message: OnsMessage): Delivery {
  return {
    key: message.keys ?? '',
    topic: message.topic,
    tags: message.tags,
    body: message.body.toString('utf8'),
    msgId: message.msgId,
    originMessageId: message.properties['ORIGIN_MESSAGE_ID'] ?? undefined,
    queueId: message.queueId,
    reconsumeTimes: message.reconsumeTimes,
    atMs: Date.now(),
  };
}

interface Fixture {
  topic: string;
  group: string;
  producer: OnsProducer;
  deliveries: Delivery[];
  /** The deliveries of one key, in order. */
  of(key: string): Delivery[];
}

/**
 * A one-queue topic, a producer, and a consumer already long-polling it (a warm-up message has
 * gone round trip), so a delivery's time is the broker's doing and not the client's start-up.
 * A brand-new ali-ons group asks for the route of %RETRY%<group> once at start, before its first
 * heartbeat makes the broker create that topic, and then only every 30 s — the retry would sit
 * unread for up to 30 s, against RocketMQ too. Creating the retry topic up front (as an operator
 * or RocketMQ's admin tool would) lets the consumer pull it from the start.
 */
async function fixture(
  name: string,
  options: { fail?: (d: Delivery) => boolean; maxReconsumeTimes?: number } = {},
): Promise<Fixture> {
  const topic = `Ons${name}_${RUN}`;
  const group = `GID_${name}_${RUN}`;
  await createTopic(admin, broker.address, nameServer.address, topic, 1);
  await createTopic(admin, broker.address, nameServer.address, `%RETRY%${group}`, 1);
  const deliveries: Delivery[] = [];
  const consumerOptions = {
    nameServer: nameServer.address,
    problems,
    instanceName: `${name}-consumer-${RUN}`,
    consumerGroup: group,
    topic,
    subExpression: '*',
    onMessage: (message: OnsMessage) => {
      const seen = delivery(message);
      if (deliveries.length < 1000) deliveries.push(seen);
      if (options.fail?.(seen)) throw new Error(`${DELIBERATE} of ${seen.key}`);
    },
  };
  const consumer =
    options.maxReconsumeTimes === undefined
      ? await startConsumer(consumerOptions)
      : await startConsumerWithRetries({
          ...consumerOptions,
          maxReconsumeTimes: options.maxReconsumeTimes,
        });
  clients.push(consumer);
  const producer = await startProducer({
    nameServer: nameServer.address,
    problems,
    instanceName: `${name}-producer-${RUN}`,
    producerGroup: `PG_${name}_${RUN}`,
  });
  clients.push(producer);
  const of = (key: string) => deliveries.filter((d) => d.key === key);
  const warmKey = `${name}-warm-${RUN}`;
  await send(producer, topic, warmKey, 'TagWarm');
  await waitFor(
    () => of(warmKey).length > 0,
    15_000,
    () => `the warm-up message never arrived (${deliveries.length} deliveries)`,
  );
  return { topic, group, producer, deliveries, of };
}

interface Sent {
  key: string;
  tags: string;
  body: string;
  msgId: string;
  startedMs: number;
  endedMs: number;
}

async function send(
  producer: OnsProducer,
  topic: string,
  key: string,
  tags: string,
  delayTimeLevel?: number,
): Promise<Sent> {
  const body = `${key}-body`;
  const message = onsMessage(topic, tags, body);
  message.keys = [key];
  if (delayTimeLevel !== undefined)
    (message as OnsMessage & { delayTimeLevel: number }).delayTimeLevel = delayTimeLevel;
  const startedMs = Date.now();
  const result = await producer.send(message);
  const endedMs = Date.now();
  if (result.sendStatus !== 'SEND_OK') throw new Error(`send ${key}: ${JSON.stringify(result)}`);
  return { key, tags, body, msgId: result.msgId, startedMs, endedMs };
}

/** Client problems other than its routine ones and the handlers' deliberate failures. */
function unexpectedProblems(): string[] {
  return problems.unexpected().filter((line) => !line.includes(DELIBERATE));
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('compat ali-ons - consumption semantics', () => {
  it('ali-ons semantics - delayed messages arrive after their level, intact, once', async () => {
    problems = new ClientProblems();
    const f = await fixture('Delay');
    const levels = [1, 2, 4];
    const sent = await Promise.all(
      levels.map((level) =>
        send(f.producer, f.topic, `delay-${level}-${RUN}`, `TagL${level}`, level),
      ),
    );
    await waitFor(
      () => sent.every((s) => f.of(s.key).length > 0),
      DELAY_MS[3]! + 5000,
      () => `delayed messages received: ${f.deliveries.map((d) => d.key).join(', ')}`,
    );
    await settle(SLACK_MS);

    for (const [i, s] of sent.entries()) {
      const delayMs = DELAY_MS[levels[i]! - 1]!;
      const got = f.of(s.key);
      expect(got.length, `${s.key} deliveries`).toBe(1);
      const d = got[0]!;
      expect({ topic: d.topic, tags: d.tags, body: d.body, queueId: d.queueId }).toEqual({
        topic: f.topic,
        tags: s.tags,
        body: s.body,
        queueId: 0,
      });
      expect(d.reconsumeTimes).toBe(0);
      // The broker stored it after the send started, and holds it for the level's delay.
      expect(d.atMs - s.startedMs, `${s.key} early`).toBeGreaterThanOrEqual(delayMs);
      expect(d.atMs - s.endedMs, `${s.key} late`).toBeLessThanOrEqual(delayMs + SLACK_MS);

      // As with RocketMQ, the send's id names the copy in the schedule topic, and the consumer
      // sees the id of the copy delivered to the real topic (ali-ons sets no UNIQ_KEY).
      const scheduled = await viewMessage(admin, broker.address, s.msgId);
      expect(scheduled.topic).toBe('SCHEDULE_TOPIC_XXXX');
      expect(scheduled.properties['REAL_TOPIC']).toBe(f.topic);
      expect(scheduled.properties['DELAY']).toBe(String(levels[i]));
      expect(d.msgId).toMatch(/^[0-9A-F]{32}$/);
      expect(d.msgId).not.toBe(s.msgId);
      const delivered = await viewMessage(admin, broker.address, d.msgId!);
      expect({
        topic: delivered.topic,
        queueId: delivered.queueId,
        keys: delivered.keys,
        tags: delivered.tags,
        body: delivered.body.toString('utf8'),
      }).toEqual({ topic: f.topic, queueId: 0, keys: [s.key], tags: s.tags, body: s.body });
    }
    expect(unexpectedProblems()).toEqual([]);
  }, 30_000);

  it('ali-ons semantics - a failed message comes back from %RETRY% after level 3 with reconsumeTimes 1', async () => {
    problems = new ClientProblems();
    const key = `retry-${RUN}`;
    const f = await fixture('Retry', { fail: (d) => d.key === key && d.reconsumeTimes === 0 });
    const s = await send(f.producer, f.topic, key, 'TagR');
    const retryMs = DELAY_MS[2]!;
    await waitFor(
      () => f.of(key).length >= 2,
      retryMs + 8000,
      () => `deliveries of ${key}: ${JSON.stringify(f.of(key))}`,
    );
    await settle(SLACK_MS);

    const [first, again, ...more] = f.of(key);
    expect(more).toEqual([]);
    expect(first!.msgId).toBe(s.msgId);
    expect(first!.reconsumeTimes).toBe(0);
    // ali-ons restores the original topic from the RETRY_TOPIC property the broker added.
    expect({
      topic: again!.topic,
      tags: again!.tags,
      body: again!.body,
      reconsumeTimes: again!.reconsumeTimes,
      originMessageId: again!.originMessageId,
    }).toEqual({
      topic: f.topic,
      tags: s.tags,
      body: s.body,
      reconsumeTimes: 1,
      originMessageId: s.msgId,
    });
    expect(again!.atMs - first!.atMs).toBeGreaterThanOrEqual(retryMs);
    expect(again!.atMs - first!.atMs).toBeLessThanOrEqual(retryMs + RETRY_SLACK_MS);

    const stored = await viewMessage(admin, broker.address, again!.msgId!);
    expect({
      topic: stored.topic,
      reconsumeTimes: stored.reconsumeTimes,
      retryTopic: stored.properties['RETRY_TOPIC'],
      keys: stored.keys,
    }).toEqual({ topic: `%RETRY%${f.group}`, reconsumeTimes: 1, retryTopic: f.topic, keys: [key] });
    expect(unexpectedProblems()).toEqual([]);
  }, 30_000);

  it('ali-ons semantics - a message that always fails lands in %DLQ% after maxReconsumeTimes retries', async () => {
    problems = new ClientProblems();
    const key = `dlq-${RUN}`;
    const maxReconsumeTimes = 2;
    const f = await fixture('Dlq', { fail: (d) => d.key === key, maxReconsumeTimes });
    const dlq = `%DLQ%${f.group}`;
    const dlqOffset = () => maxOffset(admin, broker.address, dlq).catch(() => 0);
    const s = await send(f.producer, f.topic, key, 'TagD');
    // Retries wait level 3 (2 s), then level 4 (3 s); the third failure goes to the DLQ.
    await waitFor(
      async () => (await dlqOffset()) >= 1,
      DELAY_MS[2]! + DELAY_MS[3]! + 8000,
      () => `deliveries of ${key}: ${JSON.stringify(f.of(key))}`,
    );
    await settle(1000);

    const tries = f.of(key);
    expect(tries.map((d) => d.reconsumeTimes)).toEqual([0, 1, 2]);
    expect(tries.every((d) => d.topic === f.topic && d.body === s.body)).toBe(true);
    // The broker's delay grows with reconsumeTimes: level 3, then level 4.
    const waits = [tries[1]!.atMs - tries[0]!.atMs, tries[2]!.atMs - tries[1]!.atMs];
    expect(waits[0]).toBeGreaterThanOrEqual(DELAY_MS[2]!);
    expect(waits[0]).toBeLessThanOrEqual(DELAY_MS[2]! + RETRY_SLACK_MS);
    expect(waits[1]).toBeGreaterThanOrEqual(DELAY_MS[3]!);
    expect(waits[1]).toBeLessThanOrEqual(DELAY_MS[3]! + RETRY_SLACK_MS);
    expect(await dlqOffset()).toBe(1);
    const [dead, ...rest] = await pullQueue(admin, broker.address, dlq, 0, 0, `GID_reader_${RUN}`);
    expect(rest).toEqual([]);
    expect({
      topic: dead?.topic,
      keys: dead?.keys,
      tags: dead?.tags,
      body: dead?.body.toString('utf8'),
      reconsumeTimes: dead?.reconsumeTimes,
      retryTopic: dead?.properties['RETRY_TOPIC'],
      origin: dead?.properties['ORIGIN_MESSAGE_ID'],
    }).toEqual({
      topic: dlq,
      keys: [key],
      tags: s.tags,
      body: s.body,
      reconsumeTimes: maxReconsumeTimes + 1,
      retryTopic: f.topic,
      origin: s.msgId,
    });
    expect(unexpectedProblems()).toEqual([]);
  }, 30_000);
});
