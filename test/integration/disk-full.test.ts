/**
 * A full disk against real `thrustmq namesrv` and `thrustmq broker` processes: the broker's data
 * directory (store, config and logs) is on a 64 MiB tmpfs this test mounts, with 1 MiB segments.
 * Once the disk is filled, sends are refused with SERVICE_NOT_AVAILABLE (14) and a remark saying
 * the disk is full, pulls are served, SIGTERM stops the broker, a restart on the full disk
 * serves reads, and once the filler file is deleted writes are taken again with every
 * acknowledged message intact. Needs root (mount); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RemotingClient,
  createRequest,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import type { RemotingCommand } from '../../src/remoting/index.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { createTopicRequest, pullQueue, sendMessageRequest } from '../harness/broker-requests.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import { mountSmallDisk } from '../harness/small-disk.ts';
import type { SmallDisk } from '../harness/small-disk.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const RUN = Math.random().toString(36).slice(2, 8);
const TOPIC = `DiskFull_${RUN}`;
const GROUP = `GID_disk_full_${RUN}`;
const BODY_BYTES = 4096;
/** A stop that takes longer than this did not stop on SIGTERM (the harness kills at 10 s). */
const STOP_DEADLINE_MS = 9000;
const DISK_FULL_REMARK = /disk is full/i;

const mounted = mountSmallDisk(64);
const skipReason = typeof mounted === 'string' ? mounted : undefined;
if (skipReason) console.warn(`disk-full tests skipped: ${skipReason}`);
const disk = (): SmallDisk => mounted as SmallDisk;

let nameServer: NameServerProcess;
let client: RemotingClient;
const fillerPath = (): string => join(disk().dir, 'filler');
const fillDisk = (): number => disk().fill();

function bodyOf(id: string): string {
  return id.padEnd(BODY_BYTES, '.');
}

function send(broker: BrokerProcess, body: string): Promise<RemotingCommand> {
  return client.invoke(
    broker.address,
    sendMessageRequest({
      producerGroup: `PID_disk_full_${RUN}`,
      topic: TOPIC,
      queueId: 0,
      body,
      defaultQueues: 1,
    }),
    10_000,
  );
}

/** Every body in the queue from offset 0 (bounded: 10,000 messages). */
async function readAll(broker: BrokerProcess): Promise<string[]> {
  const bodies: string[] = [];
  for (let offset = 0, guard = 0; guard < 400; guard++) {
    const batch = await pullQueue(client, broker.address, TOPIC, 0, offset, GROUP);
    if (batch.length === 0) break;
    for (const message of batch) bodies.push(Buffer.from(message.body).toString('utf8'));
    offset = Number(batch[batch.length - 1]!.queueOffset) + 1;
  }
  return bodies;
}

function expectIntact(found: readonly string[], acknowledged: readonly string[]): void {
  const present = new Set(found);
  const missing = acknowledged.filter((body) => !present.has(body));
  expect(missing.map((body) => body.slice(0, 40))).toEqual([]);
}

async function stopWithin(broker: BrokerProcess): Promise<number> {
  const started = Date.now();
  const code = await broker.stop('SIGTERM');
  const tookMs = Date.now() - started;
  expect({ code, stoppedInTime: tookMs < STOP_DEADLINE_MS }).toEqual({
    code: 0,
    stoppedInTime: true,
  });
  return tookMs;
}

async function waitUntil<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + deadlineMs;
  for (let i = 0; i < 1000; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} not within ${deadlineMs} ms`);
}

describe.skipIf(skipReason !== undefined)('disk full', () => {
  const dataDir = (): string => join(disk().dir, 'store');
  const acknowledged: string[] = [];
  let port = 0;

  const start = (properties: Record<string, string> = {}): Promise<BrokerProcess> =>
    startBrokerProcess({
      namesrvAddr: nameServer.address,
      dataDir: dataDir(),
      ...(port ? { port } : {}),
      properties: {
        mappedFileSizeCommitLog: String(1 << 20),
        maxMessageSize: String(64 * 1024),
        maxHashSlotNum: '1000',
        maxIndexNum: '4000',
        flushDiskType: 'SYNC_FLUSH',
        // Acknowledged messages must survive: no early deletion of unexpired segments.
        cleanFileForciblyEnable: 'false',
        diskCheckInterval: '200',
        ...properties,
      },
    });

  beforeAll(async () => {
    mkdirSync(dataDir(), { recursive: true });
    nameServer = await startNameServerProcess();
    client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  }, 30_000);

  // A failed case must not leave its broker holding the data directory for the next one.
  afterEach(() => stopAll());

  afterAll(async () => {
    await client?.close();
    await stopAll();
    if (typeof mounted !== 'string') mounted.unmount();
  }, 60_000);

  it('disk full - a write refused with ENOSPC: sends get 14, pulls served, the process (logging to the same disk) lives, SIGTERM stops it', async () => {
    // Only ENOSPC itself refuses writes here (the ratio check is out of the way).
    const broker = await start({ diskSpaceWarningLevelRatio: '100' });
    port = broker.port;
    const created = await client.invoke(broker.address, createTopicRequest(TOPIC, 1), 5000);
    expect(created.code).toBe(ResponseCode.SUCCESS);
    // Enough to roll a few 1 MiB segments.
    for (let i = 0; i < 600; i++) {
      const body = bodyOf(`${RUN}-a-${i}`);
      const response = await send(broker, body);
      expect(response.code, response.remark).toBe(ResponseCode.SUCCESS);
      acknowledged.push(body);
    }
    expect(fillDisk()).toBeGreaterThan(0);

    const refusals: RemotingCommand[] = [];
    for (let i = 0; i < 400 && refusals.length < 20; i++) {
      const body = bodyOf(`${RUN}-b-${i}`);
      const response = await send(broker, body);
      if (response.code === ResponseCode.SUCCESS) acknowledged.push(body);
      else refusals.push(response);
    }
    expect(refusals.length).toBe(20);
    for (const refusal of refusals) {
      expect(refusal.code, refusal.remark).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
      expect(refusal.remark).toMatch(DISK_FULL_REMARK);
    }

    expectIntact(await readAll(broker), acknowledged);
    // Offsets are served and kept (in memory until the file can be written).
    const committed = await client.invoke(
      broker.address,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: GROUP,
        topic: TOPIC,
        queueId: '0',
        commitOffset: '7',
      }),
      5000,
    );
    expect(committed.code, committed.remark).toBe(ResponseCode.SUCCESS);
    const queried = await client.invoke(
      broker.address,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: GROUP,
        topic: TOPIC,
        queueId: '0',
      }),
      5000,
    );
    expect(queried.extFields?.['offset']).toBe('7');
    const maxOffset = await client.invoke(
      broker.address,
      createRequest(RequestCode.GET_MAX_OFFSET, { topic: TOPIC, queueId: '0' }),
      5000,
    );
    expect(Number(maxOffset.extFields?.['offset'])).toBeGreaterThanOrEqual(acknowledged.length);
    // Metrics are served and say why.
    const metricsUrl = broker.output().match(/Prometheus metrics at (\S+)/)?.[1];
    expect(metricsUrl).toBeDefined();
    const metrics = await (await fetch(metricsUrl!)).text();
    // The shard of the queue written to (the others have not met the full disk yet).
    expect(metrics).toMatch(/^thrustmq_store_disk_full\{shard="\d+"\} 1$/m);
    expect(metrics).toMatch(/^thrustmq_log_write_errors_total [1-9]/m);
    // Logging to the full disk goes on failing; the process must still answer after a while.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await send(broker, bodyOf(`${RUN}-c`))).code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect((await readAll(broker)).length).toBeGreaterThanOrEqual(acknowledged.length);
    await stopWithin(broker);
  }, 120_000);

  it('disk full - a restart on the full disk serves reads and refuses writes; freed space takes writes again', async () => {
    const broker = await start({ diskSpaceWarningLevelRatio: '100' });
    expectIntact(await readAll(broker), acknowledged);
    const refused = await send(broker, bodyOf(`${RUN}-d`));
    expect(refused.code, refused.remark).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect(refused.remark).toMatch(DISK_FULL_REMARK);

    disk().free();
    const first = bodyOf(`${RUN}-e-0`);
    await waitUntil('a send taken after space returned', 15_000, async () => {
      const response = await send(broker, first);
      return response.code === ResponseCode.SUCCESS ? response : undefined;
    });
    acknowledged.push(first);
    for (let i = 1; i < 50; i++) {
      const body = bodyOf(`${RUN}-e-${i}`);
      const response = await send(broker, body);
      expect(response.code, response.remark).toBe(ResponseCode.SUCCESS);
      acknowledged.push(body);
    }
    expectIntact(await readAll(broker), acknowledged);
    await stopWithin(broker);
  }, 120_000);

  it('disk full - past diskSpaceWarningLevelRatio sends get 14 naming the ratio, and are taken again once use falls', async () => {
    const broker = await start();
    fillDisk();
    // Leave a little room: the refusal comes from the ratio, not from ENOSPC.
    execFileSync('truncate', ['-s', `-${2 << 20}`, fillerPath()]);
    const refused = await waitUntil('a send refused past the ratio', 10_000, async () => {
      const response = await send(broker, bodyOf(`${RUN}-f`));
      if (response.code === ResponseCode.SUCCESS) acknowledged.push(bodyOf(`${RUN}-f`));
      return response.code === ResponseCode.SUCCESS ? undefined : response;
    });
    expect(refused.code, refused.remark).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect(refused.remark).toMatch(/diskSpaceWarningLevelRatio/);
    expectIntact(await readAll(broker), acknowledged);

    disk().free();
    const body = bodyOf(`${RUN}-g`);
    await waitUntil('a send taken once use fell', 15_000, async () => {
      const response = await send(broker, body);
      return response.code === ResponseCode.SUCCESS ? response : undefined;
    });
    acknowledged.push(body);
    expectIntact(await readAll(broker), acknowledged);
    await stopWithin(broker);
  }, 120_000);

  it('disk full - ASYNC_FLUSH: a send is answered OK only when its bytes reached the files', async () => {
    const broker = await start({ flushDiskType: 'ASYNC_FLUSH', diskSpaceWarningLevelRatio: '100' });
    fillDisk();
    const refusals: RemotingCommand[] = [];
    for (let i = 0; i < 400 && refusals.length < 5; i++) {
      const body = bodyOf(`${RUN}-h-${i}`);
      const response = await send(broker, body);
      if (response.code === ResponseCode.SUCCESS) acknowledged.push(body);
      else refusals.push(response);
    }
    expect(refusals.map((refusal) => refusal.code)).toEqual(
      Array(5).fill(ResponseCode.SERVICE_NOT_AVAILABLE),
    );
    expect(refusals[0]!.remark).toMatch(DISK_FULL_REMARK);
    await stopWithin(broker);

    // Whatever was answered OK survived the stop on the full disk.
    const restarted = await start({
      flushDiskType: 'ASYNC_FLUSH',
      diskSpaceWarningLevelRatio: '100',
    });
    expectIntact(await readAll(restarted), acknowledged);
    disk().free();
    const body = bodyOf(`${RUN}-i`);
    await waitUntil('a send taken after space returned', 15_000, async () => {
      const response = await send(restarted, body);
      return response.code === ResponseCode.SUCCESS ? response : undefined;
    });
    acknowledged.push(body);
    expectIntact(await readAll(restarted), acknowledged);
    await stopWithin(restarted);
  }, 120_000);
});
