/**
 * The benchmark's second shape: Apache's Java client (rocketmq-client 4.9.8, test/compat/java)
 * drives a broker instead of ThrustMQ's load client, so neither broker is judged only through
 * our client. One JVM per case runs the BenchSend scenario (warm-up, windowed async sends, then
 * one-at-a-time sends) and BenchConsume (the backlog drained with pipelined async pulls).
 */
import { startJavaRunner } from '../compat/java-runner.ts';
import { awaitStored } from './bench-broker.ts';
import { threadCpu } from './bench-processes.ts';
import type { FlushDiskType } from './bench-report.ts';
import type { BrokerKind, CaseBroker } from './bench-targets.ts';
import type { ResidentMemory } from './bench-memory.ts';

export interface JavaSendResult {
  count: number;
  seconds: number;
  msgsPerSec: number;
  /** Ack latencies of the windowed async sends (queueing included). */
  ackP50Ms: number;
  ackP90Ms: number;
  ackP99Ms: number;
  ackMaxMs: number;
  /** Ack latencies of the one-at-a-time sends. */
  syncCount: number;
  syncAckP50Ms: number;
  syncAckP90Ms: number;
  syncAckP99Ms: number;
  syncAckMaxMs: number;
  perQueue: number[];
}

export interface JavaConsumeResult {
  messages: number;
  pulls: number;
  seconds: number;
  msgsPerSec: number;
}

/** One Java-client case of one run. */
export interface JavaCaseRun {
  broker: BrokerKind;
  flushDiskType: FlushDiskType;
  send: JavaSendResult;
  consume: JavaConsumeResult;
  /** Every broker thread's CPU over the send scenario, per message it sent. */
  brokerCpuUsPerMsg: number;
  memory: ResidentMemory | undefined;
}

export interface JavaCaseSettings {
  topic: string;
  queues: number;
  warmup: number;
  count: number;
  window: number;
  bodyBytes: number;
  syncCount: number;
  timeoutMs: number;
}

/** Runs both scenarios against broker; the caller reads memory and stops the broker. */
export async function runJavaCase(
  broker: CaseBroker,
  settings: JavaCaseSettings,
): Promise<{ send: JavaSendResult; consume: JavaConsumeResult; brokerCpuUsPerMsg: number }> {
  const runner = await startJavaRunner({ namesrvAddr: broker.namesrvAddr });
  try {
    const cpu0 = threadCpu(broker.pid);
    const send = await runner.run<JavaSendResult>(
      'bench-send',
      {
        topic: settings.topic,
        group: 'bench_java_producer',
        queues: settings.queues,
        warmup: settings.warmup,
        count: settings.count,
        window: settings.window,
        bodyBytes: settings.bodyBytes,
        syncCount: settings.syncCount,
      },
      settings.timeoutMs,
    );
    const cpu1 = threadCpu(broker.pid);
    const expected = send.perQueue.reduce((sum, n) => sum + n, 0);
    const cpuSeconds = cpu1.main + cpu1.others - cpu0.main - cpu0.others;
    await awaitStored(`${broker.host}:${broker.port}`, settings.topic, send.perQueue, 30_000);
    const consume = await runner.run<JavaConsumeResult>(
      'bench-consume',
      {
        topic: settings.topic,
        group: 'bench_java_consumer',
        depth: 4,
        maxNums: 32,
        expected,
        timeoutMs: settings.timeoutMs,
      },
      settings.timeoutMs + 30_000,
    );
    if (consume.messages !== expected)
      throw new Error(`Java client consumed ${consume.messages} messages, sent ${expected}`);
    return { send, consume, brokerCpuUsPerMsg: (cpuSeconds * 1e6) / expected };
  } catch (error) {
    throw new Error(`${(error as Error).message}\nJava client log:\n${runner.log().slice(-4000)}`);
  } finally {
    await runner.stop();
  }
}
