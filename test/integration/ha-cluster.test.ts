/**
 * A 2m-2s-sync cluster started from conf/2m-2s-sync (two name servers, four brokers): a
 * producer sends 100,000 messages while broker-a's master is SIGKILLed midway. Every
 * acknowledged message survives on the machines left, broker-a's slave holds the master's log
 * byte for byte, and a consumer group reads every acknowledged message, broker-a's queues from
 * its slave.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LitePullConsumer } from '../../src/client/consumer/lite-pull-consumer.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import { HA_BROKERS, startHaCluster } from '../harness/ha-cluster.ts';
import { runThrustmq } from '../harness/processes.ts';
import type { HaCluster } from '../harness/ha-cluster.ts';

const logger = pino({ level: 'silent' });
const RUN = Date.now().toString(36);
const TOTAL = 100_000;
const IN_FLIGHT = 1000;
const SHARDS = 2;

let cluster: HaCluster;

beforeAll(async () => {
  cluster = await startHaCluster('2m-2s-sync', { storeShards: String(SHARDS) });
  await cluster.waitInSync();
}, 120_000);

afterAll(() => cluster?.stop());

function shardLog(dataDir: string, shard: number): Buffer {
  const dir = join(dataDir, 'shards', String(shard), 'commitlog');
  const names = readdirSync(dir)
    .filter((name) => /^\d{20}$/.test(name))
    .sort();
  return Buffer.concat(names.map((name) => readFileSync(join(dir, name))));
}

describe('2m-2s-sync cluster', () => {
  it('ha cluster - clusterList shows the slaves; haStatus shows every slave link in sync', async () => {
    const list = await runThrustmq(['admin', 'clusterList', '-n', cluster.namesrvAddr]);
    expect(list.code, list.stderr).toBe(0);
    for (const name of HA_BROKERS) {
      const broker = cluster.brokers.get(name)!;
      expect(list.stdout).toMatch(
        new RegExp(
          `${name.replace(/-s$/, '')}\\s+${name.endsWith('-s') ? 1 : 0}\\s+${broker.address}`,
        ),
      );
    }
    const ha = await runThrustmq([
      'admin',
      'haStatus',
      '-n',
      cluster.namesrvAddr,
      '-c',
      'DefaultCluster',
    ]);
    expect(ha.code, ha.stderr).toBe(0);
    const masterRows = ha.stdout.split('\n').filter((line) => / master /.test(line));
    expect(masterRows).toHaveLength(2 * SHARDS);
    expect(masterRows.every((line) => / yes /.test(line))).toBe(true);
    expect(ha.stdout.split('\n').filter((line) => / slave .* connected /.test(line))).toHaveLength(
      2,
    );
  });

  it('ha cluster - a master SIGKILLed mid-stream loses no acknowledged message; its slave serves its queues', async () => {
    const topic = `HaCluster_${RUN}`;
    await cluster.admin.createTopic(topic, { readQueueNums: 4 });
    const producer = new Producer({
      namesrvAddr: cluster.namesrvAddr,
      group: `PID_${topic}`,
      logger,
    });
    await producer.start();
    const masterA = cluster.brokers.get('broker-a')!;
    const acked = new Map<string, string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        if (i === TOTAL / 2 && !killed) {
          killed = true;
          await masterA.stop('SIGKILL');
        }
        const key = `k-${i}`;
        const body = `${key}:`.padEnd(100, 'v');
        try {
          const result = await producer.send({ topic, body, keys: key });
          if (result.status === 'SEND_OK') acked.set(key, `${result.messageQueue.brokerName}`);
        } catch {
          // Not acknowledged: the kill's in-flight sends may fail; nothing is promised for them.
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await producer.shutdown();
    expect(acked.size).toBeGreaterThan(TOTAL * 0.95);
    const onA = [...acked.values()].filter((name) => name === 'broker-a').length;
    expect(onA).toBeGreaterThan(TOTAL * 0.2);

    // broker-a's slave holds the dead master's log byte for byte, up to where it got.
    const slaveA = cluster.brokers.get('broker-a-s')!;
    for (let shard = 0; shard < SHARDS; shard++) {
      const theirs = shardLog(masterA.dataDir, shard);
      const mine = shardLog(slaveA.dataDir, shard);
      let end = mine.length;
      while (end > 0 && mine[end - 1] === 0) end--;
      expect(mine.subarray(0, end).equals(theirs.subarray(0, end)), `shard ${shard}`).toBe(true);
    }

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const consumer = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      group: `GID_${topic}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pullBatchSize: 256,
      logger,
    });
    consumer.subscribe(topic);
    await consumer.start();
    const seen = new Set<string>();
    let fromSlave = 0;
    const deadline = Date.now() + 90_000;
    try {
      while (Date.now() < deadline && seen.size < acked.size)
        for (const message of await consumer.poll(500)) {
          const key = message.keys[0] ?? '';
          if (acked.has(key)) seen.add(key);
          if (message.brokerName === 'broker-a') fromSlave++;
        }
    } finally {
      await consumer.shutdown();
    }
    const missing = [...acked.keys()].filter((key) => !seen.has(key));
    expect(
      missing.slice(0, 10),
      `${missing.length} of ${acked.size} acknowledged not consumed`,
    ).toEqual([]);
    expect(fromSlave).toBeGreaterThanOrEqual(onA);
  }, 300_000);
});
