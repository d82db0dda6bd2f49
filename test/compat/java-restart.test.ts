/**
 * Apache's Java client (rocketmq-client 4.9.8) across a broker restart, on ThrustMQ and on Apache
 * RocketMQ: a producer keeps sending (retrying while the broker is away) and a push consumer
 * group keeps consuming; after the restart every message is consumed, duplicates stay within
 * at-least-once bounds, and the group's committed offsets reach the end of every queue.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../harness/wait-for.ts';
import type { JavaRunner } from './java-runner.ts';
import type { StreamStatus } from './stream-status.ts';
import { useJavaSuite } from './java-suite.ts';
import { compatTargets } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

const COUNT = 200;
const INTERVAL_MS = 30;
/** How often the consumer commits its offsets to the broker. */
const PERSIST_MS = 1000;
/**
 * A restarted broker refuses the group's pulls (SUBSCRIPTION_NOT_EXIST) until its next heartbeat,
 * every 30 s by default; shorter keeps the suite quick, the same on both brokers.
 */
const HEARTBEAT_MS = 2000;
/**
 * At least once: what the consumer took after its last commit before the broker stopped may come
 * again. At one message per INTERVAL_MS that is about PERSIST_MS / INTERVAL_MS (33); twice that
 * leaves room for a slow commit, and it is still far below the COUNT a restart from 0 would give.
 */
const MAX_DUPLICATES = Math.ceil((2 * PERSIST_MS) / INTERVAL_MS);

describe.each(compatTargets())('Java clients across a broker restart on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  useJavaSuite(kind, {}, (started, runner) => {
    target = started;
    java = runner;
  });

  it('a push consumer group consumes everything, resuming from its committed offsets', async () => {
    const topic = 'JavaRestartStream';
    const group = 'java-restart-stream';
    const names = { producer: 'restart-producer', consumer: 'restart-consumer' };
    // The topic exists before the consumer starts, so it finds its route at once.
    await java.run('send-sync', {
      topic,
      group: 'java-restart-warmup',
      tags: 'TagA',
      prefix: 'warmup',
      count: 1,
    });
    await java.run('stream-consume-start', {
      name: names.consumer,
      topic,
      group,
      persistMs: PERSIST_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
    await java.run('stream-produce-start', {
      name: names.producer,
      topic,
      group: 'java-restart-producer',
      prefix: 'restart',
      count: COUNT,
      intervalMs: INTERVAL_MS,
      perMessageMs: 90_000,
    });
    let status: StreamStatus | undefined;
    const poll = async (): Promise<StreamStatus> =>
      (status = await java.run<StreamStatus>('stream-status', names));
    const streamed = (deliveries: Record<string, number> = {}): Array<[string, number]> =>
      Object.entries(deliveries).filter(([body]) => body.startsWith('restart-'));
    const consumed = (): number => streamed(status?.deliveries).length;
    await waitFor(
      async () => (await poll(), consumed() >= 20),
      60_000,
      () => JSON.stringify(status),
    );
    // Mid-stream: the producer is still sending and the consumer still has messages to get.
    expect(status!.sent).toBeLessThan(COUNT);
    expect(consumed()).toBeLessThan(COUNT);
    await target.restartBroker();
    await waitFor(
      async () => (await poll(), status!.producerDone && consumed() >= status!.sent),
      120_000,
      () => JSON.stringify({ ...status, deliveries: consumed() }),
    );
    // Give a late redelivery the time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 2 * PERSIST_MS));
    const final = await poll();
    await java.run('stream-stop', { names: [names.producer, names.consumer] });
    expect(final.abandoned).toBe(0);
    expect(final.sent).toBe(COUNT);
    expect(final.deliveries['warmup-body-0']).toBeGreaterThanOrEqual(1);
    expect(
      streamed(final.deliveries)
        .map(([body]) => body)
        .sort(),
    ).toEqual(Array.from({ length: COUNT }, (_, index) => `restart-${index}`).sort());
    const duplicates = streamed(final.deliveries).reduce((sum, [, n]) => sum + n, 0) - COUNT;
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(MAX_DUPLICATES);

    // The group's offsets on the broker cover every message: a new member finds nothing left.
    const after = await java.run<{
      committedBefore: Record<string, number>;
      received: unknown[];
    }>('lite-pull-assign', { topic, group, expect: 0, waitMs: 0, settleMs: 1_500 }, 30_000);
    expect(after.received).toEqual([]);
    // Every message stored, the warm-up too; a send that failed on the client but was stored
    // before the broker stopped is stored again by its retry (at least once on the producer side).
    const committed = Object.values(after.committedBefore).reduce((sum, n) => sum + n, 0);
    expect(committed).toBeGreaterThanOrEqual(COUNT + 1);
    expect(committed).toBeLessThanOrEqual(COUNT + 1 + final.failedAttempts);
  }, 240_000);
});
