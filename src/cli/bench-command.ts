/** `thrustmq bench producer|consumer|store`: the benchmark tools. */
import { BENCH_USAGE, BenchUsageError, parseBenchOptions } from './bench/bench-options.ts';

export async function runBenchCommand(
  args: readonly string[],
  runStoreBench: (args: readonly string[]) => Promise<number>,
): Promise<number> {
  const [target, ...rest] = args;
  if (target === 'store') return runStoreBench(rest);
  if (target !== 'producer' && target !== 'consumer') {
    process.stderr.write(
      `thrustmq bench: unknown target ${JSON.stringify(target ?? '')}\n\n${BENCH_USAGE}`,
    );
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  let options;
  try {
    options = parseBenchOptions(rest);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`thrustmq bench ${target}: ${error.message}\n`);
    return 2;
  }
  try {
    if (target === 'producer')
      return await (await import('./bench/producer-bench.ts')).runProducerBench(options);
    return await (await import('./bench/consumer-bench.ts')).runConsumerBench(options);
  } catch (error) {
    process.stderr.write(`thrustmq bench ${target}: ${(error as Error).message}\n`);
    return 1;
  }
}
