/**
 * Orderly clustering consumption with broker queue locks (REMOTING.md 11.8, 14.8) against real
 * processes: per-key send order survives members joining and leaving, no queue is ever consumed
 * by two members at once, the broker's lock table matches the assignment, and a batch that keeps
 * failing goes to %DLQ%<group> after maxReconsumeTimes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/client/producer.ts';
import { PushConsumer } from '../../src/client/push-consumer.ts';
import type { PushConsumerOptions } from '../../src/client/push-consumer.ts';
import type { OrderlyMessageListener } from '../../src/client/consume-listener.ts';
import { QUERY_QUEUE_LOCKS } from '../../src/broker/processors/lock-processor.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { ConsumerCluster, RUN, silent, sleep, waitFor } from './sdk-consumer-cluster.ts';

const cluster = new ConsumerCluster();
const producers: Producer[] = [];

beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());
afterEach(async () => {
  await cluster.shutdownConsumers();
  await Promise.allSettled(producers.splice(0).map((p) => p.shutdown()));
});

async function producer(): Promise<Producer> {
  const p = new Producer({
    namesrvAddr: cluster.nameServer.address,
    group: `PID_orderly_${RUN}`,
    logger: silent,
  });
  producers.push(p);
  await p.start();
  return p;
}

function orderlyConsumer(
  options: Omit<PushConsumerOptions, 'namesrvAddr'>,
  topic: string,
  listener: OrderlyMessageListener,
): PushConsumer {
  const consumer = cluster.track(
    new PushConsumer({ namesrvAddr: cluster.nameServer.address, logger: silent, ...options }),
  );
  consumer.subscribe(topic);
  consumer.onMessageOrderly(listener);
  return consumer;
}

interface LockRow {
  mq: { topic: string; queueId: number };
  clientId: string;
}

async function brokerLocks(group: string): Promise<LockRow[]> {
  const response = await cluster.admin.invoke(
    cluster.broker.address,
    createRequest(QUERY_QUEUE_LOCKS, { consumerGroup: group }),
    3000,
  );
  expect(response.code).toBe(ResponseCode.SUCCESS);
  return (parseLenientJson(response.body!.toString('utf8')) as { lockTable: LockRow[] }).lockTable;
}

describe('sdk consumer - orderly locks', () => {
  it('sdk consumer - per-key order holds and no queue has two consumers while members join and leave', async () => {
    const topic = `SdkOrderLock_${RUN}`;
    const group = `GID_sdk_order_lock_${RUN}`;
    await cluster.createTopic(topic, 8);
    const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
    const perKey = 200;
    const p = await producer();
    await Promise.all(
      keys.map(async (key) => {
        for (let seq = 0; seq < perKey; seq++)
          await p.send({ topic, body: `${key}:${seq}`, keys: key }, { shardingKey: key });
      }),
    );

    const received = new Map<string, number[]>(keys.map((k) => [k, []]));
    const active = new Map<number, string>();
    const overlaps: string[] = [];
    const listenerFor =
      (name: string): OrderlyMessageListener =>
      async (messages, context) => {
        const queueId = context.queue.queueId;
        const other = active.get(queueId);
        if (other !== undefined) overlaps.push(`queue ${queueId}: ${name} while ${other}`);
        active.set(queueId, name);
        for (const message of messages) {
          const [key, seq] = message.body.toString('utf8').split(':');
          received.get(key!)!.push(Number(seq));
        }
        await sleep(8);
        active.delete(queueId);
        return 'SUCCESS' as const;
      };
    const options = {
      group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' as const,
      rebalanceIntervalMs: 2000,
    };
    const a = orderlyConsumer({ ...options, instanceName: `a-${RUN}` }, topic, listenerFor('a'));
    const b = orderlyConsumer({ ...options, instanceName: `b-${RUN}` }, topic, listenerFor('b'));
    await Promise.all([a.start(), b.start()]);
    const total = () => [...received.values()].reduce((n, list) => n + list.length, 0);
    await waitFor(
      () => total() > 300,
      15_000,
      () => `received ${total()}`,
    );
    const c = orderlyConsumer({ ...options, instanceName: `c-${RUN}` }, topic, listenerFor('c'));
    await c.start();
    await waitFor(
      () => c.assignedQueues.length > 0 && total() > 900,
      15_000,
      () => `c holds ${c.assignedQueues.length}, received ${total()}`,
    );
    await b.shutdown();
    const expected = keys.length * perKey;
    await waitFor(
      () => total() >= expected,
      30_000,
      () => `received ${total()} of ${expected}`,
    );
    await sleep(200);

    expect(overlaps).toEqual([]);
    const all = [...Array(perKey).keys()];
    for (const key of keys) expect(received.get(key)).toEqual(all);

    // The broker's lock table: every queue held by exactly the member it is assigned to.
    const mine = (member: PushConsumer) => member.assignedQueues.filter((q) => q.topic === topic);
    await waitFor(
      () => mine(a).length + mine(c).length === 8,
      10_000,
      () => 'queues not yet shared by a and c',
    );
    const locks = (await brokerLocks(group)).filter((row) => row.mq.topic === topic);
    const holders = new Map(locks.map((row) => [row.mq.queueId, row.clientId]));
    expect(locks).toHaveLength(8);
    for (const member of [a, c])
      for (const queue of mine(member)) expect(holders.get(queue.queueId)).toBe(member.clientId);

    await Promise.all([a.shutdown(), c.shutdown()]);
    expect(await brokerLocks(group)).toEqual([]);
    const committed = await cluster.committed(topic, group, 8);
    expect(committed.reduce((n, o) => n + o, 0)).toBe(expected);
  }, 60_000);

  it('sdk consumer - an orderly batch failing past maxReconsumeTimes goes to the DLQ and the queue moves on', async () => {
    const topic = `SdkOrderDlq_${RUN}`;
    const group = `GID_sdk_order_dlq_${RUN}`;
    await cluster.createTopic(topic, 4);
    const deliveries: Array<{ body: string; reconsumeTimes: number; at: number }> = [];
    const consumer = orderlyConsumer(
      {
        group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        maxReconsumeTimes: 2,
        suspendCurrentQueueTimeMillis: 100,
      },
      topic,
      (messages) => {
        const message = messages[0]!;
        const body = message.body.toString('utf8');
        deliveries.push({ body, reconsumeTimes: message.reconsumeTimes, at: Date.now() });
        return body === 'poison' ? 'SUSPEND_CURRENT_QUEUE_A_MOMENT' : 'SUCCESS';
      },
    );
    await consumer.start();
    const p = await producer();
    for (const body of ['first', 'poison', 'last'])
      await p.send({ topic, body }, { shardingKey: 'one-key' });
    await waitFor(
      () => deliveries.some((d) => d.body === 'last'),
      15_000,
      () => `deliveries ${JSON.stringify(deliveries.map((d) => d.body))}`,
    );
    expect(deliveries.map((d) => [d.body, d.reconsumeTimes])).toEqual([
      ['first', 0],
      ['poison', 0],
      ['poison', 1],
      ['poison', 2],
      ['last', 0],
    ]);
    // Suspended for suspendCurrentQueueTimeMillis between attempts.
    expect(deliveries[2]!.at - deliveries[1]!.at).toBeGreaterThanOrEqual(90);
    const response = await cluster.admin.invoke(
      cluster.broker.address,
      createRequest(RequestCode.GET_MAX_OFFSET, { topic: `%DLQ%${group}`, queueId: '0' }),
      3000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.extFields?.['offset']).toBe('1');
  }, 30_000);
});
