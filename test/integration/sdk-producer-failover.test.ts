import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/client/producer/producer.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { RawCalls, silent } from './sdk-producer-cluster.ts';

let namesrv: NameServerProcess;
let brokerA: BrokerProcess;
let brokerB: BrokerProcess;
let raw: RawCalls;
const dataDirs = [brokerDataDir(), brokerDataDir()];

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  [brokerA, brokerB] = await Promise.all(
    (['broker-a', 'broker-b'] as const).map((brokerName, i) =>
      startBrokerProcess({
        namesrvAddr: namesrv.address,
        dataDir: dataDirs[i]!.path,
        properties: { brokerName, brokerClusterName: 'FailoverCluster' },
      }),
    ),
  );
  raw = new RawCalls();
  await raw.createTopic(brokerA.address, 'Failover', 4);
  await raw.createTopic(brokerB.address, 'Failover', 4);
  await raw.waitForRoute(namesrv.address, 'Failover', ['broker-a', 'broker-b']);
});
afterAll(async () => {
  await raw?.close();
  await stopAll();
  for (const dir of dataDirs) dir.remove();
});

interface Outcome {
  startedMs: number;
  brokerName?: string;
  error?: Error;
}

describe('sdk producer - failover between brokers', () => {
  it('keeps sending on the remaining broker once one is stopped by SIGTERM', async () => {
    const producer = new Producer({
      group: 'FailoverGroup',
      namesrvAddr: namesrv.address,
      logger: silent,
    });
    await producer.start();
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async (id: number): Promise<void> => {
      // Bounded: the test stops the workers well before this many sends.
      for (let i = 0; running && i < 100_000; i++) {
        const startedMs = Date.now();
        try {
          const result = await producer.send({ topic: 'Failover', body: `w${id}-${i}` });
          outcomes.push({ startedMs, brokerName: result.messageQueue.brokerName });
        } catch (error) {
          outcomes.push({ startedMs, error: error as Error });
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, id) => worker(id));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const stopStartedMs = Date.now();
      await brokerA.stop('SIGTERM');
      const stoppedMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      running = false;
      await Promise.all(workers);

      const before = outcomes.filter((o) => o.startedMs < stopStartedMs);
      const after = outcomes.filter((o) => o.startedMs >= stoppedMs);
      expect(before.length).toBeGreaterThan(50);
      expect(new Set(before.map((o) => o.brokerName))).toEqual(new Set(['broker-a', 'broker-b']));
      expect(after.length).toBeGreaterThan(50);
      expect(after.filter((o) => o.error).map((o) => o.error!.message)).toEqual([]);
      expect(after.every((o) => o.brokerName === 'broker-b')).toBe(true);
      // Sends in flight while the broker went down may fail, but only once all 3 attempts (or
      // the send timeout) ran out.
      for (const o of outcomes.filter((x) => x.error)) {
        expect(o.startedMs).toBeLessThan(stoppedMs);
        expect(o.error!.message).toMatch(/\b3 attempt\(s\)|timed out/);
      }
    } finally {
      running = false;
      await Promise.all(workers);
      await producer.shutdown();
    }
  });
});
