/**
 * The broker's Prometheus endpoint on a real `thrustmq broker` process: messages and bytes in
 * and out per topic and group as sent with the SDK Producer and consumed with PushConsumers,
 * backlog per group equal to what it has not consumed, ring occupancy, SYNC_FLUSH flush
 * latency, pull latency, process metrics, and 404 off /metrics.
 */
import { request } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/client/producer/producer.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const silent = pino({ level: 'silent' });
const RUN = Math.random().toString(36).slice(2, 8);
const TOPIC_A = `MetricsA_${RUN}`;
const TOPIC_B = `MetricsB_${RUN}`;
const GROUP_A = `GID_metrics_a_${RUN}`;
const GROUP_B = `GID_metrics_b_${RUN}`;
/** Stored-record bytes besides body, topic and properties (RocketMQ's v4 layout). */
const RECORD_FIXED_BYTES = 92 + 1 + 2;

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
let producer: Producer;
const consumers: PushConsumer[] = [];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end();
  });
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function values(samples: Sample[], name: string, labels: Record<string, string> = {}): number[] {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

function one(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = values(samples, name, labels);
  if (found.length !== 1)
    throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`);
  return found[0]!;
}

function metricsUrl(): string {
  // metricsPort is left at its default: listenPort - 1.
  return `http://127.0.0.1:${broker.port - 1}/metrics`;
}

async function scrape(): Promise<Sample[]> {
  const response = await httpGet(metricsUrl());
  expect(response.status).toBe(200);
  return parse(response.body);
}

async function sendAll(topic: string, bodies: string[]): Promise<void> {
  for (const body of bodies) {
    const result = await producer.send({ topic, body, tags: 'T' });
    expect(result.status).toBe('SEND_OK');
  }
}

async function consume(group: string, topic: string, expected: number): Promise<PushConsumer> {
  const consumer = new PushConsumer({
    namesrvAddr: nameServer.address,
    group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    persistOffsetIntervalMs: 200,
    logger: silent,
  });
  consumers.push(consumer);
  let received = 0;
  consumer.subscribe(topic, '*');
  consumer.onMessage((messages) => {
    received += messages.length;
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  await waitFor(
    () => received >= expected,
    30_000,
    () => `${group} received ${received} of ${expected}`,
  );
  return consumer;
}

const bodiesA = Array.from({ length: 30 }, (_, i) => `metrics-a-body-${i}`);
const laterA = Array.from({ length: 7 }, (_, i) => `metrics-a-late-${i}`);
const bodiesB = Array.from({ length: 20 }, (_, i) => `metrics-b-${'x'.repeat(i)}`);
const byteSum = (bodies: string[]): number =>
  bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: nameServer.address,
    properties: { flushDiskType: 'SYNC_FLUSH' },
  });
  admin = adminClient();
  await createTopic(admin, broker.address, nameServer.address, TOPIC_A, 4);
  await createTopic(admin, broker.address, nameServer.address, TOPIC_B, 4);
  producer = new Producer({
    namesrvAddr: nameServer.address,
    group: `PID_metrics_${RUN}`,
    logger: silent,
  });
  await producer.start();
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(consumers.map((consumer) => consumer.shutdown()));
  await producer?.shutdown();
  await admin?.close();
  await stopAll();
});

describe('broker metrics - /metrics on a real broker', () => {
  it('broker metrics - counts per topic and group, lag of the unconsumed, rings, flushes and pulls', async () => {
    await sendAll(TOPIC_A, bodiesA);
    await sendAll(TOPIC_B, bodiesB);
    const consumerA = await consume(GROUP_A, TOPIC_A, bodiesA.length);
    await consume(GROUP_B, TOPIC_B, bodiesB.length);
    // Group A stops (committing its offsets) and misses the next messages.
    await consumerA.shutdown();
    await sendAll(TOPIC_A, laterA);

    let samples: Sample[] = [];
    await waitFor(
      async () => {
        samples = await scrape();
        return (
          values(samples, 'thrustmq_consumer_lag', { group: GROUP_A, topic: TOPIC_A })[0] ===
            laterA.length &&
          values(samples, 'thrustmq_consumer_lag', { group: GROUP_B, topic: TOPIC_B })[0] === 0
        );
      },
      15_000,
      () => `lag: ${JSON.stringify(samples.filter((s) => s.name === 'thrustmq_consumer_lag'))}`,
    );

    expect(one(samples, 'thrustmq_messages_in_total', { topic: TOPIC_A })).toBe(37);
    expect(one(samples, 'thrustmq_messages_in_total', { topic: TOPIC_B })).toBe(20);
    expect(one(samples, 'thrustmq_bytes_in_total', { topic: TOPIC_A })).toBe(
      byteSum(bodiesA) + byteSum(laterA),
    );
    expect(one(samples, 'thrustmq_bytes_in_total', { topic: TOPIC_B })).toBe(byteSum(bodiesB));

    const outA = { topic: TOPIC_A, group: GROUP_A };
    const outB = { topic: TOPIC_B, group: GROUP_B };
    expect(one(samples, 'thrustmq_messages_out_total', outA)).toBe(30);
    expect(one(samples, 'thrustmq_messages_out_total', outB)).toBe(20);
    expect(
      values(samples, 'thrustmq_messages_out_total', { topic: TOPIC_A, group: GROUP_B }),
    ).toEqual([]);
    // Stored records: the fixed layout, body, topic and the producer's properties.
    const minA = 30 * (RECORD_FIXED_BYTES + TOPIC_A.length) + byteSum(bodiesA);
    const bytesOutA = one(samples, 'thrustmq_bytes_out_total', outA);
    expect(bytesOutA).toBeGreaterThan(minA);
    expect(bytesOutA).toBeLessThan(minA + 30 * 512);
    const minB = 20 * (RECORD_FIXED_BYTES + TOPIC_B.length) + byteSum(bodiesB);
    expect(one(samples, 'thrustmq_bytes_out_total', outB)).toBeGreaterThan(minB);

    const rings = samples.filter((s) => s.name === 'thrustmq_ring_occupancy_ratio');
    expect(rings.map((s) => `${s.labels['actor']}/${s.labels['direction']}`).sort()).toEqual([
      '0/request',
      '0/response',
    ]);
    for (const ring of rings) expect(ring.value).toBeGreaterThanOrEqual(0);
    for (const ring of rings) expect(ring.value).toBeLessThan(1);

    const flushCounts = values(samples, 'thrustmq_store_flush_latency_seconds_count');
    expect(flushCounts.length).toBe(4);
    expect(flushCounts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(
      values(samples, 'thrustmq_store_flushes_total').reduce((a, b) => a + b, 0),
    ).toBeGreaterThan(0);
    expect(one(samples, 'thrustmq_pull_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(one(samples, 'thrustmq_pull_latency_seconds_bucket', { le: '+Inf' })).toBe(
      one(samples, 'thrustmq_pull_latency_seconds_count'),
    );
    expect(one(samples, 'thrustmq_pulls_held_total')).toBeGreaterThan(0);

    expect(
      one(samples, 'thrustmq_broker_info', { cluster: 'TestCluster', broker: 'broker-a' }),
    ).toBe(1);
    expect(one(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  }, 120_000);

  it('broker metrics - text format on /metrics only', async () => {
    const ok = await httpGet(metricsUrl());
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await httpGet(metricsUrl().replace('/metrics', '/'))).status).toBe(404);
    expect((await httpGet(metricsUrl().replace('/metrics', '/metricsx'))).status).toBe(404);
  });
});
