import { describe, expect, it } from 'vitest';
import {
  BrokerBusyError,
  BrokerError,
  ConnectionError,
  MessageTooLargeError,
  NoRouteError,
  TimeoutError,
} from '../../../src/client/core/errors.ts';
import { createResponse } from '../../../src/remoting/index.ts';
import { useFakeCluster } from './producer-fake-cluster.ts';
import type { FakeBroker } from './producer-fake-cluster.ts';

const cluster = useFakeCluster();
const producer = cluster.producer;

function failWith(broker: FakeBroker, code: number): void {
  broker.answer = (request) => createResponse(request, code, `scripted ${code}`);
}

describe('producer - retries, avoidance and typed failures', () => {
  for (const code of [17, 14, 1, 16, 204, 205]) {
    it(`retries code ${code} on the other broker and then avoids the failing one`, async () => {
      cluster.ns.route('Retry', cluster.brokers, 2);
      failWith(cluster.brokers[0]!, code);
      const p = await producer();
      for (let i = 0; i < 10; i++) {
        const result = await p.send({ topic: 'Retry', body: `${i}` });
        expect(result.messageQueue.brokerName).toBe('broker-b');
      }
      expect(cluster.brokers[0]!.sends.length).toBeLessThanOrEqual(1);
      expect(cluster.brokers[1]!.sends).toHaveLength(10);
    });
  }

  it('gives up after 1 + retryTimesWhenSendFailed attempts with the last typed error', async () => {
    cluster.ns.route('AllFail', cluster.brokers, 2);
    failWith(cluster.brokers[0]!, 14);
    failWith(cluster.brokers[1]!, 14);
    const p = await producer({ retryTimesWhenSendFailed: 3 });
    const error = await p.send({ topic: 'AllFail', body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).responseCode).toBe(14);
    expect((error as BrokerError).remark).toBe('scripted 14');
    expect(cluster.brokers[0]!.sends.length + cluster.brokers[1]!.sends.length).toBe(4);
    // Attempts alternate cluster.brokers: each got two.
    expect(cluster.brokers[0]!.sends).toHaveLength(2);
  });

  it('throws codes the Java producer does not retry after one attempt', async () => {
    cluster.ns.route('NoRetry', cluster.brokers, 2);
    failWith(cluster.brokers[0]!, 2);
    failWith(cluster.brokers[1]!, 2);
    const p = await producer();
    await expect(p.send({ topic: 'NoRetry', body: 'x' })).rejects.toBeInstanceOf(BrokerBusyError);
    failWith(cluster.brokers[0]!, 13);
    failWith(cluster.brokers[1]!, 13);
    await expect(p.send({ topic: 'NoRetry', body: 'x' })).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );
    failWith(cluster.brokers[0]!, 26);
    failWith(cluster.brokers[1]!, 26);
    await expect(p.send({ topic: 'NoRetry', body: 'x' })).rejects.toMatchObject({
      name: 'BrokerError',
      responseCode: 26,
    });
    expect(cluster.brokers[0]!.sends.length + cluster.brokers[1]!.sends.length).toBe(3);
  });

  it('retries a refused connection on a live broker', async () => {
    cluster.ns.route('Dead', cluster.brokers, 2);
    await cluster.brokers[0]!.close();
    const p = await producer();
    for (let i = 0; i < 5; i++)
      expect((await p.send({ topic: 'Dead', body: 'x' })).messageQueue.brokerName).toBe('broker-b');
    cluster.ns.route('OnlyDead', [cluster.brokers[0]!], 2);
    await expect(p.send({ topic: 'OnlyDead', body: 'x' })).rejects.toBeInstanceOf(ConnectionError);
  });

  it('bounds a send and its retries by sendTimeoutMs', async () => {
    cluster.ns.route('Stall', cluster.brokers, 2);
    cluster.brokers[0]!.answer = () => undefined;
    cluster.brokers[1]!.answer = () => undefined;
    const p = await producer({ sendTimeoutMs: 400 });
    const started = Date.now();
    await expect(p.send({ topic: 'Stall', body: 'x' })).rejects.toBeInstanceOf(TimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1500);
    await expect(p.send({ topic: 'Stall', body: 'x' }, { timeoutMs: 150 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });

  it('falls back to the TBW102 route with min(defaultTopicQueueNums, its queues) queues', async () => {
    cluster.ns.route('TBW102', [cluster.brokers[0]!], 8, 7);
    const p = await producer({ defaultTopicQueueNums: 3 });
    const queueIds = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const result = await p.send({ topic: 'AutoCreated', body: `${i}` });
      expect(result.messageQueue.brokerName).toBe('broker-a');
    }
    for (const request of cluster.brokers[0]!.sends) {
      expect(request.extFields).toMatchObject({ b: 'AutoCreated', c: 'TBW102', d: '3' });
      queueIds.add(request.extFields!['e']!);
    }
    expect([...queueIds].sort()).toEqual(['0', '1', '2']);
    expect(cluster.ns.lookups.slice(0, 2)).toEqual(['AutoCreated', 'TBW102']);
  });

  it('fails with NoRouteError when neither the topic nor TBW102 has a route', async () => {
    const p = await producer();
    const error = await p.send({ topic: 'Nowhere', body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRouteError);
    expect((error as NoRouteError).message).toContain('Nowhere');
    expect(cluster.brokers[0]!.sends).toHaveLength(0);
  });

  it('fails with NoRouteError when the route has no writable queue', async () => {
    cluster.ns.route('ReadOnly', cluster.brokers, 2, 4);
    const p = await producer();
    await expect(p.send({ topic: 'ReadOnly', body: 'x' })).rejects.toBeInstanceOf(NoRouteError);
  });

  it('sends to a chosen queue once, without retrying elsewhere', async () => {
    cluster.ns.route('Chosen', cluster.brokers, 2);
    failWith(cluster.brokers[0]!, 14);
    const p = await producer();
    const queue = { topic: 'Chosen', brokerName: 'broker-a', queueId: 1 };
    await expect(p.send({ topic: 'Chosen', body: 'x' }, { queue })).rejects.toMatchObject({
      responseCode: 14,
    });
    expect(cluster.brokers[0]!.sends).toHaveLength(1);
    expect(cluster.brokers[1]!.sends).toHaveLength(0);
    await expect(
      p.send(
        { topic: 'Chosen', body: 'x' },
        { queue: { topic: 'Chosen', brokerName: 'broker-z', queueId: 0 } },
      ),
    ).rejects.toBeInstanceOf(NoRouteError);
  });
});
