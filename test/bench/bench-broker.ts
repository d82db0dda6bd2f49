/**
 * One broker for one benchmark case: a fresh temp data directory, `node [nodeFlags]
 * dist/bin/thrustmq.js broker -c <dir>/broker.properties` on 127.0.0.1 and a random port, and the
 * benchmark topic created through UPDATE_AND_CREATE_TOPIC (17). stop() ends the process by PID
 * and removes the directory. createTopic() and awaitStored() serve the Apache RocketMQ cases too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { formatProperties } from '../../src/common/properties.ts';
import { RemotingClient } from '../../src/remoting/index.ts';
import { BROKER_READY } from '../harness/broker-process.ts';
import { builtBin } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { startServer } from './bench-processes.ts';
import type { ServerProcess } from './bench-processes.ts';
import { maxOffset } from '../harness/broker-admin.ts';
import { createTopicRequest } from '../harness/broker-requests.ts';

export interface BenchBrokerOptions {
  flushDiskType: 'SYNC_FLUSH' | 'ASYNC_FLUSH';
  actorThreads: number;
  topic: string;
  queues: number;
  namesrvAddr: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  timeoutMs: number;
  /** More broker keys (replication roles, for bench:ha). */
  properties?: Record<string, string>;
  /** Create the topic once started (default true; a slave takes its master's). */
  createTopic?: boolean;
}

export interface BenchBroker {
  process: ServerProcess;
  host: string;
  port: number;
  dataDir: string;
  /** Stops the broker (by PID) and removes its data directory; safe to call twice. */
  stop(): Promise<void>;
}

const active = new Set<BenchBroker>();
const activeDirs = new Set<() => void>();

// A run cut short (an exception, a signal) still leaves no data directory behind.
process.on('exit', () => {
  for (const remove of activeDirs) remove();
});

/** Stops every broker started here that is still running and removes its directory. */
export async function stopAllBenchBrokers(): Promise<void> {
  await Promise.allSettled([...active].map((broker) => broker.stop()));
}

export async function startBenchBroker(options: BenchBrokerOptions): Promise<BenchBroker> {
  const dir = makeTempDir('bench-broker');
  activeDirs.add(dir.remove);
  const properties: Record<string, string> = {
    brokerClusterName: 'BenchCluster',
    brokerName: 'bench-broker',
    listenPort: '0',
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    namesrvAddr: options.namesrvAddr,
    storePathRootDir: dir.path,
    flushDiskType: options.flushDiskType,
    actorThreads: String(options.actorThreads),
    mappedFileSizeCommitLog: String(256 * 1024 * 1024),
    ...options.properties,
  };
  const file = join(dir.path, 'broker.properties');
  writeFileSync(file, formatProperties(Object.entries(properties)));
  let server: ServerProcess;
  try {
    server = await startServer([...(options.nodeFlags ?? []), builtBin(), 'broker', '-c', file], {
      ready: BROKER_READY,
      timeoutMs: options.timeoutMs,
      env: { LOG_LEVEL: 'warn' },
    });
  } catch (error) {
    dir.remove();
    activeDirs.delete(dir.remove);
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const broker: BenchBroker = {
    process: server,
    host: server.match[2]!,
    port: Number(server.match[3]),
    dataDir: dir.path,
    stop: () =>
      (stopping ??= server
        .stop()
        .then(() => undefined)
        .finally(() => {
          dir.remove();
          activeDirs.delete(dir.remove);
          active.delete(broker);
        })),
  };
  active.add(broker);
  try {
    if (options.createTopic !== false)
      await createTopic(`${broker.host}:${broker.port}`, options.topic, options.queues);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return broker;
}

export async function createTopic(address: string, topic: string, queues: number): Promise<void> {
  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  try {
    const response = await client.invoke(address, createTopicRequest(topic, queues), 10_000);
    if (response.code !== 0)
      throw new Error(`creating topic ${topic} failed: ${response.code} ${response.remark ?? ''}`);
  } finally {
    await client.close();
  }
}

const STORED_POLL_MS = 100;

/**
 * Waits (bounded) until every queue's max offset reaches what was sent to it: Apache RocketMQ
 * builds its consume queues behind the acks, so a drain started at once could find a queue
 * short. Untimed, and run for both brokers alike.
 */
export async function awaitStored(
  address: string,
  topic: string,
  perQueue: number[],
  timeoutMs: number,
): Promise<void> {
  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const offsets = await Promise.all(
        perQueue.map((_, queueId) => maxOffset(client, address, topic, queueId)),
      );
      if (offsets.every((offset, queueId) => offset >= perQueue[queueId]!)) return;
      if (Date.now() > deadline)
        throw new Error(
          `${topic}: max offsets ${offsets.join(',')} short of ${perQueue.join(',')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, STORED_POLL_MS));
    }
  } finally {
    await client.close();
  }
}
