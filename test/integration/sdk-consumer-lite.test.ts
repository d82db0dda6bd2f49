/**
 * The SDK's LitePullConsumer against real processes: subscribe + poll + commit (manual and
 * automatic), and assigned queues moved with seek, seekToBegin and seekToEnd.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LitePullConsumer } from '../../src/client/consumer/lite-pull-consumer.ts';
import type { LitePullConsumerOptions } from '../../src/client/consumer/lite-pull-consumer.ts';
import type { MessageExt } from '../../src/client/core/message.ts';
import { ConsumerCluster, RUN, silent } from './sdk-consumer-cluster.ts';

const cluster = new ConsumerCluster();

beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());
afterEach(() => cluster.shutdownConsumers());

async function lite(
  options: Omit<LitePullConsumerOptions, 'namesrvAddr'>,
  setup: (consumer: LitePullConsumer) => void,
): Promise<LitePullConsumer> {
  const consumer = cluster.track(
    new LitePullConsumer({ namesrvAddr: cluster.nameServer.address, logger: silent, ...options }),
  );
  setup(consumer);
  await consumer.start();
  return consumer;
}

/** Polls until count messages arrived or timeoutMs passed. */
async function pollAtLeast(
  consumer: LitePullConsumer,
  count: number,
  timeoutMs = 15_000,
): Promise<MessageExt[]> {
  const got: MessageExt[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) got.push(...(await consumer.poll(200)));
  return got;
}

const keysOf = (messages: MessageExt[]) => messages.map((m) => m.keys[0]).sort();

describe('sdk consumer - lite pull', () => {
  it('sdk consumer - subscribe, poll every message once, commit; the next member resumes and auto-commits', async () => {
    const topic = `SdkLite_${RUN}`;
    const group = `GID_sdk_lite_${RUN}`;
    await cluster.createTopic(topic, 4);
    const sent = await cluster.send({ topic, prefix: `lite-${RUN}`, count: 100, queues: 4 });
    const first = await lite(
      { group, autoCommit: false, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pullBatchSize: 8 },
      (c) => c.subscribe(topic),
    );
    const polled = await pollAtLeast(first, 100);
    expect(keysOf(polled)).toEqual(sent.map((m) => m.key).sort());
    expect(
      polled.every((m) => m.body.toString() === `lite-${RUN}-body-${m.keys[0]!.split('-').pop()}`),
    ).toBe(true);
    expect(await first.poll(300)).toEqual([]);
    const registered = await cluster.consumerConnection(group);
    expect(registered.consumeType).toBe('CONSUME_ACTIVELY');
    expect(Object.keys(registered.subscriptionTable)).toEqual([topic]);
    expect(first.assignedQueues.map((q) => q.queueId)).toEqual([0, 1, 2, 3]);
    // Nothing is committed before commit() when autoCommit is off.
    expect(await cluster.committed(topic, group, 4)).toEqual([0, 0, 0, 0]);
    await first.commit();
    expect(await cluster.committed(topic, group, 4)).toEqual([25, 25, 25, 25]);
    for (const queue of first.assignedQueues) expect(await first.committed(queue)).toBe(25);
    await first.shutdown();

    const second = await lite({ group, autoCommit: true, autoCommitIntervalMs: 100 }, (c) =>
      c.subscribe(topic),
    );
    expect(await second.poll(500)).toEqual([]);
    const more = await cluster.send({ topic, prefix: `lite2-${RUN}`, count: 8, queues: 4 });
    const next = await pollAtLeast(second, 8);
    expect(keysOf(next)).toEqual(more.map((m) => m.key).sort());
    await second.shutdown();
    expect(await cluster.committed(topic, group, 4)).toEqual([27, 27, 27, 27]);
  });

  it('sdk consumer - assigned queues are read from where seek, seekToBegin and seekToEnd put them', async () => {
    const topic = `SdkLiteAssign_${RUN}`;
    const group = `GID_sdk_lite_assign_${RUN}`;
    await cluster.createTopic(topic, 2);
    await cluster.send({ topic, prefix: `assign-${RUN}`, count: 20, queues: 2, concurrency: 1 });
    const queue = { topic, brokerName: 'broker-a', queueId: 0 };
    const consumer = await lite(
      { group, autoCommit: false, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' },
      (c) => c.assign([queue]),
    );
    expect(consumer.assignedQueues).toEqual([queue]);
    const offsets = (messages: MessageExt[]) => messages.map((m) => m.queueOffset);
    const all = await pollAtLeast(consumer, 10);
    expect(offsets(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all.every((m) => m.queueId === 0)).toBe(true);

    consumer.seek(queue, 5);
    expect(offsets(await pollAtLeast(consumer, 5))).toEqual([5, 6, 7, 8, 9]);
    await consumer.seekToBegin(queue);
    expect(offsets(await pollAtLeast(consumer, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await consumer.seekToEnd(queue);
    expect(await consumer.poll(300)).toEqual([]);
    await cluster.send({ topic, prefix: `assign2-${RUN}`, count: 4, queues: 2, concurrency: 1 });
    expect(offsets(await pollAtLeast(consumer, 2))).toEqual([10, 11]);
    await consumer.commit();
    expect(await consumer.committed(queue)).toBe(12);
    expect(await consumer.committed({ ...queue, queueId: 1 })).toBe(0);
    expect(() => consumer.seek({ ...queue, queueId: 1 }, 0)).toThrow(/not assigned/);
    expect(() => consumer.seek(queue, -1)).toThrow(/non-negative/);
  });
});
