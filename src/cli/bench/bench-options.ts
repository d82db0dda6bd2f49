/**
 * Options of `thrustmq bench producer|consumer`, named as RocketMQ's benchmark scripts name
 * them (-n, -t, -s, -w, -g) plus --count, --duration, --batch and --json.
 */
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

/** The one UsageError, under the name bench callers have matched on. */
export { UsageError as BenchUsageError } from '../cli-errors.ts';
import { UsageError as BenchUsageError } from '../cli-errors.ts';

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

function integer(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) {
    throw new BenchUsageError(
      `${flag} needs an integer in [${min}, ${max}], got ${JSON.stringify(value ?? '')}`,
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
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = args[i + 1];
    const take = (): string => {
      if (value === undefined) throw new BenchUsageError(`${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '-n':
        options.namesrvAddr = take();
        break;
      case '-t':
        options.topic = take();
        break;
      case '-s':
        options.messageSize = integer(flag, take(), 1, 4 * 1024 * 1024);
        break;
      case '-w':
        options.concurrency = integer(flag, take(), 1, 10_000);
        break;
      case '-g':
        options.group = take();
        break;
      case '--count':
        options.count = integer(flag, take(), 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--duration':
        options.durationSeconds = integer(flag, take(), 1, 7 * 24 * 3600);
        break;
      case '--batch':
        options.batch = integer(flag, take(), 1, 1024);
        break;
      case '--json':
        options.json = true;
        break;
      default:
        throw new BenchUsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return options;
}
