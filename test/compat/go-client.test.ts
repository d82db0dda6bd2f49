/**
 * Apache's Go client (rocketmq-client-go v2, test/compat/go) against ThrustMQ and against
 * Apache RocketMQ with the same scenarios. Each scenario is one run of the Go binary, which
 * prints what the client observed; the assertions are all here.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GO_CLIENT_BINARY } from '../harness/build-compat.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

interface Sent {
  status: number;
  statusName: string;
  msgId: string;
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  body: string;
  key?: string;
  tag?: string;
  delayLevel?: number;
  sentAt: number;
}

interface Received {
  body: string;
  tag: string;
  keys: string;
  msgId: string;
  queueId: number;
  queueOffset: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  receivedAt: number;
  topic: string;
  delayLevel?: string;
  properties: Record<string, string>;
}

interface QueueSnapshot {
  queueId: number;
  offset: number;
  offsets: number[] | null;
  status: string;
  minOffset: number;
  maxOffset: number;
  nextBeginOffset: number;
}

interface SendOutcome {
  sent: Sent[];
  readBack: Received[];
}

interface ConsumeOutcome {
  sent: Sent[];
  received: Received[];
  committed?: Record<string, number>;
  queues?: QueueSnapshot[];
}

/** Shorter delay levels on both brokers, so the delay scenario waits seconds, not minutes. */
const DELAY_LEVELS = Array.from({ length: 18 }, (_, index) => `${index + 1}s`).join(' ');

/** Runs one scenario of the Go binary; resolves with its result line, rejects on @@error. */
function runGo<T>(scenario: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      GO_CLIENT_BINARY,
      [scenario, JSON.stringify({ ...args, timeoutMs: timeoutMs - 10_000 })],
      {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ROCKETMQ_GO_LOG_LEVEL: 'error' },
      },
      (error, stdout, stderr) => {
        const result = /^@@result (.*)$/m.exec(stdout);
        if (!error && result) return resolve(JSON.parse(result[1]!) as T);
        const why = /^@@error (.*)$/m.exec(stdout)?.[1] ?? error?.message ?? 'no result line';
        reject(new Error(`go ${scenario}: ${why}\n${stderr.slice(-4000)}`));
      },
    );
  });
}

/** Messages per queue, from the producer's side. */
function countByQueue(sent: Sent[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const one of sent) counts.set(one.queueId, (counts.get(one.queueId) ?? 0) + 1);
  return counts;
}

function expectSentOk(sent: Sent[], target: BrokerTarget): void {
  for (const one of sent) {
    expect(one.statusName).toBe('SEND_OK');
    expect(one.brokerName).toBe(target.brokerName);
    // The Go client writes its unique id in mixed case (hex of its IP, pid, time, counter).
    expect(one.msgId).toMatch(/^[0-9A-Fa-f]{32}$/);
    // The offset id is the broker's address (IPv4 + port) and the commit-log offset, in hex.
    expect(one.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    const port = Number.parseInt(one.offsetMsgId.slice(8, 16), 16);
    expect(`127.0.0.1:${port}`).toBe(target.brokerAddr);
  }
  // Each queue's offsets are consecutive from the first send to the last.
  const byQueue = new Map<number, number[]>();
  for (const one of sent)
    byQueue.set(one.queueId, [...(byQueue.get(one.queueId) ?? []), one.queueOffset]);
  for (const offsets of byQueue.values()) {
    const sorted = [...offsets].sort((a, b) => a - b);
    expect(sorted).toEqual(sorted.map((_, index) => sorted[0]! + index));
  }
}

/** What was read back is exactly what was sent: same bodies, ids, queues and offsets. */
function expectReadBack(sent: Sent[], readBack: Received[]): void {
  const key = (queueId: number, offset: number, body: string, id: string) =>
    `${queueId}/${offset}/${body}/${id}`;
  const wanted = sent.map((one) => key(one.queueId, one.queueOffset, one.body, one.msgId)).sort();
  const got = readBack.map((one) => key(one.queueId, one.queueOffset, one.body, one.msgId)).sort();
  expect(got).toEqual(wanted);
  for (const one of readBack) {
    expect(one.keys).toBe(one.body.replace(/-(\d+)$/, '-key-$1'));
    expect(one.properties['UNIQ_KEY']).toBe(one.msgId);
    expect(one.properties['TAGS']).toBe('TagA');
    // What Apache's broker (5.x) adds to every message it stores.
    expect(one.properties).toMatchObject({
      CLUSTER: 'DefaultCluster',
      MSG_REGION: 'DefaultRegion',
      TRACE_ON: 'true',
    });
  }
}

describe.each(compatTargets())('Go client (rocketmq-client-go v2) on %s', (kind) => {
  let target: BrokerTarget;
  const base = () => ({ namesrv: target.namesrvAddr });

  beforeAll(async () => {
    target = await startTarget(kind, { properties: { messageDelayLevel: DELAY_LEVELS } });
  }, 120_000);

  afterAll(async () => {
    await target?.stop();
  }, 60_000);

  it('sends synchronously, each SEND_OK, and reads every message back', async () => {
    const { sent, readBack } = await runGo<SendOutcome>(
      'send-sync',
      {
        ...base(),
        topic: 'GoSendSync',
        group: 'go-send-sync',
        prefix: 'sync',
        count: 20,
        tags: ['TagA'],
      },
      60_000,
    );
    expect(sent).toHaveLength(20);
    expectSentOk(sent, target);
    expectReadBack(sent, readBack);
  }, 70_000);

  it('sends asynchronously, every callback SEND_OK, and reads every message back', async () => {
    const { sent, readBack } = await runGo<SendOutcome>(
      'send-async',
      {
        ...base(),
        topic: 'GoSendAsync',
        group: 'go-send-async',
        prefix: 'async',
        count: 20,
        tags: ['TagA'],
      },
      60_000,
    );
    expect(sent).toHaveLength(20);
    expectSentOk(sent, target);
    // The one synchronous send that created the topic first comes back too.
    expect(readBack.filter((one) => one.body === 'async-warm')).toHaveLength(1);
    expectReadBack(
      sent,
      readBack.filter((one) => one.body !== 'async-warm'),
    );
  }, 70_000);

  it('delivers to a push consumer only the tags it selects, and all of them', async () => {
    const { sent, received } = await runGo<ConsumeOutcome>(
      'push-tags',
      {
        ...base(),
        topic: 'GoPushTags',
        group: 'go-push-tags',
        prefix: 'tags',
        count: 30,
        tags: ['TagA', 'TagB', 'TagC'],
        expression: 'TagA || TagC',
        settleMs: 1500,
      },
      60_000,
    );
    expectSentOk(sent, target);
    const wanted = sent.filter((one) => one.tag === 'TagA' || one.tag === 'TagC');
    expect(wanted).toHaveLength(20);
    expect(
      received.map((one) => one.tag).filter((tag) => tag !== 'TagA' && tag !== 'TagC'),
    ).toEqual([]);
    expect(received.map((one) => one.body).sort()).toEqual(wanted.map((one) => one.body).sort());
  }, 70_000);

  it('keeps each key in order through a queue selector and an orderly consumer', async () => {
    const keys = ['order-0', 'order-1', 'order-2', 'order-3', 'order-4'];
    const { sent, received } = await runGo<ConsumeOutcome>(
      'orderly',
      { ...base(), topic: 'GoOrderly', group: 'go-orderly', keys, count: 10, settleMs: 1500 },
      60_000,
    );
    expect(sent).toHaveLength(50);
    expectSentOk(sent, target);
    for (const key of keys) {
      // The selector hashes the key: one queue per key.
      expect(new Set(sent.filter((one) => one.key === key).map((one) => one.queueId)).size).toBe(1);
      const sequence = received.filter((one) => one.keys === key).map((one) => one.body);
      expect(sequence).toEqual(
        Array.from({ length: 10 }, (_, seq) => `${key}:${String(seq).padStart(3, '0')}`),
      );
    }
    expect(received).toHaveLength(50);
  }, 70_000);

  it('delivers delayed messages no earlier than their level', async () => {
    const levels = [1, 2, 3];
    const { sent, received } = await runGo<ConsumeOutcome>(
      'delay',
      { ...base(), topic: 'GoDelay', group: 'go-delay', prefix: 'delay', levels, settleMs: 500 },
      60_000,
    );
    expect(sent).toHaveLength(levels.length);
    expectSentOk(sent, target);
    expect(received.filter((one) => one.tag === 'Warm')).toHaveLength(1);
    const delayed = received.filter((one) => one.tag === 'Delayed');
    expect(delayed.map((one) => one.body).sort()).toEqual(sent.map((one) => one.body).sort());
    for (const one of sent) {
      const got = delayed.find((message) => message.body === one.body)!;
      const waitedMs = got.receivedAt - one.sentAt;
      expect(waitedMs).toBeGreaterThanOrEqual(one.delayLevel! * 1000);
      // Not held far beyond its level either (a generous bound for a loaded machine).
      expect(waitedMs).toBeLessThan(one.delayLevel! * 1000 + 10_000);
      // Delivered under the topic it was sent to, not the schedule topic, which the properties
      // still name (as both brokers leave them).
      expect(got.topic).toBe('GoDelay');
      expect(got.properties['REAL_TOPIC']).toBe('GoDelay');
      expect(got.properties['REAL_QID']).toBe(String(one.queueId));
      expect(got.msgId).toBe(one.msgId);
    }
  }, 70_000);

  it('polls every message with the pull consumer and commits offsets up to each queue end', async () => {
    const { sent, received, committed } = await runGo<ConsumeOutcome>(
      'pull-poll',
      {
        ...base(),
        topic: 'GoPullPoll',
        group: 'go-pull-poll',
        prefix: 'poll',
        count: 24,
        tags: ['TagA', 'TagB'],
        settleMs: 1000,
      },
      60_000,
    );
    expectSentOk(sent, target);
    expect(received.map((one) => one.body).sort()).toEqual(sent.map((one) => one.body).sort());
    for (const [queueId, count] of countByQueue(sent)) expect(committed?.[queueId]).toBe(count);
  }, 70_000);

  it('pulls each queue from explicit offsets: all from 0, the rest from the middle', async () => {
    const { sent, received, queues } = await runGo<ConsumeOutcome>(
      'pull-offset',
      {
        ...base(),
        topic: 'GoPullOffset',
        group: 'go-pull-offset',
        prefix: 'offset',
        count: 24,
        tags: ['TagA'],
      },
      60_000,
    );
    expectSentOk(sent, target);
    expect(received.map((one) => one.body).sort()).toEqual(sent.map((one) => one.body).sort());
    const counts = countByQueue(sent);
    expect(queues!.filter((queue) => queue.offset === 0)).toHaveLength(
      new Set(queues!.map((queue) => queue.queueId)).size,
    );
    for (const queue of queues!) {
      const count = counts.get(queue.queueId) ?? 0;
      const offsets = Array.from({ length: count - queue.offset }, (_, i) => queue.offset + i);
      expect(queue).toEqual({
        queueId: queue.queueId,
        offset: queue.offset,
        offsets: count > 0 ? offsets : null,
        status: count > 0 ? 'FOUND' : 'NO_NEW_MSG',
        minOffset: 0,
        maxOffset: count,
        nextBeginOffset: count,
      });
    }
    // Every queue holding two or more messages was also read from its middle.
    for (const [queueId, count] of counts)
      if (count >= 2)
        expect(
          queues!.some((q) => q.queueId === queueId && q.offset === Math.floor(count / 2)),
        ).toBe(true);
  }, 70_000);
});
