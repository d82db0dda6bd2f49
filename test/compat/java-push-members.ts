/**
 * The push-consumer suites' side of PushStart / PushReceived / PushStop / ProduceKeyed (Java
 * scenarios in test/compat/java): group members kept running in the suite's JVM, what each
 * received, and waits for the group to settle on a queue assignment.
 */
import { fileURLToPath } from 'node:url';
import { waitFor } from '../harness/wait-for.ts';
import type { JavaRunner } from './java-runner.ts';

/**
 * The runner's -D properties for these suites: the clients' slf4j logging on stderr, off the
 * stdout the answers come back on (see java-push-logback.xml).
 */
export const PUSH_RUNNER_PROPERTIES: Record<string, string> = {
  'logback.configurationFile': fileURLToPath(new URL('java-push-logback.xml', import.meta.url)),
};

export interface Delivery {
  topic: string;
  msgId: string;
  keys: string;
  tags: string;
  body: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  storeTimestamp: number;
  properties: Record<string, string>;
  member: string;
  /** Order of delivery across every member in the JVM. */
  delivery: number;
  receivedAt: number;
}

export interface MemberState {
  name: string;
  received: Delivery[];
  queues: number[];
  locked: number[];
}

export interface Sent {
  status: string;
  msgId: string;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  key: string;
  seq: number;
}

export interface MemberOptions {
  group: string;
  topic: string;
  model?: 'CLUSTERING' | 'BROADCASTING';
  listener?: 'concurrently' | 'orderly';
  maxReconsumeTimes?: number;
  reconsumeLaterKeys?: string[];
  consumeMs?: number;
}

const SETTLE_TIMEOUT_MS = 60_000;

export function startMember(java: JavaRunner, name: string, options: MemberOptions) {
  return java.run<{ name: string; clientId: string }>('push-start', { name, ...options });
}

export function memberState(
  java: JavaRunner,
  name: string,
  topic: string,
  atLeast = 0,
  waitMs = 0,
  persist = false,
): Promise<MemberState> {
  const args = { name, topic, atLeast, waitMs, persist };
  return java.run<MemberState>('push-received', args, waitMs + 30_000);
}

export async function stopMember(java: JavaRunner, name: string): Promise<Delivery[]> {
  return (await java.run<{ received: Delivery[] }>('push-stop', { name }, 60_000)).received;
}

export interface ProduceOptions {
  topic: string;
  group: string;
  keys: string[];
  perKey: number;
  ordered?: boolean;
  from?: number;
  pauseMs?: number;
}

export async function produce(java: JavaRunner, options: ProduceOptions): Promise<Sent[]> {
  const { sent } = await java.run<{ sent: Sent[] }>('produce-keyed', options, 120_000);
  for (const result of sent) if (result.status !== 'SEND_OK') throw new Error(result.status);
  return sent;
}

/**
 * Waits until the members hold disjoint, non-empty shares of the topic's queues that together
 * cover all `queueCount` of them, and returns each member's share.
 */
export async function settledShares(
  java: JavaRunner,
  names: string[],
  topic: string,
  queueCount: number,
): Promise<Map<string, number[]>> {
  let shares = new Map<string, number[]>();
  await waitFor(
    async () => {
      shares = new Map();
      for (const name of names) shares.set(name, (await memberState(java, name, topic)).queues);
      const all = [...shares.values()].flat();
      return (
        [...shares.values()].every((share) => share.length > 0) &&
        all.length === queueCount &&
        new Set(all).size === queueCount
      );
    },
    SETTLE_TIMEOUT_MS,
    () => `queue shares never settled: ${JSON.stringify([...shares])}`,
  );
  return shares;
}

/**
 * Waits until the running members (with `earlier`, what stopped ones received) have received
 * every body in `bodies` at least once; returns what each running member received.
 */
export async function receivedAll(
  java: JavaRunner,
  names: string[],
  topic: string,
  bodies: string[],
  earlier: Delivery[] = [],
  timeoutMs = 60_000,
): Promise<Map<string, Delivery[]>> {
  const byMember = new Map<string, Delivery[]>();
  let missing: string[] = bodies;
  await waitFor(
    async () => {
      for (const name of names)
        byMember.set(name, (await memberState(java, name, topic, 0, 0)).received);
      const seen = new Set(
        [...earlier, ...[...byMember.values()].flat()].map((delivery) => delivery.body),
      );
      missing = bodies.filter((body) => !seen.has(body));
      return missing.length === 0;
    },
    timeoutMs,
    () => `never received ${missing.length} of ${bodies.length}: ${missing.slice(0, 10).join()}`,
  );
  return byMember;
}

export function bodiesOf(sent: Sent[]): string[] {
  return sent.map((result) => `${result.key}:${result.seq}`);
}

export function keysFor(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-k${index}`);
}
