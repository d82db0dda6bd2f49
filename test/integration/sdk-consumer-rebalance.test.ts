/**
 * PushConsumer group membership against real processes: a member joining and leaving a
 * clustering group (rebalanced at once through NOTIFY_CONSUMER_IDS_CHANGED, no message lost),
 * and broadcasting consumers that each get everything and restart from their local offset file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseOffsetTable } from '../../src/client/consumer/offset-store.ts';
import type { MessageQueue } from '../../src/client/core/route.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import type { Recorder, Sent } from './sdk-consumer-cluster.ts';
import { ConsumerCluster, RUN, sleep, waitFor } from './sdk-consumer-cluster.ts';

const cluster = new ConsumerCluster();
const dirs: Array<{ remove: () => void }> = [];

beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());
afterEach(async () => {
  await cluster.shutdownConsumers();
  for (const dir of dirs.splice(0)) dir.remove();
});

function queueIdsOf(recorder: Recorder, topic: string): number[] {
  return recorder.consumer.assignedQueues.filter((q) => q.topic === topic).map((q) => q.queueId);
}

/** True when the members' queues of topic are disjoint and cover 0..count-1. */
function partitioned(members: Recorder[], topic: string, count: number): boolean {
  const all = members.flatMap((member) => queueIdsOf(member, topic));
  return (
    all.length === count &&
    new Set(all).size === count &&
    members.every((m) => queueIdsOf(m, topic).length > 0)
  );
}

function describeShares(members: Recorder[], topic: string): string {
  return members.map((m) => `[${queueIdsOf(m, topic).join(',')}]`).join(' ');
}

describe('sdk consumer - clustering membership', () => {
  it('sdk consumer - a member joining and leaving takes and hands back queues; each queue has one owner and nothing is lost', async () => {
    const topic = `SdkRebalance_${RUN}`;
    const group = `GID_sdk_rebalance_${RUN}`;
    await cluster.createTopic(topic);
    const options = { group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' as const };
    const first = await cluster.pushConsumer({ ...options, instanceName: `first-${RUN}` }, topic);
    const before = await cluster.send({ topic, prefix: `before-${RUN}`, count: 200 });
    await waitFor(
      () => first.has(before),
      15_000,
      () => `first has ${first.byKey.size}`,
    );
    expect(queueIdsOf(first, topic)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const second = await cluster.pushConsumer({ ...options, instanceName: `second-${RUN}` }, topic);
    const joinedMs = Date.now();
    await waitFor(
      () => partitioned([first, second], topic, 8),
      10_000,
      () => `shares ${describeShares([first, second], topic)}`,
    );
    // NOTIFY_CONSUMER_IDS_CHANGED, not the 20 s timer, moved the queues.
    expect(Date.now() - joinedMs).toBeLessThan(5000);
    expect(queueIdsOf(first, topic)).toHaveLength(4);
    expect(queueIdsOf(second, topic)).toHaveLength(4);

    const during = await cluster.send({ topic, prefix: `during-${RUN}`, count: 200 });
    const both = (sent: Sent[]) =>
      sent.every((m) => first.byKey.has(m.key) || second.byKey.has(m.key));
    await waitFor(
      () => both(during),
      15_000,
      () => 'messages sent to two members missing',
    );
    // Sent after the split: each is delivered once, by the owner of its queue.
    const ownerOf = (queueId: number) =>
      queueIdsOf(first, topic).includes(queueId) ? first : second;
    await sleep(300);
    for (const [index, message] of during.entries()) {
      const owner = ownerOf(index % 8);
      const other = owner === first ? second : first;
      expect(owner.byKey.get(message.key)).toHaveLength(1);
      expect(other.byKey.has(message.key)).toBe(false);
    }

    await second.consumer.shutdown();
    await waitFor(
      () => queueIdsOf(first, topic).length === 8,
      10_000,
      () => `first holds ${describeShares([first], topic)} after the second left`,
    );
    const after = await cluster.send({ topic, prefix: `after-${RUN}`, count: 200 });
    await waitFor(
      () => first.has(after),
      15_000,
      () => `missing ${first.missing(after)}`,
    );
    const lost = [...before, ...during, ...after].filter(
      (m) => !first.byKey.has(m.key) && !second.byKey.has(m.key),
    );
    expect(lost).toEqual([]);
    await first.consumer.shutdown();
    expect(await cluster.committed(topic, group)).toEqual(Array(8).fill(75));
  });
});

describe('sdk consumer - broadcasting', () => {
  it('sdk consumer - every member gets every message; offsets live in a local file and a restart resumes from it', async () => {
    const topic = `SdkBroadcast_${RUN}`;
    const group = `GID_sdk_broadcast_${RUN}`;
    await cluster.createTopic(topic, 4);
    const dir = makeTempDir('sdk-broadcast');
    dirs.push(dir);
    const options = {
      group,
      messageModel: 'BROADCASTING' as const,
      offsetStoreDir: dir.path,
      persistOffsetIntervalMs: 200,
    };
    const one = await cluster.pushConsumer({ ...options, instanceName: `one-${RUN}` }, topic);
    const two = await cluster.pushConsumer({ ...options, instanceName: `two-${RUN}` }, topic);
    expect(one.consumer.assignedQueues.map((q) => q.queueId)).toEqual([0, 1, 2, 3]);
    expect(two.consumer.assignedQueues.map((q) => q.queueId)).toEqual([0, 1, 2, 3]);

    const first = await cluster.send({ topic, prefix: `bc1-${RUN}`, count: 100, queues: 4 });
    await waitFor(
      () => one.has(first) && two.has(first),
      15_000,
      () => `one ${one.byKey.size}, two ${two.byKey.size}`,
    );
    await sleep(300);
    expect(one.deliveries).toBe(100);
    expect(two.deliveries).toBe(100);

    const clientId = one.consumer.clientId!;
    await one.consumer.shutdown();
    const file = join(dir.path, clientId, group, 'offsets.json');
    expect(existsSync(file)).toBe(true);
    const offsets = parseOffsetTable(readFileSync(file, 'utf8'));
    const byQueue = (entries: Array<{ queue: MessageQueue; offset: number }>) =>
      entries.map((e) => `${e.queue.topic}/${e.queue.queueId}=${e.offset}`).sort();
    expect(byQueue(offsets)).toEqual([0, 1, 2, 3].map((q) => `${topic}/${q}=25`));
    // Broadcasting commits nothing to the broker (it still answers 0 for a young queue).
    expect(await cluster.committed(topic, group, 4)).toEqual([0, 0, 0, 0]);

    const second = await cluster.send({ topic, prefix: `bc2-${RUN}`, count: 100, queues: 4 });
    const again = await cluster.pushConsumer({ ...options, instanceName: `one-${RUN}` }, topic);
    expect(again.consumer.clientId).toBe(clientId);
    await waitFor(
      () => again.has(second) && two.has(second),
      15_000,
      () => `restarted ${again.byKey.size}, two ${two.byKey.size}`,
    );
    await sleep(300);
    expect(again.deliveries).toBe(100);
    expect(first.some((m) => again.byKey.has(m.key))).toBe(false);
    expect(two.deliveries).toBe(200);
  });
});
