/**
 * Apache's Java client (rocketmq-client 4.9.8), its DefaultMQProducer, against ThrustMQ and
 * against Apache RocketMQ with the same scenarios: every way it sends (sync, async, one-way,
 * batch, to a chosen queue, through a selector), each checked by reading the topic back with
 * the same client's pull consumer (scenario fetch-all).
 */
import { describe, expect, it } from 'vitest';
import type { JavaRunner } from './java-runner.ts';
import type { MessageSpec } from './java-message-spec.ts';
import { useJavaSuite } from './java-suite.ts';
import { compatTargets } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

interface SendResult {
  status: string;
  msgId: string;
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

interface Received {
  topic: string;
  msgId: string;
  keys: string | null;
  tags: string | null;
  body: string;
  bodyLength: number;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  properties: Record<string, string>;
}

/**
 * The properties a message with tags and keys comes back with: the client's (UNIQ_KEY, WAIT,
 * TAGS, KEYS), the pull's (MIN_OFFSET, MAX_OFFSET) and those Apache's broker adds to every
 * message it is sent (CLUSTER, MSG_REGION, TRACE_ON).
 */
const PLAIN_PROPERTY_NAMES = [
  'CLUSTER',
  'KEYS',
  'MAX_OFFSET',
  'MIN_OFFSET',
  'MSG_REGION',
  'TAGS',
  'TRACE_ON',
  'UNIQ_KEY',
  'WAIT',
];

/** What Apache's broker adds to a message sent on its own. */
const BROKER_ADDED = ['CLUSTER', 'MSG_REGION', 'TRACE_ON'];

/** MessageSysFlag.COMPRESSED_FLAG: the body on the wire is zlib-compressed. */
const COMPRESSED_FLAG = 0x1;

/** A compressible ASCII body of exactly `size` bytes that differs per `seed`. */
function bodyOf(seed: string, size: number): string {
  let text = '';
  for (let line = 0; text.length < size; line++)
    text += `${seed} line ${line} ${'x'.repeat(line % 50)}\n`;
  return text.slice(0, size);
}

/** Messages grouped by queue, each queue's in offset order. */
function byQueue(messages: Received[]): Map<number, Received[]> {
  const queues = new Map<number, Received[]>();
  for (const message of messages)
    queues.set(message.queueId, [...(queues.get(message.queueId) ?? []), message]);
  for (const list of queues.values()) list.sort((a, b) => a.queueOffset - b.queueOffset);
  return queues;
}

describe.each(compatTargets())('Java DefaultMQProducer on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  useJavaSuite(kind, {}, (started, runner) => {
    target = started;
    java = runner;
  });

  /** Every message of `topic` (or of one queue), read from offset 0 until `count` came. */
  async function fetchAll(
    topic: string,
    count: number,
    options: { queueId?: number; settleMs?: number } = {},
  ): Promise<Received[]> {
    const { messages } = await java.run<{ messages: Received[] }>(
      'fetch-all',
      { topic, group: `${topic}-reader`, count, timeoutMs: 30_000, settleMs: 500, ...options },
      60_000,
    );
    return messages;
  }

  it('sends one at a time, each SEND_OK with an offset message id naming the broker', async () => {
    const { sent } = await java.run<{ sent: SendResult[] }>('send-sync', {
      topic: 'JavaSendSync',
      group: 'java-send-sync',
      tags: 'TagA',
      prefix: 'sync',
      count: 20,
    });
    expect(sent).toHaveLength(20);
    for (const result of sent) {
      expect(result.status).toBe('SEND_OK');
      expect(result.brokerName).toBe(target.brokerName);
      // The client's unique id: its own IP (v4 or v6), pid, class-loader hash, time and counter.
      expect(result.msgId).toMatch(/^([0-9A-F]{2})+$/);
      // The offset id is the broker's address (IPv4 + port) and the commit-log offset, in hex.
      expect(result.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
      expect(result.offsetMsgId.slice(0, 8)).toBe('7F000001');
      const port = Number.parseInt(result.offsetMsgId.slice(8, 16), 16);
      expect(`127.0.0.1:${port}`).toBe(target.brokerAddr);
    }
    const offsets = new Map<number, number[]>();
    for (const result of sent)
      offsets.set(result.queueId, [...(offsets.get(result.queueId) ?? []), result.queueOffset]);
    for (const list of offsets.values())
      expect(list).toEqual(list.map((_, index) => list[0]! + index));
  }, 90_000);

  it('sends 200 asynchronously at once, every callback SEND_OK, every message stored', async () => {
    const topic = 'JavaSendAsync';
    const { sent, errors, missing } = await java.run<{
      sent: (SendResult & { key: string })[];
      errors: string[];
      missing: number;
    }>(
      'send-async',
      {
        topic,
        group: 'java-send-async',
        tags: 'TagA',
        prefix: 'async',
        count: 200,
        waitMs: 40_000,
      },
      60_000,
    );
    expect(errors).toEqual([]);
    expect(missing).toBe(0);
    expect(sent).toHaveLength(200);
    for (const result of sent) expect(result.status).toBe('SEND_OK');
    expect(new Set(sent.map((result) => `${result.queueId}/${result.queueOffset}`)).size).toBe(200);
    const stored = await fetchAll(topic, 200);
    expect(stored).toHaveLength(200);
    const byKey = new Map(stored.map((message) => [message.keys, message]));
    for (const result of sent) {
      const message = byKey.get(result.key);
      expect(message?.msgId).toBe(result.msgId);
      expect(message?.body).toBe(result.key.replace('-key-', '-body-'));
      expect([message?.queueId, message?.queueOffset]).toEqual([
        result.queueId,
        result.queueOffset,
      ]);
    }
  }, 120_000);

  it('sends one-way: no answer, yet every message is stored once', async () => {
    const topic = 'JavaSendOneway';
    // No answer to wait for, so the topic is made first: a reader looking for it right after
    // the last one-way send would otherwise race the broker's registration of a new topic.
    await java.run('send-messages', {
      topic,
      group: 'java-send-oneway',
      messages: [{ body: 'first', keys: 'first' }],
    });
    const { count } = await java.run<{ count: number }>('send-oneway', {
      topic,
      group: 'java-send-oneway',
      tags: 'TagA',
      prefix: 'oneway',
      count: 50,
    });
    expect(count).toBe(50);
    const stored = (await fetchAll(topic, 51, { settleMs: 1_000 })).filter(
      (m) => m.body !== 'first',
    );
    expect(stored.map((message) => message.keys).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `oneway-key-${i}`).sort(),
    );
    for (const message of stored) {
      expect(message.body).toBe(message.keys!.replace('-key-', '-body-'));
      expect(message.tags).toBe('TagA');
    }
  }, 90_000);

  it('sends a batch in one request: one result naming every message, all stored in order', async () => {
    const topic = 'JavaSendBatch';
    const messages: MessageSpec[] = Array.from({ length: 30 }, (_, i) => ({
      tags: 'Batch',
      keys: `batch-key-${i}`,
      body: `batch-body-${i}`,
    }));
    const { result } = await java.run<{ result: SendResult }>('send-batch', {
      topic,
      group: 'java-send-batch',
      messages,
    });
    expect(result.status).toBe('SEND_OK');
    const ids = result.msgId.split(',');
    expect(ids).toHaveLength(30);
    expect(result.offsetMsgId.split(',')).toHaveLength(30);
    const stored = await fetchAll(topic, 30, { settleMs: 1_000 });
    expect(stored).toHaveLength(30);
    // The whole batch goes to one queue, at consecutive offsets from the one reported.
    expect(stored.map((message) => message.queueId)).toEqual(stored.map(() => result.queueId));
    expect(stored.map((message) => message.queueOffset)).toEqual(
      stored.map((_, i) => result.queueOffset + i),
    );
    expect(stored.map((message) => [message.keys, message.body, message.tags])).toEqual(
      messages.map((spec) => [spec.keys, spec.body, spec.tags]),
    );
    expect(stored.map((message) => message.msgId)).toEqual(ids);
    // Apache 5's broker stores a batch's messages with their own properties only: none of the
    // three it adds to a single message.
    for (const message of stored) {
      expect(Object.keys(message.properties).sort()).toEqual(
        PLAIN_PROPERTY_NAMES.filter((name) => !BROKER_ADDED.includes(name)),
      );
      expect(message.properties['WAIT']).toBe('true');
    }
  }, 90_000);

  it('keeps tags, keys and user properties through the broker', async () => {
    const topic = 'JavaSendProperties';
    const messages: MessageSpec[] = [
      { tags: 'TagA', keys: 'order-1', body: 'one', properties: { color: 'red', n: '7' } },
      { tags: 'TagB', keys: 'order-2 order-2b', body: 'two', properties: { city: 'Zürich €' } },
      { body: 'three', properties: { spaced: 'a b c', 'dotted.name': 'x=y;z' } },
    ];
    const { sent } = await java.run<{ sent: SendResult[] }>('send-messages', {
      topic,
      group: 'java-send-properties',
      messages,
    });
    expect(sent.map((result) => result.status)).toEqual(['SEND_OK', 'SEND_OK', 'SEND_OK']);
    const stored = await fetchAll(topic, 3, { settleMs: 1_000 });
    expect(stored).toHaveLength(3);
    const byBody = new Map(stored.map((message) => [message.body, message]));
    for (const [i, spec] of messages.entries()) {
      const message = byBody.get(spec.body)!;
      expect(message.topic).toBe(topic);
      expect(message.msgId).toBe(sent[i]!.msgId);
      expect(message.tags ?? null).toBe(spec.tags ?? null);
      expect(message.keys ?? null).toBe(spec.keys ?? null);
      expect(message.properties).toMatchObject(spec.properties ?? {});
      expect(message.properties['UNIQ_KEY']).toBe(sent[i]!.msgId);
      expect(message.properties['WAIT']).toBe('true');
    }
    // Apart from the user's own, the names every message comes back with.
    const userNames = new Set(messages.flatMap((spec) => Object.keys(spec.properties ?? {})));
    const systemNames = new Set(
      stored
        .flatMap((message) => Object.keys(message.properties))
        .filter((name) => !userNames.has(name)),
    );
    expect([...systemNames].sort()).toEqual(PLAIN_PROPERTY_NAMES);
    for (const message of stored)
      expect(message.properties).toMatchObject({
        CLUSTER: target.clusterName,
        MSG_REGION: 'DefaultRegion',
        TRACE_ON: 'true',
      });
  }, 90_000);

  it('sends bodies over 4 KiB compressed and reads back the same bytes', async () => {
    const topic = 'JavaSendLarge';
    const sizes = [4095, 4096, 5000, 100 * 1024, 1024 * 1024];
    const messages: MessageSpec[] = sizes.map((size) => ({
      keys: `large-${size}`,
      body: bodyOf(`large-${size}`, size),
    }));
    const { sent } = await java.run<{ sent: SendResult[] }>('send-messages', {
      topic,
      group: 'java-send-large',
      messages,
    });
    expect(sent.map((result) => result.status)).toEqual(sizes.map(() => 'SEND_OK'));
    const stored = await fetchAll(topic, sizes.length, { settleMs: 1_000 });
    expect(stored).toHaveLength(sizes.length);
    const byKey = new Map(stored.map((message) => [message.keys, message]));
    for (const [i, size] of sizes.entries()) {
      const message = byKey.get(`large-${size}`)!;
      expect(message.bodyLength).toBe(size);
      expect(message.body).toBe(messages[i]!.body);
      // The client compresses a body of compressMsgBodyOverHowmuch (4096) bytes or more; the
      // consumer inflates it and keeps the flag that said so.
      expect(message.sysFlag & COMPRESSED_FLAG).toBe(size >= 4096 ? COMPRESSED_FLAG : 0);
    }
  }, 90_000);

  it('sends to a chosen queue: every result names it and the queue holds them in order', async () => {
    const topic = 'JavaSendToQueue';
    // A first send creates the topic (four queues by default) before one is chosen.
    await java.run('send-messages', {
      topic,
      group: 'java-send-to-queue',
      messages: [{ body: 'first' }],
    });
    const messages: MessageSpec[] = Array.from({ length: 20 }, (_, i) => ({
      keys: `q-${i}`,
      body: `queued-${i}`,
    }));
    const { sent } = await java.run<{ sent: SendResult[] }>('send-to-queue', {
      topic,
      group: 'java-send-to-queue',
      brokerName: target.brokerName,
      queueId: 2,
      messages,
    });
    expect(sent.map((result) => [result.status, result.queueId])).toEqual(
      messages.map(() => ['SEND_OK', 2]),
    );
    expect(sent.map((result) => result.queueOffset)).toEqual(
      sent.map((_, i) => sent[0]!.queueOffset + i),
    );
    // The first send may have landed on queue 2 too.
    const stored = (await fetchAll(topic, 20, { queueId: 2 })).filter((m) => m.body !== 'first');
    expect(stored.map((message) => message.body)).toEqual(messages.map((spec) => spec.body));
    expect(stored.map((message) => message.queueOffset)).toEqual(
      sent.map((result) => result.queueOffset),
    );
  }, 90_000);

  it('sends through a MessageQueueSelector: each order on its queue, in order', async () => {
    const topic = 'JavaSendSelector';
    await java.run('send-messages', {
      topic,
      group: 'java-send-selector',
      messages: [{ body: 'first' }],
    });
    const orders = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e'];
    const messages: MessageSpec[] = [];
    for (let step = 0; step < 6; step++)
      for (const order of orders)
        messages.push({ orderId: order, keys: order, body: `${order}:${step}` });
    const { sent } = await java.run<{
      sent: (SendResult & { orderId: string; selected: number })[];
    }>('send-with-selector', { topic, group: 'java-send-selector', messages });
    expect(sent).toHaveLength(messages.length);
    for (const result of sent) {
      expect(result.status).toBe('SEND_OK');
      expect(result.queueId).toBe(result.selected);
    }
    const queueOf = new Map(sent.map((result) => [result.orderId, result.queueId]));
    const stored = byQueue(await fetchAll(topic, messages.length + 1));
    for (const order of orders) {
      const mine = (stored.get(queueOf.get(order)!) ?? []).filter(
        (message) => message.keys === order,
      );
      expect(mine.map((message) => message.body)).toEqual(
        [0, 1, 2, 3, 4, 5].map((step) => `${order}:${step}`),
      );
    }
  }, 90_000);
});
