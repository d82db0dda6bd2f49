/**
 * SDK clients for delivery tests against real processes: a started producer, and a started
 * push consumer that records every delivery with its arrival time and waits until it owns all
 * queues of its topic. Both register their shutdown with the caller's cleanup.
 */
import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { MessageExt } from '../../src/client/core/message.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import type {
  ConsumeResult,
  PushConsumerOptions,
} from '../../src/client/consumer/push-consumer.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import type { SubscriptionExpression } from '../../src/client/consumer/subscription.ts';
import { waitFor } from './wait-for.ts';

const silent = pino({ level: 'silent' });

export interface Delivery {
  message: MessageExt;
  at: number;
}

export type Cleanup = (shutdown: () => Promise<void>) => void;

/**
 * A Cleanup whose registrations run after each test of the calling file, newest first, each
 * failure ignored so the others still run. Call it at the top level of a test file.
 */
export function cleanupAfterEach(): Cleanup {
  const shutdowns: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (shutdowns.length > 0) await shutdowns.pop()!().catch(() => undefined);
  });
  return (shutdown) => void shutdowns.push(shutdown);
}

export async function startProducer(
  namesrvAddr: string,
  group: string,
  cleanup: Cleanup,
): Promise<Producer> {
  const producer = new Producer({ namesrvAddr, group, logger: silent });
  await producer.start();
  cleanup(() => producer.shutdown());
  return producer;
}

export interface RecordingConsumerOptions extends Pick<
  PushConsumerOptions,
  'maxReconsumeTimes' | 'consumeBatchSize'
> {
  namesrvAddr: string;
  group: string;
  topic: string;
  /** Queues of the topic: start() returns once this consumer owns them all (4). */
  queues?: number;
  /** What to subscribe with (default every message). */
  selector?: SubscriptionExpression;
}

/** Consumes from the first offset; the listener's verdict (default success) is returned. */
export async function startRecordingConsumer(
  options: RecordingConsumerOptions,
  cleanup: Cleanup,
  listener: (message: MessageExt) => ConsumeResult = () => 'CONSUME_SUCCESS',
): Promise<{ seen: Delivery[]; consumer: PushConsumer }> {
  const { namesrvAddr, group, topic, queues = 4, selector = '*', ...rest } = options;
  const seen: Delivery[] = [];
  const consumer = new PushConsumer({
    namesrvAddr,
    group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    rebalanceIntervalMs: 1000,
    logger: silent,
    ...rest,
  });
  consumer.subscribe(topic, selector);
  consumer.onMessage((messages) => {
    let result: ConsumeResult = 'CONSUME_SUCCESS';
    for (const message of messages) {
      seen.push({ message, at: Date.now() });
      if (listener(message) === 'RECONSUME_LATER') result = 'RECONSUME_LATER';
    }
    return result;
  });
  cleanup(() => consumer.shutdown());
  await consumer.start();
  await waitFor(
    () => consumer.assignedQueues.filter((q) => q.topic === topic).length === queues,
    10_000,
    () => `assigned ${JSON.stringify(consumer.assignedQueues)}`,
  );
  return { seen, consumer };
}
