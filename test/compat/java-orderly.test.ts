/**
 * Apache's Java client (rocketmq-client 4.9.8), its DefaultMQPushConsumer with a
 * MessageListenerOrderly, against ThrustMQ and against Apache RocketMQ: the client locks its
 * queues on the broker (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ), so messages a MessageQueueSelector put
 * on one queue by key come in order per key, even while a second member takes queues over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/wait-for.ts';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner } from './java-runner.ts';
import {
  PUSH_RUNNER_PROPERTIES,
  bodiesOf,
  keysFor,
  memberState,
  produce,
  receivedAll,
  startMember,
  stopMember,
} from './java-push-members.ts';
import type { Delivery, MemberState, Sent } from './java-push-members.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

const QUEUES = 4;
const KEYS = 8;

/** Each key's deliveries in the order the JVM saw them, over every member. */
function byKey(deliveries: Delivery[]): Map<string, Delivery[]> {
  const keys = new Map<string, Delivery[]>();
  for (const delivery of [...deliveries].sort((a, b) => a.delivery - b.delivery))
    keys.set(delivery.keys, [...(keys.get(delivery.keys) ?? []), delivery]);
  return keys;
}

const seqOf = (delivery: Delivery): number => Number(delivery.body.split(':')[1]);

/** Waits until the members hold broker locks on disjoint, non-empty shares of every queue. */
async function settledLocks(java: JavaRunner, names: string[], topic: string) {
  let states: MemberState[] = [];
  await waitFor(
    async () => {
      states = await Promise.all(names.map((name) => memberState(java, name, topic)));
      const all = states.flatMap((state) => state.locked);
      return (
        states.every((state) => state.locked.length > 0) &&
        all.length === QUEUES &&
        new Set(all).size === QUEUES
      );
    },
    60_000,
    () =>
      `locks never settled: ${JSON.stringify(states.map(({ name, locked }) => [name, locked]))}`,
  );
  return states;
}

describe.each(compatTargets())('Java orderly DefaultMQPushConsumer on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  beforeAll(async () => {
    target = await startTarget(kind);
    java = await startJavaRunner({
      namesrvAddr: target.namesrvAddr,
      systemProperties: PUSH_RUNNER_PROPERTIES,
    });
  }, 180_000);

  const probeLocks = async (topic: string, group: string): Promise<number[]> => {
    const args = { brokerAddr: target.brokerAddr, brokerName: target.brokerName, group, topic };
    const probe = { ...args, queueIds: [0, 1, 2, 3] };
    return (await java.run<{ locked: number[] }>('orderly-lock-probe', probe)).locked;
  };

  afterAll(async () => {
    await java?.stop();
    await target?.stop();
  }, 60_000);

  it('keeps per-key order across a rebalance, each queue locked by one member', async () => {
    const topic = 'JavaPushOrderly';
    const group = 'java-push-orderly';
    const member = { group, topic, listener: 'orderly' as const, consumeMs: 5 };
    const keys = keysFor('ord', KEYS);
    const first = await produce(java, { topic, group, keys, perKey: 5, ordered: true });
    await startMember(java, 'ord-a', member);
    const alone = await settledLocks(java, ['ord-a'], topic);
    expect(alone[0]!.locked).toEqual([0, 1, 2, 3]);
    await receivedAll(java, ['ord-a'], topic, bodiesOf(first));

    // The second member joins while messages are still arriving and waiting on ord-a.
    const midStream = produce(java, {
      ...{ topic, group, keys, ordered: true },
      ...{ perKey: 10, from: 5, pauseMs: 10 },
    });
    await startMember(java, 'ord-b', member);
    const second = await midStream;
    await settledLocks(java, ['ord-a', 'ord-b'], topic);
    // Held by live members, no other client gets them.
    expect(await probeLocks(topic, group)).toEqual([]);
    const third = await produce(java, { topic, group, keys, perKey: 5, from: 15, ordered: true });
    const sent: Sent[] = [...first, ...second, ...third];
    await receivedAll(java, ['ord-a', 'ord-b'], topic, bodiesOf(sent), [], 90_000);
    const fromA = await stopMember(java, 'ord-a');
    // ord-a unlocked its queues as it stopped, so ord-b can lock them all.
    const left = await settledLocks(java, ['ord-b'], topic);
    expect(left[0]!.locked).toEqual([0, 1, 2, 3]);
    const fromB = await stopMember(java, 'ord-b');
    // Stopping, ord-b unlocked them in turn; the first probe gives them back too.
    expect(await probeLocks(topic, group)).toEqual([0, 1, 2, 3]);
    expect(await probeLocks(topic, group)).toEqual([0, 1, 2, 3]);

    const queueOfKey = new Map<string, number>();
    for (const { key, queueId } of sent) {
      expect(queueOfKey.get(key) ?? queueId, key).toBe(queueId);
      queueOfKey.set(key, queueId);
    }
    // Everything each member received up to its stop, so a late replay counts too.
    const perKey = byKey([...fromA, ...fromB]);
    expect(perKey.size).toBe(KEYS);
    let moved = 0;
    for (const [key, deliveries] of perKey) {
      const seqs = deliveries.map(seqOf);
      // A replay after a queue changed hands may go back; nothing ever skips ahead.
      for (let index = 1; index < seqs.length; index++)
        expect(seqs[index]!, `${key}: ${seqs.join()}`).toBeLessThanOrEqual(seqs[index - 1]! + 1);
      expect([...new Set(seqs)], key).toEqual(Array.from({ length: 20 }, (_, seq) => seq));
      // One member at a time: the key's queue passes from ord-a to ord-b at most once.
      const members = deliveries.map((delivery) => delivery.member);
      const switches = members.filter((name, index) => index > 0 && name !== members[index - 1]);
      expect(switches.length, `${key}: ${members.join()}`).toBeLessThanOrEqual(1);
      if (switches.length === 1) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  }, 240_000);
});
