/**
 * Delayed messages against real `thrustmq namesrv` and `thrustmq broker` processes (levels of
 * 1 s to 5 s to keep it short): delivered no earlier than due and at most 200 ms after, with
 * the message intact; pending ones survive a SIGTERM restart exactly once; a consumer's
 * RECONSUME_LATER brings the message back after the level-3 delay with reconsumeTimes 1.
 */
import {
  cleanupAfterEach,
  startProducer,
  startRecordingConsumer,
} from '../harness/delivery-recorder.ts';
import type { Delivery } from '../harness/delivery-recorder.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageExt } from '../../src/client/core/message.ts';
import type { Producer } from '../../src/client/producer/producer.ts';
import type { ConsumeResult } from '../../src/client/consumer/push-consumer.ts';
import type { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const RUN = Math.random().toString(36).slice(2, 8);
const LEVELS = '1s 2s 3s 4s 5s';
const SLACK_MS = 200;

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
const cleanup = cleanupAfterEach();

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: nameServer.address,
    properties: { messageDelayLevel: LEVELS },
  });
  admin = adminClient();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
});

const producer = (): Promise<Producer> =>
  startProducer(nameServer.address, `PID_delay_${RUN}`, cleanup);

/** A started consumer of topic recording every delivery with its arrival time. */
const consumer = (
  group: string,
  topic: string,
  listener?: (message: MessageExt) => ConsumeResult,
): Promise<{ seen: Delivery[]; consumer: PushConsumer }> =>
  startRecordingConsumer({ namesrvAddr: nameServer.address, group, topic }, cleanup, listener);

describe('broker delay - delay levels', () => {
  it('broker delay - a delayed message is invisible until due and delivered within 200 ms, intact', async () => {
    const topic = `Delay_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const { seen } = await consumer(`GID_delay_${RUN}`, topic);
    const p = await producer();
    const sends = [];
    for (const [i, level] of [1, 2, 1, 9].entries()) {
      const before = Date.now();
      const result = await p.send({
        topic,
        body: `delayed-${i}`,
        tags: 'TagD',
        keys: [`key-${i}`],
        delayLevel: level,
        flag: 7,
      });
      // Level 9 is past the last (5 s): clamped.
      sends.push({ i, delayMs: Math.min(level, 5) * 1000, before, after: Date.now(), result });
    }
    const plain = await p.send({ topic, body: 'plain', keys: ['plain'] });
    await waitFor(
      () => seen.length >= 5,
      8000,
      () => `seen ${seen.map((s) => s.message.keys[0]).join(',')}`,
    );
    expect(seen[0]!.message.keys).toEqual(['plain']);
    expect(seen[0]!.message.msgId).toBe(plain.msgId);
    for (const sent of sends) {
      const got = seen.filter((s) => s.message.keys[0] === `key-${sent.i}`);
      expect(got).toHaveLength(1);
      const { message, at } = got[0]!;
      expect(at - sent.before).toBeGreaterThanOrEqual(sent.delayMs);
      expect(at - sent.after).toBeLessThanOrEqual(sent.delayMs + SLACK_MS);
      expect(message.storeTimestamp - sent.before).toBeGreaterThanOrEqual(sent.delayMs);
      expect(message.topic).toBe(topic);
      expect(message.queueId).toBe(sent.result.messageQueue.queueId);
      expect(message.msgId).toBe(sent.result.msgId);
      expect(message.body.toString()).toBe(`delayed-${sent.i}`);
      expect(message.tags).toBe('TagD');
      expect(message.flag).toBe(7);
      expect(message.reconsumeTimes).toBe(0);
      expect(message.bornTimestamp).toBeGreaterThanOrEqual(sent.before);
      expect(message.bornTimestamp).toBeLessThanOrEqual(sent.after);
      expect(message.properties['DELAY']).toBeUndefined();
      expect(message.properties['REAL_TOPIC']).toBe(topic);
      expect(message.properties['REAL_QID']).toBe(String(sent.result.messageQueue.queueId));
    }
  }, 20_000);

  it('broker delay - RECONSUME_LATER brings the message back after the level-3 delay with reconsumeTimes 1', async () => {
    const topic = `DelayRetry_${RUN}`;
    const group = `GID_delay_retry_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const { seen } = await consumer(group, topic, (message) =>
      message.reconsumeTimes === 0 ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS',
    );
    const p = await producer();
    const sent = await p.send({ topic, body: 'retry-me', tags: 'TagR', keys: ['retry'] });
    await waitFor(
      () => seen.length >= 2,
      10_000,
      () => `seen ${seen.length}`,
    );
    const [first, second] = seen;
    expect(first!.message.reconsumeTimes).toBe(0);
    expect(second!.message.reconsumeTimes).toBe(1);
    expect(second!.message.msgId).toBe(sent.msgId);
    expect(second!.message.body.toString()).toBe('retry-me');
    expect(second!.message.properties['DELAY']).toBeUndefined();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(3000);
    expect(second!.at - first!.at).toBeLessThanOrEqual(3000 + 2 * SLACK_MS);
  }, 20_000);

  it('broker delay - pending delayed messages survive a SIGTERM restart and arrive once', async () => {
    const topic = `DelayRestart_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const p = await producer();
    const early = [];
    for (let i = 0; i < 2; i++)
      early.push(await p.send({ topic, body: `early-${i}`, keys: [`early-${i}`], delayLevel: 1 }));
    const before = Date.now();
    const pending = [];
    for (let i = 0; i < 3; i++)
      pending.push(await p.send({ topic, body: `late-${i}`, keys: [`late-${i}`], delayLevel: 4 }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await p.shutdown();
    await broker.stop('SIGTERM');
    const offsets = readFileSync(join(broker.dataDir, 'config', 'delayOffset.json'), 'utf8');
    // RocketMQ's form, integer keys unquoted. Level 1 was delivered before the stop; level 4 not.
    expect(offsets).toMatch(/^\{"offsetTable":\{(\d+:\d+,?)*\}\}$/);
    const table = new Map([...offsets.matchAll(/(\d+):(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(table.get('1')).toBeGreaterThanOrEqual(2);
    expect(table.get('4') ?? 0).toBe(0);
    broker = await startBrokerProcess({
      namesrvAddr: nameServer.address,
      dataDir: broker.dataDir,
      port: broker.port,
      properties: { messageDelayLevel: LEVELS },
    });
    const { seen } = await consumer(`GID_delay_restart_${RUN}`, topic);
    await waitFor(
      () => seen.length >= 5,
      10_000,
      () => `seen ${seen.length}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = seen.map((s) => s.message.msgId).sort();
    expect(ids).toEqual([...early, ...pending].map((r) => r.msgId).sort());
    for (const s of seen.filter((x) => x.message.keys[0]!.startsWith('late-'))) {
      expect(s.message.storeTimestamp - before).toBeGreaterThanOrEqual(4000);
    }
    expect(existsSync(join(broker.dataDir, 'config', 'delayOffset.json'))).toBe(true);
  }, 30_000);
});
