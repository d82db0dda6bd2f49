/**
 * `thrustmq bench consumer`: a push consumer of group -g on topic -t that counts what arrives;
 * RT is store-to-consume time (store timestamp to delivery), as RocketMQ's consumer benchmark
 * reports it. Stops after --count messages or --duration seconds (default: 60 s without one).
 */
import { pino } from 'pino';
import { PushConsumer } from '../../client/consumer/push-consumer.ts';
import type { BenchOptions } from './bench-options.ts';
import { BenchReporter } from './bench-reporter.ts';

const IDLE_STOP_MS = 60_000;

export async function runConsumerBench(options: BenchOptions): Promise<number> {
  const consumer = new PushConsumer({
    group: options.group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    consumeBatchSize: 32,
    ...(options.namesrvAddr ? { namesrvAddr: options.namesrvAddr } : {}),
    logger: pino({ level: 'error' }, pino.destination(2)),
  });
  const reporter = new BenchReporter('received', options.json);
  let lastArrival = Date.now();
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  consumer.subscribe(options.topic, '*');
  consumer.onMessage((messages) => {
    const now = Date.now();
    lastArrival = now;
    for (const message of messages) reporter.record(Math.max(0, now - message.storeTimestamp));
    if (options.count !== undefined && reporter.total.count >= options.count) resolveDone();
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  reporter.start();
  const deadline = options.durationSeconds ? Date.now() + options.durationSeconds * 1000 : Infinity;
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (now >= deadline || (!options.durationSeconds && now - lastArrival > IDLE_STOP_MS))
      resolveDone();
  }, 200);
  await done;
  clearInterval(watchdog);
  reporter.finish({ group: options.group });
  await consumer.shutdown();
  return 0;
}
