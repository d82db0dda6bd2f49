import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { selectByHash } from '../../../src/client/producer/producer.ts';
import type { RemotingCommand } from '../../../src/remoting/index.ts';
import { RequestCode } from '../../../src/remoting/index.ts';
import { headerProperties, useFakeCluster } from './producer-fake-cluster.ts';
import { decodeProperties } from '../../../src/protocol/properties.ts';

const cluster = useFakeCluster();
const producer = cluster.producer;

function sends(): RemotingCommand[] {
  return cluster.brokers.flatMap((b) => b.sends);
}

describe('producer - the send request on the wire', () => {
  it('sends SEND_MESSAGE_V2 with string V2 header fields and the message properties', async () => {
    cluster.ns.route('Orders', [cluster.brokers[0]!], 4);
    const p = await producer();
    const before = Date.now();
    const result = await p.send({
      topic: 'Orders',
      body: 'hello',
      tags: 'TagA',
      keys: ['k1', 'k2'],
      properties: { color: 'red' },
      delayLevel: 3,
      flag: 7,
      waitStoreMsgOK: false,
    });
    const [request] = cluster.brokers[0]!.sends;
    expect(request!.code).toBe(RequestCode.SEND_MESSAGE_V2);
    const ext = request!.extFields!;
    for (const value of Object.values(ext)) expect(typeof value).toBe('string');
    expect(ext).toMatchObject({
      a: 'PG',
      b: 'Orders',
      c: 'TBW102',
      d: '4',
      f: '0',
      h: '7',
      j: '0',
      k: 'false',
      m: 'false',
      n: 'broker-a',
    });
    expect(Number(ext['e'])).toBeGreaterThanOrEqual(0);
    expect(Number(ext['e'])).toBeLessThan(4);
    expect(Number(ext['g'])).toBeGreaterThanOrEqual(before);
    expect(headerProperties(request!)).toEqual({
      TAGS: 'TagA',
      KEYS: 'k1 k2',
      color: 'red',
      DELAY: '3',
      WAIT: 'false',
      UNIQ_KEY: result.msgId,
    });
    expect(request!.body!.toString()).toBe('hello');
    expect(result.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(result).toMatchObject({
      status: 'SEND_OK',
      messageQueue: { topic: 'Orders', brokerName: 'broker-a', queueId: Number(ext['e']) },
      queueOffset: 0,
    });
    expect(result.offsetMsgId).toMatch(/^7F000001[0-9A-F]{24}$/);
  });

  it('compresses bodies over compressOverBytes with zlib and sets sysFlag 0x1', async () => {
    cluster.ns.route('Big', [cluster.brokers[0]!], 1);
    const p = await producer({ compressOverBytes: 1000 });
    const big = Buffer.alloc(100 * 1024, 'abcdefgh');
    await p.send({ topic: 'Big', body: big });
    await p.send({ topic: 'Big', body: Buffer.alloc(1000, 'x') });
    const [compressed, plain] = cluster.brokers[0]!.sends;
    expect(compressed!.extFields!['f']).toBe('1');
    expect(compressed!.body!.length).toBeLessThan(big.length / 10);
    expect(inflateSync(compressed!.body!).equals(big)).toBe(true);
    expect(plain!.extFields!['f']).toBe('0');
    expect(plain!.body!.length).toBe(1000);
  });

  it('answers FLUSH_DISK_TIMEOUT, SLAVE_NOT_AVAILABLE and FLUSH_SLAVE_TIMEOUT as results', async () => {
    cluster.ns.route('Durable', [cluster.brokers[0]!], 1);
    const p = await producer();
    const statuses: string[] = [];
    for (const code of [10, 11, 12]) {
      cluster.brokers[0]!.answer = (request, broker) => broker.stored(request, code);
      statuses.push((await p.send({ topic: 'Durable', body: 'x' })).status);
    }
    expect(statuses).toEqual(['FLUSH_DISK_TIMEOUT', 'SLAVE_NOT_AVAILABLE', 'FLUSH_SLAVE_TIMEOUT']);
    expect(cluster.brokers[0]!.sends).toHaveLength(3);
  });

  it('sends one-way requests that the broker does not answer', async () => {
    cluster.ns.route('Oneway', [cluster.brokers[0]!], 2);
    const p = await producer();
    cluster.brokers[0]!.answer = () => undefined;
    await p.sendOneway({ topic: 'Oneway', body: 'fire', tags: 'T' });
    for (let i = 0; i < 100 && cluster.brokers[0]!.sends.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const [request] = cluster.brokers[0]!.sends;
    expect(request!.flag & 2).toBe(2);
    expect(request!.body!.toString()).toBe('fire');
    expect(headerProperties(request!)['TAGS']).toBe('T');
  });

  it('encodes a batch as SEND_BATCH_MESSAGE with m=true and per-message records', async () => {
    cluster.ns.route('Batch', [cluster.brokers[0]!], 2);
    const p = await producer();
    const result = await p.sendBatch([
      { topic: 'Batch', body: 'one', tags: 'A', flag: 1 },
      { topic: 'Batch', body: Buffer.alloc(5000, 'b'), keys: 'k2', properties: { n: '2' } },
    ]);
    const [request] = cluster.brokers[0]!.sends;
    expect(request!.code).toBe(RequestCode.SEND_BATCH_MESSAGE);
    expect(request!.extFields).toMatchObject({ a: 'PG', b: 'Batch', f: '0', m: 'true' });
    const records: Array<{ flag: number; body: Buffer; properties: Record<string, string> }> = [];
    const body = request!.body!;
    for (let at = 0; at < body.length;) {
      const size = body.readInt32BE(at);
      expect(body.readInt32BE(at + 4)).toBe(0);
      expect(body.readInt32BE(at + 8)).toBe(0);
      const bodyLength = body.readInt32BE(at + 16);
      const propsAt = at + 20 + bodyLength;
      const propsLength = body.readInt16BE(propsAt);
      expect(size).toBe(22 + bodyLength + propsLength);
      records.push({
        flag: body.readInt32BE(at + 12),
        body: body.subarray(at + 20, propsAt),
        properties: decodeProperties(body.toString('utf8', propsAt + 2, propsAt + 2 + propsLength)),
      });
      at += size;
    }
    expect(records).toHaveLength(2);
    expect(records[0]!.flag).toBe(1);
    expect(records[0]!.body.toString()).toBe('one');
    expect(records[1]!.body.equals(Buffer.alloc(5000, 'b'))).toBe(true); // never compressed
    expect(records[0]!.properties).toMatchObject({ TAGS: 'A' });
    expect(records[1]!.properties).toMatchObject({ KEYS: 'k2', n: '2' });
    const ids = records.map((r) => r.properties['UNIQ_KEY']);
    expect(new Set(ids).size).toBe(2);
    expect(result.msgId).toBe(ids.join(','));
  });

  it('heartbeats its group to cluster.brokers it learns of and unregisters at shutdown', async () => {
    cluster.ns.route('Hb', [cluster.brokers[0]!], 1);
    const p = await producer();
    await p.send({ topic: 'Hb', body: 'x' });
    for (let i = 0; i < 200 && cluster.brokers[0]!.heartbeats.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const heartbeat = JSON.parse(cluster.brokers[0]!.heartbeats[0]!.body!.toString()) as {
      clientID: string;
      producerDataSet: Array<{ groupName: string }>;
    };
    expect(heartbeat.producerDataSet).toEqual([{ groupName: 'PG' }]);
    await p.shutdown();
    expect(cluster.brokers[0]!.unregisters.map((r) => r.extFields)).toEqual([
      { clientID: heartbeat.clientID, producerGroup: 'PG' },
    ]);
    expect(cluster.brokers[1]!.unregisters).toHaveLength(0);
  });

  it('pipelines concurrent sends over one connection per broker after one route lookup', async () => {
    cluster.ns.route('Many', cluster.brokers, 4);
    const p = await producer();
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => p.send({ topic: 'Many', body: `m${i}` })),
    );
    expect(results.every((r) => r.status === 'SEND_OK')).toBe(true);
    expect(cluster.ns.lookups.filter((t) => t === 'Many')).toHaveLength(1);
    for (const broker of cluster.brokers) {
      expect(broker.server.connections.size).toBe(1);
      expect(broker.sends.length).toBe(1000); // round robin over 8 queues on two cluster.brokers
    }
    expect(new Set(results.map((r) => r.msgId)).size).toBe(2000);
  });

  it('keeps one sharding key in one queue, and sends to a chosen queue', async () => {
    cluster.ns.route('Ordered', cluster.brokers, 4);
    const p = await producer();
    const queues = await p.publishQueues('Ordered');
    for (let i = 0; i < 20; i++)
      await p.send({ topic: 'Ordered', body: `${i}` }, { shardingKey: 'user-7' });
    const seen = new Set(sends().map((r) => `${r.extFields!['n']}/${r.extFields!['e']}`));
    expect(seen.size).toBe(1);
    const expected = selectByHash(queues, { topic: 'Ordered', body: 'x' }, 'user-7');
    expect([...seen][0]).toBe(`${expected.brokerName}/${expected.queueId}`);
    const target = queues[5]!;
    const result = await p.send({ topic: 'Ordered', body: 'q' }, { queue: target });
    expect(result.messageQueue).toEqual(target);
    expect(sends().at(-1)!.extFields).toMatchObject({
      e: String(target.queueId),
      n: target.brokerName,
    });
    const custom = await p.send(
      { topic: 'Ordered', body: 's' },
      { selector: (qs, _m, arg) => qs[arg as number]!, arg: 2 },
    );
    expect(custom.messageQueue).toEqual(queues[2]);
  });
});
