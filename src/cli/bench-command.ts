/** `thrustmq bench producer|consumer|store`: the benchmark tools. */
import { BENCH_USAGE, parseBenchOptions } from './bench/bench-options.ts';
import { cliFailure, writeFailure } from './exit-codes.ts';

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
    const failure = cliFailure(error);
    if (!failure.expected) throw error;
    return writeFailure(process.stderr, `thrustmq bench ${target}: `, failure);
  }
  try {
    if (target === 'producer')
      return await (await import('./bench/producer-bench.ts')).runProducerBench(options);
    return await (await import('./bench/consumer-bench.ts')).runConsumerBench(options);
  } catch (error) {
    return writeFailure(process.stderr, `thrustmq bench ${target}: `, cliFailure(error));
  }
}
