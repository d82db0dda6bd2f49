/**
 * Apache's Java client (rocketmq-client 4.9.8) on a ThrustMQ 2m-2s-sync cluster started from
 * conf/2m-2s-sync: a producer keeps sending and a push consumer group keeps consuming while
 * broker-a's master is SIGKILLed. The producer's failed sends go to broker-b on retry, and the
 * group consumes every acknowledged message, broker-a's queues from its slave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHaCluster } from '../harness/ha-cluster.ts';
import type { HaCluster } from '../harness/ha-cluster.ts';
import { waitFor } from '../harness/wait-for.ts';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner } from './java-runner.ts';
import type { StreamStatus } from './stream-status.ts';

const COUNT = 600;
const INTERVAL_MS = 10;

let cluster: HaCluster;
let java: JavaRunner;

beforeAll(async () => {
  cluster = await startHaCluster('2m-2s-sync', { storeShards: '2' });
  await cluster.waitInSync();
  java = await startJavaRunner({ namesrvAddr: cluster.namesrvAddr });
}, 180_000);

afterAll(async () => {
  await java?.stop();
  await cluster?.stop();
});

describe('Java clients on a 2m-2s-sync cluster', () => {
  it('java ha - a master SIGKILLed mid-stream: every message sent is consumed, its queues from the slave', async () => {
    const topic = 'JavaHaStream';
    const names = { producer: 'ha-producer', consumer: 'ha-consumer' };
    await cluster.admin.createTopic(topic, { readQueueNums: 4 });
    await java.run('stream-consume-start', {
      name: names.consumer,
      topic,
      group: 'java-ha-stream',
      persistMs: 1000,
      heartbeatMs: 2000,
    });
    await java.run('stream-produce-start', {
      name: names.producer,
      topic,
      group: 'java-ha-producer',
      prefix: 'ha',
      count: COUNT,
      intervalMs: INTERVAL_MS,
      perMessageMs: 60_000,
    });
    let status: StreamStatus | undefined;
    const poll = async (): Promise<StreamStatus> =>
      (status = await java.run<StreamStatus>('stream-status', names));
    const consumed = (): string[] =>
      Object.keys(status?.deliveries ?? {}).filter((body) => body.startsWith('ha-'));
    await waitFor(
      async () => (await poll(), consumed().length >= 100),
      60_000,
      () => JSON.stringify(status),
    );
    expect(status!.sent).toBeLessThan(COUNT);
    await cluster.brokers.get('broker-a')!.stop('SIGKILL');
    await waitFor(
      async () => (await poll(), status!.producerDone && consumed().length >= status!.sent),
      120_000,
      () => JSON.stringify({ ...status, deliveries: consumed().length }),
    );
    await java.run('stream-stop', { names: [names.producer, names.consumer] });
    expect(status!.abandoned).toBe(0);
    expect(status!.sent).toBe(COUNT);
    expect(consumed().sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `ha-${i}`).sort());
  }, 240_000);
});
