/**
 * A prom-client Histogram whose series come from LatencyBuckets snapshots read at scrape time
 * (from this thread or from the queue actors), instead of observe() calls on the hot path.
 */
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BucketSnapshot } from './latency-buckets.ts';

export type HistogramSeries = Array<{ labels: Record<string, string>; snapshot: BucketSnapshot }>;

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface BucketHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
  read: () => HistogramSeries | Promise<HistogramSeries>;
}

type Exported = Awaited<ReturnType<Histogram['get']>>;

export class BucketHistogram extends Histogram {
  private readonly read: BucketHistogramOptions['read'];
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(options: BucketHistogramOptions) {
    super({
      name: options.name,
      help: options.help,
      labelNames: [...options.labelNames],
      registers: [options.registry],
    });
    this.read = options.read;
    this.metricName = options.name;
    this.metricHelp = options.help;
  }

  override async get(): Promise<Exported> {
    const values: Sample[] = [];
    for (const { labels, snapshot } of await this.read())
      samplesOf(this.metricName, labels, snapshot, values);
    // prom-client's type says a MetricType enum; its registry reads the text 'histogram'.
    const exported = {
      name: this.metricName,
      help: this.metricHelp,
      type: 'histogram',
      values,
      aggregator: 'sum',
    };
    return exported as unknown as Exported;
  }

  /** The registry prefers this to get() when rendering text. */
  getForPromString(): Promise<Exported> {
    return this.get();
  }
}

function samplesOf(
  name: string,
  labels: Record<string, string>,
  snapshot: BucketSnapshot,
  into: Sample[],
): void {
  let cumulative = 0;
  for (let i = 0; i < snapshot.bounds.length; i++) {
    cumulative += snapshot.counts[i] ?? 0;
    into.push({
      labels: { ...labels, le: snapshot.bounds[i]! },
      value: cumulative,
      metricName: `${name}_bucket`,
    });
  }
  into.push({
    labels: { ...labels, le: '+Inf' },
    value: snapshot.count,
    metricName: `${name}_bucket`,
  });
  into.push({ labels, value: snapshot.sum, metricName: `${name}_sum` });
  into.push({ labels, value: snapshot.count, metricName: `${name}_count` });
}
