/**
 * The seed notes' own check, on ThrustMQ and on Apache RocketMQ: Apache's quickstart Producer
 * and Consumer (rocketmq-example 4.7.0 on the 4.9.8 client) run as tools.sh runs them, each in
 * its own JVM with NAMESRV_ADDR set. The Producer sends 1,000 messages to TopicTest and prints
 * a SendResult for each; the Consumer prints "Receive New Messages" for each it gets and runs
 * until stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JAVA_CLIENT_PROJECT, mavenClasspath } from '../harness/build-compat.ts';
import { spawnTracked } from '../harness/processes.ts';
import type { ThrustmqProcess } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { waitFor } from '../harness/wait-for.ts';
import { compatTargets, startTarget } from './targets.ts';
import type { BrokerTarget } from './targets.ts';

const COUNT = 1000;
const QUICKSTART = 'org.apache.rocketmq.example.quickstart';
const PRODUCER_TIMEOUT_MS = 120_000;

/** `java -cp <the compat classpath> <main>` with the client's logs kept in home. */
function quickstart(main: string, namesrvAddr: string, home: string, ready: RegExp) {
  return spawnTracked(
    'java',
    [
      '-Xms64m',
      '-Xmx256m',
      `-Duser.home=${home}`,
      '-cp',
      mavenClasspath(JAVA_CLIENT_PROJECT),
      `${QUICKSTART}.${main}`,
    ],
    { ready, env: { NAMESRV_ADDR: namesrvAddr }, timeoutMs: 60_000 },
    `quickstart ${main}`,
  );
}

/** The client's message ids (UNIQ_KEY) in the Consumer's "Receive New Messages" lines. */
function receivedIds(output: string): { lines: number; ids: Set<string> } {
  const lines = output.split('\n').filter((line) => line.includes('Receive New Messages'));
  const ids = new Set<string>();
  for (const line of lines)
    for (const match of line.matchAll(/UNIQ_KEY=([0-9A-F]+)/g)) ids.add(match[1]!);
  return { lines: lines.length, ids };
}

describe.each(compatTargets())('Apache quickstart Producer and Consumer on %s', (kind) => {
  let target: BrokerTarget;
  const home = makeTempDir('quickstart');
  let consumer: ThrustmqProcess | undefined;

  beforeAll(async () => {
    target = await startTarget(kind);
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await target?.stop();
    home.remove();
  }, 60_000);

  it('the Producer sends 1,000 SEND_OK and the Consumer receives all 1,000', async () => {
    const producer = await quickstart('Producer', target.namesrvAddr, home.path, /SendResult \[/);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      producer.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Producer still running after ${PRODUCER_TIMEOUT_MS} ms`)),
          PRODUCER_TIMEOUT_MS,
        );
      }),
    ]).finally(() => {
      clearTimeout(timer);
      void producer.stop();
    });
    expect(code).toBe(0);
    const results = [...producer.output().matchAll(/SendResult \[sendStatus=(\w+), msgId=(\w+)/g)];
    expect(results).toHaveLength(COUNT);
    expect(results.filter((result) => result[1] !== 'SEND_OK')).toEqual([]);
    const sent = new Set(results.map((result) => result[2]!));
    expect(sent.size).toBe(COUNT);
    expect(producer.output()).toContain(`topic=TopicTest, brokerName=${target.brokerName}`);

    consumer = await quickstart('Consumer', target.namesrvAddr, home.path, /Consumer Started/);
    const running = consumer;
    await waitFor(
      () => receivedIds(running.output()).ids.size >= COUNT,
      90_000,
      () => {
        const { lines, ids } = receivedIds(running.output());
        return `${ids.size} distinct of ${lines} received lines`;
      },
    );
    const { ids } = receivedIds(running.output());
    expect([...ids].sort()).toEqual([...sent].sort());
    expect(running.output()).toContain("topic='TopicTest'");
    await running.stop();
    consumer = undefined;
  }, 240_000);
});
