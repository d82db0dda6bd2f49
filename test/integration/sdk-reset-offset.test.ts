/**
 * Resetting a consumer group's offsets to a time (INVOKE_BROKER_TO_RESET_OFFSET) against real
 * `thrustmq namesrv` and `thrustmq broker` processes: the running push consumer is told the new
 * positions (RESET_CONSUMER_CLIENT_OFFSET) and consumes from there again; without members online
 * the reset is refused; GET_ALL_DELAY_OFFSET answers in delayOffset.json's bare-key form.
 */
import { sendMessageRequest } from '../harness/broker-requests.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/admin.ts';
import { BrokerError } from '../../src/client/core/errors.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import { createUniqueId } from '../../src/client/core/unique-id.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { ConsumerCluster, RUN, silent, sleep, waitFor } from './sdk-consumer-cluster.ts';
import { encodeProperties } from '../../src/protocol/properties.ts';

const cluster = new ConsumerCluster();
let admin: Admin;

beforeAll(async () => {
  await cluster.start();
  admin = new Admin({ namesrvAddr: cluster.nameServer.address, logger: silent });
}, 60_000);
afterAll(async () => {
  await admin?.close();
  await cluster.stop();
});
afterEach(() => cluster.shutdownConsumers());

const QUEUES = 8;
const PHASE = 150;
/** Messages of one phase per queue: cluster.send puts message i on queue i mod 8. */
const perQueue = Array.from(
  { length: QUEUES },
  (_, q) => Array.from({ length: PHASE }, (_, i) => i).filter((i) => i % QUEUES === q).length,
);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('sdk reset offset - admin reset by time with a running push consumer', () => {
  it('sdk reset offset - the running consumer consumes the second phase again from the reset point', async () => {
    const topic = `SdkReset_${RUN}`;
    const group = `GID_sdk_reset_${RUN}`;
    await cluster.createTopic(topic, QUEUES);
    const deliveries = new Map<string, number>();
    let gate: Promise<void> | undefined;
    let openGate = (): void => {};
    const consumer = cluster.track(
      new PushConsumer({
        namesrvAddr: cluster.nameServer.address,
        logger: silent,
        group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        persistOffsetIntervalMs: 200,
      }),
    );
    consumer.subscribe(topic, '*');
    consumer.onMessage(async (messages) => {
      for (const message of messages) {
        const key = message.keys[0] ?? '';
        deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      }
      if (gate) await gate;
      return 'CONSUME_SUCCESS' as const;
    });
    await consumer.start();

    const first = await cluster.send({ topic, prefix: `p1-${RUN}`, count: PHASE });
    await sleep(300);
    const boundary = Date.now();
    await sleep(300);
    const second = await cluster.send({ topic, prefix: `p2-${RUN}`, count: PHASE });
    const all = [...first, ...second];
    const totals = perQueue.map((count) => count * 2);
    await waitFor(
      async () =>
        all.every((m) => deliveries.has(m.key)) &&
        JSON.stringify(await cluster.committed(topic, group, QUEUES)) === JSON.stringify(totals),
      15_000,
      () => `received ${deliveries.size} of ${all.length}`,
    );

    // Re-deliveries wait at the gate, so the committed offsets stay at the reset point.
    gate = new Promise((resolve) => (openGate = resolve));
    const reset = await admin.resetOffsetByTime(group, topic, boundary, { force: true });
    expect(reset).toEqual(
      perQueue.map((offset, queueId) => ({ topic, brokerName: 'broker-a', queueId, offset })),
    );
    let committed: number[] = [];
    await waitFor(
      async () => {
        committed = await cluster.committed(topic, group, QUEUES);
        return JSON.stringify(committed) === JSON.stringify(perQueue);
      },
      10_000,
      () => `committed ${JSON.stringify(committed)}, expected ${JSON.stringify(perQueue)}`,
    );
    openGate();
    gate = undefined;
    await waitFor(
      async () =>
        second.every((m) => deliveries.get(m.key) === 2) &&
        JSON.stringify(await cluster.committed(topic, group, QUEUES)) === JSON.stringify(totals),
      10_000,
      () => `${second.filter((m) => deliveries.get(m.key) !== 2).length} of phase 2 not again`,
    );
    expect(first.filter((m) => deliveries.get(m.key) !== 1)).toEqual([]);

    // Members gone: the broker refuses with CONSUMER_NOT_ONLINE.
    await cluster.shutdownConsumers();
    let error: unknown;
    await waitFor(
      async () => {
        error = await rejection(admin.resetOffsetByTime(group, topic, boundary));
        return (error as BrokerError).responseCode === ResponseCode.CONSUMER_NOT_ONLINE;
      },
      5000,
      () => `reset without members failed with ${String(error)}`,
    );
    expect(error).toBeInstanceOf(BrokerError);
    expect(await cluster.committed(topic, group, QUEUES)).toEqual(totals);

    // A group that never committed an offset of the topic.
    const unknown = await rejection(admin.resetOffsetByTime(`GID_none_${RUN}`, topic, -1));
    expect(unknown).toBeInstanceOf(BrokerError);
    expect((unknown as BrokerError).responseCode).toBe(ResponseCode.SYSTEM_ERROR);
  }, 40_000);
});

describe('sdk reset offset - delay offsets', () => {
  it('sdk reset offset - GET_ALL_DELAY_OFFSET lists every level with bare integer keys', async () => {
    const topic = `SdkDelayOffset_${RUN}`;
    await cluster.createTopic(topic, 1);
    const response = await cluster.admin.invoke(
      cluster.broker.address,
      sendMessageRequest({
        producerGroup: 'sdk-reset-test',
        topic,
        queueId: 0,
        body: 'delayed',
        properties: encodeProperties({ DELAY: '1', UNIQ_KEY: createUniqueId(), WAIT: 'true' }),
        defaultQueues: 1,
      }),
      5000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    let text = '';
    await waitFor(
      async () => {
        const answer = await cluster.admin.invoke(
          cluster.broker.address,
          createRequest(RequestCode.GET_ALL_DELAY_OFFSET),
          3000,
        );
        expect(answer.code).toBe(ResponseCode.SUCCESS);
        text = answer.body?.toString('utf8') ?? '';
        return text.startsWith('{"offsetTable":{1:1,');
      },
      5000,
      () => `delay offsets ${text}`,
    );
    const levels = Array.from({ length: 18 }, (_, i) => `${i + 1}:${i === 0 ? 1 : 0}`);
    expect(text).toBe(`{"offsetTable":{${levels.join(',')}}}`);
    expect(parseLenientJson(text)).toEqual({
      offsetTable: Object.fromEntries(levels.map((entry) => entry.split(':').map(Number))),
    });
  });
});
