/**
 * The name server's requests over real sockets, embedded with startNameServer: admin and KV
 * requests, slave registration, malformed bodies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startNameServer } from '../../src/namesrv/index.ts';
import type { NameServer } from '../../src/namesrv/index.ts';
import { RemotingClient } from '../../src/remoting/client.ts';
import { RequestCode, ResponseCode } from '../../src/remoting/codes.ts';
import { createRequest } from '../../src/remoting/command.ts';
import type { RemotingCommand } from '../../src/remoting/command.ts';
import {
  registerBrokerBody,
  registerBrokerRequest,
  routeRequest,
} from '../harness/namesrv-requests.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

describe('namesrv requests - embedded server', () => {
  let dir: { path: string; remove: () => void };
  let nameServer: NameServer;
  let client: RemotingClient;

  beforeEach(async () => {
    dir = makeTempDir('namesrv-requests');
    nameServer = await startNameServer({
      listenPort: 0,
      listenHost: '127.0.0.1',
      kvConfigPath: join(dir.path, 'kvConfig.json'),
      orderMessageEnable: true,
      logger,
    });
    client = new RemotingClient({ logger });
  });

  afterEach(async () => {
    await client.close();
    await nameServer.close();
    dir.remove();
  });

  function send(request: RemotingCommand): Promise<RemotingCommand> {
    return client.invoke(nameServer.address, request, 3000);
  }

  function request(code: number, extFields: Record<string, string> = {}, body?: Buffer) {
    return send(createRequest(code, extFields, body));
  }

  it('namesrv - the embedding API reports port and address', () => {
    expect(nameServer.port).toBeGreaterThan(0);
    expect(nameServer.address).toBe(`127.0.0.1:${nameServer.port}`);
    expect(nameServer.config.orderMessageEnable).toBe(true);
  });

  it('namesrv - a slave learns its master, and the order config comes back', async () => {
    await request(RequestCode.PUT_KV_CONFIG, {
      namespace: 'ORDER_TOPIC_CONFIG',
      key: 'TopicA',
      value: 'broker-a:4',
    });
    const master = await send(
      registerBrokerRequest({ brokerAddr: '127.0.0.1:10911', topics: [{ topic: 'TopicA' }] }),
    );
    expect(master.code).toBe(ResponseCode.SUCCESS);
    expect(master.body?.toString()).toBe('{"table":{"TopicA":"broker-a:4"}}');
    const slave = await send(
      registerBrokerRequest({ brokerAddr: '127.0.0.1:20911', brokerId: 1, haServerAddr: 'h:1' }),
    );
    expect(slave.extFields).toMatchObject({
      masterAddr: '127.0.0.1:10911',
      haServerAddr: '127.0.0.1:10912',
    });
    const route = await send(routeRequest('TopicA'));
    expect(JSON.parse(route.body!.toString())).toMatchObject({
      orderTopicConf: 'broker-a:4',
      brokerDatas: [{ brokerAddrs: { '0': '127.0.0.1:10911', '1': '127.0.0.1:20911' } }],
    });
  });

  it('namesrv - cluster info, topic lists, perms and delete', async () => {
    const topics = [{ topic: 'A' }, { topic: 'B' }];
    await send(registerBrokerRequest({ brokerAddr: '127.0.0.1:10911', topics }));
    const cluster = await request(RequestCode.GET_BROKER_CLUSTER_INFO);
    expect(cluster.body!.toString()).toBe(
      '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}},' +
        '"clusterAddrTable":{"DefaultCluster":["broker-a"]}}',
    );
    const all = await request(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    expect(JSON.parse(all.body!.toString()).topicList.sort()).toEqual(['A', 'B']);
    const byCluster = await request(RequestCode.GET_TOPICS_BY_CLUSTER, {
      cluster: 'DefaultCluster',
    });
    expect(JSON.parse(byCluster.body!.toString()).topicList.sort()).toEqual(['A', 'B']);
    const system = await request(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS);
    expect(JSON.parse(system.body!.toString())).toEqual({
      brokerAddr: '127.0.0.1:10911',
      topicList: ['DefaultCluster', 'broker-a'],
    });

    const wipe = await request(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    expect(wipe.extFields).toEqual({ wipeTopicCount: '2' });
    const route = await send(routeRequest('A'));
    expect(JSON.parse(route.body!.toString()).queueDatas[0].perm).toBe(4);
    const add = await request(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    expect(add.extFields).toEqual({ addTopicCount: '2' });

    await request(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'A' });
    expect((await send(routeRequest('A'))).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect((await send(routeRequest('B'))).code).toBe(ResponseCode.SUCCESS);
  });

  it('namesrv - QUERY_DATA_VERSION says whether the broker changed', async () => {
    await send(registerBrokerRequest({ brokerAddr: '127.0.0.1:10911', counter: 5 }));
    const header = {
      brokerAddr: '127.0.0.1:10911',
      brokerName: 'broker-a',
      clusterName: 'DefaultCluster',
      brokerId: '0',
    };
    const same = await request(
      RequestCode.QUERY_DATA_VERSION,
      header,
      Buffer.from('{"counter":5,"timestamp":1700000000000}'),
    );
    expect(same.extFields).toEqual({ changed: 'false' });
    expect(same.body!.toString()).toBe('{"counter":5,"timestamp":1700000000000}');
    const newer = await request(
      RequestCode.QUERY_DATA_VERSION,
      header,
      Buffer.from('{"counter":6,"timestamp":1700000000000}'),
    );
    expect(newer.extFields).toEqual({ changed: 'true' });
  });

  it('namesrv - KV config requests persist to kvConfigPath', async () => {
    const missing = await request(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' });
    expect(missing.code).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect(missing.remark).toBe('No config item, Namespace: ns Key: k');
    await request(RequestCode.PUT_KV_CONFIG, { namespace: 'ns', key: 'k', value: 'v' });
    const found = await request(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' });
    expect(found.extFields).toEqual({ value: 'v' });
    const list = await request(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns' });
    expect(list.body!.toString()).toBe('{"table":{"k":"v"}}');
    expect(JSON.parse(readFileSync(join(dir.path, 'kvConfig.json'), 'utf8'))).toEqual({
      configTable: { ns: { k: 'v' } },
    });
    await request(RequestCode.DELETE_KV_CONFIG, { namespace: 'ns', key: 'k' });
    const empty = await request(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns' });
    expect(empty.code).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect(empty.remark).toBe('No config item, Namespace: ns');
  });

  it('namesrv - malformed registrations are refused with a remark and change nothing', async () => {
    const broker = { brokerAddr: '127.0.0.1:10911', topics: [{ topic: 'A' }] };
    const garbled = registerBrokerRequest(broker, Buffer.from('{"topicConfigSerializeWrapper":'));
    const notJson = await send(garbled);
    expect(notJson.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(notJson.remark).toMatch(/^the register broker body is not valid JSON/);

    const badCrc = registerBrokerRequest(broker);
    badCrc.extFields!.bodyCrc32 = '12345';
    expect(await send(badCrc)).toMatchObject({ code: 1, remark: 'crc32 not match' });

    const compressed = registerBrokerRequest(broker);
    compressed.extFields!.compressed = 'true';
    expect((await send(compressed)).remark).toMatch(/compressed register body not supported/);

    const noName = registerBrokerRequest(broker, registerBrokerBody(broker));
    delete noName.extFields!.brokerName;
    expect((await send(noName)).remark).toBe('the custom field brokerName is null');

    expect((await send(routeRequest('A'))).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect((await send(registerBrokerRequest(broker))).code).toBe(ResponseCode.SUCCESS);
    expect((await send(routeRequest('A'))).code).toBe(ResponseCode.SUCCESS);
    expect(existsSync(join(dir.path, 'kvConfig.json'))).toBe(false);
  });

  it('namesrv - unregistering the master removes its routes', async () => {
    await send(registerBrokerRequest({ brokerAddr: '127.0.0.1:10911', topics: [{ topic: 'A' }] }));
    const response = await request(RequestCode.UNREGISTER_BROKER, {
      brokerAddr: '127.0.0.1:10911',
      brokerName: 'broker-a',
      clusterName: 'DefaultCluster',
      brokerId: '0',
    });
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect((await send(routeRequest('A'))).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });
});
