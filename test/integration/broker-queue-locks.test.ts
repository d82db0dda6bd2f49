/**
 * The broker's orderly-consumption locks over the wire (REMOTING.md 11.8): LOCK_BATCH_MQ answers
 * the subset the requester holds, UNLOCK_BATCH_MQ by a non-holder is ignored, locks lapse after
 * rebalanceLockMaxLiveTime, a closed connection releases its client's locks, and
 * QUERY_QUEUE_LOCKS (9041) shows the table.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_QUEUE_LOCKS } from '../../src/broker/processors/lock-processor.ts';
import {
  createRequest,
  parseLenientJson,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';

const logger = pino({ level: 'silent' });
const clients: RemotingClient[] = [];
let broker: BrokerProcess;

beforeAll(async () => {
  const namesrv = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: namesrv.address,
    properties: { rebalanceLockMaxLiveTime: '1500' },
  });
}, 60_000);
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await stopAll();
});

const q = (queueId: number) => ({ topic: 'LockTopic', brokerName: 'broker-a', queueId });

function client(): RemotingClient {
  const c = new RemotingClient({ logger });
  clients.push(c);
  return c;
}

async function lock(
  c: RemotingClient,
  group: string,
  clientId: string,
  ids: number[],
): Promise<number[]> {
  const body = { consumerGroup: group, clientId, onlyThisBroker: false, mqSet: ids.map(q) };
  const response = await c.invoke(
    broker.address,
    createRequest(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify(body))),
    3000,
  );
  expect(response.code).toBe(ResponseCode.SUCCESS);
  const answer = parseLenientJson(response.body!.toString('utf8')) as {
    lockOKMQSet: Array<{ queueId: number }>;
  };
  return answer.lockOKMQSet.map((mq) => mq.queueId).sort();
}

async function unlock(c: RemotingClient, group: string, clientId: string, ids: number[]) {
  const body = { consumerGroup: group, clientId, onlyThisBroker: false, mqSet: ids.map(q) };
  const response = await c.invoke(
    broker.address,
    createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify(body))),
    3000,
  );
  expect(response.code).toBe(ResponseCode.SUCCESS);
}

async function table(c: RemotingClient, group: string): Promise<Array<[number, string]>> {
  const response = await c.invoke(
    broker.address,
    createRequest(QUERY_QUEUE_LOCKS, { consumerGroup: group }),
    3000,
  );
  expect(response.code).toBe(ResponseCode.SUCCESS);
  const rows = (
    parseLenientJson(response.body!.toString('utf8')) as {
      lockTable: Array<{ mq: { queueId: number }; clientId: string }>;
    }
  ).lockTable;
  return rows.map((row): [number, string] => [row.mq.queueId, row.clientId]).sort();
}

describe('broker - queue locks', () => {
  it('broker - lock answers the held subset, a non-holder cannot unlock, and locks lapse', async () => {
    const a = client();
    const b = client();
    expect(await lock(a, 'G1', 'A', [0, 1])).toEqual([0, 1]);
    expect(await lock(b, 'G1', 'B', [1, 2])).toEqual([2]);
    await unlock(b, 'G1', 'B', [0, 1]);
    expect(await table(a, 'G1')).toEqual([
      [0, 'A'],
      [1, 'A'],
      [2, 'B'],
    ]);
    await unlock(a, 'G1', 'A', [1]);
    expect(await lock(b, 'G1', 'B', [1])).toEqual([1]);
    // Not renewed for longer than rebalanceLockMaxLiveTime (1.5 s): anyone may take it.
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(await lock(b, 'G1', 'B', [0])).toEqual([0]);
  });

  it('broker - a closed connection releases its client locks', async () => {
    const a = client();
    const b = client();
    expect(await lock(a, 'G2', 'A', [3, 4])).toEqual([3, 4]);
    expect(await lock(b, 'G2', 'B', [3, 4])).toEqual([]);
    await a.close();
    const deadline = Date.now() + 5000;
    let got: number[] = [];
    while (Date.now() < deadline) {
      got = await lock(b, 'G2', 'B', [3, 4]);
      if (got.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(got).toEqual([3, 4]);
    expect(await table(b, 'G2')).toEqual([
      [3, 'B'],
      [4, 'B'],
    ]);
  });

  it('broker - a lock request without a usable body is refused with a reason', async () => {
    const a = client();
    const response = await a.invoke(
      broker.address,
      createRequest(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from('{"consumerGroup":"G3"}')),
      3000,
    );
    expect(response.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(response.remark).toContain('clientId');
  });
});
