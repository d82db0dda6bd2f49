/**
 * Master/slave replication between real broker processes: a SYNC_MASTER answers a send only
 * once its slave has the bytes, the slave's commit log is the master's byte for byte (segments,
 * blank markers and all, over several shards), a slave that was away catches up, and sends get
 * SLAVE_NOT_AVAILABLE with no slave and FLUSH_SLAVE_TIMEOUT with a slave that stopped reading.
 * After the master is killed, a consumer reads every acknowledged message from the slave.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/admin.ts';
import type { HaStatus } from '../../src/client/admin/admin-broker.ts';
import { ClientInstance } from '../../src/client/core/client-instance.ts';
import { PullSysFlag, pullMessage } from '../../src/client/consumer/pull-api.ts';
import { LitePullConsumer } from '../../src/client/consumer/lite-pull-consumer.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { waitFor } from '../harness/wait-for.ts';

const logger = pino({ level: 'silent' });
const RUN = Date.now().toString(36);
const SHARDS = 2;
const SEGMENT = 1024 * 1024;

let namesrv: NameServerProcess;
let admin: Admin;
const dirs: Array<{ remove: () => void }> = [];

function common(role: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    brokerClusterName: 'HaCluster',
    brokerName: `ha-${RUN}`,
    brokerRole: role,
    brokerId: role === 'SLAVE' ? '1' : '0',
    storeShards: String(SHARDS),
    mappedFileSizeCommitLog: String(SEGMENT),
    maxMessageSize: '65536',
    flushDiskType: 'ASYNC_FLUSH',
    syncFlushTimeout: '1500',
    haSendHeartbeatInterval: '500',
    haMetadataSyncInterval: '500',
    ...extra,
  };
}

async function startPair(
  masterRole: string,
  masterExtra: Record<string, string> = {},
): Promise<{ master: BrokerProcess; slave: BrokerProcess }> {
  const masterDir = brokerDataDir();
  const slaveDir = brokerDataDir();
  dirs.push(masterDir, slaveDir);
  const master = await startBrokerProcess({
    namesrvAddr: namesrv.address,
    dataDir: masterDir.path,
    properties: common(masterRole, masterExtra),
  });
  const slave = await startBrokerProcess({
    namesrvAddr: namesrv.address,
    dataDir: slaveDir.path,
    properties: common('SLAVE', { haMasterAddress: `127.0.0.1:${master.port + 1}` }),
  });
  return { master, slave };
}

async function inSyncLinks(address: string): Promise<number> {
  const status: HaStatus = await admin.haStatus(address);
  return status.haConnectionInfo.filter((link) => link.inSync).length;
}

/** Every segment byte of every shard, concatenated in offset order, up to `ends[shard]`. */
function commitLog(dataDir: string, shard: number): Buffer {
  const dir = join(dataDir, 'shards', String(shard), 'commitlog');
  if (!existsSync(dir)) return Buffer.alloc(0);
  const names = readdirSync(dir)
    .filter((name) => /^\d{20}$/.test(name))
    .sort();
  return Buffer.concat(names.map((name) => readFileSync(join(dir, name))));
}

/** The bytes below the master's written end of each shard, as haStatus reports it. */
async function expectIdenticalLogs(master: BrokerProcess, slave: BrokerProcess): Promise<void> {
  const status = await admin.haStatus(master.address);
  for (let shard = 0; shard < SHARDS; shard++) {
    const link = status.haConnectionInfo.find((l) => l.shard === shard);
    expect(link, `shard ${shard} has a slave link`).toBeDefined();
    const end = link!.slaveAckOffset;
    const masterLog = commitLog(master.dataDir, shard).subarray(0, end);
    const slaveLog = commitLog(slave.dataDir, shard).subarray(0, end);
    expect(slaveLog.length).toBe(end);
    expect(slaveLog.equals(masterLog), `shard ${shard} differs below ${end}`).toBe(true);
  }
}

async function producer(): Promise<Producer> {
  const p = new Producer({ namesrvAddr: namesrv.address, group: `PID_ha_${RUN}`, logger });
  await p.start();
  return p;
}

/** Keys of `acked` a fresh consumer group does not read (with the right body) within 60 s. */
async function unread(topic: string, acked: Map<string, string>): Promise<string[]> {
  const consumer = new LitePullConsumer({
    namesrvAddr: namesrv.address,
    group: `GID_${topic}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    autoCommit: false,
    pullBatchSize: 32,
    logger,
  });
  consumer.subscribe(topic);
  await consumer.start();
  const seen = new Map<string, string>();
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline && [...acked.keys()].some((key) => !seen.has(key)))
      for (const message of await consumer.poll(500))
        seen.set(message.keys[0] ?? '', message.body.toString());
  } finally {
    await consumer.shutdown();
  }
  return [...acked.keys()].filter((key) => seen.get(key) !== acked.get(key));
}

/** suggestWhichBrokerId of a pull from offset 0 of queue 0 at address. */
async function suggestion(address: string, topic: string): Promise<number> {
  const instance = new ClientInstance({ namesrvAddr: namesrv.address, logger });
  try {
    const result = await pullMessage(instance, address, {
      group: `GID_suggest_${RUN}`,
      queue: { topic, brokerName: `ha-${RUN}`, queueId: 0 },
      queueOffset: 0,
      maxMsgNums: 4,
      // The subscription travels with the pull: no heartbeat registered the group.
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMs: 0,
      subscription: {
        ...{ classFilterMode: false, codeSet: [], expressionType: 'TAG', subString: '*' },
        ...{ subVersion: Date.now(), tagsSet: [], topic },
      },
      timeoutMs: 5000,
    });
    expect(result.status).toBe('FOUND');
    return result.suggestWhichBrokerId;
  } finally {
    await instance.close();
  }
}

/** Sends count messages, 50 in flight, and records the acknowledged ones in acked. */
async function sendAll(
  p: Producer,
  topic: string,
  tag: string,
  count: number,
  acked: Map<string, string>,
): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 50); j++) {
      const key = `${tag}-${j}`;
      // Sizes up to 9 KiB: segments of 1 MiB end in blank markers many times.
      const body = `${key}:`.padEnd(100 + ((j * 977) % 9000), 'x');
      batch.push(
        p.send({ topic, body, keys: key }).then((result) => {
          if (result.status !== 'SEND_OK') throw new Error(`${key}: ${result.status}`);
          acked.set(key, body);
        }),
      );
    }
    await Promise.all(batch);
  }
}

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  admin = new Admin({ namesrvAddr: namesrv.address, logger });
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
  for (const dir of dirs) dir.remove();
});

describe('replication', () => {
  it('replication - SYNC_MASTER: every acknowledged message is on the slave byte for byte, a slave catches up, the slave serves them once the master is killed', async () => {
    const { master, slave } = await startPair('SYNC_MASTER');
    await waitFor(
      async () => (await inSyncLinks(master.address)) === SHARDS,
      20_000,
      () => 'slave links',
    );
    const topic = `HaSync_${RUN}`;
    await admin.createTopic(topic, { readQueueNums: 4, brokerAddress: master.address });
    const p = await producer();
    const acked = new Map<string, string>();
    const send = (count: number, tag: string) => sendAll(p, topic, tag, count, acked);
    await send(1500, 'a');
    await expectIdenticalLogs(master, slave);

    // A slave that was away catches up from where its log ends.
    await slave.stop('SIGKILL');
    // No slave: the message is stored on the master, the answer says so.
    const lonely = await p.send({ topic, body: 'no slave', keys: 'lonely' });
    expect(lonely.status).toBe('SLAVE_NOT_AVAILABLE');
    const restarted = await startBrokerProcess({
      namesrvAddr: namesrv.address,
      dataDir: slave.dataDir,
      port: slave.port,
      properties: slave.properties,
    });
    await waitFor(
      async () => (await inSyncLinks(master.address)) === SHARDS,
      20_000,
      () => 'slave back',
    );
    await send(1500, 'b');
    await expectIdenticalLogs(master, restarted);

    // A slave that stops reading: sends time out at syncFlushTimeout, stored on the master.
    process.kill(restarted.pid, 'SIGSTOP');
    try {
      const stalled = await p.send({ topic, body: 'stalled', keys: 'stalled' });
      expect(stalled.status).toBe('FLUSH_SLAVE_TIMEOUT');
    } finally {
      process.kill(restarted.pid, 'SIGCONT');
    }
    await waitFor(
      async () => (await inSyncLinks(master.address)) === SHARDS,
      20_000,
      () => 'resumed',
    );
    await p.shutdown();
    // The slave copies topics and offsets every haMetadataSyncInterval (500 ms here).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await master.stop('SIGKILL');
    const missing = await unread(topic, acked);
    expect(
      missing.slice(0, 10),
      `${missing.length} of ${acked.size} not read from the slave`,
    ).toEqual([]);
    await restarted.stop();
  }, 180_000);

  it('replication - ASYNC_MASTER: a SIGKILL loses no more acknowledged messages than the lag reported just before; lag and in-sync state are in /metrics; far-behind pulls are sent to the slave', async () => {
    // Every pull counts as far behind: the master sends consumers to the slave (brokerId 1).
    const { master, slave } = await startPair('ASYNC_MASTER', {
      slaveReadEnable: 'true',
      accessMessageInMemoryMaxRatio: '0',
    });
    await waitFor(
      async () => (await inSyncLinks(master.address)) === SHARDS,
      20_000,
      () => 'slave links',
    );
    const topic = `HaAsync_${RUN}`;
    await admin.createTopic(topic, { readQueueNums: 4, brokerAddress: master.address });
    const p = await producer();
    const acked = new Map<string, string>();
    await sendAll(p, topic, 'c', 2000, acked);
    await p.shutdown();
    expect(await suggestion(master.address, topic)).toBe(1);
    const metrics = await (await fetch(`http://127.0.0.1:${master.port - 1}/metrics`)).text();
    expect(metrics).toMatch(/thrustmq_replication_lag_bytes\{slave="[^"]+",shard="0"\} \d+/);
    expect(metrics).toMatch(/thrustmq_replication_in_sync\{slave="[^"]+",shard="1"\} 1/);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await admin.haStatus(master.address);
    const lagMessages = before.haConnectionInfo.reduce((sum, l) => sum + (l.lagMessages ?? 0), 0);
    const lagBytes = before.haConnectionInfo.reduce((sum, l) => sum + l.diff, 0);
    await master.stop('SIGKILL');
    const lost = (await unread(topic, acked)).length;
    expect(
      lost,
      `lost ${lost} with ${lagMessages} messages (${lagBytes} B) of lag reported`,
    ).toBeLessThanOrEqual(lagMessages);
    await slave.stop();
  }, 180_000);
});
