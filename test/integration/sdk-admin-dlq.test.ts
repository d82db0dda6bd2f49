/**
 * Admin dead-letter and connection operations against a real name server and broker: a push
 * consumer with maxReconsumeTimes 1 fails some keys until they land in %DLQ%<group> (1 s retry
 * delays), deadLetters lists exactly those with their original topic and msgId,
 * resendDeadLetter brings one back (retry topic: to this group only; origin: to the topic), and
 * consumerConnection / producerConnection show the running clients.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/admin.ts';
import { GroupNotOnlineError } from '../../src/client/admin/admin-connections.ts';
import { DeadLetterNotFoundError } from '../../src/client/admin/admin-dlq.ts';
import type { DeadLetter } from '../../src/client/admin/admin-dlq.ts';
import { InvalidArgumentError, NoRouteError } from '../../src/client/core/errors.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';

const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
const RUN = Math.random().toString(36).slice(2, 8);
const TOPIC = `DlqTopic_${RUN}`;
const GROUP = `GID_dlq_${RUN}`;
const PRODUCER_GROUP = `PID_dlq_${RUN}`;
const dataDir = brokerDataDir();

interface Delivery {
  key: string;
  topic: string;
  msgId: string;
  reconsumeTimes: number;
}

let admin: Admin;
let producer: Producer;
let consumer: PushConsumer;
const deliveries: Delivery[] = [];
const healed = new Set<string>();
const sentIds = new Map<string, string>();
const offsetIds = new Map<string, string>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < 1000 && Date.now() < deadline; round++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}

const deliveriesOf = (key: string) => deliveries.filter((d) => d.key === key);

beforeAll(async () => {
  const namesrv = await startNameServerProcess();
  await startBrokerProcess({
    namesrvAddr: namesrv.address,
    dataDir: dataDir.path,
    properties: { messageDelayLevel: '1s 1s 1s 1s 1s 1s' },
  });
  admin = new Admin({ namesrvAddr: namesrv.address, logger });
  await until('broker registration', 5000, async () =>
    Object.keys((await admin.clusterInfo()).brokers).length > 0 ? true : undefined,
  );
  await admin.createTopic(TOPIC, { readQueueNums: 2, clusterName: 'TestCluster' });
  await until('topic route', 5000, () =>
    admin.topicRoute(TOPIC).catch((error: unknown) => {
      if (error instanceof NoRouteError) return undefined;
      throw error;
    }),
  );

  producer = new Producer({ namesrvAddr: namesrv.address, group: PRODUCER_GROUP, logger });
  await producer.start();
  for (const key of ['ok-0', 'bad-0', 'ok-1', 'bad-1', 'ok-2']) {
    const result = await producer.send({
      topic: TOPIC,
      body: `body of ${key}`,
      tags: 'T',
      keys: key,
    });
    sentIds.set(key, result.msgId);
    offsetIds.set(key, result.offsetMsgId);
  }

  consumer = new PushConsumer({
    namesrvAddr: namesrv.address,
    group: GROUP,
    logger,
    maxReconsumeTimes: 1,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(TOPIC, '*');
  consumer.onMessage((messages) => {
    let result: 'CONSUME_SUCCESS' | 'RECONSUME_LATER' = 'CONSUME_SUCCESS';
    for (const message of messages) {
      const key = message.keys[0] ?? '';
      deliveries.push({
        key,
        topic: message.topic,
        msgId: message.msgId,
        reconsumeTimes: message.reconsumeTimes,
      });
      if (key.startsWith('bad') && !healed.has(key)) result = 'RECONSUME_LATER';
    }
    return result;
  });
  await consumer.start();
}, 30_000);

afterAll(async () => {
  await consumer?.shutdown();
  await producer?.shutdown();
  await admin?.close();
  await stopAll();
  dataDir.remove();
});

describe('sdk admin - dead letters and connections against real processes', () => {
  let letters: DeadLetter[] = [];

  it('sdk admin - deadLetters lists exactly the messages that failed past maxReconsumeTimes', async () => {
    letters = await until('two dead letters', 15_000, async () => {
      const found = await admin.deadLetters(GROUP);
      return found.length >= 2 ? found : undefined;
    });
    expect(letters.map((l) => l.keys[0])).toEqual(['bad-0', 'bad-1']);
    for (const [index, letter] of letters.entries()) {
      const key = `bad-${index}`;
      expect(letter).toMatchObject({
        topic: `%DLQ%${GROUP}`,
        originTopic: TOPIC,
        // ORIGIN_MESSAGE_ID: the first stored copy's offset id, as Apache's broker sets it.
        originMsgId: offsetIds.get(key),
        msgId: sentIds.get(key),
        reconsumeTimes: 2,
        dlqOffset: index,
        queueOffset: index,
        queueId: 0,
        brokerName: 'broker-a',
        tags: 'T',
      });
      expect(letter.body.toString('utf8')).toBe(`body of ${key}`);
      expect(letter.storeTimestamp).toBeGreaterThan(Date.now() - 60_000);
      expect(letter.properties['MIN_OFFSET']).toBeUndefined();
    }
    // Delivered once from the topic and once from the retry topic, then dead.
    expect(deliveriesOf('bad-0').map((d) => [d.topic, d.reconsumeTimes])).toEqual([
      [TOPIC, 0],
      [TOPIC, 1],
    ]);
    expect((await admin.deadLetters(GROUP, { max: 1 })).map((l) => l.keys[0])).toEqual(['bad-0']);
    expect(
      (await admin.deadLetters(GROUP, { fromOffset: 1 })).map((l) => [l.keys[0], l.dlqOffset]),
    ).toEqual([['bad-1', 1]]);
    expect(await admin.deadLetters(GROUP, { fromOffset: 50 })).toEqual([]);
    expect(await admin.deadLetters(`GID_never_${RUN}`)).toEqual([]);
    // Reading committed nothing for the tools group.
    const progress = await admin.consumerProgress('TOOLS_CONSUMER', `%DLQ%${GROUP}`);
    expect(progress.map((p) => [p.brokerOffset, p.consumerOffset])).toEqual([[2, 0]]);
    await expect(admin.deadLetters(GROUP, { max: 10_001 })).rejects.toThrow(/options\.max/);
    await expect(admin.deadLetters(GROUP, { fromOffset: -1 })).rejects.toThrow(
      /options\.fromOffset/,
    );
  });

  it('sdk admin - consumerConnection shows the running consumer and its subscriptions', async () => {
    const connection = await admin.consumerConnection(GROUP);
    expect(connection).toMatchObject({
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    expect(connection.connections.map((c) => c.clientId)).toEqual([consumer.clientId]);
    expect(connection.connections[0]!.clientAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(connection.subscriptions.map((s) => [s.topic, s.subString])).toEqual([
      [`%RETRY%${GROUP}`, '*'],
      [TOPIC, '*'],
    ]);
    const producers = await admin.producerConnection(PRODUCER_GROUP, TOPIC);
    expect(producers).toHaveLength(1);
    expect(producers[0]!.clientId).toMatch(/@/);

    const missing = admin.consumerConnection(`GID_nobody_${RUN}`);
    await expect(missing).rejects.toBeInstanceOf(GroupNotOnlineError);
    await expect(missing).rejects.toMatchObject({
      group: `GID_nobody_${RUN}`,
      role: 'consumer',
      responseCode: 206,
    });
    await expect(missing).rejects.toThrow(`GID_nobody_${RUN}`);
    await expect(admin.producerConnection(`PID_nobody_${RUN}`, TOPIC)).rejects.toBeInstanceOf(
      GroupNotOnlineError,
    );
  });

  it('sdk admin - resendDeadLetter to the retry topic brings one letter back to the group', async () => {
    const before = deliveries.length;
    healed.add('bad-0');
    const result = await admin.resendDeadLetter(GROUP, sentIds.get('bad-0')!);
    expect(result.status).toBe('SEND_OK');
    expect(result.msgId).toBe(sentIds.get('bad-0'));
    expect(result.messageQueue).toMatchObject({ topic: `%RETRY%${GROUP}`, brokerName: 'broker-a' });
    expect(result.queueOffset).toBeGreaterThanOrEqual(0);
    const again = await until('redelivery of bad-0', 10_000, async () => deliveriesOf('bad-0')[2]);
    expect(again).toEqual({
      key: 'bad-0',
      topic: TOPIC,
      msgId: sentIds.get('bad-0'),
      reconsumeTimes: 0,
    });
    await sleep(500);
    // Only the resent letter came back, once; the DLQ still keeps both records.
    expect(deliveries.slice(before).map((d) => d.key)).toEqual(['bad-0']);
    expect((await admin.deadLetters(GROUP)).map((l) => l.keys[0])).toEqual(['bad-0', 'bad-1']);
  });

  it('sdk admin - resendDeadLetter by offset to the original topic', async () => {
    healed.add('bad-1');
    const result = await admin.resendDeadLetter(GROUP, 1, { toTopic: 'origin' });
    expect(result.status).toBe('SEND_OK');
    expect(result.messageQueue).toMatchObject({ topic: TOPIC, brokerName: 'broker-a' });
    expect(result.msgId).toBe(sentIds.get('bad-1'));
    const again = await until('redelivery of bad-1', 10_000, async () => deliveriesOf('bad-1')[2]);
    expect(again).toEqual({
      key: 'bad-1',
      topic: TOPIC,
      msgId: sentIds.get('bad-1'),
      reconsumeTimes: 0,
    });
  });

  it('sdk admin - resendDeadLetter names what it cannot find or accept', async () => {
    const unknown = admin.resendDeadLetter(GROUP, 'AC1100000000000000000000DEADBEEF');
    await expect(unknown).rejects.toBeInstanceOf(DeadLetterNotFoundError);
    await expect(unknown).rejects.toThrow(/msgIdOrOffset .*AC1100000000000000000000DEADBEEF/);
    await expect(admin.resendDeadLetter(GROUP, 99)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
    await expect(admin.resendDeadLetter(`GID_never_${RUN}`, 0)).rejects.toBeInstanceOf(
      DeadLetterNotFoundError,
    );
    await expect(admin.resendDeadLetter(GROUP, -1)).rejects.toThrow(/msgIdOrOffset/);
    await expect(
      admin.resendDeadLetter(GROUP, 0, { toTopic: 'elsewhere' as 'retry' }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(admin.resendDeadLetter(GROUP, 0, { brokerName: 'broker-z' })).rejects.toThrow(
      /options\.brokerName/,
    );
  });
});
