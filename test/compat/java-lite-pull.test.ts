/**
 * Apache's Java client (rocketmq-client 4.9.8), its DefaultLitePullConsumer, against ThrustMQ
 * and against Apache RocketMQ: subscribe-and-poll, and assign + seek + poll + commitSync with a
 * later consumer of the same group resuming from the committed offsets.
 */
import { describe, expect, it } from 'vitest';
import type { JavaRunner } from './java-runner.ts';
import { useJavaSuite } from './java-suite.ts';
import { compatTargets } from './targets.ts';

interface Sent {
  status: string;
  msgId: string;
  queueId: number;
  queueOffset: number;
}

interface Received {
  msgId: string;
  body: string;
  queueId: number;
  queueOffset: number;
}

interface Assigned {
  committedBefore: Record<string, number>;
  received: Received[];
  committed: Record<string, number>;
}

const QUEUES = 4;

describe.each(compatTargets())('Java DefaultLitePullConsumer on %s', (kind) => {
  let java: JavaRunner;

  useJavaSuite(kind, {}, (_target, runner) => {
    java = runner;
  });

  const send = async (topic: string, prefix: string, count: number): Promise<Sent[]> => {
    const { sent } = await java.run<{ sent: Sent[] }>('send-sync', {
      topic,
      group: `${topic}-producer`,
      tags: 'TagA',
      prefix,
      count,
    });
    for (const result of sent) expect(result.status).toBe('SEND_OK');
    return sent;
  };

  it('subscribe(topic, "*") and poll() receive every message sent, once', async () => {
    const topic = 'JavaLiteSubscribe';
    const sent = await send(topic, 'lite-sub', 30);
    const { received } = await java.run<{ received: Received[] }>(
      'lite-pull-subscribe',
      { topic, group: 'java-lite-subscribe', expect: 30, waitMs: 30_000, settleMs: 1_000 },
      45_000,
    );
    expect(received.map((message) => message.msgId).sort()).toEqual(
      sent.map((result) => result.msgId).sort(),
    );
    expect(new Set(received.map((message) => message.body))).toEqual(
      new Set(Array.from({ length: 30 }, (_, index) => `lite-sub-body-${index}`)),
    );
  }, 90_000);

  it('assign + seek + poll + commitSync, and a new consumer of the group resumes there', async () => {
    const topic = 'JavaLiteAssign';
    const group = 'java-lite-assign';
    const first = await send(topic, 'lite-first', 20);
    const seekTo = 2;
    const wanted = first.filter((result) => result.queueOffset >= seekTo);
    const seek = Object.fromEntries(Array.from({ length: QUEUES }, (_, id) => [id, seekTo]));
    const one = await java.run<Assigned>(
      'lite-pull-assign',
      { topic, group, seek, expect: wanted.length, waitMs: 30_000, settleMs: 1_000 },
      45_000,
    );
    // A group that never committed: the client reads no offset from the broker (0 on both).
    expect(Object.keys(one.committedBefore)).toHaveLength(QUEUES);
    for (const offset of Object.values(one.committedBefore)) expect(offset).toBeLessThanOrEqual(0);
    expect(one.received.map((message) => message.msgId).sort()).toEqual(
      wanted.map((result) => result.msgId).sort(),
    );
    const ends = new Map<number, number>();
    for (const result of first)
      ends.set(result.queueId, Math.max(ends.get(result.queueId) ?? 0, result.queueOffset + 1));
    for (const [queueId, end] of ends) expect(one.committed[String(queueId)]).toBe(end);

    const second = await send(topic, 'lite-second', 8);
    const two = await java.run<Assigned>(
      'lite-pull-assign',
      { topic, group, expect: second.length, waitMs: 30_000, settleMs: 1_500 },
      45_000,
    );
    // The committed offsets reached the broker: the new consumer reads them and starts there.
    expect(two.committedBefore).toEqual(one.committed);
    expect(two.received.map((message) => message.msgId).sort()).toEqual(
      second.map((result) => result.msgId).sort(),
    );
    for (const result of second)
      ends.set(result.queueId, Math.max(ends.get(result.queueId) ?? 0, result.queueOffset + 1));
    for (const [queueId, end] of ends) expect(two.committed[String(queueId)]).toBe(end);
  }, 120_000);
});
