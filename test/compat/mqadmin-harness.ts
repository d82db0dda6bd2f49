/**
 * What the mqadmin suites share: Apache's mqadmin (MQAdminStartup, rocketmq-tools 4.9.8) run
 * in the suite's JVM by the Mqadmin scenario, with -n naming the target's name server, and
 * readers for the tables it prints.
 */
import { expect } from 'vitest';
import type { JavaRunner } from './java-runner.ts';
import type { BrokerTarget } from './targets.ts';

export interface AdminOutput {
  stdout: string;
  stderr: string;
}

export interface SendResult {
  status: string;
  msgId: string;
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

export interface ReceivedMessage {
  topic: string;
  msgId: string;
  keys: string;
  body: string;
  queueId: number;
  queueOffset: number;
}

export interface KeptClients {
  sent: SendResult[];
  received: ReceivedMessage[];
  producerClientId: string;
  consumerClientId: string;
}

export const COMMAND_TIMEOUT_MS = 60_000;
/** AdminKeepClients commits once all is received, then every second; the wait covers a slow one. */
export const COMMIT_WAIT_MS = 30_000;

export interface Mqadmin {
  /** Runs `mqadmin <argv> -n <namesrv>` and returns what it printed. */
  raw(...argv: string[]): Promise<AdminOutput>;
  /** As raw, and fails the test when the command reported an exception. */
  ok(...argv: string[]): Promise<string>;
}

export function mqadmin(java: JavaRunner, target: BrokerTarget): Mqadmin {
  const raw = (...argv: string[]) =>
    java.run<AdminOutput>(
      'mqadmin',
      { argv: [...argv, '-n', target.namesrvAddr] },
      COMMAND_TIMEOUT_MS,
    );
  return {
    raw,
    async ok(...argv: string[]) {
      const out = await raw(...argv);
      // Every failing command ends in SubCommandException's stack trace on stderr.
      expect(out.stderr, `mqadmin ${argv.join(' ')}\n${out.stdout}`).not.toMatch(/Exception/);
      return out.stdout;
    },
  };
}

/** "key : value" (brokerStatus) or "key = value" (getBrokerConfig) lines as a map. */
export function keyValues(text: string, separator: ':' | '='): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at <= 0) continue;
    table.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return table;
}

/** The whitespace-separated cells of each line that starts with `first`. */
export function rows(text: string, first: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells[0] === first);
}

/** Polls `read` until `done` holds, within `timeoutMs`; returns the last value read. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Starts a kept producer and push consumer (AdminKeepClients) that sends `count` messages. */
export function keepClients(
  java: JavaRunner,
  names: { key: string; topic: string; producerGroup: string; consumerGroup: string },
  count: number,
): Promise<KeptClients> {
  return java.run<KeptClients>(
    'admin-keep-clients',
    { action: 'start', ...names, count, prefix: names.key, waitMs: 30_000 },
    60_000,
  );
}

export function stopClients(java: JavaRunner, key: string): Promise<unknown> {
  return java.run('admin-keep-clients', { action: 'stop', key }, 30_000);
}

export function sendSync(
  java: JavaRunner,
  topic: string,
  prefix: string,
  count: number,
): Promise<{ sent: SendResult[] }> {
  return java.run<{ sent: SendResult[] }>('send-sync', {
    topic,
    group: `${prefix}-producer`,
    tags: 'TagA',
    prefix,
    count,
  });
}

/** consumerProgress -g's rows for topic, polled until every row satisfies `committed`. */
export function progressOf(
  admin: Mqadmin,
  group: string,
  topic: string,
  committed: (row: string[]) => boolean,
): Promise<string[][]> {
  const read = async () => rows(await admin.ok('consumerProgress', '-g', group), topic);
  return pollUntil(read, (table) => table.length > 0 && table.every(committed), COMMIT_WAIT_MS);
}

/**
 * Waits until the name server lists the target's broker: Apache RocketMQ prints its boot line
 * before its first registration lands (and on a busy machine that one may time out, leaving the
 * next, 30 s later), and a command run in between finds no cluster.
 */
export async function waitForBroker(admin: Mqadmin, target: BrokerTarget): Promise<void> {
  const listed = await pollUntil(
    async () => rows((await admin.raw('clusterList')).stdout, target.clusterName),
    (table) => table.some((row) => row[3] === target.brokerAddr),
    45_000,
    500,
  );
  expect(
    listed.map((row) => row[3]),
    'the broker never registered',
  ).toContain(target.brokerAddr);
}
