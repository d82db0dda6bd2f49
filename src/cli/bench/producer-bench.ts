/**
 * `thrustmq bench producer`: -w sends (or batches) in flight, each worker sending again as soon
 * as its previous send is answered, until --count messages or --duration seconds.
 */
import { pino } from 'pino';
import { Producer } from '../../client/producer/producer.ts';
import type { Message } from '../../client/core/message.ts';
import type { BenchOptions } from './bench-options.ts';
import { BenchReporter } from './bench-reporter.ts';

export async function runProducerBench(options: BenchOptions): Promise<number> {
  const producer = new Producer({
    group: 'benchmark_producer',
    ...(options.namesrvAddr ? { namesrvAddr: options.namesrvAddr } : {}),
    logger: pino({ level: 'error' }, pino.destination(2)),
  });
  await producer.start();
  const body = Buffer.alloc(options.messageSize, 0x61);
  const message: Message = { topic: options.topic, body, tags: 'bench' };
  const batch: Message[] = Array.from({ length: options.batch }, () => message);
  const reporter = new BenchReporter('sent', options.json);
  const deadline = options.durationSeconds ? Date.now() + options.durationSeconds * 1000 : Infinity;
  const limit = options.count ?? (options.durationSeconds ? Infinity : 1_000_000);
  let claimed = 0;
  const worker = async (): Promise<void> => {
    while (claimed < limit && Date.now() < deadline) {
      const size = Math.min(options.batch, limit - claimed);
      claimed += size;
      const started = performance.now();
      try {
        if (options.batch > 1)
          await producer.sendBatch(size === options.batch ? batch : batch.slice(0, size));
        else await producer.send(message);
        reporter.record(performance.now() - started, size);
      } catch {
        reporter.fail(size);
      }
    }
  };
  reporter.start();
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  reporter.finish({
    messageSize: options.messageSize,
    batch: options.batch,
    concurrency: options.concurrency,
  });
  await producer.shutdown();
  return 0;
}
