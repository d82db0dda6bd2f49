/**
 * Evidence that orderly consumers never share a queue: the broker's lock table sampled while
 * they run (QUERY_QUEUE_LOCKS, a ThrustMQ extension), the listener calls' own times, and the
 * checks relating the two.
 */
import { QUERY_QUEUE_LOCKS } from '../../src/broker/processors/lock-processor.ts';
import { createRequest, parseLenientJson, ResponseCode } from '../../src/remoting/index.ts';
import type { ConsumerCluster } from './sdk-consumer-cluster.ts';
import { sleep } from './sdk-consumer-cluster.ts';

const SAMPLE_INTERVAL_MS = 50;
const MAX_SAMPLES = 3000;
const samplers = new Set<LockSampler>();

/** Stops every sampler still running (for afterEach after a failed test). */
export async function stopSamplers(): Promise<void> {
  await Promise.allSettled([...samplers].map((sampler) => sampler.stop()));
}

export interface LockRow {
  mq: { topic: string; queueId: number };
  clientId: string;
}

/** The group's live locks (QUERY_QUEUE_LOCKS). */
export async function brokerLocks(cluster: ConsumerCluster, group: string): Promise<LockRow[]> {
  const response = await cluster.admin.invoke(
    cluster.broker.address,
    createRequest(QUERY_QUEUE_LOCKS, { consumerGroup: group }),
    3000,
  );
  if (response.code !== ResponseCode.SUCCESS || !response.body)
    throw new Error(`lock table of ${group}: ${response.code} ${response.remark}`);
  return (parseLenientJson(response.body.toString('utf8')) as { lockTable: LockRow[] }).lockTable;
}

/** One listener call: which member consumed which queue, from start to end (performance.now). */
export interface ListenerWindow {
  clientId: string;
  queueId: number;
  start: number;
  end: number;
}

/** One QUERY_QUEUE_LOCKS answer, taken by the broker somewhere between start and end. */
export interface LockSample {
  start: number;
  end: number;
  rows: LockRow[];
}

export interface LockSampler {
  samples: LockSample[];
  /** Queries that failed (the sampler stops at the first). */
  failures: string[];
  stop(): Promise<void>;
}

/** Samples the group's broker lock table every SAMPLE_INTERVAL_MS until stop() is awaited. */
export function sampleLocks(cluster: ConsumerCluster, group: string, topic: string): LockSampler {
  const samples: LockSample[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running && samples.length < MAX_SAMPLES) {
      const start = performance.now();
      try {
        const rows = (await brokerLocks(cluster, group)).filter((row) => row.mq.topic === topic);
        samples.push({ start, end: performance.now(), rows });
      } catch (error) {
        failures.push((error as Error).message);
        return;
      }
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();
  const sampler = {
    samples,
    failures,
    stop: async () => {
      running = false;
      await loop;
      samplers.delete(sampler);
    },
  };
  samplers.add(sampler);
  return sampler;
}

/**
 * Queues consumed by two members at overlapping times (every listener call of a queue must end
 * before the next one starts), and samples contradicting the deliveries: a queue listed twice,
 * or a sample the broker took while a member's listener ran on a queue that shows the queue
 * not held by that member. Also how many (sample, listener call) pairs were checked that way.
 */
export function lockViolations(
  windows: readonly ListenerWindow[],
  samples: readonly LockSample[],
): { violations: string[]; confirmed: Map<string, number> } {
  const violations: string[] = [];
  const byQueue = new Map<number, ListenerWindow[]>();
  for (const window of windows) {
    const list = byQueue.get(window.queueId) ?? [];
    list.push(window);
    byQueue.set(window.queueId, list);
  }
  for (const [queueId, list] of byQueue) {
    list.sort((x, y) => x.start - y.start);
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!;
      const next = list[i]!;
      if (previous.end > next.start)
        violations.push(
          `queue ${queueId}: ${previous.clientId} until ${previous.end.toFixed(1)} overlaps ` +
            `${next.clientId} from ${next.start.toFixed(1)}`,
        );
    }
  }
  const confirmed = new Map<string, number>();
  for (const sample of samples) {
    const holders = new Map<number, string>();
    for (const row of sample.rows) {
      const other = holders.get(row.mq.queueId);
      if (other !== undefined)
        violations.push(
          `sample at ${sample.start.toFixed(1)}: queue ${row.mq.queueId} held by ${other} and ${row.clientId}`,
        );
      holders.set(row.mq.queueId, row.clientId);
    }
    for (const [queueId, list] of byQueue) {
      // Few calls contain a given sample; list is sorted by start.
      for (const window of list) {
        if (window.start > sample.start) break;
        if (window.end < sample.end) continue;
        const holder = holders.get(queueId);
        if (holder !== window.clientId)
          violations.push(
            `queue ${queueId}: ${window.clientId} consuming ${window.start.toFixed(1)}-` +
              `${window.end.toFixed(1)} while the broker said ${holder ?? 'nobody'} holds it ` +
              `(${sample.start.toFixed(1)}-${sample.end.toFixed(1)})`,
          );
        else confirmed.set(holder, (confirmed.get(holder) ?? 0) + 1);
      }
    }
  }
  return { violations, confirmed };
}

/** How often a queue's consumer changed from one listener call to the next. */
export function memberChanges(windows: readonly ListenerWindow[]): number {
  const last = new Map<number, string>();
  let n = 0;
  for (const w of [...windows].sort((x, y) => x.start - y.start)) {
    const before = last.get(w.queueId);
    if (before !== undefined && before !== w.clientId) n++;
    last.set(w.queueId, w.clientId);
  }
  return n;
}
