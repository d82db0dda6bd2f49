/**
 * Timer messages (RocketMQ 5's TIMER_DELIVER_MS / TIMER_DELAY_SEC) against real `thrustmq
 * namesrv` and `thrustmq broker` processes: arbitrary delays arrive within [delay, delay +
 * 200 ms], intact; a delay past timerMaxDelaySec and an unreadable timer property are refused
 * with MESSAGE_ILLEGAL; pending timers survive a SIGTERM restart and arrive once; a long timer
 * waits in the timer queue of its delay's highest bit and is not delivered early.
 */
import {
  cleanupAfterEach,
  startProducer,
  startRecordingConsumer,
} from '../harness/delivery-recorder.ts';
import type { Delivery } from '../harness/delivery-recorder.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/client/core/errors.ts';
import type { Producer } from '../../src/client/producer/producer.ts';
import { createRequest, RequestCode, ResponseCode } from '../../src/remoting/index.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const RUN = Math.random().toString(36).slice(2, 8);
const SLACK_MS = 200;
const TIMER_TOPIC = 'rmq_sys_wheel_timer';
const MAX_DELAY_SEC = 3 * 24 * 3600;

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
const cleanup = cleanupAfterEach();

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: nameServer.address,
    properties: { timerMaxDelaySec: String(MAX_DELAY_SEC) },
  });
  admin = adminClient();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
});

const producer = (): Promise<Producer> =>
  startProducer(nameServer.address, `PID_timer_${RUN}`, cleanup);

const consumer = async (group: string, topic: string): Promise<Delivery[]> =>
  (await startRecordingConsumer({ namesrvAddr: nameServer.address, group, topic }, cleanup)).seen;

/** The timer topic's max offset per queue, read from the broker. */
async function timerQueueDepths(): Promise<number[]> {
  const depths: number[] = [];
  for (let queueId = 0; queueId < 30; queueId++) {
    const response = await admin.invoke(
      broker.address,
      createRequest(RequestCode.GET_MAX_OFFSET, { topic: TIMER_TOPIC, queueId: String(queueId) }),
      3000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    depths.push(Number(response.extFields?.['offset']));
  }
  return depths;
}

describe('broker timer - arbitrary delivery times', () => {
  it('broker timer - delays of 1.5 s and 3.7 s (TIMER_DELIVER_MS) and 2 s (TIMER_DELAY_SEC) arrive within 200 ms of due, intact', async () => {
    const topic = `Timer_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const seen = await consumer(`GID_timer_${RUN}`, topic);
    const p = await producer();
    const sends = [];
    for (const [i, delayMs] of [3700, 1500, 2000].entries()) {
      const before = Date.now();
      const timing =
        i === 2
          ? { properties: { TIMER_DELAY_SEC: String(delayMs / 1000) } }
          : { deliverAt: before + delayMs };
      const result = await p.send({
        topic,
        body: `timer-${i}`,
        tags: 'TagT',
        keys: [`key-${i}`],
        flag: 3,
        ...timing,
      });
      sends.push({ i, delayMs, before, after: Date.now(), result });
    }
    const plain = await p.send({ topic, body: 'plain', keys: ['plain'] });
    await waitFor(
      () => seen.length >= 4,
      8000,
      () => `seen ${seen.map((s) => s.message.keys[0]).join(',')}`,
    );
    expect(seen[0]!.message.msgId).toBe(plain.msgId);
    expect(seen.map((s) => s.message.keys[0])).toEqual(['plain', 'key-1', 'key-2', 'key-0']);
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
      expect(message.body.toString()).toBe(`timer-${sent.i}`);
      expect(message.tags).toBe('TagT');
      expect(message.flag).toBe(3);
      const out = Number(message.properties['TIMER_OUT_MS']);
      expect(out).toBeGreaterThanOrEqual(sent.before + sent.delayMs);
      expect(out).toBeLessThanOrEqual(sent.after + sent.delayMs);
      expect(message.properties['REAL_TOPIC']).toBe(topic);
    }
  }, 20_000);

  it('broker timer - a delay past timerMaxDelaySec or an unreadable timer property is refused, naming the reason', async () => {
    const topic = `TimerBad_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const p = await producer();
    const tooLate = p.send({
      topic,
      body: 'x',
      deliverAt: Date.now() + (MAX_DELAY_SEC + 60) * 1000,
    });
    await expect(tooLate).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tooLate).rejects.toMatchObject({
      responseCode: ResponseCode.MESSAGE_ILLEGAL,
      remark: expect.stringContaining(`max delay ${MAX_DELAY_SEC * 1000}ms`),
    });
    await expect(
      p.send({ topic, body: 'x', properties: { TIMER_DELAY_SEC: 'soon' } }),
    ).rejects.toMatchObject({
      responseCode: ResponseCode.MESSAGE_ILLEGAL,
      remark: expect.stringContaining('TIMER_DELAY_SEC'),
    });
    await expect(p.send({ topic, body: 'x', deliverAt: -5 })).rejects.toThrow(/deliverAt/);
    // A time already past is an ordinary message, stored in the topic at once.
    const past = await p.send({ topic, body: 'past', deliverAt: Date.now() - 1000 });
    expect(past.messageQueue.topic).toBe(topic);
    const seen = await consumer(`GID_timer_bad_${RUN}`, topic);
    await waitFor(
      () => seen.length >= 1,
      5000,
      () => 'the past-due message never arrived',
    );
    expect(seen.map((s) => s.message.msgId)).toEqual([past.msgId]);
  }, 20_000);

  it('broker timer - pending timers survive a SIGTERM restart, arrive once and not early; a 2-day timer waits in its queue', async () => {
    const topic = `TimerRestart_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const p = await producer();
    const before = Date.now();
    const pending = [];
    for (let i = 0; i < 4; i++)
      pending.push(
        await p.send({
          topic,
          body: `late-${i}`,
          keys: [`late-${i}`],
          deliverAt: before + 4000 + i * 300,
        }),
      );
    const twoDays = 2 * 24 * 3600 * 1000;
    const depthsBefore = await timerQueueDepths();
    const far = await p.send({
      topic,
      body: 'far',
      keys: ['far'],
      deliverAt: Date.now() + twoDays,
    });
    const depthsAfter = await timerQueueDepths();
    // 2 days is between 2^27 and 2^28 ms: it waits in queue 27 and nowhere else.
    const grown = depthsAfter.map((d, q) => d - depthsBefore[q]!);
    expect(grown.indexOf(1)).toBe(27);
    expect(grown.reduce((a, b) => a + b, 0)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await p.shutdown();
    await broker.stop('SIGTERM');
    const offsets = readFileSync(join(broker.dataDir, 'config', 'timerOffset.json'), 'utf8');
    expect(offsets).toMatch(/^\{"offsetTable":\{(\d+:\d+,?)*\}\}$/);
    broker = await startBrokerProcess({
      namesrvAddr: nameServer.address,
      dataDir: broker.dataDir,
      port: broker.port,
      properties: { timerMaxDelaySec: String(MAX_DELAY_SEC) },
    });
    const seen = await consumer(`GID_timer_restart_${RUN}`, topic);
    await waitFor(
      () => seen.length >= 4,
      10_000,
      () => `seen ${seen.length}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.map((s) => s.message.msgId).sort()).toEqual(pending.map((r) => r.msgId).sort());
    for (const s of seen) {
      const i = Number(s.message.keys[0]!.split('-')[1]);
      expect(s.message.storeTimestamp - before).toBeGreaterThanOrEqual(4000 + i * 300);
    }
    expect(seen.some((s) => s.message.msgId === far.msgId)).toBe(false);
  }, 40_000);
});
