/**
 * Apache's Java client (rocketmq-client 4.9.8) against ThrustMQ and against Apache RocketMQ:
 * delay levels (setDelayTimeLevel) and the broker-side filters a DefaultMQPushConsumer
 * subscribes with, tag expressions and MessageSelector.bySql (SQL92, enablePropertyFilter).
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
  queueId: number;
}

interface Received {
  topic: string;
  msgId: string;
  keys: string | null;
  tags: string | null;
  body: string;
  queueId: number;
  queueOffset: number;
  bornTimestamp: number;
  storeTimestamp: number;
  receivedAt: number;
  properties: Record<string, string>;
}

/** Levels 1-3 are 1 s, 2 s and 3 s on both brokers, so a delay test takes seconds. */
const DELAY_LEVELS = '1s 2s 3s 4s 5s 6s 7s 8s 9s 10s 20s 30s 1m 2m 3m 4m 5m 10m';
const LEVEL_MS = [0, 1_000, 2_000, 3_000];
/** Born and receive times come from the client's clock, the delay from the broker's. */
const EARLY_TOLERANCE_MS = 50;
const LATE_TOLERANCE_MS = 3_000;

describe.each(compatTargets())('Java delay levels and filters on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  useJavaSuite(kind, { properties: { messageDelayLevel: DELAY_LEVELS } }, (started, runner) => {
    target = started;
    java = runner;
  });

  async function send(topic: string, messages: MessageSpec[]): Promise<SendResult[]> {
    const { sent } = await java.run<{ sent: SendResult[] }>('send-messages', {
      topic,
      group: `${topic}-producer`,
      messages,
    });
    expect(sent.map((result) => result.status)).toEqual(messages.map(() => 'SEND_OK'));
    return sent;
  }

  /** What a new push consumer group subscribed with `expression` gets of `topic`. */
  async function consume(
    topic: string,
    type: 'SQL92' | 'TAG',
    expression: string,
    count: number,
  ): Promise<Received[]> {
    const { messages } = await java.run<{ messages: Received[] }>(
      'filter-consume',
      {
        topic,
        group: `${topic}-consumer`,
        type,
        expression,
        count,
        timeoutMs: 40_000,
        settleMs: 2_000,
      },
      60_000,
    );
    return messages;
  }

  it('delivers levels 1-3 no earlier than their delay, to the original topic and queue', async () => {
    const topic = 'JavaDelayLevels';
    const messages: MessageSpec[] = [];
    for (const level of [0, 1, 2, 3, 3, 2, 1])
      messages.push({
        keys: `delay-${messages.length}`,
        body: `level-${level}-${messages.length}`,
        tags: 'Delayed',
        properties: { level: String(level) },
        ...(level > 0 ? { delayLevel: level } : {}),
      });
    const sent = await send(topic, messages);
    const { messages: stored } = await java.run<{ messages: Received[] }>(
      'fetch-all',
      {
        topic,
        group: 'java-delay-reader',
        count: messages.length,
        timeoutMs: 20_000,
        settleMs: 500,
      },
      60_000,
    );
    expect(stored.map((message) => message.keys).sort()).toEqual(
      messages.map((spec) => spec.keys).sort(),
    );
    for (const message of stored) {
      const i = Number(message.keys!.slice('delay-'.length));
      const level = messages[i]!.delayLevel ?? 0;
      const delay = LEVEL_MS[level]!;
      expect(message.topic).toBe(topic);
      expect(message.msgId).toBe(sent[i]!.msgId);
      expect(message.queueId).toBe(sent[i]!.queueId);
      expect(message.tags).toBe('Delayed');
      expect(message.properties['level']).toBe(String(level));
      expect(message.properties['CLUSTER']).toBe(target.clusterName);
      expect(message.receivedAt - message.bornTimestamp).toBeGreaterThanOrEqual(
        delay - EARLY_TOLERANCE_MS,
      );
      expect(message.storeTimestamp - message.bornTimestamp).toBeGreaterThanOrEqual(
        delay - EARLY_TOLERANCE_MS,
      );
      expect(message.receivedAt - message.bornTimestamp).toBeLessThan(delay + LATE_TOLERANCE_MS);
      if (level === 0) {
        expect(message.properties).not.toHaveProperty('DELAY');
        expect(message.properties).not.toHaveProperty('REAL_TOPIC');
      } else {
        expect(message.properties['REAL_TOPIC']).toBe(topic);
        expect(message.properties['REAL_QID']).toBe(String(sent[i]!.queueId));
        // Apache keeps DELAY on the delivered copy (it writes the properties before clearing
        // it); ThrustMQ drops it, so a consumer that sends the message on does not delay it again.
        expect(message.properties['DELAY']).toBe(kind === 'apache' ? String(level) : undefined);
        // Likewise Apache keeps the sender's WAIT; ThrustMQ stores the copy with WAIT=false, the
        // flag it delivered it with (a due message does not wait for a flush).
        expect(message.properties['WAIT']).toBe(kind === 'apache' ? 'true' : 'false');
      }
    }
  }, 90_000);

  it('filters with SQL92: only a > 5 AND b = x arrives, and all of it', async () => {
    const topic = 'JavaFilterSql';
    const messages: MessageSpec[] = [];
    for (let i = 0; i < 24; i++) {
      const properties: Record<string, string> = {};
      if (i % 6 !== 5) properties['a'] = String(i % 10);
      if (i % 4 !== 3) properties['b'] = i % 2 === 0 ? 'x' : 'y';
      messages.push({ keys: `sql-${i}`, body: `sql-${i}`, tags: 'TagA', properties });
    }
    const wanted = messages.filter(
      (spec) => Number(spec.properties!['a'] ?? Number.NaN) > 5 && spec.properties!['b'] === 'x',
    );
    expect(wanted.length).toBeGreaterThan(2);
    await send(topic, messages);
    const received = await consume(topic, 'SQL92', "a > 5 AND b = 'x'", wanted.length);
    expect(received.map((message) => message.body).sort()).toEqual(
      wanted.map((spec) => spec.body).sort(),
    );
    for (const message of received) expect(message.topic).toBe(topic);
  }, 90_000);

  it('filters with SQL92 on TAGS and a BETWEEN range', async () => {
    const topic = 'JavaFilterSqlTags';
    const tags = ['TagA', 'TagB', undefined];
    const messages: MessageSpec[] = Array.from({ length: 18 }, (_, i) => ({
      body: `sqltags-${i}`,
      ...(tags[i % 3] ? { tags: tags[i % 3] } : {}),
      properties: { n: String(i) },
    }));
    const wanted = messages.filter((spec, i) => spec.tags === 'TagA' && i >= 3 && i <= 12);
    await send(topic, messages);
    const received = await consume(
      topic,
      'SQL92',
      "TAGS = 'TagA' AND n BETWEEN 3 AND 12",
      wanted.length,
    );
    expect(received.map((message) => message.body).sort()).toEqual(
      wanted.map((spec) => spec.body).sort(),
    );
  }, 90_000);

  it('filters with a tag expression: only TagA || TagB arrives, and all of it', async () => {
    const topic = 'JavaFilterTags';
    const tags = ['TagA', 'TagB', 'TagC', undefined, 'TagAB'];
    const messages: MessageSpec[] = Array.from({ length: 25 }, (_, i) => ({
      body: `tags-${i}`,
      ...(tags[i % 5] ? { tags: tags[i % 5] } : {}),
    }));
    const wanted = messages.filter((spec) => spec.tags === 'TagA' || spec.tags === 'TagB');
    await send(topic, messages);
    const received = await consume(topic, 'TAG', 'TagA || TagB', wanted.length);
    expect(received.map((message) => message.body).sort()).toEqual(
      wanted.map((spec) => spec.body).sort(),
    );
    for (const message of received) expect(['TagA', 'TagB']).toContain(message.tags);
  }, 90_000);
});
