/**
 * The SDK's PushConsumer against real `thrustmq namesrv` and `thrustmq broker` processes:
 * every message delivered once and intact with offsets committed on the broker, tag filtering,
 * retry through %RETRY%<group>, and where a new consumer starts (consumeFromWhere).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MessageExt } from '../../src/client/core/message.ts';
import { ConsumeResult, PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import { ClientInstance } from '../../src/client/core/client-instance.ts';
import { giveBack, sendMessageBack } from '../../src/client/consumer/send-back.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import {
  ConsumerCluster,
  RUN,
  alteration,
  silent,
  sleep,
  waitFor,
} from './sdk-consumer-cluster.ts';
import { javaStringHash } from '../../src/protocol/java-hash.ts';

const cluster = new ConsumerCluster();

beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());
afterEach(() => cluster.shutdownConsumers());

describe('sdk consumer - clustering push consumer', () => {
  it('sdk consumer - 2,000 messages over 8 queues arrive exactly once, intact, and are committed', async () => {
    const topic = `SdkBulk_${RUN}`;
    const group = `GID_sdk_bulk_${RUN}`;
    await cluster.createTopic(topic);
    const sent = await cluster.send({
      topic,
      prefix: `bulk-${RUN}`,
      count: 2000,
      tagOf: (i) => (i % 2 === 0 ? 'TagA' : 'TagB'),
    });
    const reader = await cluster.pushConsumer(
      { group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', consumeBatchSize: 4 },
      topic,
    );
    await waitFor(
      () => reader.has(sent),
      30_000,
      () => `received ${reader.byKey.size} of 2000, missing ${reader.missing(sent).join(', ')}`,
    );
    await sleep(300);
    expect(reader.deliveries).toBe(2000);
    const altered = sent
      .map((message) => alteration(message, reader.byKey.get(message.key)![0]!))
      .filter(Boolean);
    expect(altered).toEqual([]);
    const queues = reader.consumer.assignedQueues.filter((q) => q.topic === topic);
    expect(queues.map((q) => q.queueId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The retry topic is routable once the broker has registered it after the first heartbeat.
    await waitFor(
      () => reader.consumer.assignedQueues.some((q) => q.topic === `%RETRY%${group}`),
      10_000,
      () => `no retry queue among ${JSON.stringify(reader.consumer.assignedQueues)}`,
    );

    const registered = await cluster.consumerConnection(group);
    expect(registered).toMatchObject({
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    expect(registered.connectionSet.map((c) => c.clientId)).toEqual([reader.consumer.clientId]);
    expect(Object.keys(registered.subscriptionTable).sort()).toEqual([`%RETRY%${group}`, topic]);
    expect(registered.subscriptionTable[`%RETRY%${group}`]!.subString).toBe('*');

    await reader.consumer.shutdown();
    expect(await cluster.committed(topic, group)).toEqual(Array(8).fill(250));
    // UNREGISTER_CLIENT took the member out of the group at once.
    await expect(cluster.consumerConnection(group)).rejects.toThrow(/206/);
  });

  it('sdk consumer - a tag expression delivers only the listed tags', async () => {
    const topic = `SdkTags_${RUN}`;
    const group = `GID_sdk_tags_${RUN}`;
    await cluster.createTopic(topic, 4);
    const reader = await cluster.pushConsumer(
      { group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' },
      topic,
      undefined,
      'TagB || TagC',
    );
    const sent = await cluster.send({
      topic,
      prefix: `tags-${RUN}`,
      count: 300,
      queues: 4,
      tagOf: (i) => ['TagA', 'TagB', 'TagC'][i % 3]!,
    });
    const registered = (await cluster.consumerConnection(group)).subscriptionTable[topic]!;
    expect(registered.tagsSet).toEqual(['TagB', 'TagC']);
    expect(registered.codeSet).toEqual([javaStringHash('TagB'), javaStringHash('TagC')]);
    const wanted = sent.filter((m) => m.tags !== 'TagA');
    await waitFor(
      () => reader.has(wanted),
      20_000,
      () => `missing ${reader.missing(wanted).join(', ')}`,
    );
    await reader.consumer.shutdown();
    expect(reader.deliveries).toBe(200);
    expect([...reader.byKey.values()].every(([m]) => m!.tags !== 'TagA')).toBe(true);
    // Skipped messages are committed too: the group is done with all 75 per queue.
    expect(await cluster.committed(topic, group, 4)).toEqual([75, 75, 75, 75]);
  });

  it('sdk consumer - RECONSUME_LATER (or a throw) brings the message back via %RETRY% with reconsumeTimes 1', async () => {
    const topic = `SdkRetry_${RUN}`;
    const group = `GID_sdk_retry_${RUN}`;
    await cluster.createTopic(topic, 4);
    const seen: Array<{ message: MessageExt; queueTopic: string }> = [];
    const reader = await cluster.pushConsumer(
      { group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceIntervalMs: 1000 },
      topic,
      (message, queueTopic) => {
        seen.push({ message, queueTopic });
        const key = message.keys[0]!;
        if (message.reconsumeTimes > 0) return 'CONSUME_SUCCESS';
        if (key.endsWith('-0')) return 'RECONSUME_LATER';
        if (key.endsWith('-1')) throw new Error('listener failure');
        return 'CONSUME_SUCCESS';
      },
    );
    const sent = await cluster.send({ topic, prefix: `retry-${RUN}`, count: 4, queues: 4 });
    const failing = sent.filter((m) => /-[01]$/.test(m.key));
    await waitFor(
      () => failing.every((m) => (reader.byKey.get(m.key)?.length ?? 0) >= 2),
      20_000,
      () => `deliveries: ${[...reader.byKey].map(([k, v]) => `${k}x${v.length}`).join(' ')}`,
    );
    for (const message of failing) {
      const [first, second] = reader.byKey.get(message.key)!;
      expect(first!.reconsumeTimes).toBe(0);
      expect(second!.reconsumeTimes).toBe(1);
      expect(second!.topic).toBe(topic);
      expect(second!.body.toString()).toBe(message.body);
      expect(second!.tags).toBe(message.tags);
      expect(second!.msgId).toBe(message.uniqueId);
      expect(second!.properties['RETRY_TOPIC']).toBe(topic);
      const retried = seen.find((s) => s.message === second)!;
      expect(retried.queueTopic).toBe(`%RETRY%${group}`);
    }
    await sleep(300);
    for (const message of sent.filter((m) => !failing.includes(m)))
      expect(reader.byKey.get(message.key)).toHaveLength(1);
    for (const message of failing) expect(reader.byKey.get(message.key)).toHaveLength(2);
    await reader.consumer.shutdown();
    expect(await cluster.committed(topic, group, 4)).toEqual([1, 1, 1, 1]);
  });
});

describe('sdk consumer - shutdown', () => {
  it('sdk consumer - shutdown waits a bounded time for a stuck listener and never commits past its message', async () => {
    const topic = `SdkStuck_${RUN}`;
    const group = `GID_sdk_stuck_${RUN}`;
    await cluster.createTopic(topic, 1);
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const consumer = cluster.track(
      new PushConsumer({
        namesrvAddr: cluster.nameServer.address,
        logger: silent,
        group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        shutdownTimeoutMs: 300,
      }),
    );
    const done: number[] = [];
    consumer.subscribe(topic);
    consumer.onMessage(async ([message]) => {
      if (message!.queueOffset === 5) await stuck;
      done.push(message!.queueOffset);
      return ConsumeResult.CONSUME_SUCCESS;
    });
    await consumer.start();
    await cluster.send({ topic, prefix: `stuck-${RUN}`, count: 10, queues: 1, concurrency: 1 });
    await waitFor(
      () => done.length === 9,
      10_000,
      () => `done ${done.join(',')}`,
    );
    const startedMs = Date.now();
    await consumer.shutdown();
    expect(Date.now() - startedMs).toBeLessThan(3000);
    expect(done).not.toContain(5);
    expect(await cluster.committed(topic, group, 1)).toEqual([5]);
    release();

    // The next member starts at the stuck message: redelivered, not lost.
    const next = await cluster.pushConsumer({ group }, topic);
    await waitFor(
      () => next.deliveries >= 5,
      10_000,
      () => `redelivered ${next.deliveries}`,
    );
    await sleep(200);
    expect([...next.byKey.values()].map(([m]) => m!.queueOffset).sort()).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('sdk consumer - send-back fallback', () => {
  it('sdk consumer - when the broker refuses the send-back, the client sends the copy to %RETRY% itself', async () => {
    const topic = `SdkResend_${RUN}`;
    const group = `GID_sdk_resend_${RUN}`;
    await cluster.createTopic(topic, 1);
    const reader = await cluster.pushConsumer(
      { group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceIntervalMs: 1000 },
      topic,
    );
    const [sent] = await cluster.send({ topic, prefix: `resend-${RUN}`, count: 1, queues: 1 });
    await waitFor(
      () => reader.byKey.has(sent!.key) && reader.consumer.assignedQueues.length === 2,
      15_000,
      () => `delivered ${reader.deliveries}, queues ${reader.consumer.assignedQueues.length}`,
    );
    const original = reader.byKey.get(sent!.key)![0]!;
    const instance = new ClientInstance({
      namesrvAddr: cluster.nameServer.address,
      logger: silent,
    });
    try {
      // An offset the broker cannot find makes CONSUMER_SEND_MSG_BACK fail with code 1.
      const unknown = {
        ...original,
        commitLogOffset: 2 ** 40,
        properties: { ...original.properties },
      };
      const queue = { topic, brokerName: 'broker-a', queueId: 0 };
      await expect(
        sendMessageBack(instance, { group, message: unknown, queue, maxReconsumeTimes: 16 }),
      ).rejects.toThrow(/look message by offset failed/);
      expect(
        await giveBack(instance, { group, message: unknown, queue, maxReconsumeTimes: 16 }),
      ).toBe(true);
    } finally {
      await instance.close();
    }
    await waitFor(
      () => reader.byKey.get(sent!.key)!.length === 2,
      15_000,
      () => 'the resent copy did not arrive',
    );
    const copy = reader.byKey.get(sent!.key)![1]!;
    expect(copy.topic).toBe(topic);
    expect(copy.reconsumeTimes).toBe(1);
    expect(copy.msgId).toBe(sent!.uniqueId);
    expect(copy.body.toString()).toBe(sent!.body);
    expect(copy.tags).toBe(sent!.tags);
    // The copy waited out delay level 3 in the schedule topic, which removes DELAY on delivery.
    expect(copy.properties).toMatchObject({
      RETRY_TOPIC: topic,
      ORIGIN_MESSAGE_ID: sent!.uniqueId,
      REAL_TOPIC: `%RETRY%${group}`,
    });
    expect(copy.properties['DELAY']).toBeUndefined();
  });
});

describe('sdk consumer - orderly listener', () => {
  it('sdk consumer - each queue is consumed one batch at a time in offset order; a suspended batch comes back first', async () => {
    const topic = `SdkOrderly_${RUN}`;
    const group = `GID_sdk_orderly_${RUN}`;
    await cluster.createTopic(topic, 4);
    const consumer = cluster.track(
      new PushConsumer({
        namesrvAddr: cluster.nameServer.address,
        logger: silent,
        group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        consumeBatchSize: 3,
      }),
    );
    /** Listener calls per queue: the offsets and reconsumeTimes of each batch. */
    const calls = new Map<number, Array<Array<{ offset: number; reconsumeTimes: number }>>>();
    const busy = new Set<number>();
    let overlapped = false;
    let suspended = false;
    consumer.subscribe(topic);
    consumer.onMessageOrderly(async (messages, context) => {
      const queueId = context.queue.queueId;
      if (busy.has(queueId)) overlapped = true;
      busy.add(queueId);
      await sleep(1);
      busy.delete(queueId);
      const list = calls.get(queueId) ?? [];
      list.push(messages.map((m) => ({ offset: m.queueOffset, reconsumeTimes: m.reconsumeTimes })));
      calls.set(queueId, list);
      if (!suspended && queueId === 2 && messages.some((m) => m.queueOffset === 10)) {
        suspended = true;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      return 'SUCCESS';
    });
    await consumer.start();
    await cluster.send({ topic, prefix: `orderly-${RUN}`, count: 200, queues: 4, concurrency: 1 });
    const offsetsOf = (queueId: number) => (calls.get(queueId) ?? []).flat().map((e) => e.offset);
    await waitFor(
      () => [0, 1, 2, 3].every((q) => offsetsOf(q).includes(49)),
      20_000,
      () => `progress ${[0, 1, 2, 3].map((q) => `${q}:${offsetsOf(q).length}`).join(' ')}`,
    );
    expect(overlapped).toBe(false);
    const all = [...Array(50).keys()];
    for (const queueId of [0, 1, 3]) expect(offsetsOf(queueId)).toEqual(all);
    for (const batch of (calls.get(0) ?? []).concat(calls.get(1) ?? []))
      expect(batch.length).toBeLessThanOrEqual(3);
    // The suspended messages are delivered again, next, with reconsumeTimes 1.
    const queue2 = calls.get(2)!;
    const at = queue2.findIndex((batch) => batch.some((e) => e.offset === 10));
    const [failed, again] = [queue2[at]!, queue2[at + 1]!];
    // The retry takes up to a batch from the head, so later messages may join it.
    const retried = again.slice(0, failed.length);
    expect(retried.map((e) => e.offset)).toEqual(failed.map((e) => e.offset));
    expect(failed.every((e) => e.reconsumeTimes === 0)).toBe(true);
    expect(retried.every((e) => e.reconsumeTimes === 1)).toBe(true);
    expect(again.slice(failed.length).every((e) => e.reconsumeTimes === 0)).toBe(true);
    expect(
      queue2
        .filter((_batch, i) => i !== at)
        .flat()
        .map((e) => e.offset),
    ).toEqual(all);
    await consumer.shutdown();
    expect(await cluster.committed(topic, group, 4)).toEqual([50, 50, 50, 50]);
  });
});

describe('sdk consumer - where a new consumer starts', () => {
  it('sdk consumer - broadcasting consumers start at the end (LAST), the beginning (FIRST) or a time (TIMESTAMP)', async () => {
    const topic = `SdkWhere_${RUN}`;
    await cluster.createTopic(topic, 4);
    const early = await cluster.send({ topic, prefix: `early-${RUN}`, count: 40, queues: 4 });
    await sleep(1500);
    const betweenMs = Date.now();
    await sleep(50);
    const middle = await cluster.send({ topic, prefix: `middle-${RUN}`, count: 40, queues: 4 });
    const dir = makeTempDir('sdk-offsets');
    try {
      const start = (
        where: 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP',
      ) =>
        cluster.pushConsumer(
          {
            group: `GID_sdk_${where.slice(13).toLowerCase()}_${RUN}`,
            messageModel: 'BROADCASTING',
            consumeFromWhere: where,
            consumeTimestamp: betweenMs,
            offsetStoreDir: dir.path,
          },
          topic,
        );
      const last = await start('CONSUME_FROM_LAST_OFFSET');
      const first = await start('CONSUME_FROM_FIRST_OFFSET');
      const timestamp = await start('CONSUME_FROM_TIMESTAMP');
      const late = await cluster.send({ topic, prefix: `late-${RUN}`, count: 40, queues: 4 });
      const everything = [...early, ...middle, ...late];
      await waitFor(
        () => last.has(late) && first.has(everything) && timestamp.has([...middle, ...late]),
        20_000,
        () =>
          `last ${last.deliveries}, first ${first.deliveries}, timestamp ${timestamp.deliveries}`,
      );
      await sleep(300);
      expect(last.deliveries).toBe(40);
      expect(first.deliveries).toBe(120);
      expect(timestamp.deliveries).toBe(80);
    } finally {
      await cluster.shutdownConsumers();
      dir.remove();
    }
  });

  it('sdk consumer - a new clustering group on a young topic starts at 0, as RocketMQ answers its offset query', async () => {
    const topic = `SdkYoung_${RUN}`;
    await cluster.createTopic(topic, 4);
    const before = await cluster.send({ topic, prefix: `young-${RUN}`, count: 20, queues: 4 });
    const reader = await cluster.pushConsumer({ group: `GID_sdk_young_${RUN}` }, topic);
    await waitFor(
      () => reader.has(before),
      15_000,
      () => `missing ${reader.missing(before).join(', ')}`,
    );
    expect(reader.deliveries).toBe(20);
  });
});
