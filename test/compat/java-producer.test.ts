/**
 * Apache's Java client (rocketmq-client 4.9.8), its DefaultMQProducer, against ThrustMQ and
 * against Apache RocketMQ with the same scenarios.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner } from './java-runner.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

interface SendResult {
  status: string;
  msgId: string;
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

describe.each(compatTargets())('Java DefaultMQProducer on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  beforeAll(async () => {
    target = await startTarget(kind);
    java = await startJavaRunner({ namesrvAddr: target.namesrvAddr });
  }, 120_000);

  afterAll(async () => {
    await java?.stop();
    await target?.stop();
  }, 60_000);

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
});
