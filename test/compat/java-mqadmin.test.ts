/**
 * Apache's mqadmin (rocketmq-tools 4.9.8, MQAdminStartup in the suite's JVM) against ThrustMQ
 * and against Apache RocketMQ: the topic, cluster and broker commands, and statsAll. Each must
 * succeed and print the right data on both; java-mqadmin-messages.test.ts has the group,
 * message and offset commands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner } from './java-runner.ts';
import {
  COMMIT_WAIT_MS,
  keepClients,
  keyValues,
  mqadmin,
  pollUntil,
  progressOf,
  rows,
  sendSync,
  stopClients,
  waitForBroker,
} from './mqadmin-harness.ts';
import type { Mqadmin } from './mqadmin-harness.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

describe.each(compatTargets())('mqadmin topic and broker commands on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;
  let admin: Mqadmin;

  const createTopic = (topic: string, queues: number) =>
    admin.ok(
      'updateTopic',
      '-c',
      target.clusterName,
      '-t',
      topic,
      '-r',
      `${queues}`,
      '-w',
      `${queues}`,
    );

  beforeAll(async () => {
    target = await startTarget(kind);
    java = await startJavaRunner({ namesrvAddr: target.namesrvAddr });
    admin = mqadmin(java, target);
    await waitForBroker(admin, target);
  }, 120_000);

  afterAll(async () => {
    await java?.stop();
    await target?.stop();
  }, 60_000);

  /** topicRoute -l's row for the broker: [cluster, broker, addrs, read, write, perm]. */
  async function routeRow(topic: string): Promise<string[]> {
    const out = await admin.ok('topicRoute', '-t', topic, '-l');
    const [row] = rows(out, target.clusterName);
    expect(row, out).toBeDefined();
    return row!;
  }

  it('updateTopic creates a topic on the cluster and changes it on the broker', async () => {
    const topic = 'MqaUpdateTopic';
    const created = await admin.ok(
      'updateTopic',
      ...['-c', target.clusterName, '-t', topic, '-r', '3', '-w', '5'],
    );
    expect(created).toContain(`create topic to ${target.brokerAddr} success.`);
    expect(created).toContain(
      `TopicConfig [topicName=${topic}, readQueueNums=3, writeQueueNums=5, perm=RW-`,
    );
    expect(await routeRow(topic)).toEqual([
      target.clusterName,
      target.brokerName,
      `{0=${target.brokerAddr}}`,
      '3',
      '5',
      '6',
    ]);
    const changed = await admin.ok(
      'updateTopic',
      ...['-b', target.brokerAddr, '-t', topic, '-r', '4', '-w', '4', '-p', '4'],
    );
    expect(changed).toContain(`create topic to ${target.brokerAddr} success.`);
    expect(changed).toContain('perm=R--');
    expect((await routeRow(topic)).slice(3)).toEqual(['4', '4', '4']);
  }, 90_000);

  it('deleteTopic removes the topic from the broker and the name server', async () => {
    const topic = 'MqaDeleteTopic';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '2', '-w', '2');
    expect((await admin.ok('topicList')).split('\n')).toContain(topic);
    const deleted = await admin.ok('deleteTopic', '-c', target.clusterName, '-t', topic);
    expect(deleted).toContain(
      `delete topic [${topic}] from cluster [${target.clusterName}] success.`,
    );
    expect(deleted).toContain(`delete topic [${topic}] from NameServer success.`);
    expect((await admin.ok('topicList')).split('\n')).not.toContain(topic);
    const route = await admin.raw('topicRoute', '-t', topic);
    expect(route.stderr).toContain(
      `CODE: 17  DESC: No topic route info in name server for the topic: ${topic}`,
    );
  }, 90_000);

  it('topicList lists the topics, and with -c their cluster and consumer groups', async () => {
    const topic = 'MqaTopicList';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '1', '-w', '1');
    const names = (await admin.ok('topicList')).split('\n');
    expect(names).toContain(topic);
    expect(names).toContain('TBW102');
    const byCluster = await admin.ok('topicList', '-c');
    expect(byCluster.split('\n')[0]).toMatch(/^#Cluster Name\s+#Topic\s+#Consumer Group/);
    expect(rows(byCluster, target.clusterName)).toContainEqual([target.clusterName, topic]);
  }, 90_000);

  it('topicRoute prints the route as JSON: broker data, address and queue data', async () => {
    const topic = 'MqaTopicRoute';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '4', '-w', '4');
    const route = await admin.ok('topicRoute', '-t', topic);
    // TopicRouteData.toJson(true): fastjson's pretty form, brokerAddrs keyed by a bare 0.
    const compact = route.replace(/\s+/g, '');
    expect(compact).toContain(
      `"brokerDatas":[{"brokerAddrs":{0:"${target.brokerAddr}"},"brokerName":"${target.brokerName}","cluster":"${target.clusterName}"}]`,
    );
    expect(compact).toContain(
      `"queueDatas":[{"brokerName":"${target.brokerName}","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]`,
    );
    expect(compact).toContain('"filterServerTable":{}');
  }, 90_000);

  it('topicStatus prints each queue with its min and max offset and last update', async () => {
    const topic = 'MqaTopicStatus';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '2', '-w', '2');
    const { sent } = await sendSync(java, topic, 'mqa-status', 6);
    const out = await admin.ok('topicStatus', '-t', topic);
    expect(out.split('\n')[0]).toMatch(/^#Broker Name\s+#QID\s+#Min Offset\s+#Max Offset/);
    const table = rows(out, target.brokerName);
    expect(table.map((cells) => cells.slice(0, 4))).toEqual(
      [0, 1].map((queueId) => [
        target.brokerName,
        String(queueId),
        '0',
        String(sent.filter((result) => result.queueId === queueId).length),
      ]),
    );
    for (const cells of table) expect(cells[4]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  }, 90_000);

  it('clusterList prints the broker: cluster, name, id, address, version, and totals with -m', async () => {
    const topic = 'MqaClusterList';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '1', '-w', '1');
    await sendSync(java, topic, 'mqa-cluster', 3);
    const out = await admin.raw('clusterList');
    const [row] = rows(out.stdout, target.clusterName);
    expect(row?.slice(0, 4), out.stdout).toEqual([
      target.clusterName,
      target.brokerName,
      '0',
      target.brokerAddr,
    ]);
    expect(row![4]).toMatch(/^V\d+_\d+_\d+$/);
    // Tools 4.9.8 read "getTransferedTps", which RocketMQ 5 renamed: there the row prints
    // after a NullPointerException; ThrustMQ has both spellings.
    if (kind === 'thrustmq') expect(out.stderr).toBe('');
    const more = await admin.ok('clusterList', '-m');
    const [totals] = rows(more, target.clusterName);
    expect(totals?.slice(0, 2)).toEqual([target.clusterName, target.brokerName]);
    const [inYesterday, outYesterday, inToday] = totals!.slice(2).map(Number);
    expect([inYesterday, outYesterday]).toEqual([0, 0]);
    expect(inToday).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it('brokerStatus prints the runtime figures under RocketMQ key names', async () => {
    const topic = 'MqaBrokerStatus';
    await admin.ok('updateTopic', '-c', target.clusterName, '-t', topic, '-r', '1', '-w', '1');
    await sendSync(java, topic, 'mqa-status-b', 4);
    const table = keyValues(await admin.ok('brokerStatus', '-b', target.brokerAddr), ':');
    for (const key of [
      'bootTimestamp',
      'brokerVersionDesc',
      'commitLogDiskRatio',
      'getFoundTps',
      'getMissTps',
      'getTransferredTps',
      'msgGetTotalTodayMorning',
      'msgGetTotalTodayNow',
      'msgGetTotalYesterdayMorning',
      'msgPutTotalTodayMorning',
      'msgPutTotalTodayNow',
      'msgPutTotalYesterdayMorning',
      'pageCacheLockTimeMills',
      'pullThreadPoolQueueHeadWaitTimeMills',
      'pullThreadPoolQueueSize',
      'putMessageAverageSize',
      'putMessageSizeTotal',
      'putMessageTimesTotal',
      'putTps',
      'runtime',
      'sendThreadPoolQueueHeadWaitTimeMills',
      'sendThreadPoolQueueSize',
    ])
      expect(table.has(key), key).toBe(true);
    expect(table.get('brokerVersionDesc')).toMatch(/^V\d+_\d+_\d+$/);
    expect(Number(table.get('msgPutTotalTodayNow'))).toBeGreaterThanOrEqual(4);
    expect(Number(table.get('putMessageTimesTotal'))).toBeGreaterThanOrEqual(4);
    expect(Number(table.get('bootTimestamp'))).toBeLessThanOrEqual(Date.now());
    expect(table.get('runtime')).toMatch(/^\[ \d+ days, \d+ hours, \d+ minutes, \d+ seconds \]$/);
    expect(Number(table.get('commitLogDiskRatio'))).toBeGreaterThan(0);
  }, 90_000);

  it('getBrokerConfig prints the broker config, by address and by cluster', async () => {
    const byBroker = await admin.ok('getBrokerConfig', '-b', target.brokerAddr);
    expect(byBroker).toContain(`============${target.brokerAddr}============`);
    const config = keyValues(byBroker, '=');
    expect(
      Object.fromEntries(
        [
          'brokerClusterName',
          'brokerName',
          'brokerId',
          'brokerIP1',
          'listenPort',
          'namesrvAddr',
          'autoCreateTopicEnable',
          'autoCreateSubscriptionGroup',
          'brokerRole',
          'flushDiskType',
          'defaultTopicQueueNums',
          'maxMessageSize',
          'brokerPermission',
        ].map((key) => [key, config.get(key)]),
      ),
    ).toEqual({
      brokerClusterName: target.clusterName,
      brokerName: target.brokerName,
      brokerId: '0',
      brokerIP1: '127.0.0.1',
      listenPort: target.brokerAddr.split(':')[1],
      namesrvAddr: target.namesrvAddr,
      autoCreateTopicEnable: 'true',
      autoCreateSubscriptionGroup: 'true',
      brokerRole: 'ASYNC_MASTER',
      flushDiskType: 'ASYNC_FLUSH',
      defaultTopicQueueNums: '8',
      maxMessageSize: '4194304',
      brokerPermission: '6',
    });
    const byCluster = await admin.ok('getBrokerConfig', '-c', target.clusterName);
    expect(byCluster).toContain(`============Master: ${target.brokerAddr}============`);
    expect(keyValues(byCluster, '=').get('brokerName')).toBe(target.brokerName);
  }, 90_000);

  it('updateBrokerConfig changes a run-time key, and getBrokerConfig shows it', async () => {
    const key = 'maxTransferCountOnMessageInMemory';
    const before = keyValues(await admin.ok('getBrokerConfig', '-b', target.brokerAddr), '=');
    expect(before.get(key)).toBe('32');
    const updated = await admin.ok(
      'updateBrokerConfig',
      '-b',
      target.brokerAddr,
      '-k',
      key,
      '-v',
      '48',
    );
    expect(updated).toContain(`update broker config success, ${target.brokerAddr}`);
    const after = keyValues(await admin.ok('getBrokerConfig', '-b', target.brokerAddr), '=');
    expect(after.get(key)).toBe('48');
    const byCluster = await admin.ok(
      'updateBrokerConfig',
      ...['-c', target.clusterName, '-k', key, '-v', '32'],
    );
    expect(byCluster).toContain(`update broker config success, ${target.brokerAddr}`);
    const restored = keyValues(await admin.ok('getBrokerConfig', '-b', target.brokerAddr), '=');
    expect(restored.get(key)).toBe('32');
  }, 90_000);

  it('statsAll prints a topic with its stored count and consumer groups', async () => {
    const names = {
      key: 'mqa-stats',
      topic: 'MqaStatsAll',
      producerGroup: 'mqa-stats-producer',
      consumerGroup: 'mqa-stats-consumer',
    };
    await createTopic(names.topic, 2);
    const kept = await keepClients(java, names, 5);
    try {
      expect(kept.received).toHaveLength(5);
      await progressOf(admin, names.consumerGroup, names.topic, (row) => row[5] === '0');
      // RocketMQ samples its counters every 10 s; ThrustMQ's count at once.
      const statsRow = async () => {
        const one = await admin.ok('statsAll', '-t', names.topic);
        expect(one.split('\n')[0]).toMatch(/^#Topic\s+#Consumer Group\s+#Accumulation\s+#InTPS/);
        return rows(one, names.topic)[0];
      };
      const row = await pollUntil(statsRow, (cells) => cells?.[6] === '5', COMMIT_WAIT_MS);
      // [topic, group, accumulation, in tps, out tps, in 24 h, out 24 h]
      expect(row?.slice(0, 3)).toEqual([names.topic, names.consumerGroup, '0']);
      expect(row?.slice(5)).toEqual(['5', '5']);
      const every = await admin.ok('statsAll');
      expect(rows(every, names.topic)).toHaveLength(1);
    } finally {
      await stopClients(java, names.key);
    }
  }, 120_000);
});
