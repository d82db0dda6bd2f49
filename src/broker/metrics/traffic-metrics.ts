/** Per-topic and per-group message and byte counts, and what pulls wait for. */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';
import type { TrafficCounters } from './traffic-counters.ts';

export function registerTrafficMetrics(
  registry: Registry,
  traffic: TrafficCounters,
  heldPulls: () => number,
): void {
  const registers = [registry];
  const inbound = (name: string, help: string, pick: 'messages' | 'bytes'): void => {
    new Counter({
      name,
      help,
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const [topic, counts] of traffic.inboundSeries()) this.inc({ topic }, counts[pick]);
      },
    });
  };
  inbound('thrustmq_messages_in_total', 'Messages stored, by topic.', 'messages');
  inbound('thrustmq_bytes_in_total', 'Message body bytes received by sends, by topic.', 'bytes');
  const outbound = (name: string, help: string, pick: 'messages' | 'bytes'): void => {
    new Counter({
      name,
      help,
      labelNames: ['topic', 'group'],
      registers,
      collect() {
        this.reset();
        for (const [topic, group, counts] of traffic.outboundSeries())
          this.inc({ topic, group }, counts[pick]);
      },
    });
  };
  outbound(
    'thrustmq_messages_out_total',
    'Messages returned by pulls, by topic and group.',
    'messages',
  );
  outbound(
    'thrustmq_bytes_out_total',
    'Stored bytes returned by pulls, by topic and group.',
    'bytes',
  );

  new BucketHistogram({
    name: 'thrustmq_pull_latency_seconds',
    help: 'Pulls answered without a long-polling hold: request arrival to response.',
    labelNames: [],
    registry,
    read: () => [{ labels: {}, snapshot: traffic.pullLatency.snapshot() }],
  });
  new Counter({
    name: 'thrustmq_pulls_held_total',
    help: 'Pulls that found no message and were held for long polling.',
    registers,
    collect() {
      this.reset();
      this.inc(traffic.pullsHeld);
    },
  });
  new Gauge({
    name: 'thrustmq_pulls_held',
    help: 'Pulls held for long polling now.',
    registers,
    collect() {
      this.set(heldPulls());
    },
  });
}
