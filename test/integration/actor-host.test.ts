import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRecord } from '../../native-free-store/index.ts';
import { ActorHost, SHARD_OFFSET_BASE } from '../../src/broker/actor/actor-host.ts';
import type { PullResult } from '../../src/broker/actor/pull-result-record.ts';
import type { SendAck } from '../../src/broker/actor/send-ack-record.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startHost(
  threads: number,
  shards: number,
  flushDiskType: 'ASYNC_FLUSH' | 'SYNC_FLUSH' = 'ASYNC_FLUSH',
  logger = pino({ level: 'silent' }),
  logLevel = 'warn',
) {
  const dir = makeTempDir('actors');
  cleanups.push(dir.remove);
  const host = await ActorHost.start({
    threads,
    shards,
    logger,
    logLevel,
    ringBytes: 1 << 20,
    storeOptionsFor: (shard) => {
      return {
        directory: `${dir.path}/shard-${shard}`,
        segmentSizeBytes: 8 << 20,
        flushDiskType,
        recordOffsetBase: shard * SHARD_OFFSET_BASE,
      };
    },
  });
  cleanups.push(() => host.close());
  return host;
}

function send(host: ActorHost, shard: number, queueId: number, body: string): Promise<SendAck> {
  return new Promise((resolve, reject) => {
    const accepted = host.send(
      {
        shard,
        topic: 'TopicTest',
        queueId,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: [127, 0, 0, 1],
        bornPort: 5555,
        reconsumeTimes: 0,
        waitDurable: true,
        messages: [{ flag: 0, properties: 'TAGS\u0001A', body: Buffer.from(body) }],
      },
      resolve,
    );
    if (!accepted) reject(new Error('refused'));
  });
}

function pull(
  host: ActorHost,
  shard: number,
  queueId: number,
  queueOffset: number,
): Promise<PullResult> {
  return new Promise((resolve) => {
    host.pull(
      {
        shard,
        topic: 'TopicTest',
        queueId,
        queueOffset,
        maxMessages: 32,
        maxBytes: 256 << 10,
        tagCodes: [],
      },
      resolve,
    );
  });
}

describe('actor host - queue actors on worker threads', () => {
  it('appends through the ring and pulls the stored records back, per shard', async () => {
    const host = await startHost(2, 3);
    const acks = await Promise.all(
      Array.from({ length: 300 }, (_, i) => send(host, i % 3, i % 3, `message-${i}`)),
    );
    for (const [i, ack] of acks.entries()) {
      expect(ack.status).toBe(0);
      expect(Math.floor(ack.physicalOffsets[0]! / SHARD_OFFSET_BASE)).toBe(i % 3);
      expect(ack.firstQueueOffset).toBe(Math.floor(i / 3));
    }
    const result = await pull(host, 1, 1, 0);
    expect(result.status).toBe('FOUND');
    expect(result.messageCount).toBe(32);
    expect(result.maxOffset).toBe(100);
    const first = checkRecord(result.data!, 0, result.data!.length, true);
    expect(first.kind).toBe('message');
    if (first.kind === 'message') {
      expect(first.record.physicalOffset).toBe(acks[1]!.physicalOffsets[0]);
      const body = result.data!.subarray(
        first.record.bodyStart,
        first.record.bodyStart + first.record.bodyLength,
      );
      expect(body.toString()).toBe('message-1');
    }
    expect(await host.control(2).getMaxOffset(2, 'TopicTest', 2)).toBe(100);
  });

  it('reports arrivals and answers pulls past the end with OFFSET_OVERFLOW_ONE', async () => {
    const host = await startHost(1, 2, 'SYNC_FLUSH');
    const arrivals: Array<[string, number, number]> = [];
    host.onArrival((topic, queueId, maxOffset) => arrivals.push([topic, queueId, maxOffset]));
    await send(host, 0, 5, 'x');
    expect((await pull(host, 0, 5, 1)).status).toBe('OFFSET_OVERFLOW_ONE');
    expect(arrivals).toContainEqual(['TopicTest', 5, 1]);
  });

  it("relays the actor threads' log lines to the coordinator's logger", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'debug', base: { component: 'broker' } },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const host = await startHost(1, 2, 'ASYNC_FLUSH', logger, 'debug');
    const opened = (): Record<string, unknown> | undefined =>
      lines.find((l) => l['msg'] === 'store opened' && l['shard'] === 1);
    const deadline = Date.now() + 5000;
    while (!opened() && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // One JSON object per line, the coordinator's fields first, the thread's added.
    expect(opened()).toMatchObject({ level: 30, component: 'broker', actor: 0, crashed: false });
    expect(host.reports.map((r) => r.shard).sort()).toEqual([0, 1]);
  });
});
