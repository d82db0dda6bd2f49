/**
 * The protocol fuzz run: a real name server and broker (child processes), seeded hostile frames
 * (fuzz-frames.ts) to both ports in batches, and after every batch the checks that matter:
 * both processes alive, a real send and pull round trip, a route lookup, RSS and open fds
 * (from /proc) within bounds, and queueShards.json not growing. Connections that carry only
 * well-formed frames must get an answer for each one (except pulls, which may be held).
 *
 * On a failure the batch's frames are written to a file (length-prefixed, with the port they
 * went to) and the error names the seed and that file, so the frame becomes a regression test.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BROKER_REQUEST_SCHEMAS } from '../../src/broker/validation/broker-request-schemas.ts';
import { NAMESRV_REQUEST_SCHEMAS } from '../../src/namesrv/namesrv-request-schemas.ts';
import { decodeCommand, FrameDecoder } from '../../src/remoting/frame-codec.ts';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '../../src/remoting/index.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { createTopicRequest, pullQueue, sendMessageRequest } from '../harness/broker-requests.ts';
import { startNameServerProcess } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';
import type { FuzzFrame } from './fuzz-frames.ts';
import { FrameFuzzer } from './fuzz-frames.ts';

export const FUZZ_TOPIC = 'FuzzKnown';
/**
 * The checks' own topic, which no fuzzed frame names: an UPDATE_AND_CREATE_TOPIC or
 * DELETE_TOPIC_IN_BROKER with valid fields is a legitimate request and may change FUZZ_TOPIC.
 */
const ROUND_TRIP_TOPIC = 'FuzzRoundTrip';
const FUZZ_QUEUES = 4;
/** Frames on one connection before the next; a breaking frame ends one early. */
const FRAMES_PER_CONNECTION = 100;
const ANSWER_DEADLINE_MS = 20_000;
const CLOSE_DEADLINE_MS = 5_000;
const MIB = 1024 * 1024;

export interface FuzzOptions {
  seed: number;
  /** Frames sent to each of the two ports. */
  framesPerPort: number;
  /** Frames per port between two checks. */
  batchFrames?: number;
  /** Connections open at once per port; default 4. */
  connections?: number;
  /** RSS may grow this far over the baseline taken after warm-up; default 768 MiB. */
  rssHeadroomBytes?: number;
  /** Open fds may grow this far over the baseline; default 256. */
  fdHeadroom?: number;
  log?: (line: string) => void;
  /** Where a failing batch is written; default the OS temp dir. */
  reportDir?: string;
}

export interface ProcessFigures {
  baselineRssBytes: number;
  peakRssBytes: number;
  baselineFds: number;
  peakFds: number;
}

export interface FuzzReport {
  seed: number;
  framesPerPort: number;
  framesSent: number;
  answers: number;
  connections: number;
  roundTrips: number;
  crashes: number;
  durationMs: number;
  broker: ProcessFigures;
  namesrv: ProcessFigures;
}

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** VmRSS in bytes and the count of open fds of a live process, from /proc. */
export function processFigures(pid: number): { rssBytes: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return { rssBytes: rssKiB * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface ConnectionResult {
  answers: number;
  lost: number[];
  undecodable: number;
}

/**
 * Sends `frames` on one connection. With no breaking frame, waits for an answer to each frame
 * that asks for one (pulls excepted); with one (always the last), half-closes and waits for
 * the server to close.
 */
function sendOnConnection(port: number, frames: FuzzFrame[]): Promise<ConnectionResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const decoder = new FrameDecoder(64 * MIB);
    const breaks = frames.some((frame) => frame.breaks);
    const waiting = new Set<number>();
    const result: ConnectionResult = { answers: 0, lost: [], undecodable: 0 };
    if (!breaks) {
      for (const frame of frames) {
        if (!frame.answered || frame.code === RequestCode.PULL_MESSAGE) continue;
        waiting.add(frame.bytes.readInt32BE(0) > 0 ? opaqueOf(frame) : -1);
      }
      waiting.delete(-1);
    }
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      result.lost = [...waiting];
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(finish, breaks ? CLOSE_DEADLINE_MS : ANSWER_DEADLINE_MS);
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      let decoded: Buffer[];
      try {
        decoded = decoder.push(chunk);
      } catch {
        result.undecodable++;
        finish();
        return;
      }
      for (const bytes of decoded) {
        try {
          const command = decodeCommand(bytes);
          result.answers++;
          waiting.delete(command.opaque);
        } catch {
          result.undecodable++;
        }
      }
      if (!breaks && waiting.size === 0) finish();
    });
    socket.once('connect', () => {
      for (const frame of frames) socket.write(frame.bytes);
      if (breaks) socket.end();
      else if (waiting.size === 0) setTimeout(finish, 200);
    });
  });
}

/** The opaque of a frame this fuzzer encoded (JSON or binary header). */
function opaqueOf(frame: FuzzFrame): number {
  const bytes = frame.bytes;
  const type = bytes[4]!;
  if (type === 1) return bytes.readInt32BE(8 + 2 + 1 + 2); // code(2) language(1) version(2)
  const header = bytes.toString('utf8', 8, 8 + (bytes.readUInt32BE(4) & 0xffffff));
  return Number(/"opaque":(-?\d+)/.exec(header)?.[1] ?? -1);
}

/** Splits a batch into connections: each ends at a breaking frame or after 100 frames. */
function connectionsOf(frames: FuzzFrame[]): FuzzFrame[][] {
  const groups: FuzzFrame[][] = [];
  let current: FuzzFrame[] = [];
  for (const frame of frames) {
    current.push(frame);
    if (frame.breaks || current.length >= FRAMES_PER_CONNECTION) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

async function sendBatch(
  port: number,
  frames: FuzzFrame[],
  parallel: number,
): Promise<{ answers: number; lost: number[]; undecodable: number; connections: number }> {
  const groups = connectionsOf(frames);
  const total = { answers: 0, lost: [] as number[], undecodable: 0, connections: groups.length };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++]!;
      const result = await sendOnConnection(port, group);
      total.answers += result.answers;
      total.undecodable += result.undecodable;
      total.lost.push(...result.lost);
    }
  };
  await Promise.all(Array.from({ length: parallel }, () => worker()));
  return total;
}

function writeBatchReport(
  dir: string,
  seed: number,
  batch: number,
  sent: Array<{ port: 'broker' | 'namesrv'; frames: FuzzFrame[] }>,
): string {
  const path = join(dir, `thrustmq-fuzz-${seed}-batch${batch}.bin`);
  const parts: Buffer[] = [];
  for (const { port, frames } of sent) {
    for (const frame of frames) {
      const head = Buffer.alloc(5);
      head[0] = port === 'broker' ? 0 : 1;
      head.writeUInt32BE(frame.bytes.length, 1);
      parts.push(head, frame.bytes);
    }
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** Frames of a batch report, for replaying one in a regression test. */
export function readBatchReport(
  path: string,
): Array<{ port: 'broker' | 'namesrv'; bytes: Buffer }> {
  const data = readFileSync(path);
  const frames: Array<{ port: 'broker' | 'namesrv'; bytes: Buffer }> = [];
  for (let at = 0; at + 5 <= data.length;) {
    const length = data.readUInt32BE(at + 1);
    frames.push({
      port: data[at] === 0 ? 'broker' : 'namesrv',
      bytes: data.subarray(at + 5, at + 5 + length),
    });
    at += 5 + length;
  }
  return frames;
}

export async function runProtocolFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const batchFrames = options.batchFrames ?? 1000;
  const rssHeadroom = options.rssHeadroomBytes ?? 768 * MIB;
  const fdHeadroom = options.fdHeadroom ?? 256;
  const parallel = options.connections ?? 4;
  const started = Date.now();
  const dataDir = brokerDataDir();
  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  let namesrv: NameServerProcess | undefined;
  let broker: BrokerProcess | undefined;
  try {
    namesrv = await startNameServerProcess();
    broker = await startBrokerProcess({ namesrvAddr: namesrv.address, dataDir: dataDir.path });
    for (const topic of [FUZZ_TOPIC, ROUND_TRIP_TOPIC]) {
      const created = await client.invoke(
        broker.address,
        createTopicRequest(topic, FUZZ_QUEUES),
        10_000,
      );
      if (created.code !== ResponseCode.SUCCESS) throw new Error(`topic: ${created.remark}`);
    }
    // The name server's frames use a topic of their own: DELETE_TOPIC_IN_NAMESRV with a
    // valid name is a legitimate request, and must not remove the route the checks look up.
    const brokerFuzzer = new FrameFuzzer(options.seed, {
      schemas: BROKER_REQUEST_SCHEMAS,
      knownTopic: FUZZ_TOPIC,
      knownQueues: FUZZ_QUEUES,
    });
    const namesrvFuzzer = new FrameFuzzer(options.seed ^ 0x9e3779b9, {
      schemas: NAMESRV_REQUEST_SCHEMAS,
      knownTopic: 'FuzzNamesrvTopic',
      knownQueues: FUZZ_QUEUES,
    });

    let roundTrips = 0;
    const roundTrip = async (): Promise<void> => {
      const body = `round-trip-${options.seed}-${roundTrips}`;
      const queueId = roundTrips % FUZZ_QUEUES;
      const sent = await client.invoke(
        broker!.address,
        sendMessageRequest({
          producerGroup: 'FuzzProducer',
          topic: ROUND_TRIP_TOPIC,
          queueId,
          body,
          properties: `UNIQ_KEY\u0001${body}\u0002`,
        }),
        10_000,
      );
      if (sent.code !== ResponseCode.SUCCESS)
        throw new FuzzFailure(`round-trip send answered ${sent.code} ${sent.remark ?? ''}`);
      const offset = Number(sent.extFields?.['queueOffset']);
      const pulled = await pullQueue(
        client,
        broker!.address,
        ROUND_TRIP_TOPIC,
        queueId,
        offset,
        'FuzzRoundTripGroup',
      );
      if (pulled[0]?.body.toString() !== body)
        throw new FuzzFailure(`round-trip pull at ${queueId}@${offset} did not return the message`);
      const route = await client.invoke(
        namesrv!.address,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: ROUND_TRIP_TOPIC }),
        10_000,
      );
      if (route.code !== ResponseCode.SUCCESS)
        throw new FuzzFailure(`route lookup answered ${route.code} ${route.remark ?? ''}`);
      roundTrips++;
    };
    await roundTrip();
    const figures = (pid: number): ProcessFigures => {
      const now = processFigures(pid);
      return {
        baselineRssBytes: now.rssBytes,
        peakRssBytes: now.rssBytes,
        baselineFds: now.fds,
        peakFds: now.fds,
      };
    };
    const brokerFigures = figures(broker.pid);
    const namesrvFigures = figures(namesrv.pid);
    const shardsPath = join(dataDir.path, 'config', 'queueShards.json');
    const shardsBytes = statSync(shardsPath).size;

    let framesSent = 0;
    let answers = 0;
    let connections = 0;
    for (let batch = 0; framesSent < options.framesPerPort; batch++) {
      const batchStarted = Date.now();
      const count = Math.min(batchFrames, options.framesPerPort - framesSent);
      const brokerFrames = Array.from({ length: count }, () => brokerFuzzer.next());
      const namesrvFrames = Array.from({ length: count }, () => namesrvFuzzer.next());
      const fail = (why: string): never => {
        const path = writeBatchReport(options.reportDir ?? tmpdir(), options.seed, batch, [
          { port: 'broker', frames: brokerFrames },
          { port: 'namesrv', frames: namesrvFrames },
        ]);
        throw new FuzzFailure(
          `fuzz seed ${options.seed} (THRUSTMQ_FUZZ_SEED=${options.seed}), batch ${batch}: ${why}; frames in ${path}`,
        );
      };
      const [toBroker, toNamesrv] = await Promise.all([
        sendBatch(broker.port, brokerFrames, parallel),
        sendBatch(namesrv.port, namesrvFrames, parallel),
      ]);
      framesSent += count;
      answers += toBroker.answers + toNamesrv.answers;
      connections += toBroker.connections + toNamesrv.connections;
      for (const [name, proc] of [
        ['broker', broker],
        ['name server', namesrv],
      ] as const) {
        if (!alive(proc.pid))
          fail(`the ${name} died; its output ends:\n${proc.output().slice(-4000)}`);
      }
      if (toBroker.lost.length > 0 || toNamesrv.lost.length > 0)
        fail(
          `requests got no answer: broker opaques ${toBroker.lost.slice(0, 10).join(',')}, name server opaques ${toNamesrv.lost.slice(0, 10).join(',')}`,
        );
      if (toBroker.undecodable + toNamesrv.undecodable > 0) fail('a response could not be decoded');
      try {
        await roundTrip();
      } catch (error) {
        fail(`round trip failed: ${(error as Error).message}`);
      }
      for (const [name, proc, seen] of [
        ['broker', broker, brokerFigures],
        ['name server', namesrv, namesrvFigures],
      ] as const) {
        const now = processFigures(proc.pid);
        seen.peakRssBytes = Math.max(seen.peakRssBytes, now.rssBytes);
        seen.peakFds = Math.max(seen.peakFds, now.fds);
        if (now.rssBytes > seen.baselineRssBytes + rssHeadroom)
          fail(
            `the ${name}'s RSS is ${Math.round(now.rssBytes / MIB)} MiB, baseline ${Math.round(seen.baselineRssBytes / MIB)} MiB`,
          );
        if (now.fds > seen.baselineFds + fdHeadroom)
          fail(`the ${name} holds ${now.fds} fds, baseline ${seen.baselineFds}`);
      }
      const shardsNow = statSync(shardsPath).size;
      if (shardsNow > Math.max(shardsBytes * 4, 64 * 1024))
        fail(`queueShards.json grew from ${shardsBytes} to ${shardsNow} bytes`);
      log(
        `batch ${batch}: ${framesSent}/${options.framesPerPort} frames per port, ${answers} answers, RSS ${Math.round(processFigures(broker.pid).rssBytes / MIB)}/${Math.round(processFigures(namesrv.pid).rssBytes / MIB)} MiB, fds ${brokerFigures.peakFds}/${namesrvFigures.peakFds} (broker/name server), batch ${((Date.now() - batchStarted) / 1000).toFixed(1)} s`,
      );
    }
    return {
      seed: options.seed,
      framesPerPort: framesSent,
      framesSent: framesSent * 2,
      answers,
      connections,
      roundTrips,
      crashes: 0,
      durationMs: Date.now() - started,
      broker: brokerFigures,
      namesrv: namesrvFigures,
    };
  } finally {
    await client.close();
    await Promise.all([broker?.stop(), namesrv?.stop()]);
    dataDir.remove();
  }
}
