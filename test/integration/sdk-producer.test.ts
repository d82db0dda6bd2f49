import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  InvalidArgumentError,
  MessageTooLargeError,
  NoRouteError,
  TimeoutError,
} from '../../src/client/core/errors.ts';
import type { MessageExt } from '../../src/client/core/message.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import type { SendResult } from '../../src/client/producer/producer.ts';
import { createRequest, RequestCode, ResponseCode } from '../../src/remoting/index.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { freePort } from '../harness/free-port.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import { RawCalls, silent } from './sdk-producer-cluster.ts';

let namesrv: NameServerProcess;
let broker: BrokerProcess;
let raw: RawCalls;
let producer: Producer;
const dataDirs = [brokerDataDir()];

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: namesrv.address,
    dataDir: dataDirs[0]!.path,
  });
  raw = new RawCalls();
  for (const [topic, queues] of [
    ['RoundTrip', 4],
    ['Pipelined', 8],
    ['Ordered', 4],
  ] as const) {
    await raw.createTopic(broker.address, topic, queues);
    await raw.waitForRoute(namesrv.address, topic, ['broker-a']);
  }
  producer = new Producer({
    group: 'SdkProducerGroup',
    namesrvAddr: namesrv.address,
    logger: silent,
  });
  await producer.start();
});
afterAll(async () => {
  await producer?.shutdown();
  await raw?.close();
  await stopAll();
  for (const dir of dataDirs) dir.remove();
});

async function pulledOne(result: SendResult): Promise<MessageExt> {
  const [message] = await raw.pull(
    broker.address,
    result.messageQueue.topic,
    result.messageQueue.queueId,
    result.queueOffset,
  );
  expect(message).toBeDefined();
  return message!;
}

describe('sdk producer - round trips through a real broker', () => {
  it('sends tags, keys and user properties that come back with msgId = UNIQ_KEY', async () => {
    const result = await producer.send({
      topic: 'RoundTrip',
      body: 'first message',
      tags: 'TagA',
      keys: ['order-1', 'user-9'],
      properties: { region: 'eu', attempt: '1' },
    });
    expect(result.status).toBe('SEND_OK');
    expect(result.messageQueue).toMatchObject({ topic: 'RoundTrip', brokerName: 'broker-a' });
    const message = await pulledOne(result);
    expect(message.body.toString()).toBe('first message');
    expect(message.tags).toBe('TagA');
    expect(message.keys).toEqual(['order-1', 'user-9']);
    expect(message.properties).toMatchObject({ region: 'eu', attempt: '1' });
    expect(message.msgId).toBe(result.msgId);
    expect(message.properties['UNIQ_KEY']).toBe(result.msgId);
    expect(message.offsetMsgId).toBe(result.offsetMsgId);
    expect(message.queueOffset).toBe(result.queueOffset);
    expect(message.bornHost).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
  });

  it('compresses a 100 KiB body on the wire and the decoder restores it', async () => {
    const body = Buffer.alloc(100 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 61;
    const result = await producer.send({ topic: 'RoundTrip', body, tags: 'Big' });
    const message = await pulledOne(result);
    expect(message.sysFlag & 1).toBe(1);
    expect(message.body.equals(body)).toBe(true);
    expect(message.msgId).toBe(result.msgId);
  });

  it('delivers a one-way send', async () => {
    const marker = `oneway-${Date.now()}`;
    await producer.sendOneway({ topic: 'RoundTrip', body: marker, keys: marker });
    let found: string | undefined;
    for (let round = 0; round < 100 && found === undefined; round++) {
      for (let queueId = 0; queueId < 4 && found === undefined; queueId++) {
        const all = await raw.pullAll(broker.address, 'RoundTrip', queueId);
        found = all.find((m) => m.body.toString() === marker)?.keys[0];
      }
      if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(found).toBe(marker);
  });

  it('sends a batch into one queue with consecutive offsets and one UNIQ_KEY each', async () => {
    const result = await producer.sendBatch([
      { topic: 'RoundTrip', body: 'b0', tags: 'Batch', keys: 'k0' },
      { topic: 'RoundTrip', body: 'b1', tags: 'Batch', properties: { index: '1' } },
      { topic: 'RoundTrip', body: Buffer.alloc(8000, 'z'), tags: 'Batch' },
    ]);
    expect(result.status).toBe('SEND_OK');
    const ids = result.msgId.split(',');
    expect(ids).toHaveLength(3);
    const offsetIds = result.offsetMsgId.split(',');
    expect(offsetIds).toHaveLength(3);
    const pulled = (
      await raw.pull(broker.address, 'RoundTrip', result.messageQueue.queueId, result.queueOffset)
    ).slice(0, 3);
    expect(pulled.map((m) => m.msgId)).toEqual(ids);
    expect(pulled.map((m) => m.offsetMsgId)).toEqual(offsetIds);
    expect(pulled.map((m) => m.queueOffset)).toEqual([0, 1, 2].map((i) => result.queueOffset + i));
    expect(pulled[0]!.keys).toEqual(['k0']);
    expect(pulled[1]!.properties['index']).toBe('1');
    expect(pulled[2]!.body.equals(Buffer.alloc(8000, 'z'))).toBe(true);
    expect(pulled[2]!.sysFlag & 1).toBe(0);
  });

  it('auto-creates an unknown topic through the TBW102 route', async () => {
    const result = await producer.send({ topic: 'AutoCreatedBySdk', body: 'hello' });
    // Routed as soon as the send is answered: the broker tells the name servers first, as
    // RocketMQ does, so a consumer started right after finds the topic.
    const route = await raw.route(namesrv.address, 'AutoCreatedBySdk');
    expect(route?.queueDatas.map((queue) => queue.brokerName)).toEqual(['broker-a']);
    expect(result.status).toBe('SEND_OK');
    expect(result.messageQueue.queueId).toBeLessThan(4);
    expect((await pulledOne(result)).body.toString()).toBe('hello');
  });

  it('registers its group by heartbeat, and shutdown unregisters it', async () => {
    const extra = new Producer({
      group: 'HeartbeatGroup',
      namesrvAddr: namesrv.address,
      logger: silent,
    });
    await extra.start();
    await extra.send({ topic: 'RoundTrip', body: 'hb' });
    const connections = async (): Promise<number> =>
      (
        await raw.client.invoke(
          broker.address,
          createRequest(RequestCode.GET_PRODUCER_CONNECTION_LIST, {
            producerGroup: 'HeartbeatGroup',
          }),
          5000,
        )
      ).code;
    let code = await connections();
    for (let i = 0; i < 100 && code !== ResponseCode.SUCCESS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      code = await connections();
    }
    expect(code).toBe(ResponseCode.SUCCESS);
    await extra.shutdown();
    expect(await connections()).toBe(ResponseCode.SYSTEM_ERROR);
  });
});

describe('sdk producer - throughput and order', () => {
  it('completes 5,000 pipelined sends quickly, with dense offsets per queue', async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        producer.send({ topic: 'Pipelined', body: `message-${i}`, tags: 'P' }),
      ),
    );
    const elapsedMs = Date.now() - started;
    expect(results.every((r) => r.status === 'SEND_OK')).toBe(true);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(5000);
    expect(elapsedMs).toBeLessThan(15_000);
    const offsetsByQueue = new Map<number, number[]>();
    for (const r of results) {
      const list = offsetsByQueue.get(r.messageQueue.queueId) ?? [];
      list.push(r.queueOffset);
      offsetsByQueue.set(r.messageQueue.queueId, list);
    }
    expect(offsetsByQueue.size).toBe(8);
    for (const offsets of offsetsByQueue.values()) {
      offsets.sort((a, b) => a - b);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('keeps each sharding key in one queue, in send order', async () => {
    const keys = ['user-1', 'user-2', 'user-3', 'user-4', 'user-5'];
    const queueOf = new Map<string, Set<number>>();
    await Promise.all(
      keys.map(async (key) => {
        for (let i = 0; i < 40; i++) {
          const result = await producer.send(
            { topic: 'Ordered', body: `${key}:${i}`, keys: key },
            { shardingKey: key },
          );
          const set = queueOf.get(key) ?? new Set<number>();
          set.add(result.messageQueue.queueId);
          queueOf.set(key, set);
        }
      }),
    );
    for (const key of keys) {
      expect(queueOf.get(key)!.size).toBe(1);
      const queueId = [...queueOf.get(key)!][0]!;
      const bodies = (await raw.pullAll(broker.address, 'Ordered', queueId))
        .filter((m) => m.keys[0] === key)
        .map((m) => m.body.toString());
      expect(bodies).toEqual(Array.from({ length: 40 }, (_, i) => `${key}:${i}`));
    }
  });
});

describe('sdk producer - typed errors', () => {
  it('refuses an oversized body and an invalid topic before sending', async () => {
    await expect(
      producer.send({ topic: 'RoundTrip', body: Buffer.alloc(4 * 1024 * 1024 + 1) }),
    ).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(producer.send({ topic: 'bad topic!', body: 'x' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('fails with ConnectionError or TimeoutError when the name server is unreachable', async () => {
    const port = await freePort();
    const lonely = new Producer({
      group: 'Lonely',
      namesrvAddr: `127.0.0.1:${port}`,
      logger: silent,
      sendTimeoutMs: 2000,
    });
    await lonely.start();
    try {
      const error = await lonely.send({ topic: 'RoundTrip', body: 'x' }).catch((e: unknown) => e);
      expect(error instanceof ConnectionError || error instanceof TimeoutError).toBe(true);
    } finally {
      await lonely.shutdown();
    }
  });

  it('fails with NoRouteError for an unknown topic when auto-create is off', async () => {
    const closedNamesrv = await startNameServerProcess();
    const dir = brokerDataDir();
    dataDirs.push(dir);
    const strict = await startBrokerProcess({
      namesrvAddr: closedNamesrv.address,
      dataDir: dir.path,
      properties: { brokerName: 'broker-strict', autoCreateTopicEnable: 'false' },
    });
    await raw.createTopic(strict.address, 'Known', 1);
    await raw.waitForRoute(closedNamesrv.address, 'Known', ['broker-strict']);
    const p = new Producer({ group: 'Strict', namesrvAddr: closedNamesrv.address, logger: silent });
    await p.start();
    try {
      expect((await p.send({ topic: 'Known', body: 'x' })).status).toBe('SEND_OK');
      const error = await p.send({ topic: 'NeverCreated', body: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoRouteError);
      expect((error as Error).message).toContain('NeverCreated');
      expect(await raw.route(closedNamesrv.address, 'NeverCreated')).toBeUndefined();
    } finally {
      await p.shutdown();
      await strict.stop();
      await closedNamesrv.stop();
    }
  });
});
