import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../src/client/producer/batch-encoder.ts';
import {
  ClientClosedError,
  InvalidArgumentError,
  MessageTooLargeError,
} from '../../../src/client/core/errors.ts';
import { LatencyFaultTable } from '../../../src/client/producer/latency-fault.ts';
import type { Message } from '../../../src/client/core/message.ts';
import { Producer, selectByHash } from '../../../src/client/producer/producer.ts';
import type { ProducerOptions } from '../../../src/client/producer/producer.ts';
import { javaHashCode } from '../../../src/client/producer/queue-selector.ts';
import type { MessageQueue } from '../../../src/client/core/route.ts';
import { FakeBroker, FakeNameServer, silent } from './producer-fake-cluster.ts';

let ns: FakeNameServer;
let broker: FakeBroker;
let producer: Producer;

beforeAll(async () => {
  ns = await FakeNameServer.start();
  broker = await FakeBroker.start('broker-a');
  ns.route('T', [broker], 4);
  producer = new Producer({ group: 'PG', namesrvAddr: ns.address, logger: silent });
  await producer.start();
});
afterAll(async () => {
  await producer.shutdown();
  await broker.close();
  await ns.close();
});

async function invalid(message: unknown, pattern: RegExp): Promise<void> {
  const error = await producer.send(message as Message).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as Error).message).toMatch(pattern);
}

describe('producer - validation before anything is sent', () => {
  it('refuses bad topics, bodies, properties and options, naming the field', async () => {
    await invalid({ topic: '', body: 'x' }, /message\.topic is required/);
    await invalid({ topic: 'a b', body: 'x' }, /message\.topic "a b" contains illegal/);
    await invalid({ topic: 'x'.repeat(128), body: 'x' }, /longer than 127/);
    await invalid({ topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }, /forbidden/);
    await invalid({ topic: 'T', body: '' }, /message\.body is empty/);
    await invalid({ topic: 'T', body: 12 }, /message\.body must be/);
    await invalid({ topic: 'T', body: 'x', properties: { UNIQ_KEY: 'u' } }, /used by the system/);
    await invalid({ topic: 'T', body: 'x', properties: { TAGS: 'u' } }, /used by the system/);
    await invalid({ topic: 'T', body: 'x', properties: { a: '' } }, /properties\["a"\] is empty/);
    await invalid({ topic: 'T', body: 'x', properties: { 'a\u0001': 'v' } }, /property name/);
    await invalid({ topic: 'T', body: 'x', tags: 'a\u0002b' }, /message\.tags must not contain/);
    await invalid({ topic: 'T', body: 'x', delayLevel: -1 }, /message\.delayLevel/);
    await invalid({ topic: 'T', body: 'x', flag: 1.5 }, /message\.flag/);
    await expect(producer.send({ topic: 'T', body: 'x' }, { timeoutMs: 0 })).rejects.toThrow(
      /options\.timeoutMs/,
    );
    await expect(
      producer.send(
        { topic: 'T', body: 'x' },
        { queue: { topic: 'T', brokerName: 'broker-a', queueId: 0 }, shardingKey: 'k' },
      ),
    ).rejects.toThrow(/options\.queue cannot be combined/);
    await expect(
      producer.send(
        { topic: 'T', body: 'x' },
        { queue: { topic: 'Other', brokerName: 'broker-a', queueId: 0 } },
      ),
    ).rejects.toThrow(/queue of topic Other/);
    await expect(
      producer.send(
        { topic: 'T', body: 'x' },
        { selector: () => ({ topic: 'T', brokerName: 'nope', queueId: 0 }) },
      ),
    ).rejects.toThrow(/options\.selector returned/);
    expect(broker.sends).toHaveLength(0);
  });

  it('refuses a body over maxMessageSize with MessageTooLargeError before sending', async () => {
    const small = new Producer({
      group: 'PG2',
      namesrvAddr: ns.address,
      logger: silent,
      maxMessageSize: 1024,
    });
    await small.start();
    try {
      await expect(small.send({ topic: 'T', body: Buffer.alloc(1025) })).rejects.toBeInstanceOf(
        MessageTooLargeError,
      );
      await expect(
        small.sendBatch([
          { topic: 'T', body: Buffer.alloc(600) },
          { topic: 'T', body: Buffer.alloc(600) },
        ]),
      ).rejects.toBeInstanceOf(MessageTooLargeError);
      await expect(
        small.send({ topic: 'T', body: 'x', properties: { big: 'v'.repeat(40_000) } }),
      ).rejects.toBeInstanceOf(MessageTooLargeError);
      expect(broker.sends).toHaveLength(0);
      expect((await small.send({ topic: 'T', body: Buffer.alloc(1024) })).status).toBe('SEND_OK');
    } finally {
      await small.shutdown();
    }
  });

  it('checks batches as the Java producer does', () => {
    const max = 4 * 1024 * 1024;
    expect(() => encodeBatch([], max)).toThrow(/non-empty/);
    expect(() =>
      encodeBatch(
        [
          { topic: 'A', body: 'x' },
          { topic: 'B', body: 'x' },
        ],
        max,
      ),
    ).toThrow(/messages\[1\]\.topic "B": every message of a batch goes to A/);
    expect(() => encodeBatch([{ topic: 'A', body: 'x', delayLevel: 2 }], max)).toThrow(/delay/);
    expect(() => encodeBatch([{ topic: '%RETRY%g', body: 'x' }], max)).toThrow(/retry topic/);
    expect(() =>
      encodeBatch(
        [
          { topic: 'A', body: 'x' },
          { topic: 'A', body: 'x', waitStoreMsgOK: false },
        ],
        max,
      ),
    ).toThrow(/waitStoreMsgOK/);
    const batch = encodeBatch(
      [
        { topic: 'A', body: 'x', waitStoreMsgOK: false },
        { topic: 'A', body: 'yy', waitStoreMsgOK: false },
      ],
      max,
    );
    expect(batch.headerProperties).toBe('WAIT\u0001false');
    expect(batch.uniqKeys).toHaveLength(2);
    expect(encodeBatch([{ topic: 'A', body: 'x' }], max).headerProperties).toBe('WAIT\u0001true');
  });

  it('validates producer options and lifecycle', async () => {
    const base: ProducerOptions = { group: 'PG', namesrvAddr: ns.address, logger: silent };
    expect(() => new Producer({ ...base, group: '' })).toThrow(/options\.group is required/);
    expect(() => new Producer({ ...base, group: 'a b' })).toThrow(/options\.group/);
    expect(() => new Producer({ ...base, compressLevel: 12 })).toThrow(/options\.compressLevel/);
    expect(() => new Producer({ ...base, sendTimeoutMs: -1 })).toThrow(/options\.sendTimeoutMs/);
    expect(() => new Producer({ ...base, namesrvAddr: 'nohost' })).toThrow(/host:port/);
    const p = new Producer(base);
    await expect(p.send({ topic: 'T', body: 'x' })).rejects.toThrow(/not started/);
    await p.start();
    await p.shutdown();
    await expect(p.send({ topic: 'T', body: 'x' })).rejects.toBeInstanceOf(ClientClosedError);
    await expect(p.start()).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('producer - queue selection helpers', () => {
  const queues: MessageQueue[] = Array.from({ length: 7 }, (_, queueId) => ({
    topic: 'T',
    brokerName: 'b',
    queueId,
  }));
  const message: Message = { topic: 'T', body: 'x' };

  it('hashes as Java String/Integer/Long hashCode and picks |h % n|', () => {
    expect(javaHashCode('hello')).toBe(99162322);
    expect(javaHashCode('polygenelubricants')).toBe(-2147483648);
    expect(javaHashCode(42)).toBe(42);
    expect(javaHashCode(2 ** 32)).toBe(1);
    expect(javaHashCode(-1n)).toBe(0);
    expect(selectByHash(queues, message, 'hello')).toBe(queues[99162322 % 7]);
    expect(selectByHash(queues, message, 'polygenelubricants')).toBe(
      queues[Math.abs(-2147483648 % 7)],
    );
    expect(selectByHash(queues, message, -9)).toBe(queues[2]);
    expect(() => selectByHash(queues, message, { id: 1 })).toThrow(InvalidArgumentError);
  });

  it('avoids a failed broker for the avoidance period, and a success clears it', () => {
    const faults = new LatencyFaultTable(30_000);
    faults.failed('a', 1000);
    expect(faults.isAvailable('a', 1000)).toBe(false);
    expect(faults.isAvailable('b', 1000)).toBe(true);
    expect(faults.isAvailable('a', 30_999)).toBe(false);
    expect(faults.isAvailable('a', 31_000)).toBe(true);
    faults.failed('a', 40_000);
    faults.succeeded('a');
    expect(faults.isAvailable('a', 40_000)).toBe(true);
  });
});
