/**
 * Apache's mqadmin (rocketmq-tools 4.9.8) against ThrustMQ and against Apache RocketMQ: the
 * group, connection, message and offset commands, with a live producer and push consumer
 * (AdminKeepClients) where the command shows clients.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner } from './java-runner.ts';
import {
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
import type { Mqadmin, ReceivedMessage } from './mqadmin-harness.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

/** Per queue: a held pull's 15 s, the client's 10 s retry, its 2 s rebalance, with room. */
const RESET_WAIT_MS = 60_000;

describe.each(compatTargets())('mqadmin group and message commands on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;
  let admin: Mqadmin;

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

  it('updateSubGroup creates a group with its retry settings', async () => {
    const group = 'mqa-sub-group';
    const out = await admin.ok(
      'updateSubGroup',
      ...['-b', target.brokerAddr, '-g', group, '-r', '5', '-q', '2', '-m', 'true'],
    );
    expect(out).toContain(`create subscription group to ${target.brokerAddr} success.`);
    expect(out).toContain(
      `SubscriptionGroupConfig [groupName=${group}, consumeEnable=true, consumeFromMinEnable=true, consumeBroadcastEnable=false, retryQueueNums=2, retryMaxTimes=5, brokerId=0`,
    );
    // What the broker stored, read back by another command (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
    const stored = await admin.ok('getConsumerConfig', '-g', group);
    expect(stored).toContain(`${target.clusterName}:${target.brokerName}`);
    const config = keyValues(stored, '=');
    expect(config.get('groupName')).toBe(group);
    expect(config.get('retryMaxTimes')).toBe('5');
    expect(config.get('retryQueueNums')).toBe('2');
    expect(config.get('consumeFromMinEnable')).toBe('true');
  }, 90_000);

  it('producerConnection and consumerConnection show the live clients', async () => {
    const names = {
      key: 'mqa-conn',
      topic: 'MqaConnections',
      producerGroup: 'mqa-conn-producer',
      consumerGroup: 'mqa-conn-consumer',
    };
    await createTopic(names.topic, 2);
    const kept = await keepClients(java, names, 2);
    try {
      const producers = await admin.ok(
        'producerConnection',
        '-g',
        names.producerGroup,
        '-t',
        names.topic,
      );
      const [producer] = rows(producers, '0001');
      expect(producer?.[1]).toBe(kept.producerClientId);
      expect(producer?.[2]).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(producer?.slice(3)).toEqual(['JAVA', 'V4_9_8']);

      const consumers = await admin.ok('consumerConnection', '-g', names.consumerGroup);
      const [consumer] = rows(consumers, kept.consumerClientId);
      expect(consumer?.[1]).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(consumer?.slice(2)).toEqual(['JAVA', 'V4_9_8']);
      expect(rows(consumers, names.topic)).toEqual([[names.topic, '*']]);
      expect(rows(consumers, `%RETRY%${names.consumerGroup}`)).toEqual([
        [`%RETRY%${names.consumerGroup}`, '*'],
      ]);
      expect(consumers).toContain('ConsumeType: CONSUME_PASSIVELY');
      expect(consumers).toContain('MessageModel: CLUSTERING');
      expect(consumers).toContain('ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET');
    } finally {
      await stopClients(java, names.key);
    }
  }, 120_000);

  it('consumerProgress shows each queue: broker offset, consumer offset, diff', async () => {
    const names = {
      key: 'mqa-progress',
      topic: 'MqaProgress',
      producerGroup: 'mqa-progress-producer',
      consumerGroup: 'mqa-progress-consumer',
    };
    await createTopic(names.topic, 4);
    const kept = await keepClients(java, names, 12);
    try {
      expect(kept.received).toHaveLength(12);
      const table = await progressOf(
        admin,
        names.consumerGroup,
        names.topic,
        (row) => row[5] === '0',
      );
      // [topic, broker, queue, broker offset, consumer offset, diff, last time...]
      expect(table.map((row) => row.slice(0, 6))).toEqual(
        [0, 1, 2, 3].map((queueId) => {
          const count = String(kept.sent.filter((sent) => sent.queueId === queueId).length);
          return [names.topic, target.brokerName, String(queueId), count, count, '0'];
        }),
      );
      const out = await admin.ok('consumerProgress', '-g', names.consumerGroup);
      expect(out).toContain('Diff Total: 0');
      // RocketMQ answers QUERY_NOT_FOUND for the group's empty retry queue, so the client never
      // commits it; ThrustMQ answers 0 (ali-ons reports an error event on every not-found), so
      // the client commits 0 and the retry queue shows with nothing to consume.
      const retry = rows(out, `%RETRY%${names.consumerGroup}`).map((row) => row.slice(1, 6));
      if (kind === 'apache') expect(retry).toEqual([]);
      for (const row of retry) expect(row).toEqual([target.brokerName, '0', '0', '0', '0']);
      const groups = await admin.ok('consumerProgress');
      const [summary] = rows(groups, names.consumerGroup);
      expect(summary?.slice(1, 5)).toEqual(['1', 'V4_9_8', 'PUSH', 'CLUSTERING']);
      expect(summary?.at(-1)).toBe('0');
    } finally {
      await stopClients(java, names.key);
    }
  }, 120_000);

  it('queryMsgById, queryMsgByKey and queryMsgByOffset find a sent message', async () => {
    const topic = 'MqaQueryMsg';
    await createTopic(topic, 2);
    const { sent } = await sendSync(java, topic, 'mqa-query', 4);
    const target2 = sent[2]!;
    const byId = await admin.ok('queryMsgById', '-i', target2.offsetMsgId);
    const fields = keyValues(byId, ':');
    expect(fields.get('OffsetID')).toBe(target2.offsetMsgId);
    expect(fields.get('Topic')).toBe(topic);
    expect(fields.get('Tags')).toBe('[TagA]');
    expect(fields.get('Keys')).toBe('[mqa-query-key-2]');
    expect(fields.get('Queue ID')).toBe(String(target2.queueId));
    expect(fields.get('Queue Offset')).toBe(String(target2.queueOffset));
    expect(fields.get('Store Host')).toBe(target.brokerAddr);
    expect(fields.get('Properties')).toContain(`UNIQ_KEY=${target2.msgId}`);
    // The tool writes the body to a file named by the unique id.
    const bodyPath = fields.get('Message Body Path')!;
    expect(bodyPath.endsWith(target2.msgId)).toBe(true);
    if (existsSync(bodyPath)) expect(readFileSync(bodyPath, 'utf8')).toBe('mqa-query-body-2');

    const byKey = await admin.ok('queryMsgByKey', '-t', topic, '-k', 'mqa-query-key-2');
    expect(rows(byKey, target2.msgId)).toEqual([
      [target2.msgId, String(target2.queueId), String(target2.queueOffset)],
    ]);

    const byOffset = await admin.ok(
      'queryMsgByOffset',
      ...[
        '-t',
        topic,
        '-b',
        target.brokerName,
        '-i',
        `${target2.queueId}`,
        '-o',
        `${target2.queueOffset}`,
      ],
    );
    const atOffset = keyValues(byOffset, ':');
    expect(atOffset.get('OffsetID')).toBe(target2.offsetMsgId);
    expect(atOffset.get('Keys')).toBe('[mqa-query-key-2]');
    expect(atOffset.get('Queue Offset')).toBe(String(target2.queueOffset));
  }, 90_000);

  it('resetOffsetByTime moves a live group back, and it consumes again', async () => {
    const names = {
      key: 'mqa-reset',
      topic: 'MqaResetOffset',
      producerGroup: 'mqa-reset-producer',
      consumerGroup: 'mqa-reset-consumer',
    };
    await createTopic(names.topic, 2);
    const kept = await keepClients(java, names, 6);
    try {
      expect(kept.received).toHaveLength(6);
      await progressOf(admin, names.consumerGroup, names.topic, (row) => row[5] === '0');
      const out = await admin.ok(
        'resetOffsetByTime',
        '-g',
        names.consumerGroup,
        '-t',
        names.topic,
        '-s',
        '0',
      );
      expect(out).toContain(
        `rollback consumer offset by specified group[${names.consumerGroup}], topic[${names.topic}], force[true], timestamp(string)[0], timestamp(long)[0]`,
      );
      expect(rows(out, target.brokerName).sort()).toEqual([
        [target.brokerName, '0', '0'],
        [target.brokerName, '1', '0'],
      ]);
      // ThrustMQ tells the live members (RESET_CONSUMER_CLIENT_OFFSET) and they re-pull at once.
      // RocketMQ 5 resets on the broker (useServerSideResetOffset): a 4.9 client learns it when
      // its held pull ends (up to 15 s) and is answered OFFSET_MOVED; it re-pulls 10 s later.
      const again = await pollUntil(
        () =>
          java.run<{ received: ReceivedMessage[] }>('admin-keep-clients', {
            action: 'received',
            key: names.key,
          }),
        ({ received }) => received.length >= 12,
        RESET_WAIT_MS,
      );
      const bodies = again.received.map((message) => message.body).sort();
      expect(bodies).toEqual(
        kept.sent.flatMap((_, i) => [`${names.key}-body-${i}`, `${names.key}-body-${i}`]).sort(),
      );
    } finally {
      await stopClients(java, names.key);
    }
  }, 150_000);

  it('sendMessage sends a body with key and tag, and to a chosen queue', async () => {
    const topic = 'MqaSendMessage';
    await createTopic(topic, 4);
    const out = await admin.ok(
      'sendMessage',
      '-t',
      topic,
      '-p',
      'mqa-send-body',
      '-k',
      'mqa-send-key',
      '-c',
      'TagS',
    );
    const [sent] = rows(out, target.brokerName);
    expect(sent?.[2]).toBe('SEND_OK');
    const msgId = sent![3]!;
    expect(msgId).toMatch(/^[0-9A-F]{32,}$/);
    const found = await admin.ok('queryMsgByKey', '-t', topic, '-k', 'mqa-send-key');
    expect(rows(found, msgId)).toEqual([[msgId, sent![1]!, '0']]);

    const toQueue = await admin.ok(
      'sendMessage',
      '-t',
      topic,
      '-p',
      'mqa-queue-body',
      '-b',
      target.brokerName,
      '-i',
      '3',
    );
    expect(rows(toQueue, target.brokerName).map((row) => row.slice(0, 3))).toEqual([
      [target.brokerName, '3', 'SEND_OK'],
    ]);
    const status = rows(await admin.ok('topicStatus', '-t', topic), target.brokerName);
    expect(status.find((row) => row[1] === '3')?.[3]).toBe(sent![1] === '3' ? '2' : '1');
  }, 90_000);

  it('consumeMessage prints the messages of a topic and of one queue from an offset', async () => {
    const topic = 'MqaConsumeMessage';
    await createTopic(topic, 2);
    const { sent } = await sendSync(java, topic, 'mqa-consume', 6);
    const all = await admin.ok('consumeMessage', '-t', topic);
    const bodies = [...all.matchAll(/ BODY: (\S+)/g)].map((match) => match[1]).sort();
    expect(bodies).toEqual(sent.map((_, i) => `mqa-consume-body-${i}`).sort());
    for (const queueId of [0, 1])
      expect(all).toContain(
        `MessageQueue [topic=${topic}, brokerName=${target.brokerName}, queueId=${queueId}] print msg finished.`,
      );

    const inQueue = sent.filter((result) => result.queueId === 1);
    const fromOffset = await admin.ok(
      'consumeMessage',
      ...['-t', topic, '-b', target.brokerName, '-i', '1', '-o', '1', '-c', '10'],
    );
    const ids = [...fromOffset.matchAll(/^MSGID: (\S+) /gm)].map((match) => match[1]);
    expect(ids).toEqual(inQueue.slice(1).map((result) => result.msgId));
  }, 90_000);
});
