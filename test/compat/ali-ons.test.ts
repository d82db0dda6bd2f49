/**
 * The real RocketMQ client `ali-ons` 3.12.0 against real `thrustmq namesrv` and `thrustmq
 * broker` processes on 127.0.0.1: 10,000 tagged and keyed messages sent and consumed intact,
 * a second group member taking over queues, offsets (the client's -1 commits included)
 * surviving a SIGTERM restart, tag filtering, and long polling past the client's 30 s pull
 * timeout. The client rebalances only every 10 s and commits offsets every 5 s and at close,
 * which sets the deadlines below; the whole file takes about 45 s.
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
  startConsumer,
  startProducer,
} from './ali-ons-client.ts';
import type { OnsConsumer, OnsProducer } from './ali-ons-client.ts';
import { differences, received, sendAll, shardingKeyFor } from './ali-ons-harness.ts';
import { waitFor } from '../harness/wait-for.ts';
import {
  adminClient,
  committedTotal as committedOn,
  createTopic,
  waitForRoute,
} from '../harness/broker-admin.ts';
import type { Received, SentMessage } from './ali-ons-harness.ts';

const RUN = randomBytes(4).toString('hex');
const alternatingTag = (index: number) => (index % 2 === 0 ? 'TagA' : 'TagB');

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
let problems: ClientProblems;
const clients: Array<OnsProducer | OnsConsumer> = [];

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: nameServer.address });
  admin = adminClient();
}, 60_000);

afterAll(async () => {
  await closeInnerProducer(problems ?? new ClientProblems());
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

/** Anything ali-ons reported beyond its routine complaints points at the broker. */
function expectNoClientProblems(): void {
  expect(problems.unexpected()).toEqual([]);
}

function committedTotal(topic: string, group: string): Promise<number> {
  return committedOn(admin, broker.address, topic, group);
}

function producer(name: string): Promise<OnsProducer> {
  return startProducer({
    nameServer: nameServer.address,
    problems,
    instanceName: `${name}-${RUN}`,
    producerGroup: `PG_${name}_${RUN}`,
  }).then((created) => {
    clients.push(created);
    return created;
  });
}

interface ConsumerHandle {
  consumer: OnsConsumer;
  got: Map<string, Received>;
  /** Deliveries including repeats. */
  deliveries: number;
}

async function consumer(
  name: string,
  group: string,
  topic: string,
  subExpression = '*',
  onReceive?: (message: Received) => void,
): Promise<ConsumerHandle> {
  const handle = { got: new Map<string, Received>(), deliveries: 0 } as ConsumerHandle;
  handle.consumer = await startConsumer({
    nameServer: nameServer.address,
    problems,
    instanceName: `${name}-${RUN}`,
    consumerGroup: group,
    topic,
    subExpression,
    parallelConsumeLimit: 32,
    onMessage: (message) => {
      const seen = received(message, name);
      handle.deliveries++;
      handle.got.set(seen.key, seen);
      onReceive?.(seen);
    },
  });
  clients.push(handle.consumer);
  return handle;
}

describe('compat ali-ons - producer and clustering consumer', () => {
  it('ali-ons - 10,000 tagged, keyed messages are sent and each arrives intact once', async () => {
    problems = new ClientProblems();
    const topic = `AliOnsBulk_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    const send = await producer('bulk-producer');

    const startedMs = Date.now();
    const sent = await sendAll(send, {
      topic,
      prefix: `bulk-${RUN}`,
      count: 10_000,
      tagOf: alternatingTag,
      // Every 1,000th body passes 4 KiB, so the client deflates it (sysFlag bit 0).
      bodyOf: (i) => (i % 1000 === 7 ? `bulk-${RUN}-big-${i}-`.padEnd(5000, 'x') : undefined),
      concurrency: 50,
    });
    const sentMs = Date.now() - startedMs;
    expect(new Set(sent.map((m) => m.msgId)).size).toBe(10_000);
    expect(new Set(sent.map((m) => m.queueId)).size).toBe(8);

    const group = `GID_bulk_${RUN}`;
    const reader = await consumer('bulk-consumer', group, topic);
    await waitFor(
      () => reader.got.size >= sent.length,
      30_000,
      () =>
        `received ${reader.got.size} of ${sent.length}; first problems: ${differences(sent, reader.got).join('; ')}`,
    );
    expect(differences(sent, reader.got)).toEqual([]);
    expect(reader.got.size).toBe(sent.length);
    expect(reader.deliveries).toBe(sent.length);
    expectNoClientProblems();
    console.info(
      `ali-ons bulk: sent 10,000 in ${sentMs} ms, consumed in ${Date.now() - startedMs - sentMs} ms`,
    );
  }, 60_000);
});

describe('compat ali-ons - group membership', () => {
  it('ali-ons - a second member takes over part of the queues and nothing is lost', async () => {
    problems = new ClientProblems();
    const topic = `AliOnsRebalance_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    const send = await producer('rebalance-producer');
    const group = `GID_rebalance_${RUN}`;
    /** Who received each key, repeats included. */
    const receivers = new Map<string, Set<string>>();
    const record = (message: Received) => {
      const names = receivers.get(message.key) ?? new Set<string>();
      names.add(message.consumer);
      receivers.set(message.key, names);
    };
    const first = await consumer('member-1', group, topic, '*', record);
    const before = await sendAll(send, {
      topic,
      prefix: `rebalance-${RUN}-before`,
      count: 200,
      tagOf: alternatingTag,
    });
    await waitFor(
      () => first.got.size >= before.length,
      10_000,
      () => `the only member received ${first.got.size} of ${before.length}`,
    );

    const second = await consumer('member-2', group, topic, '*', record);
    const joinedMs = Date.now();
    // Rounds of messages until one round is split between the members with no queue read by
    // both: the first member has then run its 10 s rebalance and let go of its extra queues.
    const after: SentMessage[] = [];
    let round = 0;
    let settledRound: SentMessage[] | undefined;
    const splitCleanly = (messages: SentMessage[]) => {
      const byConsumer = new Map<string, Set<number>>();
      for (const message of messages) {
        const names = receivers.get(message.key);
        if (!names || names.size !== 1) return false;
        const [name] = [...names];
        const queues = byConsumer.get(name!) ?? new Set<number>();
        queues.add(message.queueId);
        byConsumer.set(name!, queues);
      }
      const [a, b] = [...byConsumer.values()];
      return byConsumer.size === 2 && [...a!].every((queueId) => !b!.has(queueId));
    };
    await waitFor(
      async () => {
        const messages = await sendAll(send, {
          topic,
          prefix: `rebalance-${RUN}-round-${round++}`,
          count: 40,
          tagOf: alternatingTag,
          concurrency: 8,
        });
        after.push(...messages);
        const delivered = () => messages.every((message) => receivers.has(message.key));
        await waitFor(delivered, 5_000, () => `round ${round} was not delivered`);
        if (splitCleanly(messages)) settledRound = messages;
        return settledRound !== undefined;
      },
      25_000,
      () => `no round split cleanly between the members (${round} rounds sent)`,
    );
    const settledMs = Date.now() - joinedMs;

    const everyone = [...before, ...after];
    const lost = everyone.filter((message) => !receivers.has(message.key));
    expect(lost.map((m) => m.key)).toEqual([]);
    expect(second.got.size).toBeGreaterThan(0);
    const firstQueues = new Set(
      settledRound!.filter((m) => first.got.has(m.key)).map((m) => m.queueId),
    );
    const secondQueues = new Set(
      settledRound!.filter((m) => second.got.has(m.key)).map((m) => m.queueId),
    );
    expect(firstQueues.size).toBeGreaterThan(0);
    expect(secondQueues.size).toBeGreaterThan(0);
    expectNoClientProblems();
    const duplicates = everyone.filter((m) => receivers.get(m.key)!.size > 1).length;
    console.info(
      `ali-ons rebalance: settled ${settledMs} ms after the second member joined, ${round} rounds, ${duplicates} messages delivered to both`,
    );
  }, 45_000);
});

describe('compat ali-ons - restart', () => {
  it('ali-ons - after a SIGTERM restart a group resumes at its committed offsets and nothing acknowledged is lost', async () => {
    problems = new ClientProblems();
    const topic = `AliOnsRestart_${RUN}`;
    const group = `GID_restart_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    const send = await producer('restart-producer');
    // The backlog fills queues 1 to 3 only. ali-ons commits -1 for the queues it holds at
    // offset 0, and those must still be read from 0 after the restart, not from their end.
    const shardingKeys = [1, 2, 3].map((queueId) => shardingKeyFor(queueId, 8));
    const backlog = await sendAll(send, {
      topic,
      prefix: `restart-${RUN}-old`,
      count: 2000,
      tagOf: alternatingTag,
      shardingKeyOf: (i) => shardingKeys[i % shardingKeys.length],
    });
    expect(new Set(backlog.map((message) => message.queueId))).toEqual(new Set([1, 2, 3]));
    const before = await consumer('restart-consumer-1', group, topic);
    await waitFor(
      () => before.got.size >= backlog.length,
      20_000,
      () => `received ${before.got.size} of ${backlog.length} before the restart`,
    );
    // close() commits every owned queue's offset (UPDATE_CONSUMER_OFFSET) before it returns.
    await before.consumer.close();
    clients.splice(clients.indexOf(before.consumer), 1);
    const committed = await committedTotal(topic, group);
    expect(committed).toBe(backlog.length);

    const { dataDir, port } = broker;
    expect(await broker.stop('SIGTERM')).toBe(0);
    broker = await startBrokerProcess({ namesrvAddr: nameServer.address, dataDir, port });
    await waitForRoute(admin, nameServer.address, topic);
    expect(await committedTotal(topic, group)).toBe(backlog.length);

    const fresh = await sendAll(send, {
      topic,
      prefix: `restart-${RUN}-new`,
      count: 300,
      tagOf: alternatingTag,
    });
    const after = await consumer('restart-consumer-2', group, topic);
    await waitFor(
      () => fresh.every((message) => after.got.has(message.key)),
      20_000,
      () =>
        `the resumed group received ${after.got.size} messages; missing: ${differences(fresh, after.got).join('; ')}`,
    );
    expect(differences(fresh, after.got)).toEqual([]);
    expect(new Set(fresh.map((message) => message.queueId)).size).toBe(8);
    const redelivered = backlog.filter((message) => after.got.has(message.key)).length;
    // Close committed exact offsets, so a few redeliveries at most, never the backlog.
    expect(redelivered).toBeLessThan(50);

    const everything = [...backlog, ...fresh];
    const audit = await consumer('restart-audit', `GID_restart_audit_${RUN}`, topic);
    await waitFor(
      () => audit.got.size >= everything.length,
      20_000,
      () =>
        `a fresh group read ${audit.got.size} of ${everything.length}; ${differences(everything, audit.got).join('; ')}`,
    );
    expect(differences(everything, audit.got)).toEqual([]);
    expectNoClientProblems();
    console.info(`ali-ons restart: ${redelivered} of ${backlog.length} old messages redelivered`);
  }, 60_000);
});

describe('compat ali-ons - tag filtering', () => {
  it('ali-ons - a consumer subscribed to TagA receives only TagA messages, all of them', async () => {
    problems = new ClientProblems();
    const topic = `AliOnsTags_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    const send = await producer('tags-producer');
    // TagA, TagB and untagged (the client sends TAGS "null" for those).
    const sent = await sendAll(send, {
      topic,
      prefix: `tags-${RUN}`,
      count: 300,
      tagOf: (i) => ['TagA', 'TagB', 'null'][i % 3]!,
    });
    const tagA = sent.filter((message) => message.tags === 'TagA');
    const reader = await consumer('tags-consumer', `GID_tags_${RUN}`, topic, 'TagA');
    await waitFor(
      () => reader.got.size >= tagA.length,
      20_000,
      () => `received ${reader.got.size} of ${tagA.length} TagA messages`,
    );
    // Sent after the TagA messages arrived, a last TagA marker proves later pulls saw no others.
    const [marker] = await sendAll(send, {
      topic,
      prefix: `tags-${RUN}-marker`,
      count: 1,
      tagOf: () => 'TagA',
    });
    await waitFor(
      () => reader.got.has(marker!.key),
      20_000,
      () => 'the TagA marker did not arrive',
    );
    const wrong = [...reader.got.values()].filter((message) => message.tags !== 'TagA');
    expect(wrong.map((message) => `${message.key}:${message.tags}`)).toEqual([]);
    expect(differences([...tagA, marker!], reader.got)).toEqual([]);
    expect(reader.got.size).toBe(tagA.length + 1);
    expectNoClientProblems();
  }, 30_000);
});

describe('compat ali-ons - long polling', () => {
  it('ali-ons - held pulls end before the client gives up at 30 s, and a later message arrives at once', async () => {
    problems = new ClientProblems();
    const topic = `AliOnsIdle_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic);
    const send = await producer('idle-producer');
    const reader = await consumer('idle-consumer', `GID_idle_${RUN}`, topic);
    const [first] = await sendAll(send, {
      topic,
      prefix: `idle-${RUN}-first`,
      count: 1,
      tagOf: alternatingTag,
    });
    await waitFor(
      () => reader.got.has(first!.key),
      10_000,
      () => 'the first message did not arrive',
    );
    // The client asks the broker to hold a pull 15 s and closes the socket after 30 s without
    // an answer; past 30 s idle, a broker holding too long would have shown up as pull errors.
    await new Promise((resolve) => setTimeout(resolve, 32_000));
    const startedMs = Date.now();
    const later = await sendAll(send, {
      topic,
      prefix: `idle-${RUN}-later`,
      count: 16,
      tagOf: alternatingTag,
    });
    await waitFor(
      () => later.every((message) => reader.got.has(message.key)),
      10_000,
      () =>
        `received ${later.filter((m) => reader.got.has(m.key)).length} of ${later.length} after idling`,
    );
    const latencyMs = Date.now() - startedMs;
    expect(latencyMs).toBeLessThan(3000);
    expectNoClientProblems();
    console.info(`ali-ons long polling: delivered 32 s after the last message in ${latencyMs} ms`);
  }, 50_000);
});
