import { Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRecord } from '../../native-free-store/index.ts';
import type { RemotingCommand } from '../../src/remoting/index.ts';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import {
  createTopicRequest,
  pullMessageRequest,
  sendMessageRequest,
} from '../harness/broker-requests.ts';

const logger = pino({ level: 'silent' });
let namesrv: NameServerProcess;
let client: RemotingClient;
const dataDirs: Array<{ remove: () => void }> = [];

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  client = new RemotingClient({ logger });
});
afterEach(async () => {
  await client.close();
  client = new RemotingClient({ logger });
});
afterAll(async () => {
  await client.close();
  await stopAll();
  for (const dir of dataDirs) dir.remove();
});

async function broker(
  options: { dataDir?: string; port?: number; properties?: Record<string, string> } = {},
): Promise<BrokerProcess> {
  let dataDir = options.dataDir;
  if (!dataDir) {
    const dir = brokerDataDir();
    dataDirs.push(dir);
    dataDir = dir.path;
  }
  return startBrokerProcess({ namesrvAddr: namesrv.address, ...options, dataDir });
}

function createTopic(address: string, topic: string, queues: number): Promise<RemotingCommand> {
  return client.invoke(address, createTopicRequest(topic, queues), 5000);
}

function send(
  address: string,
  topic: string,
  queueId: number,
  body: string,
  properties = '',
): Promise<RemotingCommand> {
  return client.invoke(
    address,
    sendMessageRequest({ producerGroup: 'producer', topic, queueId, body, properties }),
    5000,
  );
}

function pull(
  address: string,
  topic: string,
  queueId: number,
  queueOffset: number,
  suspendMs = 0,
): Promise<RemotingCommand> {
  return client.invoke(
    address,
    pullMessageRequest({ consumerGroup: 'group', topic, queueId, queueOffset, suspendMs }),
    suspendMs + 5000,
  );
}

function bodies(data: Buffer | undefined): string[] {
  const out: string[] = [];
  for (let at = 0; data && at < data.length;) {
    const check = checkRecord(data, at, data.length - at, true);
    if (check.kind !== 'message') throw new Error(`bad record at ${at}`);
    out.push(
      data.toString(
        'utf8',
        check.record.bodyStart,
        check.record.bodyStart + check.record.bodyLength,
      ),
    );
    at += check.record.totalSize;
  }
  return out;
}

describe('broker process - send, pull and long polling over TCP', () => {
  it('stores a send, answers with an offset message id, and serves it back', async () => {
    const b = await broker();
    expect((await createTopic(b.address, 'Orders', 4)).code).toBe(ResponseCode.SUCCESS);
    // The broker answers the creation only once the name server routes the topic.
    const route = await client.invoke(
      namesrv.address,
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' }),
      3000,
    );
    expect(route.code).toBe(ResponseCode.SUCCESS);
    const sent = await send(b.address, 'Orders', 2, 'first', 'TAGS\u0001A\u0002KEYS\u0001order-1');
    expect(sent.code).toBe(ResponseCode.SUCCESS);
    expect(sent.extFields).toMatchObject({ queueId: '2', queueOffset: '0' });
    expect(sent.extFields!['msgId']).toMatch(/^7F000001[0-9A-F]{24}$/);
    const pulled = await pull(b.address, 'Orders', 2, 0);
    expect(pulled.code).toBe(ResponseCode.SUCCESS);
    expect(pulled.extFields).toMatchObject({
      nextBeginOffset: '1',
      minOffset: '0',
      maxOffset: '1',
    });
    expect(bodies(pulled.body)).toEqual(['first']);
    const viewed = await client.invoke(
      b.address,
      createRequest(RequestCode.VIEW_MESSAGE_BY_ID, {
        offset: String(BigInt(`0x${sent.extFields!['msgId']!.slice(16)}`)),
      }),
      5000,
    );
    expect(bodies(viewed.body)).toEqual(['first']);
    const unknownTopic = await send(b.address, 'NoSuchTopic-', 0, 'x');
    expect(unknownTopic.code).toBe(ResponseCode.SUCCESS); // auto-created from TBW102
    const badQueue = await pull(b.address, 'Orders', 9, 0);
    expect(badQueue.code).toBe(ResponseCode.SYSTEM_ERROR);
  });

  it('answers a held pull within milliseconds of an arrival, and at its timeout otherwise', async () => {
    const b = await broker();
    await createTopic(b.address, 'Waits', 2);
    const started = Date.now();
    const held = pull(b.address, 'Waits', 1, 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentAt = Date.now();
    expect((await send(b.address, 'Waits', 1, 'wake')).code).toBe(ResponseCode.SUCCESS);
    const answered = await held;
    const latency = Date.now() - sentAt;
    expect(answered.code).toBe(ResponseCode.SUCCESS);
    expect(bodies(answered.body)).toEqual(['wake']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(latency).toBeLessThan(200);
    const timedOut = Date.now();
    const empty = await pull(b.address, 'Waits', 0, 0, 600);
    expect(empty.code).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(empty.extFields?.['nextBeginOffset']).toBe('0');
    expect(Date.now() - timedOut).toBeGreaterThanOrEqual(550);
  });

  it('closes a connection that sends garbage or an oversized frame and keeps serving the others', async () => {
    const b = await broker();
    await createTopic(b.address, 'Garbage', 1);
    for (const bytes of [
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
      Buffer.concat([Buffer.from([0, 0, 0, 12, 0, 0, 0, 8]), Buffer.from('not json')]),
    ]) {
      const socket = new Socket();
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.connect(b.port, '127.0.0.1', () => socket.write(bytes));
      await closed;
      expect((await send(b.address, 'Garbage', 0, 'still here')).code).toBe(ResponseCode.SUCCESS);
    }
    const unknown = await client.invoke(b.address, createRequest(9999), 5000);
    expect(unknown.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    expect(b.output()).not.toMatch(/Uncaught|TypeError/);
  });

  it('keeps acknowledged messages and committed offsets across a SIGTERM and restart', async () => {
    const first = await broker({ properties: { flushDiskType: 'SYNC_FLUSH' } });
    await createTopic(first.address, 'Durable', 2);
    for (let i = 0; i < 50; i++)
      expect((await send(first.address, 'Durable', i % 2, `m${i}`)).code).toBe(0);
    await client.invoke(
      first.address,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: 'g1',
        topic: 'Durable',
        queueId: '1',
        commitOffset: '7',
      }),
      5000,
    );
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await broker({
      dataDir: first.dataDir,
      port: first.port,
      properties: first.properties,
    });
    const offset = await client.invoke(
      second.address,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: 'g1',
        topic: 'Durable',
        queueId: '1',
      }),
      5000,
    );
    expect(offset.extFields?.['offset']).toBe('7');
    const all = [
      ...bodies((await pull(second.address, 'Durable', 0, 0)).body),
      ...bodies((await pull(second.address, 'Durable', 1, 0)).body),
    ];
    expect(all.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`).sort());
  });

  it('registers clients from heartbeats, creates and routes %RETRY%<group>, and reports progress', async () => {
    const b = await broker();
    await createTopic(b.address, 'Progress', 2);
    const heartbeat = {
      clientID: '10.0.0.9@4242',
      consumerDataSet: [
        {
          groupName: 'progress-group',
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          unitMode: false,
          subscriptionDataSet: [
            {
              topic: 'Progress',
              subString: '*',
              tagsSet: [],
              codeSet: [],
              subVersion: 1,
              classFilterMode: false,
            },
          ],
        },
      ],
      producerDataSet: [{ groupName: 'progress-producer' }],
    };
    const beat = await client.invoke(
      b.address,
      createRequest(RequestCode.HEART_BEAT, {}, Buffer.from(JSON.stringify(heartbeat))),
      5000,
    );
    expect(beat.code).toBe(ResponseCode.SUCCESS);
    const ids = await client.invoke(
      b.address,
      createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'progress-group' }),
      5000,
    );
    expect(JSON.parse(ids.body!.toString())).toEqual({ consumerIdList: ['10.0.0.9@4242'] });
    let route: RemotingCommand | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
      route = await client.invoke(
        namesrv.address,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: '%RETRY%progress-group' }),
        5000,
      );
      if (route.code === ResponseCode.SUCCESS) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(route?.code).toBe(ResponseCode.SUCCESS);
    for (let i = 0; i < 3; i++) await send(b.address, 'Progress', 1, `p${i}`);
    await client.invoke(
      b.address,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: 'progress-group',
        topic: 'Progress',
        queueId: '1',
        commitOffset: '2',
      }),
      5000,
    );
    const stats = await client.invoke(
      b.address,
      createRequest(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'progress-group' }),
      5000,
    );
    expect(stats.body!.toString()).toContain(
      '{"brokerName":"broker-a","queueId":1,"topic":"Progress"}:{"brokerOffset":3,"consumerOffset":2,',
    );
    const connectionList = await client.invoke(
      b.address,
      createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'progress-group' }),
      5000,
    );
    expect(connectionList.body!.toString()).toContain('"clientId":"10.0.0.9@4242"');
    const runtime = await client.invoke(
      b.address,
      createRequest(RequestCode.GET_BROKER_RUNTIME_INFO),
      5000,
    );
    expect(runtime.body!.toString()).toContain('"msgPutTotalTodayNow":"3"');
  });
});
