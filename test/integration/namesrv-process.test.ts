/**
 * Real `thrustmq namesrv` processes on 127.0.0.1: two side by side learn a broker from its
 * registrations, serve its route in both JSON forms, and forget it when its connection closes or
 * when it stays silent past brokerExpireMs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseCode } from '../../src/remoting/codes.ts';
import { RemotingClient } from '../../src/remoting/client.ts';
import { registerBrokerRequest, routeRequest } from '../harness/namesrv-requests.ts';
import { runThrustmq, startNameServerProcess, stopAll } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { waitFor } from '../harness/wait-for.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const clients: RemotingClient[] = [];
const dirs: Array<{ remove: () => void }> = [];

function client(): RemotingClient {
  const created = new RemotingClient({ logger });
  clients.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await stopAll();
  for (const dir of dirs.splice(0)) dir.remove();
});

const BROKER = { brokerAddr: '127.0.0.1:10911', topics: [{ topic: 'TopicA', queues: 8 }] };
const QUEUE_DATAS =
  '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":8,"topicSysFlag":0,"writeQueueNums":8}]';

describe('namesrv process - routes', () => {
  it('namesrv - two name servers serve a registered broker and drop it when its connection closes', async () => {
    const [first, second] = await Promise.all([startNameServerProcess(), startNameServerProcess()]);
    expect(first.port).not.toBe(second.port);
    const broker = client();
    const reader = client();
    for (const ns of [first, second]) {
      const response = await broker.invoke(ns.address, registerBrokerRequest(BROKER), 3000);
      expect(response.code).toBe(ResponseCode.SUCCESS);
    }

    for (const ns of [first, second]) {
      const standard = await reader.invoke(ns.address, routeRequest('TopicA'), 3000);
      expect(standard.code).toBe(ResponseCode.SUCCESS);
      expect(standard.body!.toString()).toBe(
        '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
          `"filterServerTable":{},${QUEUE_DATAS}}`,
      );
      const legacy = await reader.invoke(
        ns.address,
        routeRequest('TopicA', { version: 317 }),
        3000,
      );
      expect(legacy.body!.toString()).toBe(
        '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
          `"filterServerTable":{},${QUEUE_DATAS}}`,
      );
      const asked = await reader.invoke(
        ns.address,
        routeRequest('TopicA', { version: 317, acceptStandardJsonOnly: true }),
        3000,
      );
      expect(asked.body!.toString()).toBe(standard.body!.toString());
    }

    await broker.close();
    for (const ns of [first, second]) {
      await waitFor(
        async () => {
          const response = await reader.invoke(ns.address, routeRequest('TopicA'), 3000);
          return response.code === ResponseCode.TOPIC_NOT_EXIST;
        },
        5000,
        () => `${ns.address} still routes TopicA`,
      );
    }
    const gone = await reader.invoke(first.address, routeRequest('TopicA'), 3000);
    expect(gone.remark).toBe('No topic route info in name server for the topic: TopicA');
    expect(await first.stop()).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  it('namesrv - a broker silent past brokerExpireMs is dropped while its connection is open', async () => {
    const ns = await startNameServerProcess({
      properties: { brokerExpireMs: '600', scanNotActiveBrokerInterval: '100' },
    });
    const broker = client();
    const registeredAt = Date.now();
    const response = await broker.invoke(ns.address, registerBrokerRequest(BROKER), 3000);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const reader = client();
    expect((await reader.invoke(ns.address, routeRequest('TopicA'), 3000)).code).toBe(
      ResponseCode.SUCCESS,
    );
    await waitFor(
      async () => {
        const route = await reader.invoke(ns.address, routeRequest('TopicA'), 3000);
        return route.code === ResponseCode.TOPIC_NOT_EXIST;
      },
      5000,
      () => 'the expired broker still routes TopicA',
    );
    expect(Date.now() - registeredAt).toBeGreaterThanOrEqual(600);
    expect(ns.output()).toContain('broker expired');
  });
});

describe('namesrv process - command line', () => {
  it('namesrv - a bad config value exits 2 naming the key', async () => {
    const dir = makeTempDir('namesrv-bad');
    dirs.push(dir);
    const file = join(dir.path, 'namesrv.properties');
    writeFileSync(file, 'listenPort=0\nbrokerExpireMs=soon\n');
    const result = await runThrustmq(['namesrv', '-c', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `thrustmq namesrv: brokerExpireMs=soon in ${file} is invalid: brokerExpireMs must be an integer in [100, 86400000]`,
    ]);
  });

  it('namesrv - -p prints the effective config and exits 0', async () => {
    const dir = makeTempDir('namesrv-print');
    dirs.push(dir);
    const file = join(dir.path, 'namesrv.properties');
    writeFileSync(file, 'listenPort=19876\norderMessageEnable=true\nlistenPrt=1\n');
    const result = await runThrustmq(['namesrv', '-c', file, '-p']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('listenPort=19876\n');
    expect(result.stdout).toContain('orderMessageEnable=true\n');
    expect(result.stdout).toContain('brokerExpireMs=120000\n');
    expect(result.stderr).toContain('did you mean "listenPort"?');
  });

  it('namesrv - SIGINT stops it with exit code 0 after its boot line', async () => {
    const ns = await startNameServerProcess();
    expect(await ns.stop('SIGINT')).toBe(0);
    expect(ns.output()).toContain(
      `The Name Server boot success. serializeType=JSON, address=127.0.0.1:${ns.port}\n`,
    );
  });
});
