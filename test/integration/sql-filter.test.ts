/**
 * SQL92 subscriptions (RocketMQ's MessageSelector.bySql) against real broker processes: with
 * enablePropertyFilter=true the filter pool's workers keep only matching messages, so a
 * consumer receives exactly those, intact, and the group's offsets pass the rest; a bad
 * expression is refused with SUBSCRIPTION_PARSE_FAILED (23) naming the problem; a broker
 * without enablePropertyFilter refuses SQL92 as RocketMQ does, and the SDK's start() says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRequest,
  RequestCode,
  ResponseCode,
  type RemotingClient,
} from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import {
  cleanupAfterEach,
  startProducer,
  startRecordingConsumer,
} from '../harness/delivery-recorder.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const RUN = Math.random().toString(36).slice(2, 8);

let nameServer: NameServerProcess;
let broker: BrokerProcess;
let admin: RemotingClient;
const cleanup = cleanupAfterEach();

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  broker = await startBrokerProcess({
    namesrvAddr: nameServer.address,
    properties: { enablePropertyFilter: 'true' },
  });
  admin = adminClient();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
});

function checkClientConfig(address: string, expressionType: string, subString: string) {
  return admin.invoke(
    address,
    createRequest(
      RequestCode.CHECK_CLIENT_CONFIG,
      {},
      Buffer.from(
        JSON.stringify({
          clientId: 'sql-test',
          group: `GID_sql_${RUN}`,
          subscriptionData: {
            topic: 'T',
            subString,
            expressionType,
            subVersion: 1,
            tagsSet: [],
            codeSet: [],
          },
        }),
      ),
    ),
    3000,
  );
}

describe('sql filter - SQL92 subscriptions on the filter pool', () => {
  it('sql filter - a consumer receives exactly the messages whose properties match, intact', async () => {
    const topic = `Sql_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const producer = await startProducer(nameServer.address, `PID_sql_${RUN}`, cleanup);
    const sent = [];
    for (let i = 0; i < 200; i++) {
      const properties: Record<string, string> = { a: String(i) };
      if (i % 3 === 0) properties['region'] = i % 2 === 0 ? 'east' : 'west';
      sent.push({
        i,
        tags: i % 2 === 0 ? 'TagA' : 'TagB',
        properties,
        result: await producer.send({
          topic,
          body: `m-${i}`,
          tags: i % 2 === 0 ? 'TagA' : 'TagB',
          keys: [`k-${i}`],
          properties,
        }),
      });
    }
    const sql = "a >= 100 AND TAGS = 'TagA' AND (region IS NULL OR region <> 'east')";
    const expected = sent.filter(
      (m) =>
        m.i >= 100 &&
        m.tags === 'TagA' &&
        (m.properties['region'] === undefined || m.properties['region'] !== 'east'),
    );
    expect(expected.length).toBeGreaterThan(20);
    const { seen } = await startRecordingConsumer(
      { namesrvAddr: nameServer.address, group: `GID_sql_${RUN}`, topic, selector: { sql } },
      cleanup,
    );
    await waitFor(
      () => seen.length >= expected.length,
      15_000,
      () => `seen ${seen.length} of ${expected.length}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.map((s) => s.message.msgId).sort()).toEqual(
      expected.map((m) => m.result.msgId).sort(),
    );
    for (const { message } of seen) {
      const i = Number(message.properties['a']);
      expect(message.body.toString()).toBe(`m-${i}`);
      expect(message.keys).toEqual([`k-${i}`]);
      expect(message.tags).toBe('TagA');
    }
  }, 40_000);

  it('sql filter - CHECK_CLIENT_CONFIG accepts a good expression, names a bad one (23), and a broker without enablePropertyFilter refuses SQL92', async () => {
    const good = await checkClientConfig(broker.address, 'SQL92', 'a BETWEEN 1 AND 3');
    expect(good.code).toBe(ResponseCode.SUCCESS);
    const bad = await checkClientConfig(broker.address, 'SQL92', 'a >>> 3');
    expect(bad.code).toBe(ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    expect(bad.remark).toMatch(/\S/);
    const tag = await checkClientConfig(broker.address, 'TAG', 'A || B');
    expect(tag.code).toBe(ResponseCode.SUCCESS);

    const plain = await startBrokerProcess({
      namesrvAddr: nameServer.address,
      properties: { brokerName: 'broker-plain' },
    });
    const refused = await checkClientConfig(plain.address, 'SQL92', 'a BETWEEN 1 AND 3');
    expect(refused.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(refused.remark).toBe('The broker does not support consumer to filter message by SQL92');

    // The SDK asks first, as the Java client does: start() fails with the broker's reason.
    const plainTopic = `SqlPlain_${RUN}`;
    await createTopic(admin, plain.address, nameServer.address, plainTopic, 2);
    await expect(
      startRecordingConsumer(
        {
          namesrvAddr: nameServer.address,
          group: `GID_sql_plain_${RUN}`,
          topic: plainTopic,
          queues: 2,
          selector: { sql: 'a > 1' },
        },
        cleanup,
      ),
    ).rejects.toMatchObject({
      responseCode: ResponseCode.SYSTEM_ERROR,
      remark: 'The broker does not support consumer to filter message by SQL92',
    });
    const topic = `SqlBad_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 2);
    await expect(
      startRecordingConsumer(
        {
          namesrvAddr: nameServer.address,
          group: `GID_sql_bad_${RUN}`,
          topic,
          queues: 2,
          selector: { sql: 'a >>> 1' },
        },
        cleanup,
      ),
    ).rejects.toMatchObject({ responseCode: ResponseCode.SUBSCRIPTION_PARSE_FAILED });
  }, 40_000);
});
