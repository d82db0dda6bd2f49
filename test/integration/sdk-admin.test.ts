import { sendMessageRequest } from '../harness/broker-requests.ts';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/admin.ts';
import { InvalidArgumentError, NoRouteError } from '../../src/client/core/errors.ts';
import { createRequest, RemotingClient, RequestCode } from '../../src/remoting/index.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const logger = pino({ level: 'silent' });
let namesrv: NameServerProcess;
let broker: BrokerProcess;
let admin: Admin;
let raw: RemotingClient;
const dataDir = brokerDataDir();

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: namesrv.address, dataDir: dataDir.path });
  admin = new Admin({ namesrvAddr: namesrv.address, logger });
  raw = new RemotingClient({ logger });
  for (
    let i = 0;
    i < 50 && (await admin.clusterInfo().then((c) => Object.keys(c.brokers).length)) === 0;
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  await admin.close();
  await raw.close();
  await stopAll();
  dataDir.remove();
});

async function waitForRoute(topic: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await admin.topicRoute(topic);
      return;
    } catch (error) {
      if (!(error instanceof NoRouteError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`no route for ${topic} after 5 s`);
}

describe('sdk admin - topics, cluster and consumer progress against a real broker', () => {
  it('creates a topic on every master of the cluster, lists, routes, reports stats and deletes it', async () => {
    const info = await admin.clusterInfo();
    expect(info.clusters['TestCluster']).toEqual(['broker-a']);
    expect(
      await admin.createTopic('AdminTopic', { readQueueNums: 4, clusterName: 'TestCluster' }),
    ).toEqual([broker.address]);
    await waitForRoute('AdminTopic');
    expect(await admin.topicList()).toContain('AdminTopic');
    const route = await admin.topicRoute('AdminTopic');
    expect(route.queueDatas[0]).toMatchObject({
      brokerName: 'broker-a',
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
    });
    for (let i = 0; i < 3; i++) {
      await raw.invoke(
        broker.address,
        sendMessageRequest({ producerGroup: 'p', topic: 'AdminTopic', queueId: 2, body: 'x' }),
        5000,
      );
    }
    const stats = await admin.topicStats('AdminTopic');
    expect(stats.map((s) => [s.queueId, s.minOffset, s.maxOffset])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 3],
      [3, 0, 0],
    ]);
    expect(stats[2]!.lastUpdateTimestamp).toBeGreaterThan(Date.now() - 60_000);

    await raw.invoke(
      broker.address,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: 'admin-group',
        topic: 'AdminTopic',
        queueId: '2',
        commitOffset: '1',
      }),
      5000,
    );
    const progress = await admin.consumerProgress('admin-group');
    expect(progress.find((p) => p.queueId === 2)).toMatchObject({
      brokerOffset: 3,
      consumerOffset: 1,
      lag: 2,
    });

    await admin.deleteTopic('AdminTopic', 'TestCluster');
    await expect(admin.topicRoute('AdminTopic')).rejects.toBeInstanceOf(NoRouteError);
  });

  it('names the bad argument', async () => {
    await expect(admin.createTopic('bad topic')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(admin.createTopic('T', { clusterName: 'NoSuchCluster' })).rejects.toBeInstanceOf(
      NoRouteError,
    );
  });
});
