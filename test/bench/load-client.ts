/**
 * The broker benchmark's load client, run as a child process of its own:
 *
 *   node --import tsx test/bench/load-client.ts '<json options>'
 *
 * mode "send": one connection, `window` SEND_MESSAGE_V2 frames in flight (each pre-encoded once
 * per slot; only its UNIQ_KEY counter changes), `warmup` messages first, then `count` measured
 * ones with one ack latency each. The same client drives the TCP echo baseline (checkCodes off).
 * mode "pull": drains every queue with `depth` pipelined PULL_MESSAGE calls per queue and counts
 * the stored records in the bodies.
 *
 * Prints one JSON line (SendResult or PullResult) and exits 0; exits 1 with a message on stderr
 * on any error, a non-success response, or the deadline.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import {
  countStoredRecords,
  frameCode,
  frameHeader,
  frameOpaque,
  FrameSplitter,
  headerEnd,
  pullFrame,
  sendFrame,
  uniqCounterOffset,
  writeHexCounter,
} from './bench-frames.ts';

export interface SendOptions {
  mode: 'send';
  host: string;
  port: number;
  topic: string;
  queues: number;
  warmup: number;
  count: number;
  window: number;
  bodyBytes: number;
  timeoutMs: number;
  /** Off for the echo baseline, whose "acks" are the request frames. */
  checkCodes: boolean;
  /** Extra properties per frame slot, cycled (slot i gets entry i % length): delays, timers. */
  extraProperties?: string[];
}

export interface SendResult {
  /** Measured messages (warm-up excluded). */
  count: number;
  seconds: number;
  msgsPerSec: number;
  ackP50Ms: number;
  ackP90Ms: number;
  ackP99Ms: number;
  ackMaxMs: number;
  /** Warm-up and measured messages, first send to last ack. */
  totalSeconds: number;
  /** Messages sent to each queue, warm-up included. */
  perQueue: number[];
  /** CPU of this process while measuring, % of one core. */
  clientCpuPct: number;
  /** CPU seconds of this process from the first send to the last ack. */
  clientCpuSeconds: number;
}

export interface PullOptions {
  mode: 'pull';
  host: string;
  port: number;
  topic: string;
  consumerGroup: string;
  /** Messages in each queue, from offset 0. */
  perQueue: number[];
  depth: number;
  maxMsgNums: number;
  timeoutMs: number;
}

export interface PullResult {
  messages: number;
  pulls: number;
  seconds: number;
  msgsPerSec: number;
  clientCpuPct: number;
}

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function cpuSeconds(startCpu: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(startCpu);
  return (used.user + used.system) / 1e6;
}

function cpuPct(startCpu: NodeJS.CpuUsage, seconds: number): number {
  return seconds > 0 ? (100 * cpuSeconds(startCpu)) / seconds : 0;
}

function runSend(options: SendOptions, socket: Socket): Promise<SendResult> {
  const { window, warmup, count, queues } = options;
  const total = warmup + count;
  const slots = window * 2;
  const body = Buffer.alloc(options.bodyBytes, 0x61);
  const frames: Buffer[] = [];
  const uniqAt: number[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const frame = sendFrame({
      topic: options.topic,
      queueId: slot % queues,
      opaque: slot + 1,
      body,
      extraProperties: options.extraProperties?.[slot % options.extraProperties.length],
    });
    frames.push(frame);
    uniqAt.push(uniqCounterOffset(frame));
  }
  const free: number[] = [];
  for (let slot = slots - 1; slot >= 0; slot--) free.push(slot);
  const sentAt = new Float64Array(slots);
  const sequenceOf = new Int32Array(slots).fill(-1);
  const latencies = new Float64Array(count);
  const perQueue: number[] = new Array<number>(queues).fill(0);
  const splitter = new FrameSplitter();
  let issued = 0;
  let acked = 0;
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  let measuredFrom = 0;
  let cpuFrom = process.cpuUsage();

  return new Promise<SendResult>((resolve, reject) => {
    const issue = (): void => {
      const now = performance.now();
      const batch: Buffer[] = [];
      while (issued - acked < window && issued < total) {
        const slot = free.pop()!;
        writeHexCounter(frames[slot]!, uniqAt[slot]!, issued);
        sentAt[slot] = now;
        sequenceOf[slot] = issued;
        perQueue[slot % queues]!++;
        batch.push(frames[slot]!);
        issued++;
      }
      if (batch.length === 1) socket.write(batch[0]!);
      else if (batch.length > 1) socket.write(Buffer.concat(batch));
    };
    const onFrame = (buffer: Buffer, start: number): void => {
      const opaque = frameOpaque(buffer, start);
      const slot = opaque - 1;
      if (slot < 0 || slot >= slots || sequenceOf[slot]! < 0)
        throw new Error(`response with unknown opaque ${opaque}`);
      if (options.checkCodes) {
        const code = frameCode(buffer, start);
        if (code !== 0) {
          const header = frameHeader(buffer, start);
          throw new Error(`send answered code ${code}: ${String(header['remark'])}`);
        }
      }
      const sequence = sequenceOf[slot]!;
      if (sequence >= warmup) latencies[sequence - warmup] = now - sentAt[slot]!;
      sequenceOf[slot] = -1;
      free.push(slot);
      acked++;
      if (acked === warmup) {
        measuredFrom = performance.now();
        cpuFrom = process.cpuUsage();
      }
    };
    let now = 0;
    socket.on('data', (chunk: Buffer) => {
      now = performance.now();
      try {
        splitter.push(chunk, onFrame);
      } catch (error) {
        reject(error as Error);
        return;
      }
      if (acked === total) {
        const seconds = (performance.now() - measuredFrom) / 1000;
        latencies.sort();
        resolve({
          count,
          seconds,
          msgsPerSec: count / seconds,
          ackP50Ms: percentile(latencies, 50),
          ackP90Ms: percentile(latencies, 90),
          ackP99Ms: percentile(latencies, 99),
          ackMaxMs: latencies[latencies.length - 1] ?? 0,
          totalSeconds: (performance.now() - startedAt) / 1000,
          perQueue,
          clientCpuPct: cpuPct(cpuFrom, seconds),
          clientCpuSeconds: cpuSeconds(cpuAtStart),
        });
        return;
      }
      issue();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${acked} acks`)));
    if (warmup === 0) measuredFrom = performance.now();
    issue();
  });
}

interface PullCall {
  queueId: number;
  offset: number;
  max: number;
}

function runPull(options: PullOptions, socket: Socket): Promise<PullResult> {
  const { perQueue, depth, maxMsgNums } = options;
  const expected = perQueue.reduce((sum, n) => sum + n, 0);
  const nextOffset: number[] = perQueue.map(() => 0);
  const inflight: number[] = perQueue.map(() => 0);
  const calls = new Map<number, PullCall>();
  const splitter = new FrameSplitter();
  let opaque = 1;
  let messages = 0;
  let pulls = 0;
  const started = performance.now();
  const cpuFrom = process.cpuUsage();

  return new Promise<PullResult>((resolve, reject) => {
    const batch: Buffer[] = [];
    const request = (queueId: number, offset: number, max: number): void => {
      const call: PullCall = { queueId, offset, max };
      calls.set(opaque, call);
      inflight[queueId]!++;
      pulls++;
      batch.push(
        pullFrame({
          topic: options.topic,
          consumerGroup: options.consumerGroup,
          queueId,
          queueOffset: offset,
          maxMsgNums: max,
          opaque: opaque++,
        }),
      );
    };
    const refill = (): void => {
      for (let queueId = 0; queueId < perQueue.length; queueId++) {
        while (inflight[queueId]! < depth && nextOffset[queueId]! < perQueue[queueId]!) {
          const offset = nextOffset[queueId]!;
          const max = Math.min(maxMsgNums, perQueue[queueId]! - offset);
          nextOffset[queueId] = offset + max;
          request(queueId, offset, max);
        }
      }
      if (batch.length > 0) socket.write(Buffer.concat(batch.splice(0)));
    };
    const onFrame = (buffer: Buffer, start: number, end: number): void => {
      const header = frameHeader(buffer, start);
      const call = calls.get(header['opaque'] as number);
      if (call === undefined) throw new Error(`pull response with unknown opaque`);
      calls.delete(header['opaque'] as number);
      inflight[call.queueId]!--;
      if (header['code'] !== 0)
        throw new Error(
          `pull of queue ${call.queueId} at ${call.offset} answered ${String(header['code'])} ${String(header['remark'])}`,
        );
      const n = countStoredRecords(buffer, headerEnd(buffer, start), end);
      const ext = header['extFields'] as Record<string, string>;
      if (Number(ext['nextBeginOffset']) !== call.offset + n)
        throw new Error(
          `queue ${call.queueId}: pull at ${call.offset} returned ${n} records but nextBeginOffset ${ext['nextBeginOffset']}`,
        );
      if (n === 0) throw new Error(`queue ${call.queueId}: empty pull at ${call.offset}`);
      messages += n;
      // Fewer than asked (byte limit): fetch the rest of that range.
      if (n < call.max) request(call.queueId, call.offset + n, call.max - n);
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk, onFrame);
      } catch (error) {
        reject(error as Error);
        return;
      }
      if (messages >= expected && calls.size === 0) {
        const seconds = (performance.now() - started) / 1000;
        resolve({
          messages,
          pulls,
          seconds,
          msgsPerSec: messages / seconds,
          clientCpuPct: cpuPct(cpuFrom, seconds),
        });
        return;
      }
      refill();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${messages} messages`)));
    refill();
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SendOptions | PullOptions;
  const deadline = setTimeout(() => {
    process.stderr.write(`load client: no result within ${options.timeoutMs} ms\n`);
    process.exit(1);
  }, options.timeoutMs);
  const socket = await openSocket(options.host, options.port);
  const result =
    options.mode === 'send' ? await runSend(options, socket) : await runPull(options, socket);
  clearTimeout(deadline);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  socket.destroy();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `load client failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
