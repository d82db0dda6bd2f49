import { request } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../src/broker/broker-config.ts';
import { BucketHistogram } from '../../../src/broker/metrics/bucket-histogram.ts';
import { LatencyBuckets } from '../../../src/broker/metrics/latency-buckets.ts';
import { metricsPortOf } from '../../../src/broker/metrics/metrics-endpoint.ts';
import { MetricsServer } from '../../../src/broker/metrics/metrics-server.ts';
import { OTHER_LABEL, TrafficCounters } from '../../../src/broker/metrics/traffic-counters.ts';

const silent = pino({ level: 'silent' });
const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function get(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

describe('broker metrics - counters, histograms and the endpoint', () => {
  it('broker metrics - topic series are capped and the overflow counts under _other_', () => {
    const traffic = new TrafficCounters(3);
    for (let i = 0; i < 5; i++) traffic.countIn(`T${i}`, 2, 100);
    traffic.countIn('T0', 1, 10);
    traffic.countIn('T4', 1, 10);
    const inbound = new Map(traffic.inboundSeries());
    expect([...inbound.keys()]).toEqual(['T0', 'T1', 'T2', OTHER_LABEL]);
    expect(inbound.get('T0')).toEqual({ messages: 3, bytes: 110 });
    expect(inbound.get(OTHER_LABEL)).toEqual({ messages: 5, bytes: 210 });

    for (let i = 0; i < 4; i++) traffic.countOut('T0', `G${i}`, 1, 50);
    traffic.countOut('T1', 'G0', 4, 200);
    traffic.countOut('T0', 'G1', 1, 50);
    const outbound = traffic
      .outboundSeries()
      .map(([t, g, c]) => `${t}/${g}=${c.messages}:${c.bytes}`);
    expect(outbound).toEqual([
      'T0/G0=1:50',
      'T0/G1=2:100',
      'T0/G2=1:50',
      `${OTHER_LABEL}/${OTHER_LABEL}=5:250`,
    ]);
  });

  it('broker metrics - a topic named _other_ merges with the overflow instead of doubling the series', () => {
    const traffic = new TrafficCounters(1);
    traffic.countIn(OTHER_LABEL, 1, 1);
    traffic.countIn('Late', 2, 2);
    expect(traffic.inboundSeries()).toEqual([[OTHER_LABEL, { messages: 3, bytes: 3 }]]);
    expect(() => new TrafficCounters(0)).toThrow(/maxSeries/);
  });

  it('broker metrics - latency buckets render as a cumulative prom-client histogram', async () => {
    const buckets = new LatencyBuckets([0.001, 0.01, 0.1]);
    for (const seconds of [0.0005, 0.001, 0.005, 0.05, 3, -1, Number.NaN]) buckets.observe(seconds);
    const registry = new Registry();
    new BucketHistogram({
      name: 'test_latency_seconds',
      help: 'test',
      labelNames: ['shard'],
      registry,
      read: () => [{ labels: { shard: '2' }, snapshot: buckets.snapshot() }],
    });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_latency_seconds histogram');
    expect(text).toContain('test_latency_seconds_bucket{shard="2",le="0.001"} 2');
    expect(text).toContain('test_latency_seconds_bucket{shard="2",le="0.01"} 3');
    expect(text).toContain('test_latency_seconds_bucket{shard="2",le="0.1"} 4');
    expect(text).toContain('test_latency_seconds_bucket{shard="2",le="+Inf"} 5');
    expect(text).toContain('test_latency_seconds_count{shard="2"} 5');
    expect(text).toMatch(/test_latency_seconds_sum\{shard="2"\} 3\.0565/);
    expect(() => new LatencyBuckets([1, 1])).toThrow(/increase/);
  });

  it('broker metrics - metricsPort: 0 derives listenPort - 1 (free when listenPort is 0), -1 is off', () => {
    const { config } = loadBrokerConfig([]);
    expect(config.metricsPort).toBe(0);
    expect(config.metricsHost).toBe('');
    expect(metricsPortOf(config, 10911)).toBe(10910);
    expect(metricsPortOf({ metricsPort: 0, listenPort: 0 }, 34567)).toBe(0);
    expect(metricsPortOf({ metricsPort: 5557, listenPort: 10911 }, 10911)).toBe(5557);
    expect(metricsPortOf({ metricsPort: -1, listenPort: 10911 }, 10911)).toBeUndefined();
    expect(() => loadBrokerConfig([['metricsPort', '-2']])).toThrow(/metricsPort/);
  });

  it('broker metrics - the server answers GET /metrics, 404 elsewhere, 405 for other methods, 500 on failure', async () => {
    let renders = 0;
    let fail = false;
    const server = await MetricsServer.start({
      host: '127.0.0.1',
      port: 0,
      contentType: 'text/plain; version=0.0.4',
      render: async () => {
        renders++;
        if (fail) throw new Error('boom');
        return `up ${renders}\n`;
      },
      logger: silent,
    });
    servers.push(server);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    expect(await get(server.url)).toEqual({ status: 200, body: 'up 1\n' });
    expect(await get(`${server.url}?x=1`)).toEqual({ status: 200, body: 'up 2\n' });
    expect((await get(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await get(`${server.url}/more`)).status).toBe(404);
    expect((await get(server.url, 'POST')).status).toBe(405);
    fail = true;
    expect((await get(server.url)).status).toBe(500);
    await server.close();
    await expect(get(server.url)).rejects.toThrow();
  });

  it('broker metrics - a chosen port that is taken fails the start', async () => {
    const first = await MetricsServer.start({
      host: '127.0.0.1',
      port: 0,
      contentType: 'text/plain',
      render: async () => '',
      logger: silent,
    });
    servers.push(first);
    await expect(
      MetricsServer.start({
        host: '127.0.0.1',
        port: first.port,
        contentType: 'text/plain',
        render: async () => '',
        logger: silent,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
