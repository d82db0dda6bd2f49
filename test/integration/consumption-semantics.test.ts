/**
 * Issue 5's consumption semantics against real `thrustmq namesrv` and `thrustmq broker`
 * processes with the DEFAULT delay levels (1s 5s 10s 30s 1m ...), the tests running
 * concurrently so their long waits overlap:
 * - a listener failing a message twice sees it a third time with reconsumeTimes 2, after at
 *   least the level-3 (10 s) and level-4 (30 s) delays; with maxReconsumeTimes 2 a message that
 *   always fails lands in %DLQ%<group> after its third failure and is not delivered again;
 * - delay levels 1 to 4 are delivered within [delay, delay + 200 ms], intact.
 */
import { startProducer, startRecordingConsumer } from '../harness/delivery-recorder.ts';
import type { Cleanup, Delivery } from '../harness/delivery-recorder.ts';
import { pullQueue } from '../harness/broker-requests.ts';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { MessageExt } from '../../src/client/core/message.ts';
import type { Producer } from '../../src/client/producer/producer.ts';
import type { ConsumeResult } from '../../src/client/consumer/push-consumer.ts';
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

const RUN = Math.random().toString(36).slice(2, 8);
/** RocketMQ's default messageDelayLevel, levels 1 to 4, in ms. */
const DEFAULT_LEVEL_MS = [1000, 5000, 10_000, 30_000] as const;
const SLACK_MS = 200;
/** A retry hop is a send-back round trip plus a delayed delivery; the issue bounds only the latter. */
const RETRY_HOP_SLACK_MS = 1000;
/** RocketMQ's waiting topic: level n waits in queue n - 1. */
const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  // No messageDelayLevel: the broker's default levels are what is under test.
  broker = await startBrokerProcess({ namesrvAddr: nameServer.address });
  admin = adminClient();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
});

const producer = (group: string, cleanup: Cleanup): Promise<Producer> =>
  startProducer(nameServer.address, group, cleanup);

/** A started consumer of topic (4 queues), one message per listener call. */
const consumer = async (
  options: { group: string; maxReconsumeTimes?: number },
  topic: string,
  cleanup: Cleanup,
  listener?: (message: MessageExt) => ConsumeResult,
): Promise<Delivery[]> =>
  (
    await startRecordingConsumer(
      { namesrvAddr: nameServer.address, topic, consumeBatchSize: 1, ...options },
      cleanup,
      listener,
    )
  ).seen;

async function maxOffset(topic: string, queueId: number): Promise<number> {
  const response = await admin.invoke(
    broker.address,
    createRequest(RequestCode.GET_MAX_OFFSET, { topic, queueId: String(queueId) }),
    3000,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw new Error(`max offset of ${topic}/${queueId}: ${response.code} ${response.remark}`);
  return Number(response.extFields?.['offset']);
}

/** How many read queues the name server routes for topic. */
async function routedQueues(topic: string): Promise<number> {
  const response = await admin.invoke(
    nameServer.address,
    createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
    3000,
  );
  if (response.code !== ResponseCode.SUCCESS || !response.body)
    throw new Error(`route of ${topic}: ${response.code} ${response.remark}`);
  const route = parseLenientJson(response.body.toString('utf8')) as {
    queueDatas: Array<{ readQueueNums: number }>;
  };
  return route.queueDatas.reduce((n, q) => n + q.readQueueNums, 0);
}

/** Every message of one queue, read with raw PULL_MESSAGE (bounded at 10 pulls of 32). */
async function pullAll(topic: string, queueId: number): Promise<MessageExt[]> {
  const all: MessageExt[] = [];
  for (let pull = 0; pull < 10; pull++) {
    const from = all.length === 0 ? 0 : all.at(-1)!.queueOffset + 1;
    const got = await pullQueue(admin, broker.address, topic, queueId, from, `GID_inspect_${RUN}`);
    if (got.length === 0) return all;
    all.push(...got);
  }
  return all;
}

describe.concurrent('consumption semantics - retries, dead letters and delay levels', () => {
  it.concurrent(
    'consumption semantics - failed twice comes back with reconsumeTimes 2 after levels 3 and 4; always failing goes to %DLQ% and stops',
    async ({ expect, onTestFinished }) => {
      const topic = `Retry_${RUN}`;
      const group = `GID_retry_${RUN}`;
      await createTopic(admin, broker.address, nameServer.address, topic, 4);
      const seen = await consumer(
        { group, maxReconsumeTimes: 2 },
        topic,
        (fn) => onTestFinished(fn),
        (message) => {
          const body = message.body.toString('utf8');
          if (body === 'poison') return 'RECONSUME_LATER';
          return message.reconsumeTimes < 2 ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
        },
      );
      const p = await producer(`PID_retry_${RUN}`, (fn) => onTestFinished(fn));
      const retried = await p.send({ topic, body: 'retry-me', tags: 'TagR', keys: ['retry'] });
      const poison = await p.send({ topic, body: 'poison', tags: 'TagP', keys: ['poison'] });
      const of = (body: string) => seen.filter((s) => s.message.body.toString('utf8') === body);
      const dlq = `%DLQ%${group}`;
      const dead: MessageExt[] = [];
      await waitFor(
        async () => {
          if (of('retry-me').length < 3 || of('poison').length < 3) return false;
          dead.splice(0, dead.length, ...(await pullAll(dlq, 0).catch(() => [])));
          return dead.length > 0;
        },
        60_000,
        () =>
          `retry-me seen ${of('retry-me').length}, poison seen ${of('poison').length}, ` +
          `dead letters ${dead.length}`,
      );

      // The message failed on reconsumeTimes 0 and 1 comes back a third time with 2.
      const deliveries = of('retry-me');
      expect(deliveries.map((s) => s.message.reconsumeTimes)).toEqual([0, 1, 2]);
      for (const { message } of deliveries) {
        expect(message.msgId).toBe(retried.msgId);
        expect(message.topic).toBe(topic);
        expect(message.body.toString('utf8')).toBe('retry-me');
        expect(message.tags).toBe('TagR');
        expect(message.keys).toEqual(['retry']);
      }
      const [first, second, third] = deliveries.map((s) => s.at) as [number, number, number];
      const [, , level3, level4] = DEFAULT_LEVEL_MS;
      expect(third - first).toBeGreaterThanOrEqual(level3 + level4);
      expect(second - first).toBeGreaterThanOrEqual(level3);
      expect(second - first).toBeLessThanOrEqual(level3 + RETRY_HOP_SLACK_MS);
      expect(third - second).toBeGreaterThanOrEqual(level4);
      expect(third - second).toBeLessThanOrEqual(level4 + RETRY_HOP_SLACK_MS);

      // The always-failing one: three deliveries, then one dead letter keeping its identity.
      expect(of('poison').map((s) => s.message.reconsumeTimes)).toEqual([0, 1, 2]);
      expect(dead).toHaveLength(1);
      const letter = dead[0]!;
      expect(letter.topic).toBe(dlq);
      expect(letter.body.toString('utf8')).toBe('poison');
      expect(letter.msgId).toBe(poison.msgId);
      expect(letter.keys).toEqual(['poison']);
      expect(letter.tags).toBe('TagP');
      expect(letter.properties['RETRY_TOPIC']).toBe(topic);
      // As on Apache's broker: the first stored copy's offset id, not the client's unique id.
      expect(letter.properties['ORIGIN_MESSAGE_ID']).toBe(poison.offsetMsgId);
      expect(letter.properties['DELAY']).toBeUndefined();
      expect(letter.reconsumeTimes).toBe(3);
      expect(letter.storeTimestamp).toBeGreaterThanOrEqual(of('poison')[2]!.at - 50);

      // And it is not delivered again: nothing more arrives, nothing waits at level 5 (1 min),
      // and the retry topic holds only the two copies of each message.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(of('poison')).toHaveLength(3);
      expect(of('retry-me')).toHaveLength(3);
      expect(await maxOffset(SCHEDULE_TOPIC, 4)).toBe(0);
      const retryTopic = `%RETRY%${group}`;
      let retryCopies = 0;
      for (let queueId = 0; queueId < (await routedQueues(retryTopic)); queueId++)
        retryCopies += await maxOffset(retryTopic, queueId);
      expect(retryCopies).toBe(4);
      expect(await maxOffset(dlq, 0)).toBe(1);
    },
    90_000,
  );

  it.concurrent(
    'consumption semantics - delay levels 1 to 4 (1 s, 5 s, 10 s, 30 s) arrive within [delay, delay + 200 ms], intact',
    async ({ expect, onTestFinished }) => {
      const topic = `DelayDefault_${RUN}`;
      await createTopic(admin, broker.address, nameServer.address, topic, 4);
      const seen = await consumer({ group: `GID_delay_default_${RUN}` }, topic, (fn) =>
        onTestFinished(fn),
      );
      const p = await producer(`PID_delay_default_${RUN}`, (fn) => onTestFinished(fn));
      const sends = [];
      for (const [index, delayMs] of DEFAULT_LEVEL_MS.entries()) {
        const level = index + 1;
        const before = Date.now();
        const result = await p.send({
          topic,
          body: `delayed-level-${level}`,
          tags: `TagL${level}`,
          keys: [`level-${level}`, RUN],
          delayLevel: level,
        });
        sends.push({ level, delayMs, before, after: Date.now(), result });
      }
      await waitFor(
        () => seen.length >= sends.length,
        DEFAULT_LEVEL_MS[3] + 10_000,
        () => `seen ${seen.map((s) => s.message.keys[0]).join(',')}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen).toHaveLength(sends.length);
      for (const sent of sends) {
        const got = seen.filter((s) => s.message.keys[0] === `level-${sent.level}`);
        expect(got).toHaveLength(1);
        const { message, at } = got[0]!;
        expect(at - sent.before).toBeGreaterThanOrEqual(sent.delayMs);
        expect(at - sent.after).toBeLessThanOrEqual(sent.delayMs + SLACK_MS);
        expect(message.storeTimestamp - sent.before).toBeGreaterThanOrEqual(sent.delayMs);
        expect(message.topic).toBe(topic);
        expect(message.queueId).toBe(sent.result.messageQueue.queueId);
        expect(message.msgId).toBe(sent.result.msgId);
        expect(message.body.toString('utf8')).toBe(`delayed-level-${sent.level}`);
        expect(message.keys).toEqual([`level-${sent.level}`, RUN]);
        expect(message.tags).toBe(`TagL${sent.level}`);
        expect(message.reconsumeTimes).toBe(0);
        expect(message.properties['DELAY']).toBeUndefined();
      }
    },
    90_000,
  );
});
