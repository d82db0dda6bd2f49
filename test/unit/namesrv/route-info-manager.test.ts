import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { NamesrvError } from '../../../src/namesrv/errors.ts';
import { RouteInfoManager } from '../../../src/namesrv/route-info-manager.ts';
import type {
  ExpiredBroker,
  RegisterBrokerInput,
} from '../../../src/namesrv/route-info-manager.ts';
import { encodeClusterInfo, encodeTopicRoute } from '../../../src/namesrv/route-json.ts';
import type { RegisterBrokerBody, TopicConfigEntry } from '../../../src/namesrv/route-types.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

function topic(topicName: string, queues = 4, perm = 6): TopicConfigEntry {
  return { topicName, readQueueNums: queues, writeQueueNums: queues, perm, topicSysFlag: 0 };
}

function body(counter: number, topics: TopicConfigEntry[]): RegisterBrokerBody {
  return { dataVersion: { counter, timestamp: 1000 }, topicConfigs: topics, filterServerList: [] };
}

function master(overrides: Partial<RegisterBrokerInput> = {}): RegisterBrokerInput {
  return {
    clusterName: 'DefaultCluster',
    brokerAddr: '10.0.0.5:10911',
    brokerName: 'broker-a',
    brokerId: 0,
    haServerAddr: '10.0.0.5:10912',
    body: body(1, [topic('TopicA')]),
    connection: 1,
    ...overrides,
  };
}

function slave(overrides: Partial<RegisterBrokerInput> = {}): RegisterBrokerInput {
  return master({
    brokerAddr: '10.0.0.6:10911',
    brokerId: 1,
    haServerAddr: '10.0.0.6:10912',
    connection: 2,
    ...overrides,
  });
}

function addresses(expired: ExpiredBroker[]): string[] {
  return expired.map((broker) => broker.brokerAddr);
}

function manager(clock = { now: 0 }, brokerExpireMs = 120_000): RouteInfoManager {
  return new RouteInfoManager({ logger, brokerExpireMs, now: () => clock.now });
}

describe('namesrv route-info-manager - registration', () => {
  it('namesrv - master and slave registered under one broker name', () => {
    const routes = manager();
    expect(routes.registerBroker(master())).toEqual({});
    expect(routes.registerBroker(slave({ body: body(1, [topic('TopicA', 8)]) }))).toEqual({
      masterAddr: '10.0.0.5:10911',
      haServerAddr: '10.0.0.5:10912',
    });
    const route = routes.pickupTopicRoute('TopicA')!;
    expect(route.brokerDatas).toHaveLength(1);
    expect([...route.brokerDatas[0]!.brokerAddrs]).toEqual([
      [0, '10.0.0.5:10911'],
      [1, '10.0.0.6:10911'],
    ]);
    // The slave's topic config does not touch queue data: only masters build it.
    expect(route.queueDatas).toEqual([
      { brokerName: 'broker-a', perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 },
    ]);
  });

  it('namesrv - a slave registered before its master gets no master address', () => {
    const routes = manager();
    expect(routes.registerBroker(slave())).toEqual({});
    expect(routes.pickupTopicRoute('TopicA')).toBeUndefined();
  });

  it('namesrv - queue data is rebuilt only when the DataVersion changes', () => {
    const routes = manager();
    routes.registerBroker(master());
    routes.registerBroker(master({ body: body(1, [topic('TopicA', 16), topic('TopicB')]) }));
    expect(routes.pickupTopicRoute('TopicA')!.queueDatas[0]!.writeQueueNums).toBe(4);
    expect(routes.pickupTopicRoute('TopicB')).toBeUndefined();

    routes.registerBroker(master({ body: body(2, [topic('TopicA', 16), topic('TopicB')]) }));
    expect(routes.pickupTopicRoute('TopicA')!.queueDatas[0]!.writeQueueNums).toBe(16);
    expect(routes.pickupTopicRoute('TopicB')!.queueDatas[0]!.brokerName).toBe('broker-a');
    expect(
      routes.isBrokerTopicConfigChanged('10.0.0.5:10911', { counter: 2, timestamp: 1000 }),
    ).toBe(false);
    expect(
      routes.isBrokerTopicConfigChanged('10.0.0.5:10911', { counter: 3, timestamp: 1000 }),
    ).toBe(true);
  });

  it('namesrv - a slave promoted to master replaces its old id', () => {
    const routes = manager();
    routes.registerBroker(master());
    routes.registerBroker(slave());
    routes.unregisterBroker('DefaultCluster', '10.0.0.5:10911', 'broker-a', 0);
    routes.registerBroker(slave({ brokerId: 0, body: body(5, [topic('TopicA', 2)]) }));
    const route = routes.pickupTopicRoute('TopicA')!;
    expect([...route.brokerDatas[0]!.brokerAddrs]).toEqual([[0, '10.0.0.6:10911']]);
    expect(route.queueDatas[0]!.writeQueueNums).toBe(2);
  });

  it('namesrv - cluster info, topic lists and system topics', () => {
    const routes = manager();
    routes.registerBroker(master());
    routes.registerBroker(
      master({
        clusterName: 'Other',
        brokerName: 'broker-b',
        brokerAddr: '10.0.0.7:10911',
        body: body(1, [topic('TopicB'), topic('TopicA')]),
      }),
    );
    expect(routes.allTopics().topicList.sort()).toEqual(['TopicA', 'TopicB']);
    expect(routes.topicsByCluster('DefaultCluster').topicList).toEqual(['TopicA']);
    expect(routes.topicsByCluster('Other').topicList.sort()).toEqual(['TopicA', 'TopicB']);
    expect(routes.topicsByCluster('Missing').topicList).toEqual([]);
    const system = routes.systemTopicList();
    expect(system.topicList.sort()).toEqual(['DefaultCluster', 'Other', 'broker-a', 'broker-b']);
    expect(['10.0.0.5:10911', '10.0.0.7:10911']).toContain(system.brokerAddr);
    expect(encodeClusterInfo(routes.clusterInfo()).toString()).toBe(
      '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.5:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"},' +
        '"broker-b":{"brokerAddrs":{0:"10.0.0.7:10911"},"brokerName":"broker-b","cluster":"Other"}},' +
        '"clusterAddrTable":{"DefaultCluster":["broker-a"],"Other":["broker-b"]}}',
    );
  });
});

describe('namesrv route-info-manager - removal', () => {
  it('namesrv - unregistering the last address removes the broker and its topics', () => {
    const routes = manager();
    routes.registerBroker(master());
    routes.registerBroker(slave());
    routes.unregisterBroker('DefaultCluster', '10.0.0.6:10911', 'broker-a', 1);
    expect([...routes.pickupTopicRoute('TopicA')!.brokerDatas[0]!.brokerAddrs.keys()]).toEqual([0]);
    routes.unregisterBroker('DefaultCluster', '10.0.0.5:10911', 'broker-a', 0);
    expect(routes.pickupTopicRoute('TopicA')).toBeUndefined();
    expect(routes.clusterInfo()).toEqual({ brokerAddrTable: {}, clusterAddrTable: {} });
    expect(routes.topicCount).toBe(0);
  });

  it('namesrv - brokers silent past the expiry are dropped by the scan', () => {
    const clock = { now: 1_000 };
    const routes = manager(clock, 120_000);
    routes.registerBroker(master());
    routes.registerBroker(slave());
    clock.now = 61_000;
    routes.registerBroker(slave());
    clock.now = 121_000;
    expect(routes.scanNotActiveBrokers()).toEqual([]);
    clock.now = 121_001;
    expect(addresses(routes.scanNotActiveBrokers())).toEqual(['10.0.0.5:10911']);
    // The slave keeps broker-a and its queue data: consumers can still read from it.
    const route = routes.pickupTopicRoute('TopicA')!;
    expect([...route.brokerDatas[0]!.brokerAddrs]).toEqual([[1, '10.0.0.6:10911']]);
    clock.now = 181_002;
    expect(addresses(routes.scanNotActiveBrokers())).toEqual(['10.0.0.6:10911']);
    expect(routes.pickupTopicRoute('TopicA')).toBeUndefined();
    expect(routes.liveBrokerCount).toBe(0);
  });

  it('namesrv - QUERY_DATA_VERSION touch keeps a broker alive', () => {
    const clock = { now: 0 };
    const routes = manager(clock, 1_000);
    routes.registerBroker(master());
    clock.now = 900;
    routes.touchBroker('10.0.0.5:10911');
    clock.now = 1_500;
    expect(routes.scanNotActiveBrokers()).toEqual([]);
    clock.now = 1_901;
    expect(addresses(routes.scanNotActiveBrokers())).toEqual(['10.0.0.5:10911']);
  });

  it('namesrv - a broker-sent heartbeat timeout overrides the configured expiry', () => {
    const clock = { now: 0 };
    const routes = manager(clock, 120_000);
    routes.registerBroker(master({ heartbeatTimeoutMs: 5_000 }));
    clock.now = 5_001;
    expect(addresses(routes.scanNotActiveBrokers())).toEqual(['10.0.0.5:10911']);
  });

  it('namesrv - a closed connection drops the brokers registered over it', () => {
    const routes = manager();
    routes.registerBroker(master());
    routes.registerBroker(slave());
    expect(routes.onConnectionClose(99)).toEqual([]);
    expect(routes.onConnectionClose(1)).toEqual(['10.0.0.5:10911']);
    expect(routes.connectionOf('10.0.0.6:10911')).toBe(2);
    expect(routes.onConnectionClose(2)).toEqual(['10.0.0.6:10911']);
    expect(routes.pickupTopicRoute('TopicA')).toBeUndefined();
  });

  it('namesrv - wipe and add write perm count the topics changed', () => {
    const routes = manager();
    routes.registerBroker(master({ body: body(1, [topic('A'), topic('B', 4, 4)]) }));
    expect(routes.wipeWritePerm('broker-a')).toBe(2);
    expect(routes.pickupTopicRoute('A')!.queueDatas[0]!.perm).toBe(4);
    expect(routes.pickupTopicRoute('B')!.queueDatas[0]!.perm).toBe(4);
    expect(routes.addWritePerm('broker-a')).toBe(2);
    expect(routes.pickupTopicRoute('A')!.queueDatas[0]!.perm).toBe(6);
    expect(routes.wipeWritePerm('broker-z')).toBe(0);
  });

  it('namesrv - delete topic everywhere or per cluster', () => {
    const routes = manager();
    routes.registerBroker(master({ body: body(1, [topic('A'), topic('B')]) }));
    routes.registerBroker(
      master({
        clusterName: 'Other',
        brokerName: 'broker-b',
        brokerAddr: '10.0.0.7:10911',
        body: body(1, [topic('A')]),
      }),
    );
    routes.deleteTopic('A', 'Other');
    expect(routes.pickupTopicRoute('A')!.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
    routes.deleteTopic('B');
    expect(routes.pickupTopicRoute('B')).toBeUndefined();
    expect(routes.allTopics().topicList).toEqual(['A']);
  });
});

describe('namesrv route-info-manager - limits and route bodies', () => {
  it('namesrv - a registration past the topic limit is refused whole', () => {
    const routes = new RouteInfoManager({
      logger,
      brokerExpireMs: 1000,
      limits: { maxTopics: 2 },
    });
    routes.registerBroker(master({ body: body(1, [topic('A')]) }));
    expect(() =>
      routes.registerBroker(
        master({ brokerName: 'b', brokerAddr: 'x:1', body: body(1, [topic('B'), topic('C')]) }),
      ),
    ).toThrow(NamesrvError);
    expect(routes.allTopics().topicList).toEqual(['A']);
    expect(routes.liveBrokerCount).toBe(1);
  });

  it('namesrv - a registration past the broker limit is refused', () => {
    const routes = new RouteInfoManager({
      logger,
      brokerExpireMs: 1000,
      limits: { maxBrokerAddresses: 1 },
    });
    routes.registerBroker(master());
    routes.registerBroker(master());
    expect(() => routes.registerBroker(slave())).toThrow(/maximum of 1 broker addresses/);
  });

  it('namesrv - route body in fastjson and standard forms', () => {
    const routes = manager();
    routes.registerBroker(master());
    const route = routes.pickupTopicRoute('TopicA')!;
    expect(encodeTopicRoute(route, false).toString()).toBe(
      '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.5:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},' +
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
    expect(encodeTopicRoute(route, true).toString()).toBe(
      '{"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.5:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},' +
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
  });

  it('namesrv - filter servers appear in the route of their broker', () => {
    const routes = manager();
    routes.registerBroker(
      master({ body: { ...body(1, [topic('A')]), filterServerList: ['10.0.0.5:30000'] } }),
    );
    expect(routes.pickupTopicRoute('A')!.filterServerTable).toEqual({
      '10.0.0.5:10911': ['10.0.0.5:30000'],
    });
  });
});
