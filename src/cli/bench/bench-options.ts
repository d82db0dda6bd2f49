/**
 * Options of `thrustmq bench producer|consumer`, named as RocketMQ's benchmark scripts name
 * them (-n, -t, -s, -w, -g) plus --count, --duration, --batch and --json.
 */
import { UsageError, UsageErrorCode } from '../cli-errors.ts';
import type { FlagTable } from '../flags.ts';
import { parseFlags } from '../flags.ts';

/** The one UsageError, under the name bench callers have matched on. */
export { UsageError as BenchUsageError };
export interface BenchOptions {
  namesrvAddr: string | undefined;
  topic: string;
  messageSize: number;
  concurrency: number;
  group: string;
  count: number | undefined;
  durationSeconds: number | undefined;
  batch: number;
  json: boolean;
}

export const BENCH_USAGE = `usage: thrustmq bench producer|consumer [options]

  -n ADDR        name servers, "host:9876;host2:9876" (default NAMESRV_ADDR)
  -t TOPIC       topic (default BenchmarkTest)
  -s BYTES       producer: message size (default 128)
  -w N           producer: sends in flight (default 64)
  -g GROUP       consumer: group (default benchmark_consumer)
  --count N      stop after N messages
  --duration S   stop after S seconds
  --batch N      producer: send batches of N messages
  --json         print one JSON line at the end (and nothing else)
`;

const BENCH_FLAGS: FlagTable = {
  namesrvAddr: { type: 'string', short: 'n' },
  topic: { type: 'string', short: 't' },
  messageSize: { type: 'string', short: 's' },
  threadCount: { type: 'string', short: 'w' },
  group: { type: 'string', short: 'g' },
  count: { type: 'string' },
  duration: { type: 'string' },
  batch: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `option ${flag} needs an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
      UsageErrorCode.INVALID_VALUE,
    );
  }
  return n;
}

export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    namesrvAddr: undefined,
    topic: 'BenchmarkTest',
    messageSize: 128,
    concurrency: 64,
    group: 'benchmark_consumer',
    count: undefined,
    durationSeconds: undefined,
    batch: 1,
    json: false,
  };
  for (const { name, rawName, value } of parseFlags(args, BENCH_FLAGS).flags) {
    const text = String(value);
    if (name === 'namesrvAddr') options.namesrvAddr = text;
    else if (name === 'topic') options.topic = text;
    else if (name === 'messageSize')
      options.messageSize = integer(rawName, text, 1, 4 * 1024 * 1024);
    else if (name === 'threadCount') options.concurrency = integer(rawName, text, 1, 10_000);
    else if (name === 'group') options.group = text;
    else if (name === 'count') options.count = integer(rawName, text, 1, Number.MAX_SAFE_INTEGER);
    else if (name === 'duration')
      options.durationSeconds = integer(rawName, text, 1, 7 * 24 * 3600);
    else if (name === 'batch') options.batch = integer(rawName, text, 1, 1024);
    else if (name === 'json') options.json = true;
  }
  return options;
}
