/**
 * Apache's Java client (rocketmq-client 4.9.8), its DefaultMQPushConsumer with a concurrent
 * listener, against ThrustMQ and against Apache RocketMQ: clustering members sharing a topic's
 * queues through rebalances, RECONSUME_LATER through %RETRY% to %DLQ%, and broadcasting.
 */
import { describe, expect, it } from 'vitest';
import type { JavaRunner } from './java-runner.ts';
import {
  PUSH_RUNNER_PROPERTIES,
  bodiesOf,
  keysFor,
  memberState,
  produce,
  receivedAll,
  settledShares,
  startMember,
  stopMember,
} from './java-push-members.ts';
import type { Delivery } from './java-push-members.ts';
import { useJavaSuite } from './java-suite.ts';
import { compatTargets } from './targets.ts';

/** An auto-created topic's queues (the producer's defaultTopicQueueNums). */
const QUEUES = 4;
/** Levels 3 and 4 (the first two retries) are 2 s and 4 s, the rest 1 s: retries run fast. */
const DELAY_LEVELS = ['1s', '1s', '2s', '4s', ...Array<string>(14).fill('1s')].join(' ');

function countBy(deliveries: Delivery[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { body } of deliveries) counts.set(body, (counts.get(body) ?? 0) + 1);
  return counts;
}

describe.each(compatTargets())('Java DefaultMQPushConsumer on %s', (kind) => {
  let java: JavaRunner;

  useJavaSuite(
    kind,
    {
      properties: { messageDelayLevel: DELAY_LEVELS },
      systemProperties: PUSH_RUNNER_PROPERTIES,
      startTimeoutMs: 180_000,
    },
    (_target, runner) => {
      java = runner;
    },
  );

  it('clustering members split the queues and rebalance as members join and leave', async () => {
    const topic = 'JavaPushClustering';
    const group = 'java-push-clustering';
    const member = { group, topic };
    const before = await produce(java, { topic, group, keys: keysFor('c0', 4), perKey: 5 });
    await startMember(java, 'cl-a', member);
    await startMember(java, 'cl-b', member);
    const pair = await settledShares(java, ['cl-a', 'cl-b'], topic, QUEUES);
    await receivedAll(java, ['cl-a', 'cl-b'], topic, bodiesOf(before));

    const steady = await produce(java, { topic, group, keys: keysFor('c1', 4), perKey: 5 });
    const afterSteady = await receivedAll(java, ['cl-a', 'cl-b'], topic, bodiesOf(steady));
    const steadyBodies = new Set(bodiesOf(steady));
    for (const [name, share] of pair) {
      const mine = afterSteady.get(name)!.filter(({ body }) => steadyBodies.has(body));
      expect(mine.length).toBeGreaterThan(0);
      for (const { queueId } of mine) expect(share).toContain(queueId);
    }
    const steadyCounts = countBy([...afterSteady.values()].flat());
    for (const body of steadyBodies) expect(steadyCounts.get(body)).toBe(1);
    // Commit what was consumed (the client's own timer starts only 10 s in), so a member taking
    // a queue over starts after it instead of replaying it.
    for (const name of ['cl-a', 'cl-b']) await memberState(java, name, topic, 0, 0, true);

    await startMember(java, 'cl-c', member);
    const three = await settledShares(java, ['cl-a', 'cl-b', 'cl-c'], topic, QUEUES);
    expect([...three.values()].map((share) => share.length).sort()).toEqual([1, 1, 2]);
    const joined = await produce(java, { topic, group, keys: keysFor('c2', 4), perKey: 5 });
    await receivedAll(java, ['cl-a', 'cl-b', 'cl-c'], topic, bodiesOf(joined));
    const gone = await stopMember(java, 'cl-b');
    const two = await settledShares(java, ['cl-a', 'cl-c'], topic, QUEUES);
    expect([...two.values()].map((share) => share.length)).toEqual([2, 2]);
    const left = await produce(java, { topic, group, keys: keysFor('c3', 4), perKey: 5 });
    const last = await receivedAll(java, ['cl-a', 'cl-c'], topic, bodiesOf(left), gone);

    const all = [...gone, ...last.get('cl-a')!, ...last.get('cl-c')!];
    const counts = countBy(all);
    for (const body of bodiesOf([...before, ...steady, ...joined, ...left]))
      expect(counts.get(body), body).toBeGreaterThanOrEqual(1);
    // Once the group has settled, a message goes to one member once; only messages in flight
    // while queues changed hands may come twice.
    const twice = [...bodiesOf(steady), ...bodiesOf(left)].filter((body) => counts.get(body) !== 1);
    expect(twice).toEqual([]);
    await stopMember(java, 'cl-a');
    await stopMember(java, 'cl-c');
  }, 240_000);

  it('RECONSUME_LATER retries through %RETRY%<group> by delay level, then %DLQ%<group>', async () => {
    const topic = 'JavaPushRetry';
    const group = 'java-push-retry';
    await startMember(java, 'retry', {
      group,
      topic,
      maxReconsumeTimes: 2,
      reconsumeLaterKeys: ['retry-bad'],
    });
    const [bad] = await produce(java, { topic, group, keys: ['retry-bad'], perKey: 1 });
    const good = await produce(java, { topic, group, keys: ['retry-good'], perKey: 3 });
    const { messages } = await java.run<{ messages: Delivery[] }>(
      'push-read-topic',
      { topic: `%DLQ%${group}`, group: 'java-push-retry-reader', atLeast: 1, waitMs: 60_000 },
      90_000,
    );
    const retries = await java.run<{ messages: Delivery[] }>(
      'push-read-topic',
      { topic: `%RETRY%${group}`, group: 'java-push-retry-reader', atLeast: 2, waitMs: 10_000 },
      40_000,
    );
    // Nothing more comes after the dead letter: give a stray retry time to show up.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const { received } = await memberState(java, 'retry', topic);
    await stopMember(java, 'retry');

    const badDeliveries = received.filter(({ keys }) => keys === 'retry-bad');
    expect(badDeliveries.map(({ reconsumeTimes }) => reconsumeTimes)).toEqual([0, 1, 2]);
    for (const delivery of badDeliveries) {
      // The client puts a retried message back under its own topic and unique id.
      expect(delivery.topic).toBe(topic);
      expect(delivery.msgId).toBe(bad!.msgId);
      expect(delivery.body).toBe('retry-bad:0');
      if (delivery.reconsumeTimes === 0) continue;
      // Apache's copy still names the level it waited at (3 + the reconsumeTimes it was sent
      // back with: its schedule service encodes the properties before clearing DELAY);
      // ThrustMQ drops DELAY on delivery, a documented difference. The waits below show the
      // levels on both.
      expect(delivery.properties['DELAY']).toBe(
        kind === 'apache' ? String(2 + delivery.reconsumeTimes) : undefined,
      );
      expect(delivery.properties['REAL_TOPIC']).toBe(`%RETRY%${group}`);
      expect(delivery.properties['RETRY_TOPIC']).toBe(topic);
      // Apache names the first stored copy by its offset id, whatever the client sent.
      expect(delivery.properties['ORIGIN_MESSAGE_ID']).toBe(bad!.offsetMsgId);
    }
    const [first, second, third] = badDeliveries.map(({ receivedAt }) => receivedAt);
    // Level 3 + reconsumeTimes: 2 s before the first retry, 4 s before the second.
    expect(second! - first!).toBeGreaterThanOrEqual(1_800);
    expect(third! - second!).toBeGreaterThanOrEqual(3_800);
    expect(third! - second!).toBeGreaterThan(second! - first!);
    expect(countBy(received.filter(({ keys }) => keys === 'retry-good'))).toEqual(
      new Map(bodiesOf(good).map((body) => [body, 1])),
    );

    // The copies the broker stored in the retry topic, one per send-back before the last.
    const copies = retries.messages.filter(({ keys }) => keys === 'retry-bad');
    expect(copies.map(({ reconsumeTimes }) => reconsumeTimes).sort()).toEqual([1, 2]);
    for (const copy of copies) {
      expect(copy.topic).toBe(`%RETRY%${group}`);
      expect(copy.msgId).toBe(bad!.msgId);
      expect(copy.properties['RETRY_TOPIC']).toBe(topic);
    }

    expect(messages).toHaveLength(1);
    const dead = messages[0]!;
    expect(dead.topic).toBe(`%DLQ%${group}`);
    expect(dead.body).toBe('retry-bad:0');
    expect(dead.keys).toBe('retry-bad');
    expect(dead.tags).toBe('TagA');
    expect(dead.reconsumeTimes).toBe(3);
    expect(dead.msgId).toBe(bad!.msgId);
    expect(dead.properties).toMatchObject({
      RETRY_TOPIC: topic,
      ORIGIN_MESSAGE_ID: bad!.offsetMsgId,
      UNIQ_KEY: bad!.msgId,
      KEYS: 'retry-bad',
      TAGS: 'TagA',
      // The retry it was read from.
      REAL_TOPIC: `%RETRY%${group}`,
      REAL_QID: expect.stringMatching(/^\d+$/),
    });
    // Apache sets level 0 on a dead letter; ThrustMQ leaves DELAY out (documented).
    expect(dead.properties['DELAY']).toBe(kind === 'apache' ? '0' : undefined);
  }, 180_000);

  it('broadcasting members each get every message', async () => {
    const topic = 'JavaPushBroadcast';
    const group = 'java-push-broadcast';
    const member = { group, topic, model: 'BROADCASTING' as const };
    const sent = await produce(java, { topic, group, keys: keysFor('bc', 4), perKey: 5 });
    await startMember(java, 'bc-a', member);
    await startMember(java, 'bc-b', member);
    const more = await produce(java, { topic, group, keys: keysFor('bc', 4), perKey: 5, from: 5 });
    const bodies = bodiesOf([...sent, ...more]);
    for (const name of ['bc-a', 'bc-b']) {
      const byMember = await receivedAll(java, [name], topic, bodies);
      // Let a duplicate show itself before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await memberState(java, name, topic);
      expect(state.queues).toEqual([0, 1, 2, 3]);
      expect(byMember.get(name)!.length).toBeGreaterThanOrEqual(bodies.length);
      expect(countBy(state.received)).toEqual(new Map(bodies.map((body) => [body, 1])));
    }
    await stopMember(java, 'bc-a');
    await stopMember(java, 'bc-b');
  }, 120_000);
});
