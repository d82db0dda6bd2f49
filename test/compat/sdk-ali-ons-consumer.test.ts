/**
 * A real RocketMQ client feeding the SDK's consumer: ali-ons 3.12.0's Producer sends 2,000
 * tagged, keyed messages (some large enough for the client to deflate) through real name server
 * and broker processes, and our PushConsumer receives each once with body, tags, keys and the
 * message id the producer was given.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageExt } from '../../src/client/core/message.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { ClientProblems, closeInnerProducer, startProducer } from './ali-ons-client.ts';
import type { OnsProducer } from './ali-ons-client.ts';
import { sendAll } from './ali-ons-harness.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';

const RUN = randomBytes(4).toString('hex');
let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
const problems = new ClientProblems();
let producer: OnsProducer | undefined;
let consumer: PushConsumer | undefined;

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: nameServer.address });
  admin = adminClient();
}, 60_000);

afterAll(async () => {
  await consumer?.shutdown();
  await producer?.close();
  await closeInnerProducer(problems);
  await admin?.close();
  await stopAll();
});

describe('compat ali-ons - producer to the SDK push consumer', () => {
  it('sdk ali-ons - 2,000 messages from ali-ons arrive once at PushConsumer with tags, keys, bodies and ids intact', async () => {
    const topic = `SdkFromOns_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    producer = await startProducer({
      nameServer: nameServer.address,
      problems,
      instanceName: `sdk-compat-producer-${RUN}`,
      producerGroup: `PG_sdk_compat_${RUN}`,
    });
    const sent = await sendAll(producer, {
      topic,
      prefix: `ons-${RUN}`,
      count: 2000,
      tagOf: (i) => ['TagA', 'TagB', 'TagC'][i % 3]!,
      // Every 500th body passes 4 KiB, so ali-ons deflates it (sysFlag bit 0).
      bodyOf: (i) => (i % 500 === 3 ? `ons-${RUN}-big-${i}-`.padEnd(6000, 'y') : undefined),
      concurrency: 32,
    });

    const received = new Map<string, MessageExt[]>();
    consumer = new PushConsumer({
      namesrvAddr: nameServer.address,
      group: `GID_sdk_compat_${RUN}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      logger: pino({ level: 'silent' }),
    });
    consumer.subscribe(topic, 'TagA || TagB || TagC');
    consumer.onMessage((messages) => {
      for (const message of messages) {
        const key = message.keys[0] ?? '';
        received.set(key, [...(received.get(key) ?? []), message]);
      }
      return 'CONSUME_SUCCESS';
    });
    await consumer.start();
    await waitFor(
      () => received.size >= sent.length,
      30_000,
      () => `received ${received.size} of ${sent.length}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const problemsFound: string[] = [];
    for (const message of sent) {
      const got = received.get(message.key);
      if (!got || got.length !== 1) {
        problemsFound.push(`${message.key} delivered ${got?.length ?? 0} times`);
        continue;
      }
      const [m] = got as [MessageExt];
      if (m.body.toString('utf8') !== message.body) problemsFound.push(`${message.key} body`);
      if (m.tags !== message.tags) problemsFound.push(`${message.key} tags ${m.tags}`);
      if (m.keys.join(' ') !== message.key) problemsFound.push(`${message.key} keys ${m.keys}`);
      // ali-ons sets no UNIQ_KEY, so the id it returned is the offset id, ours too.
      if (m.msgId !== message.msgId || m.offsetMsgId !== message.msgId)
        problemsFound.push(`${message.key} id ${m.msgId}, sent ${message.msgId}`);
      if (m.topic !== topic || m.queueId !== message.queueId)
        problemsFound.push(`${message.key} at ${m.topic}/${m.queueId}`);
    }
    expect(problemsFound.slice(0, 10)).toEqual([]);
    expect(received.size).toBe(2000);
    expect(problems.unexpected()).toEqual([]);
  }, 60_000);
});
