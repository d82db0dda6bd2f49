/**
 * `thrustmq admin` through the real command line against a name server and two masters
 * (broker-a and broker-b of one cluster), each a child process on loopback. The brokers start
 * from copies of conf/2m-noslave/broker-{a,b}.properties when those exist, with ports and
 * paths rewritten; the SDK's Admin checks some results from the outside.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../src/client/admin/admin.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import { PushConsumer } from '../../src/client/consumer/push-consumer.ts';
import { readPropertiesFile } from '../../src/common/properties.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import type { CommandResult } from '../harness/processes.ts';
import { runThrustmq, startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const CONF = fileURLToPath(new URL('../../conf/2m-noslave/', import.meta.url));
/** Keys of the sample files that would clash with other tests or the machine's brokers. */
const REWRITTEN = [
  'listenPort',
  'listenHost',
  'brokerIP1',
  'namesrvAddr',
  'storePathRootDir',
  'haListenPort',
  'metricsPort',
];
const TOPIC = 'CliAdminTopic';
const logger = pino({ level: 'silent' });

let namesrv: NameServerProcess;
const brokers: BrokerProcess[] = [];
const dataDirs = [brokerDataDir(), brokerDataDir()];
let cluster = 'CliCluster';
let admin: Admin;

function sampleProperties(name: string): Record<string, string> {
  const file = join(CONF, `${name}.properties`);
  if (!existsSync(file)) return { brokerClusterName: 'CliCluster', brokerName: name };
  const properties = Object.fromEntries(readPropertiesFile(file));
  for (const key of REWRITTEN) delete properties[key];
  return properties;
}

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  for (const [index, name] of ['broker-a', 'broker-b'].entries()) {
    const properties = sampleProperties(name);
    cluster = properties['brokerClusterName'] ?? cluster;
    brokers.push(
      await startBrokerProcess({
        namesrvAddr: namesrv.address,
        dataDir: dataDirs[index]!.path,
        properties: { ...properties, actorThreads: '1', storeShards: '2' },
      }),
    );
  }
  admin = new Admin({ namesrvAddr: namesrv.address, logger });
  for (let i = 0; i < 100 && (await admin.brokers().catch(() => [])).length < 2; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
}, 90_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
  for (const dir of dataDirs) dir.remove();
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return runThrustmq(['admin', ...args], { env: { NAMESRV_ADDR: '', ...env }, timeoutMs: 60_000 });
}

/** Runs with -n and expects exit 0 and a quiet stderr. */
async function ok(args: string[]): Promise<string> {
  const result = await run([...args, '-n', namesrv.address]);
  expect(result.stderr, `stderr of admin ${args.join(' ')}`).toBe('');
  expect(result.code, `exit code of admin ${args.join(' ')}`).toBe(0);
  return result.stdout;
}

async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--json'])) as T;
}

/** A failed run: the exit code and exactly one stderr line, no stack trace. */
function expectOneLine(result: CommandResult, code: number): string {
  expect(result.code).toBe(code);
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return result.stderr.trimEnd();
}

interface JsonMessage {
  msgId: string;
  offsetMsgId: string;
  body: string;
  tags: string | null;
  keys: string[];
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

describe('thrustmq admin - against a name server and two masters', () => {
  const sent: Array<{ msgId: string; offsetMsgId: string; body: string; key: string }> = [];

  it('updateTopic -c creates the topic on both masters and topicRoute shows both', async () => {
    const out = await ok(['updateTopic', '-c', cluster, '-t', TOPIC, '-r', '2', '-w', '2']);
    for (const broker of brokers) expect(out).toContain(broker.address);
    const route = await okJson<{ brokerDatas: Array<{ brokerName: string }> }>([
      'topicRoute',
      '-t',
      TOPIC,
    ]);
    expect(route.brokerDatas.map((b) => b.brokerName).sort()).toEqual(['broker-a', 'broker-b']);
    const table = await ok(['topicRoute', '-t', TOPIC]);
    expect(table).toMatch(/broker-a\s+2\s+2\s+6\s+RW/);
    const list = await okJson<{ topics: string[] }>(['topicList']);
    expect(list.topics).toContain(TOPIC);
  });

  it('sendMessage stores messages, to any queue or to -b broker -i queue', async () => {
    for (let i = 0; i < 6; i++) {
      const body = `body-${i}`;
      const key = `key-${i}`;
      const target = i === 0 ? ['-b', 'broker-a', '-i', '0'] : [];
      const result = await okJson<{
        status: string;
        msgId: string;
        offsetMsgId: string;
        messageQueue: { brokerName: string; queueId: number };
      }>([
        'sendMessage',
        '-t',
        TOPIC,
        '-p',
        body,
        '-k',
        key,
        '-c',
        i % 2 === 0 ? 'tagA' : 'tagB',
        ...target,
      ]);
      expect(result.status).toBe('SEND_OK');
      if (i === 0)
        expect(result.messageQueue).toMatchObject({ brokerName: 'broker-a', queueId: 0 });
      sent.push({ msgId: result.msgId, offsetMsgId: result.offsetMsgId, body, key });
    }
    const table = await ok(['sendMessage', '-t', TOPIC, '-p', 'table-body']);
    expect(table.split('\n')[0]).toMatch(/^#Broker Name\s+#QID\s+#Send Result\s+#MsgId/);
    expect(table).toContain('SEND_OK');
    sent.push({ msgId: '', offsetMsgId: '', body: 'table-body', key: '' });
    const stats = await okJson<{ queues: Array<{ maxOffset: number }> }>([
      'topicStatus',
      '-t',
      TOPIC,
    ]);
    expect(stats.queues).toHaveLength(4);
    expect(stats.queues.reduce((sum, q) => sum + q.maxOffset, 0)).toBe(7);
  });

  it('consumeMessage prints every message; with -g it commits and consumerProgress shows the lag', async () => {
    const out = await ok(['consumeMessage', '-t', TOPIC, '-c', '100']);
    for (const message of sent) expect(out).toContain(`BODY: ${message.body}`);
    expect(out).toContain('Consume ok: 7 message(s)');

    const read = await okJson<{ messages: JsonMessage[] }>([
      'consumeMessage',
      '-t',
      TOPIC,
      '-g',
      'CliGroup',
      '-c',
      '3',
    ]);
    expect(read.messages).toHaveLength(3);
    const progress = await okJson<{ diffTotal: number; queues: Array<{ lag: number }> }>([
      'consumerProgress',
      '-g',
      'CliGroup',
      '-t',
      TOPIC,
    ]);
    expect(progress.queues).toHaveLength(4);
    expect(progress.diffTotal).toBe(4);
    const table = await ok(['consumerProgress', '-g', 'CliGroup', '-t', TOPIC]);
    expect(table).toMatch(
      /^#Topic\s+#Broker Name\s+#QID\s+#Broker Offset\s+#Consumer Offset\s+#Diff/,
    );
    expect(table).toContain('Diff Total: 4');
  });

  it('queryMsgById finds a message by offset id and, with -t, by unique id', async () => {
    const first = sent[0]!;
    const byOffset = await okJson<{ messages: JsonMessage[] }>([
      'queryMsgById',
      '-i',
      first.offsetMsgId,
    ]);
    expect(byOffset.messages.map((m) => m.body)).toEqual([first.body]);
    const byUnique = await okJson<{ messages: JsonMessage[] }>([
      'queryMsgById',
      '-t',
      TOPIC,
      '-i',
      sent[1]!.msgId,
    ]);
    expect(byUnique.messages.map((m) => m.body)).toEqual([sent[1]!.body]);
    const details = await ok(['queryMsgById', '-i', first.offsetMsgId]);
    expect(details).toMatch(/Topic:\s+CliAdminTopic/);
    expect(details).toContain('"body-0"');
  });

  it('queryMsgByKey finds the message with that key on whichever broker holds it', async () => {
    let found: JsonMessage[] = [];
    // The index is written just after the store; give it a moment.
    for (let i = 0; i < 20 && found.length === 0; i++) {
      found = (
        await okJson<{ messages: JsonMessage[] }>(['queryMsgByKey', '-t', TOPIC, '-k', 'key-3'])
      ).messages;
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(found.map((m) => m.body)).toEqual(['body-3']);
    expect(found[0]!.keys).toEqual(['key-3']);
  });

  it('queryMsgByOffset shows the message at an offset of one queue', async () => {
    const message = await okJson<JsonMessage>([
      'queryMsgByOffset',
      '-t',
      TOPIC,
      '-b',
      'broker-a',
      '-i',
      '0',
      '-o',
      '0',
    ]);
    expect(message).toMatchObject({
      body: 'body-0',
      brokerName: 'broker-a',
      queueId: 0,
      queueOffset: 0,
    });
    const missing = await run([
      'queryMsgByOffset',
      '-n',
      namesrv.address,
      '-t',
      TOPIC,
      '-b',
      'broker-a',
      '-i',
      '0',
      '-o',
      '999',
    ]);
    expect(expectOneLine(missing, 1)).toContain('no message at offset 999');
  });

  it('printMsg prints the messages matching a tag expression', async () => {
    const out = await ok(['printMsg', '-t', TOPIC, '-s', 'tagB']);
    const bodies = [...out.matchAll(/BODY: (\S+)/g)].map((match) => match[1]).sort();
    expect(bodies).toEqual(['body-1', 'body-3', 'body-5']);
    const noBody = await ok(['printMsg', '-t', TOPIC, '-d', 'false']);
    expect(noBody).not.toContain('BODY:');
    expect(noBody.trim().split('\n')).toHaveLength(7);
  });

  it('updateSubGroup and deleteSubGroup change the group on every master', async () => {
    const out = await ok([
      'updateSubGroup',
      '-c',
      cluster,
      '-g',
      'CliSubGroup',
      '-r',
      '5',
      '-q',
      '2',
      '-s',
      'false',
    ]);
    for (const broker of brokers) expect(out).toContain(broker.address);
    for (const broker of brokers) {
      const group = (await admin.subscriptionGroups(broker.address)).find(
        (g) => g.groupName === 'CliSubGroup',
      );
      expect(group).toMatchObject({ retryMaxTimes: 5, retryQueueNums: 2, consumeEnable: false });
    }
    await ok(['deleteSubGroup', '-c', cluster, '-g', 'CliSubGroup']);
    for (const broker of brokers) {
      const names = (await admin.subscriptionGroups(broker.address)).map((g) => g.groupName);
      expect(names).not.toContain('CliSubGroup');
    }
  });

  it('getBrokerConfig shows the config; updateBrokerConfig changes a run-time key and names a bad one', async () => {
    const address = brokers[0]!.address;
    const config = await okJson<{ brokers: Array<{ config: Record<string, string> }> }>([
      'getBrokerConfig',
      '-b',
      address,
    ]);
    expect(config.brokers[0]!.config['brokerName']).toBe('broker-a');
    const text = await ok(['getBrokerConfig', '-b', address]);
    expect(text).toMatch(/brokerName\s+= broker-a/);

    await ok([
      'updateBrokerConfig',
      '-b',
      address,
      '-k',
      'maxTransferCountOnMessageInMemory',
      '-v',
      '16',
    ]);
    expect((await admin.getBrokerConfig(address))['maxTransferCountOnMessageInMemory']).toBe('16');

    const unknown = await run([
      'updateBrokerConfig',
      '-n',
      namesrv.address,
      '-b',
      address,
      '-k',
      'noSuchKey',
      '-v',
      '1',
    ]);
    expect(expectOneLine(unknown, 1)).toMatch(
      /^updateBrokerConfig: .*unknown broker config key noSuchKey/,
    );
    const fixed = await run([
      'updateBrokerConfig',
      '-n',
      namesrv.address,
      '-b',
      address,
      '-k',
      'listenPort',
      '-v',
      '1',
    ]);
    expect(expectOneLine(fixed, 1)).toContain('listenPort cannot be changed at run time');
    const invalid = await run([
      'updateBrokerConfig',
      '-n',
      namesrv.address,
      '-b',
      address,
      '-k',
      'brokerPermission',
      '-v',
      '9',
    ]);
    expect(expectOneLine(invalid, 1)).toContain('brokerPermission');
    expect((await admin.getBrokerConfig(address))['brokerPermission']).toBe('6');

    // A read-only broker says so in the routes at once (the topic named after the broker has
    // perm 7 of its own), and gets its own perms back when writable again.
    const permOf = async (): Promise<number | undefined> =>
      (await admin.topicRoute('broker-a')).queueDatas.find((q) => q.brokerName === 'broker-a')
        ?.perm;
    expect(await permOf()).toBe(7);
    await ok(['updateBrokerConfig', '-b', address, '-k', 'brokerPermission', '-v', '4']);
    expect(await permOf()).toBe(4);
    await ok(['updateBrokerConfig', '-b', address, '-k', 'brokerPermission', '-v', '6']);
    expect(await permOf()).toBe(7);
  });

  it('clusterList and brokerStatus show both brokers; NAMESRV_ADDR stands in for -n', async () => {
    const result = await run(['clusterList', '--json'], { NAMESRV_ADDR: namesrv.address });
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as {
      brokers: Array<{
        clusterName: string;
        brokerName: string;
        brokerId: number;
        status: Record<string, string>;
      }>;
    };
    expect(list.brokers.map((b) => [b.clusterName, b.brokerName, b.brokerId])).toEqual([
      [cluster, 'broker-a', 0],
      [cluster, 'broker-b', 0],
    ]);
    const table = await ok(['clusterList']);
    expect(table.split('\n')[0]).toMatch(/^#Cluster Name\s+#Broker Name\s+#BID\s+#Addr/);
    expect(table).toContain(brokers[1]!.address);
    const status = await ok(['brokerStatus', '-b', brokers[1]!.address]);
    expect(status).toMatch(/brokerVersionDesc:\s+V4_9_8/);
    expect(status).toMatch(/thrustmqVersion:\s+\d+\.\d+/);
    const both = await okJson<{ brokers: unknown[] }>(['brokerStatus', '-c', cluster]);
    expect(both.brokers).toHaveLength(2);
  });

  it('consumerConnection, producerConnection and resetOffsetByTime see the clients online', async () => {
    const topic = 'CliResetTopic';
    const group = 'CliPushGroup';
    await ok(['updateTopic', '-b', brokers[0]!.address, '-t', topic, '-r', '1', '-w', '1']);
    const producer = new Producer({
      group: 'CliProducerGroup',
      namesrvAddr: namesrv.address,
      logger,
    });
    const consumer = new PushConsumer({
      namesrvAddr: namesrv.address,
      logger,
      group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistOffsetIntervalMs: 200,
    });
    try {
      await producer.start();
      for (let i = 0; i < 3; i++) await producer.send({ topic, body: `reset-${i}` });
      consumer.subscribe(topic, '*');
      consumer.onMessage(async () => 'CONSUME_SUCCESS' as const);
      await consumer.start();
      let lag = -1;
      for (let i = 0; i < 100 && lag !== 0; i++) {
        const progress = await admin.consumerProgress(group, topic);
        lag = progress.length === 1 && progress[0]!.consumerOffset === 3 ? 0 : -1;
        if (lag !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(lag, JSON.stringify(await admin.consumerProgress(group, topic))).toBe(0);

      const connection = await okJson<{
        connections: Array<{ clientId: string }>;
        subscriptions: Array<{ topic: string; subString: string }>;
      }>(['consumerConnection', '-g', group]);
      expect(connection.connections).toHaveLength(1);
      expect(connection.subscriptions).toContainEqual(
        expect.objectContaining({ topic, subString: '*' }),
      );
      const producers = await okJson<{ connections: unknown[] }>([
        'producerConnection',
        '-g',
        'CliProducerGroup',
        '-t',
        topic,
      ]);
      expect(producers.connections).toHaveLength(1);

      // The broker forwards GET_CONSUMER_RUNNING_INFO to the client and relays its answer.
      const status = await okJson<
        Array<{
          clientId: string;
          properties: Record<string, string>;
          subscriptions: Array<{ topic: string; subString: string }>;
          queues: Array<{
            queue: { topic: string; brokerName: string; queueId: number };
            info: { commitOffset: number; cachedMsgCount: number; droped: boolean };
          }>;
        }>
      >(['consumerStatus', '-g', group]);
      expect(status.map((s) => s.clientId)).toEqual([connection.connections[0]!.clientId]);
      expect(status[0]!.properties['consumerGroup']).toBe(group);
      expect(status[0]!.subscriptions).toContainEqual(expect.objectContaining({ topic }));
      const queue = status[0]!.queues.find((q) => q.queue.topic === topic);
      expect(queue?.queue).toEqual({ topic, brokerName: 'broker-a', queueId: 0 });
      expect(queue?.info).toMatchObject({ commitOffset: 3, cachedMsgCount: 0, droped: false });
      const human = await ok(['consumerStatus', '-g', group]);
      expect(human).toMatch(new RegExp(`${topic}\\s+broker-a\\s+0\\s+3\\s`));
      const absent = await run([
        'consumerStatus',
        '-n',
        namesrv.address,
        '-g',
        group,
        '-i',
        'nobody',
      ]);
      expect(expectOneLine(absent, 1)).toMatch(/not online/);

      const reset = await okJson<{
        queues: Array<{ brokerName: string; queueId: number; offset: number }>;
      }>(['resetOffsetByTime', '-g', group, '-t', topic, '-s', '0']);
      expect(reset.queues).toEqual([{ topic, brokerName: 'broker-a', queueId: 0, offset: 0 }]);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
    }
    const gone = await run(['consumerConnection', '-n', namesrv.address, '-g', 'NoSuchGroup']);
    expect(expectOneLine(gone, 1)).toMatch(/^consumerConnection: .*NoSuchGroup.*not online/);
  });

  it('deleteTopic removes the topic from the masters and the name server', async () => {
    await ok(['deleteTopic', '-t', TOPIC, '-c', cluster]);
    const route = await run(['topicRoute', '-n', namesrv.address, '-t', TOPIC]);
    expect(expectOneLine(route, 1)).toMatch(/^topicRoute: .*CliAdminTopic/);
  });
});

describe('thrustmq admin - argument and connection errors', () => {
  it('exits 2 naming the option for bad arguments', async () => {
    const missing = await run(['updateTopic', '-c', 'C']);
    expect(expectOneLine(missing, 2)).toBe('updateTopic: -t (topic) is required');
    const noTarget = await run(['updateTopic', '-t', 'T']);
    expect(expectOneLine(noTarget, 2)).toBe(
      'updateTopic: one of -b (brokerAddr) or -c (clusterName) is required',
    );
    const badInt = await run(['queryMsgByOffset', '-t', 'T', '-b', 'b', '-i', 'x', '-o', '0']);
    expect(expectOneLine(badInt, 2)).toMatch(
      /^queryMsgByOffset: -i \(queueId\) must be an integer/,
    );
    const badTime = await run(['resetOffsetByTime', '-g', 'G', '-t', 'T', '-s', 'yesterday']);
    expect(expectOneLine(badTime, 2)).toMatch(/^resetOffsetByTime: -s \(timestamp\) must be/);
    const unknown = await run(['noSuchCommand']);
    expect(expectOneLine(unknown, 2)).toContain('unknown subcommand "noSuchCommand"');
  });

  it("lists the subcommands and shows each one's options", async () => {
    const usage = await run(['--help']);
    expect(usage.code).toBe(0);
    for (const name of ['updateTopic', 'queryMsgByKey', 'consumeMessage', 'updateBrokerConfig'])
      expect(usage.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    const help = await run(['consumeMessage', '-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/-c, --MessageNumber <n>/);
  });

  it('exits 1 with one line and no stack when the name server is unreachable', async () => {
    const closed = await closedPort();
    const result = await run(['topicList', '-n', `127.0.0.1:${closed}`]);
    expect(expectOneLine(result, 1)).toMatch(new RegExp(`^topicList: .*127\\.0\\.0\\.1:${closed}`));
    expect(result.stdout).toBe('');
  });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
