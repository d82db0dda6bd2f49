/**
 * Apache's Java client (rocketmq-client 4.9.8) against ThrustMQ and against Apache RocketMQ:
 * request-reply (producer.request answered by MessageUtil.createReplyMessage, the broker pushing
 * the reply to the requester's connection) and message trace (enableMsgTrace, the records on
 * RMQ_SYS_TRACE_TOPIC found by msgId as mqadmin queryMsgTraceById finds them).
 */
import { describe, expect, it } from 'vitest';
import type { JavaRunner } from './java-runner.ts';
import { useJavaSuite } from './java-suite.ts';
import { compatTargets } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

interface Reply {
  error?: string;
  topic: string;
  body: string;
  properties: Record<string, string>;
}

interface RequestRun {
  replies: Reply[];
  replySendStatus: string[];
  unanswerable: unknown[];
  notRequests: Reply[];
}

interface Trace {
  type: string;
  groupName: string;
  success: boolean;
  topic: string;
  msgId: string;
  tags: string;
  keys: string;
  traceKeys: string;
  storeHost: string;
}

interface TraceRun {
  sent: Array<{ status: string; msgId: string }>;
  consumed: string[];
  byQuery: Record<string, Trace[]>;
  byTopic: Record<string, Trace[]>;
}

/** Both brokers make the trace topic at startup with this (Apache's default is false). */
const PROPERTIES = { traceTopicEnable: 'true' };

describe.each(compatTargets())('Java request-reply and message trace on %s', (kind) => {
  let target: BrokerTarget;
  let java: JavaRunner;

  useJavaSuite(kind, { properties: PROPERTIES }, (started, runner) => {
    target = started;
    java = runner;
  });

  it('producer.request gets the reply the consumer sends with createReplyMessage', async () => {
    const count = 5;
    const result = await java.run<RequestRun>(
      'request-reply',
      {
        topic: 'JavaRequestReply',
        group: 'java-request-reply',
        producerGroup: 'java-requester',
        count,
        requestTimeoutMs: 20_000,
      },
      90_000,
    );
    expect(result.unanswerable).toEqual([]);
    expect(result.replySendStatus).toEqual(Array.from({ length: count }, () => 'SEND_OK'));
    expect(result.replies.map((reply) => reply.error ?? reply.body)).toEqual(
      Array.from({ length: count }, (_, index) => `reply-request-${index}`),
    );
    for (const reply of result.replies) {
      expect(reply.topic).toBe(`${target.clusterName}_REPLY_TOPIC`);
      expect(reply.properties['MSG_TYPE']).toBe('reply');
      expect(reply.properties['CORRELATION_ID']).toBeTruthy();
      expect(Number(reply.properties['PUSH_REPLY_TIME'])).toBeGreaterThan(0);
    }
    // The broker names its cluster on every message it stores; createReplyMessage needs it.
    expect(result.notRequests.map((message) => message.body)).toEqual(['warmup']);
    expect(result.notRequests[0]!.properties['CLUSTER']).toBe(target.clusterName);
  }, 120_000);

  it('traces of sends and consumes land on RMQ_SYS_TRACE_TOPIC, found by msgId', async () => {
    const count = 4;
    const topic = 'JavaTraced';
    const result = await java.run<TraceRun>(
      'trace-send-consume',
      {
        topic,
        group: 'java-traced-consumer',
        producerGroup: 'java-traced-producer',
        count,
        waitMs: 40_000,
      },
      70_000,
    );
    expect(result.sent.map((sent) => sent.status)).toEqual(
      Array.from({ length: count }, () => 'SEND_OK'),
    );
    const ids = result.sent.map((sent) => sent.msgId);
    expect(new Set(result.consumed)).toEqual(new Set(ids));
    for (const [index, id] of ids.entries()) {
      for (const found of [result.byQuery[id] ?? [], result.byTopic[id] ?? []]) {
        const types = found.map((trace) => trace.type).sort();
        expect(types).toEqual(['Pub', 'SubAfter', 'SubBefore']);
        for (const trace of found) {
          expect(trace.msgId).toBe(id);
          expect(trace.success).toBe(true);
          // The trace message's keys name the traced message, which is what the index finds.
          expect(trace.traceKeys.split(' ')).toContain(id);
        }
        // Only the send's record names the topic and where the message was stored.
        const pub = found.find((trace) => trace.type === 'Pub')!;
        expect(pub.topic).toBe(topic);
        expect(pub.storeHost).toBe(target.brokerAddr);
        expect(pub.groupName).toBe('java-traced-producer');
        expect(pub.tags).toBe('TagA');
        expect(pub.keys).toBe(`trace-key-${index}`);
        for (const trace of found.filter((trace) => trace.type !== 'Pub'))
          expect(trace.groupName).toBe('java-traced-consumer');
      }
    }
  }, 120_000);
});
