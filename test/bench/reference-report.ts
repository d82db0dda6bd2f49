/**
 * The broker benchmark's Apache RocketMQ rows: ThrustMQ (at the primary actorThreads) and
 * Apache RocketMQ 5.5.0 on the same machine in the same run, through ThrustMQ's load client and
 * through Apache's Java client, as medians over the runs, with the ThrustMQ / Apache RocketMQ
 * ratios of send rate, ack p50 and p99, consume rate and resident memory.
 */
import type { ResidentMemory } from './bench-memory.ts';
import { median, ms, round, spread, thousands } from './bench-report.ts';
import type { CaseRun, FlushDiskType } from './bench-report.ts';
import type { BrokerKind } from './bench-targets.ts';
import type { JavaCaseRun } from './java-bench.ts';

const FLUSHES: FlushDiskType[] = ['SYNC_FLUSH', 'ASYNC_FLUSH'];
const KINDS: BrokerKind[] = ['thrustmq', 'apache'];
const LABEL: Record<BrokerKind, string> = { thrustmq: 'ThrustMQ', apache: 'Apache RocketMQ' };

/** One case of either shape, as the figures this report compares. */
interface Sample {
  sendMsgsPerSec: number;
  /** Ack latency with the window in flight. */
  ackP50Ms: number;
  ackP99Ms: number;
  /** Ack latency of one-at-a-time sends (Java client only). */
  singleAckP50Ms: number;
  singleAckP99Ms: number;
  consumeMsgsPerSec: number;
  brokerCpuUsPerMsg: number;
  memory: ResidentMemory | undefined;
}

const fromLoadClient = (c: CaseRun): Sample => ({
  sendMsgsPerSec: c.send.msgsPerSec,
  ackP50Ms: c.send.ackP50Ms,
  ackP99Ms: c.send.ackP99Ms,
  singleAckP50Ms: Number.NaN,
  singleAckP99Ms: Number.NaN,
  consumeMsgsPerSec: c.consume.msgsPerSec,
  brokerCpuUsPerMsg: c.brokerCpuUsPerMsg,
  memory: c.memory,
});

const fromJavaClient = (c: JavaCaseRun): Sample => ({
  sendMsgsPerSec: c.send.msgsPerSec,
  ackP50Ms: c.send.ackP50Ms,
  ackP99Ms: c.send.ackP99Ms,
  singleAckP50Ms: c.send.syncAckP50Ms,
  singleAckP99Ms: c.send.syncAckP99Ms,
  consumeMsgsPerSec: c.consume.msgsPerSec,
  brokerCpuUsPerMsg: c.brokerCpuUsPerMsg,
  memory: c.memory,
});

type Metric = Exclude<keyof Sample, 'memory'>;
const METRICS: Metric[] = [
  'sendMsgsPerSec',
  'ackP50Ms',
  'ackP99Ms',
  'singleAckP50Ms',
  'singleAckP99Ms',
  'consumeMsgsPerSec',
  'brokerCpuUsPerMsg',
];
type MemoryMetric = keyof ResidentMemory;
const MEMORY: MemoryMetric[] = ['rssMiB', 'peakMiB', 'anonMiB', 'fileMiB'];

function figures(samples: Sample[]) {
  const out: Record<string, number> = { runs: samples.length };
  for (const metric of METRICS)
    out[metric] = round(median(samples.map((s) => s[metric])), metric.endsWith('Ms') ? 2 : 0);
  for (const metric of MEMORY)
    out[metric] = round(median(samples.flatMap((s) => (s.memory ? [s.memory[metric]] : []))), 1);
  return out;
}

/** ThrustMQ's figure over Apache RocketMQ's, for every compared figure. */
function ratios(ours: Record<string, number>, theirs: Record<string, number>) {
  const ratio = (key: string) => round(ours[key]! / theirs[key]!, 3);
  return {
    send: ratio('sendMsgsPerSec'),
    ackP50: ratio('ackP50Ms'),
    ackP99: ratio('ackP99Ms'),
    singleAckP50: ratio('singleAckP50Ms'),
    singleAckP99: ratio('singleAckP99Ms'),
    consume: ratio('consumeMsgsPerSec'),
    rss: ratio('rssMiB'),
    peakRss: ratio('peakMiB'),
  };
}

function shape(samples: Record<BrokerKind, Record<FlushDiskType, Sample[]>>) {
  const byFlush = (kind: BrokerKind) =>
    Object.fromEntries(FLUSHES.map((f) => [f, figures(samples[kind][f])]));
  const thrustmq = byFlush('thrustmq');
  const apache = byFlush('apache');
  return {
    thrustmq,
    apache,
    ratios: Object.fromEntries(FLUSHES.map((f) => [f, ratios(thrustmq[f]!, apache[f]!)])),
  };
}

export interface ReferenceOptions {
  included: boolean;
  javaClient: boolean;
  /** Why the rows were not run although not turned off, or ''. */
  skipped: string;
}

/** thrustmqCases: the ThrustMQ load-client cases at the primary actorThreads only. */
export function summarizeReference(
  options: ReferenceOptions,
  thrustmqCases: CaseRun[],
  apacheCases: CaseRun[],
  javaCases: JavaCaseRun[],
) {
  const split = <T extends { flushDiskType: FlushDiskType }>(list: T[], map: (c: T) => Sample) =>
    Object.fromEntries(
      FLUSHES.map((f) => [f, list.filter((c) => c.flushDiskType === f).map(map)]),
    ) as Record<FlushDiskType, Sample[]>;
  const java = (kind: BrokerKind) => javaCases.filter((c) => c.broker === kind);
  return {
    version: '5.5.0',
    included: options.included,
    ...(options.skipped ? { skipped: options.skipped } : {}),
    loadClient: options.included
      ? shape({
          thrustmq: split(thrustmqCases, fromLoadClient),
          apache: split(apacheCases, fromLoadClient),
        })
      : undefined,
    javaClient: options.javaClient
      ? shape({
          thrustmq: split(java('thrustmq'), fromJavaClient),
          apache: split(java('apache'), fromJavaClient),
        })
      : undefined,
  };
}

export type ReferenceSummary = ReturnType<typeof summarizeReference>;

const mib = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');

function sampleRow(client: string, kind: BrokerKind, flush: FlushDiskType, samples: Sample[]) {
  const col = (metric: Metric, format: (v: number) => string) =>
    spread(
      samples.map((s) => s[metric]).filter((v) => Number.isFinite(v)),
      format,
    );
  const memoryValues = (metric: MemoryMetric) =>
    samples.flatMap((s) => (s.memory ? [s.memory[metric]] : []));
  const memory = (metric: MemoryMetric) => spread(memoryValues(metric), mib);
  // The split into anonymous and file-backed memory as medians only, to keep the cell short.
  const part = (metric: MemoryMetric) => mib(median(memoryValues(metric)));
  return (
    `| ${client} | ${LABEL[kind]}, ${flush} | ${col('sendMsgsPerSec', thousands)} | ` +
    `${col('ackP50Ms', ms)} | ${col('ackP99Ms', ms)} | ${col('singleAckP50Ms', ms)} | ` +
    `${col('singleAckP99Ms', ms)} | ${col('consumeMsgsPerSec', thousands)} | ` +
    `${col('brokerCpuUsPerMsg', ms)} | ${memory('rssMiB')}; ${part('anonMiB')} + ` +
    `${part('fileMiB')} | ${memory('peakMiB')} |`
  );
}

const text = (value: number) => (Number.isFinite(value) ? String(value) : 'n/a');

function ratioRows(client: string, summary: NonNullable<ReferenceSummary['loadClient']>) {
  return FLUSHES.map((flush) => {
    const r = summary.ratios[flush]!;
    const single = client === 'Java client';
    return (
      `| ${client} | ${flush} | ${text(r.send)} | ${text(single ? r.singleAckP50 : r.ackP50)} | ` +
      `${text(single ? r.singleAckP99 : r.ackP99)} | ${text(r.consume)} | ${text(r.rss)} | ` +
      `${text(r.peakRss)} |`
    );
  });
}

export interface ReferenceSamples {
  thrustmqCases: CaseRun[];
  apacheCases: CaseRun[];
  javaCases: JavaCaseRun[];
  primaryActorThreads: number;
}

/** The rows and ratios as text; one line saying why when they were not run. */
export function formatReference(summary: ReferenceSummary, samples: ReferenceSamples): string {
  if (!summary.included)
    return `\nApache RocketMQ rows: not run (${summary.skipped ?? '--no-apache'})`;
  const lines = [
    '',
    `Apache RocketMQ ${summary.version} beside ThrustMQ (actorThreads ${samples.primaryActorThreads}), ` +
      'same machine, same run, same messages; median (min–max). "single" = one-at-a-time sends;',
    'RSS = the broker process (the JVM for Apache RocketMQ) at the end of its case, anonymous + mapped files.',
    '',
    '| client | broker, flush | send msgs/s | ack p50 ms | ack p99 ms | single ack p50 ms | single ack p99 ms | consume msgs/s | broker CPU µs/msg | RSS MiB; anon + file | peak RSS MiB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const shapes: [string, (kind: BrokerKind, flush: FlushDiskType) => Sample[]][] = [
    [
      'load client',
      (kind, flush) =>
        (kind === 'thrustmq' ? samples.thrustmqCases : samples.apacheCases)
          .filter((c) => c.flushDiskType === flush)
          .map(fromLoadClient),
    ],
  ];
  if (summary.javaClient)
    shapes.push([
      'Java client',
      (kind, flush) =>
        samples.javaCases
          .filter((c) => c.broker === kind && c.flushDiskType === flush)
          .map(fromJavaClient),
    ]);
  for (const [client, pick] of shapes)
    for (const flush of FLUSHES)
      for (const kind of KINDS) lines.push(sampleRow(client, kind, flush, pick(kind, flush)));
  lines.push(
    '',
    'ThrustMQ / Apache RocketMQ (send, consume: above 1 = ThrustMQ faster; ack, RSS: below 1 = ThrustMQ lower;',
    'the Java client rows compare one-at-a-time acks):',
    '',
    '| client | flush | send | ack p50 | ack p99 | consume | RSS | peak RSS |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...ratioRows('load client', summary.loadClient!),
    ...(summary.javaClient ? ratioRows('Java client', summary.javaClient) : []),
  );
  return lines.join('\n');
}
