import { describe, expect, it } from 'vitest';
import { parsePushConsumerOptions } from '../../../src/client/consumer/consumer-options.ts';
import { InvalidArgumentError } from '../../../src/client/core/errors.ts';
import { LitePullConsumer } from '../../../src/client/consumer/lite-pull-consumer.ts';
import { PushConsumer } from '../../../src/client/consumer/push-consumer.ts';
import { TaskLimiter } from '../../../src/client/core/task-limiter.ts';

const base = { namesrvAddr: '127.0.0.1:9876', group: 'G' };

describe('consumer options - defaults and validation', () => {
  it('consumer options - fills the Java client s defaults', () => {
    const filled = parsePushConsumerOptions(base);
    expect(filled).toMatchObject({
      group: 'G',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      consumeConcurrency: 20,
      consumeBatchSize: 1,
      pullBatchSize: 32,
      pullThresholdForQueue: 1000,
      pullThresholdSizeForQueueMiB: 100,
      maxReconsumeTimes: 16,
      maxReconsumeTimesGiven: false,
      persistOffsetIntervalMs: 5000,
      rebalanceIntervalMs: 20_000,
    });
    expect(filled.offsetStoreDir).toMatch(/\.rocketmq_offsets$/);
    expect(Date.now() - filled.consumeTimestamp).toBeGreaterThanOrEqual(30 * 60 * 1000 - 1000);
    expect(parsePushConsumerOptions({ ...base, maxReconsumeTimes: -1 }).maxReconsumeTimes).toBe(16);
  });

  it('consumer options - names the offending option and value', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ group: '' }, /options\.group/],
      [{ group: 'bad group' }, /options\.group/],
      [{ group: 'DEFAULT_CONSUMER' }, /reserved/],
      [{ messageModel: 'ALL' }, /options\.messageModel must be one of CLUSTERING, BROADCASTING/],
      [{ consumeFromWhere: 'NOW' }, /options\.consumeFromWhere/],
      [
        { consumeConcurrency: 0 },
        /options\.consumeConcurrency must be an integer from 1 to 1000, got 0/,
      ],
      [{ pullBatchSize: 1.5 }, /options\.pullBatchSize/],
      [{ pullThresholdForQueue: -1 }, /options\.pullThresholdForQueue/],
      [{ rebalanceIntervalMs: 10 }, /options\.rebalanceIntervalMs/],
      [{ allocateStrategy: 'averagely' }, /options\.allocateStrategy/],
      [{ namesrvAddr: 'nohost' }, /host:port/],
    ];
    for (const [change, message] of cases) {
      expect(() => new PushConsumer({ ...base, ...change } as never)).toThrow(message);
    }
    expect(() => new LitePullConsumer({ ...base, autoCommit: 'yes' } as never)).toThrow(
      InvalidArgumentError,
    );
  });

  it('consumer options - start refuses a consumer without listener or subscription', async () => {
    const consumer = new PushConsumer(base);
    await expect(consumer.start()).rejects.toThrow(/listener/);
    consumer.onMessage(() => 'CONSUME_SUCCESS');
    await expect(consumer.start()).rejects.toThrow(/subscribe/);
    expect(() => consumer.subscribe('bad topic!')).toThrow(/topic/);
    const lite = new LitePullConsumer(base);
    lite.subscribe('T');
    expect(() => lite.assign([{ topic: 'T', brokerName: 'b', queueId: 0 }])).toThrow(/not both/);
    await expect(lite.poll()).rejects.toThrow(/start/);
  });
});

describe('task limiter - bounded listener concurrency', () => {
  it('task limiter - runs at most the limit at once, in FIFO order, and reports idle', async () => {
    const limiter = new TaskLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    for (let i = 0; i < 6; i++) {
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      });
    }
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(4);
    expect(await limiter.idle(2000)).toBe(true);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    limiter.run(() => new Promise((resolve) => setTimeout(resolve, 200)));
    limiter.run(async () => void order.push(99));
    limiter.run(async () => void order.push(100));
    limiter.clear();
    expect(await limiter.idle(10)).toBe(false);
    expect(await limiter.idle(2000)).toBe(true);
    expect(order).not.toContain(100);
  });
});
