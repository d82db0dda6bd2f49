/** The cases of store-bench.ts, each run in a child process of its own. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { openStore } from '../index.ts';
import type { MessageInput, MessageStore } from '../index.ts';

export type CaseName = 'append' | 'raw' | 'sync' | 'append10x';

export interface CaseResult {
  appendMsgsPerSec: number;
  appendMBps: number;
  rawMBps: number;
  readMsgsPerSec: number;
  peakRssMB: number;
  flushesPerSec?: number;
}

const QUEUES = 16;
const BATCH = 256;
const TOPIC = 'BenchTopic';

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A producer-like message: UNIQ_KEY, TAGS and WAIT as RocketMQ clients send them. */
function makeMessages(count: number, body: Buffer, sequence: number): MessageInput[] {
  const batch: MessageInput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = sequence + i;
    batch[i] = {
      topic: TOPIC,
      queueId: n % QUEUES,
      body,
      properties: `UNIQ_KEY\u00017F0000010001${n.toString(16).toUpperCase().padStart(20, '0')}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
      bornTimestamp: 1_700_000_000_000,
      bornHost: { address: '127.0.0.1', port: 40000 },
    };
  }
  return batch;
}

function readAll(store: MessageStore): number {
  let messages = 0;
  for (let queueId = 0; queueId < QUEUES; queueId++) {
    let offset = 0;
    const max = store.getMaxOffset(TOPIC, queueId);
    while (offset < max) {
      const read = store.getMessages({
        topic: TOPIC,
        queueId,
        queueOffset: offset,
        maxMessages: 32,
      });
      if (read.messageCount === 0)
        throw new Error(`read stalled at queue ${queueId} offset ${offset}: ${read.status}`);
      messages += read.messageCount;
      offset = read.nextQueueOffset;
    }
  }
  return messages;
}

async function appendCase(
  count: number,
  bodyBytes: number,
  directory: string,
): Promise<CaseResult> {
  const store = await openStore({ directory, flushDiskType: 'ASYNC_FLUSH' });
  const body = Buffer.alloc(bodyBytes, 0x61);
  let bytes = 0;
  // Only the store's work is timed: building the producer's message objects is not part of it.
  let appendMs = 0;
  for (let sent = 0; sent < count; sent += BATCH) {
    const batch = makeMessages(Math.min(BATCH, count - sent), body, sent);
    const started = performance.now();
    const result = store.appendBatch(batch);
    appendMs += performance.now() - started;
    for (let i = 0; i < result.count; i++) bytes += result.sizes[i]!;
  }
  const started = performance.now();
  store.writePending();
  const appendSeconds = (appendMs + performance.now() - started) / 1000;
  const readStarted = performance.now();
  const read = readAll(store);
  const readSeconds = (performance.now() - readStarted) / 1000;
  if (read !== count) throw new Error(`read ${read} of ${count} messages`);
  await store.close();
  return {
    appendMsgsPerSec: count / appendSeconds,
    appendMBps: bytes / 1e6 / appendSeconds,
    rawMBps: 0,
    readMsgsPerSec: count / readSeconds,
    peakRssMB: peakRssMB(),
  };
}

/**
 * The bytes the append case wrote (same total, same record size), written the way the store
 * writes them, in chunks of its write buffer, with plain sequential writeSync.
 */
async function rawCase(count: number, directory: string): Promise<CaseResult> {
  const store = await openStore({ directory: `${directory}/encode` });
  const sample = store.appendBatch(makeMessages(BATCH, Buffer.alloc(1024, 0x61), 0));
  const chunkBytes = store.options.writeBufferBytes;
  await store.close();
  const totalBytes = (sample.endPhysicalOffset / BATCH) * count;
  const chunk = Buffer.alloc(chunkBytes, 0x62);
  const fd = openSync(`${directory}/raw`, 'w');
  const started = performance.now();
  let bytes = 0;
  while (bytes < totalBytes)
    bytes += writeSync(fd, chunk, 0, Math.min(chunkBytes, totalBytes - bytes));
  const seconds = (performance.now() - started) / 1000;
  closeSync(fd);
  return {
    appendMsgsPerSec: count / seconds,
    appendMBps: 0,
    rawMBps: bytes / 1e6 / seconds,
    readMsgsPerSec: 0,
    peakRssMB: peakRssMB(),
  };
}

async function syncCase(count: number, directory: string): Promise<CaseResult> {
  const store = await openStore({ directory, flushDiskType: 'SYNC_FLUSH' });
  const body = Buffer.alloc(1024, 0x61);
  const appenders = 1000;
  let next = 0;
  const flushesBefore = store.stats().flushCount;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (next < count) await store.append(makeMessages(1, body, next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const flushes = store.stats().flushCount - flushesBefore;
  await store.close();
  return {
    appendMsgsPerSec: next / seconds,
    appendMBps: 0,
    rawMBps: 0,
    readMsgsPerSec: 0,
    peakRssMB: peakRssMB(),
    flushesPerSec: flushes / seconds,
  };
}

export function runCase(name: CaseName, count: number, directory: string): Promise<CaseResult> {
  switch (name) {
    case 'append':
      return appendCase(count, 1024, directory);
    case 'append10x':
      return appendCase(count, 100, directory);
    case 'raw':
      return rawCase(count, directory);
    case 'sync':
      return syncCase(count, directory);
  }
}
