/**
 * Frames that used to kill or bloat a broker (issue 11), each answered now by a live broker
 * that keeps no state for them. Frames the fuzz (test/fuzz/) finds harmful join this file.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemotingCommand } from '../../src/remoting/index.ts';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import {
  createTopicRequest,
  pullMessageRequest,
  pullQueue,
  sendMessageRequest,
} from '../harness/broker-requests.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import { RawPeer } from '../unit/remoting/raw-peer.ts';

const logger = pino({ level: 'silent' });
const dataDir = brokerDataDir();
let broker: BrokerProcess;
let client: RemotingClient;

beforeAll(async () => {
  const namesrv = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: namesrv.address, dataDir: dataDir.path });
  client = new RemotingClient({ logger });
  expect((await invoke(createTopicRequest('Known', 4))).code).toBe(ResponseCode.SUCCESS);
}, 60_000);
afterAll(async () => {
  await client.close();
  await stopAll();
  dataDir.remove();
});

function invoke(request: RemotingCommand): Promise<RemotingCommand> {
  return client.invoke(broker.address, request, 5000);
}

const shardsFile = () => join(dataDir.path, 'config', 'queueShards.json');

function alive(): boolean {
  try {
    process.kill(broker.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A send and a pull of it: the broker still serves its data path. */
async function roundTrip(body: string): Promise<void> {
  const sent = await invoke(
    sendMessageRequest({
      producerGroup: 'P',
      topic: 'Known',
      queueId: 1,
      body,
      properties: `UNIQ_KEY\u0001${body}\u0002`,
    }),
  );
  expect(sent.code, sent.remark).toBe(ResponseCode.SUCCESS);
  const offset = Number(sent.extFields!['queueOffset']);
  const pulled = await pullQueue(client, broker.address, 'Known', 1, offset, 'G');
  expect(pulled[0]?.body.toString()).toBe(body);
}

describe('hostile requests - answered, survived, no state kept', () => {
  it('QUERY_CONSUMER_OFFSET with queueId 1462701593 on an unknown topic answers', async () => {
    const response = await invoke(
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: 'G',
        topic: 'NoSuchTopic',
        queueId: '1462701593',
      }),
    );
    expect([ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]).toContain(response.code);
    // The old broker died 3-8 s after this frame.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(alive()).toBe(true);
    await roundTrip('after-1462701593');
  }, 30_000);

  it('20 GET_MAX_OFFSET with queueId 99999 leave queueShards.json as it was', async () => {
    const before = readFileSync(shardsFile(), 'utf8');
    const mtime = statSync(shardsFile()).mtimeMs;
    for (let i = 0; i < 20; i++) {
      const response = await invoke(
        createRequest(RequestCode.GET_MAX_OFFSET, {
          topic: i % 2 === 0 ? 'NoSuchTopic' : 'Known',
          queueId: String(99999 + i),
        }),
      );
      expect(response.code).toBe(ResponseCode.SUCCESS);
      expect(response.extFields?.['offset']).toBe('0');
    }
    for (const code of [
      RequestCode.GET_MIN_OFFSET,
      RequestCode.GET_EARLIEST_MSG_STORETIME,
      RequestCode.QUERY_CONSUMER_OFFSET,
    ]) {
      const response = await invoke(
        createRequest(code, { consumerGroup: 'G', topic: 'Other', queueId: '2147483647' }),
      );
      expect(response.code, `code ${code}`).not.toBe(ResponseCode.SYSTEM_ERROR);
    }
    const search = await invoke(
      createRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
        topic: 'Other',
        queueId: '77777',
        timestamp: '0',
      }),
    );
    expect(search.code).toBe(ResponseCode.SUCCESS);
    expect(readFileSync(shardsFile(), 'utf8')).toBe(before);
    expect(statSync(shardsFile()).mtimeMs).toBe(mtime);
    const table = JSON.parse(before) as Record<string, number[]>;
    expect(table['Known']).toHaveLength(4);
    expect(table['NoSuchTopic']).toBeUndefined();
  });

  it('UPDATE_CONSUMER_OFFSET checks topic, queue id and offset as RocketMQ 5 does', async () => {
    const update = (ext: Record<string, string>) =>
      invoke(
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          consumerGroup: 'G',
          topic: 'Known',
          queueId: '0',
          commitOffset: '0',
          ...ext,
        }),
      );
    expect((await update({ topic: 'NoSuchTopic' })).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    const illegal = await update({ queueId: '4' });
    expect(illegal.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(illegal.remark).toContain('queueId[4] is illegal');
    const huge = await update({ queueId: '1462701593' });
    expect(huge.code).toBe(ResponseCode.SYSTEM_ERROR);
    const nan = await update({ commitOffset: 'NaN' });
    expect(nan.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(nan.remark).toContain('commitOffset');
    expect((await update({ consumerGroup: 'bad group' })).remark).toContain('consumerGroup');
    // An auto-created group commits, and reads its offset back.
    expect((await update({ queueId: '3', commitOffset: '0' })).code).toBe(ResponseCode.SUCCESS);
    const stored = await invoke(
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: 'G',
        topic: 'Known',
        queueId: '3',
      }),
    );
    expect(stored.extFields?.['offset']).toBe('0');
    const offsets = await invoke(createRequest(RequestCode.GET_ALL_CONSUMER_OFFSET));
    expect(offsets.body?.toString()).not.toContain('NoSuchTopic');
  });

  it('refuses bad header fields with SYSTEM_ERROR naming the field', async () => {
    const cases: Array<[number, Record<string, string>, string]> = [
      [RequestCode.GET_MAX_OFFSET, { topic: 'Known', queueId: '1e3' }, 'queueId'],
      [RequestCode.GET_MAX_OFFSET, { topic: 'a/b', queueId: '0' }, 'topic'],
      [RequestCode.GET_MAX_OFFSET, { topic: 'x'.repeat(128), queueId: '0' }, 'topic'],
      [RequestCode.VIEW_MESSAGE_BY_ID, { offset: '-1' }, 'offset'],
      [
        RequestCode.UPDATE_AND_CREATE_TOPIC,
        { topic: 'T2', readQueueNums: '1462701593', writeQueueNums: '1', order: 'false' },
        'readQueueNums',
      ],
      [RequestCode.GET_TOPIC_STATS_INFO, {}, 'topic'],
    ];
    for (const [code, ext, field] of cases) {
      const response = await invoke(createRequest(code, ext));
      expect(response.code, `${code} ${field}`).toBe(ResponseCode.SYSTEM_ERROR);
      expect(response.remark).toContain(field);
    }
  });

  it('a pull with an illegal queue id or an unknown topic keeps nothing', async () => {
    const pull = (topic: string, queueId: string) =>
      invoke(pullMessageRequest({ consumerGroup: 'G', topic, queueId, queueOffset: 0 }));
    expect((await pull('NoSuchTopic', '0')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect((await pull('Known', '1462701593')).code).toBe(ResponseCode.SYSTEM_ERROR);
    expect((await pull('Known', '-1')).code).toBe(ResponseCode.SYSTEM_ERROR);
    await roundTrip('before-negative-offset');
    const negative = await invoke(
      pullMessageRequest({
        consumerGroup: 'G',
        topic: 'Known',
        queueId: 1,
        queueOffset: -5,
        subVersion: null,
      }),
    );
    // RocketMQ's store answers an offset below the minimum with OFFSET_TOO_SMALL: moved.
    expect(negative.code).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(negative.extFields?.['nextBeginOffset']).toBe('0');
    const table = JSON.parse(readFileSync(shardsFile(), 'utf8')) as Record<string, number[]>;
    expect(table['Known']).toHaveLength(4);
    await roundTrip('after-pulls');
  });

  it('answers prototype keys and wrong JSON types in a raw frame', async () => {
    const peer = await RawPeer.open(broker.port);
    try {
      const header = Buffer.from(
        '{"code":14,"opaque":7,"flag":0,"extFields":{"__proto__":{"x":1},"constructor":"c",' +
          '"consumerGroup":["G"],"topic":{"a":1},"queueId":1e400}}',
      );
      const frame = Buffer.alloc(8 + header.length);
      frame.writeInt32BE(4 + header.length, 0);
      frame.writeInt32BE(header.length, 4);
      header.copy(frame, 8);
      peer.socket.write(frame);
      const answer = await peer.next(5000);
      expect(answer.command.opaque).toBe(7);
      expect(answer.command.code).toBe(ResponseCode.SYSTEM_ERROR);
    } finally {
      peer.socket.destroy();
    }
    expect(alive()).toBe(true);
  });
});
