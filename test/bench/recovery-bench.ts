/**
 * Crash-restart benchmark: `npm run bench:recovery [-- --kills N] [--cold] [--json] ...`.
 *
 * Starts a real name server and a real broker (`node dist/bin/thrustmq.js broker`, store in a temp
 * directory, the broker's default segment size and shard count unless told otherwise), sends
 * SEND_MESSAGE_V2 load over one connection, SIGKILLs the broker during that load at a random
 * moment, restarts it on the same directory and times kill → "boot success" line, N times.
 * Baselines in the same run, on the same directory: a clean start (SIGTERM, then start) and the
 * module loading's share (node + the broker's compiled module graph in the main thread and in
 * one worker thread, which every start pays before the store opens). Each start is split by its
 * log lines' times into before the store (loader, threads), the store (first shard's open to
 * the last one's end, from `openMs` of "store recovered"/"store opened") and after it (actor
 * ready, listening, the first name-server registration, to "broker started").
 *
 * --cold drops the page cache (as root: `sync; echo 3 > /proc/sys/vm/drop_caches`) before
 * every restart; the time that takes is not counted.
 *
 * Options: --kills N (20), --clean-starts N (5), --cold, --json, --seed S (1),
 * --segment-bytes B (broker default), --shards N (broker default), --actor-threads N (broker
 * default), --flush SYNC_FLUSH|ASYNC_FLUSH (ASYNC_FLUSH), --load-ms MIN,MAX (300,1500),
 * --body-bytes B (1024), --window N (256), --ready-timeout-ms MS (60000).
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { formatProperties } from '../../src/common/properties.ts';
import { RemotingClient } from '../../src/remoting/index.ts';
import { BROKER_READY } from '../harness/broker-process.ts';
import { createTopicRequest } from '../harness/broker-requests.ts';
import {
  builtBin,
  startNameServerProcess,
  stopAll as stopHarnessProcesses,
} from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { frameCode, frameOpaque, FrameSplitter, sendFrame } from './bench-frames.ts';
import { REPO_ROOT, startServer, stopAllChildren } from './bench-processes.ts';
import type { ServerProcess } from './bench-processes.ts';

const TOPIC = 'RecoveryBenchTopic';
const QUEUES = 8;

interface Args {
  kills: number;
  cleanStarts: number;
  cold: boolean;
  json: boolean;
  seed: number;
  segmentBytes: number | undefined;
  shards: number | undefined;
  actorThreads: number | undefined;
  flush: 'SYNC_FLUSH' | 'ASYNC_FLUSH';
  loadMs: [number, number];
  bodyBytes: number;
  window: number;
  readyTimeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    kills: 20,
    cleanStarts: 5,
    cold: false,
    json: false,
    seed: 1,
    segmentBytes: undefined,
    shards: undefined,
    actorThreads: undefined,
    flush: 'ASYNC_FLUSH',
    loadMs: [300, 1500],
    bodyBytes: 1024,
    window: 256,
    readyTimeoutMs: 60_000,
  };
  const int = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (flag === '--kills') args.kills = int(flag, value(), 1);
    else if (flag === '--clean-starts') args.cleanStarts = int(flag, value(), 0);
    else if (flag === '--cold') args.cold = true;
    else if (flag === '--json') args.json = true;
    else if (flag === '--seed') args.seed = int(flag, value(), 0);
    else if (flag === '--segment-bytes') args.segmentBytes = int(flag, value(), 1);
    else if (flag === '--shards') args.shards = int(flag, value(), 1);
    else if (flag === '--actor-threads') args.actorThreads = int(flag, value(), 1);
    else if (flag === '--body-bytes') args.bodyBytes = int(flag, value(), 1);
    else if (flag === '--window') args.window = int(flag, value(), 1);
    else if (flag === '--ready-timeout-ms') args.readyTimeoutMs = int(flag, value(), 1000);
    else if (flag === '--flush') {
      const v = value();
      if (v !== 'SYNC_FLUSH' && v !== 'ASYNC_FLUSH')
        throw new Error('--flush is SYNC_FLUSH or ASYNC_FLUSH');
      args.flush = v;
    } else if (flag === '--load-ms') {
      const [min, max] = (value() ?? '').split(',').map(Number);
      if (!Number.isInteger(min) || !Number.isInteger(max) || min! < 0 || max! < min!)
        throw new Error('--load-ms needs MIN,MAX in milliseconds');
      args.loadMs = [min!, max!];
    } else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

/** mulberry32: the kill moments repeat for a seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dropPageCache(): void {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length * p) / 100) - 1)]!;
}

interface StoreOpen {
  shard: number;
  /** When the open finished (the log line's time, epoch ms). */
  time: number;
  openMs: number;
  zeroedBytes: number;
  recordsReplayed: number;
}

/** The store's own part of a start, from each shard's open log line. */
function storeOpens(output: string): StoreOpen[] {
  const opens: StoreOpen[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"openMs"')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      opens.push({
        shard: Number(entry['shard']),
        time: Number(entry['time']),
        openMs: Number(entry['openMs']),
        zeroedBytes: Number(entry['zeroedBytes'] ?? 0),
        recordsReplayed: Number(entry['recordsReplayed'] ?? 0),
      });
    } catch {
      // a line cut by the kill
    }
  }
  return opens;
}

/**
 * Where a start's time went, from its log lines' times: before the first shard's open began
 * (node and the module graph in the main thread, then the actor thread's own), the
 * opens (first begin to last end), and after them until "broker started" (actor ready, topic
 * config, listening, the first name-server registration).
 */
interface Phases {
  beforeStoreMs: number;
  storeMs: number;
  afterStoreMs: number;
}

function phasesOf(output: string, spawnedAtEpochMs: number): Phases {
  const opens = storeOpens(output);
  let startedAt = Number.NaN;
  for (const line of output.split('\n')) {
    if (!line.includes('"broker started"')) continue;
    try {
      startedAt = Number((JSON.parse(line) as Record<string, unknown>)['time']);
    } catch {
      // not a log line
    }
  }
  if (opens.length === 0 || Number.isNaN(startedAt))
    return { beforeStoreMs: 0, storeMs: 0, afterStoreMs: 0 };
  const began = Math.min(...opens.map((open) => open.time - open.openMs));
  const ended = Math.max(...opens.map((open) => open.time));
  return {
    beforeStoreMs: began - spawnedAtEpochMs,
    storeMs: ended - began,
    afterStoreMs: startedAt - ended,
  };
}

interface Start {
  server: ServerProcess;
  /** Spawn to the ready line. */
  readyMs: number;
  phases: Phases;
}

async function startBroker(propertiesFile: string, timeoutMs: number): Promise<Start> {
  const started = performance.now();
  const spawnedAt = Date.now();
  const server = await startServer([builtBin(), 'broker', '-c', propertiesFile], {
    ready: BROKER_READY,
    timeoutMs,
    env: { LOG_LEVEL: 'info' },
  });
  const readyMs = performance.now() - started;
  return { server, readyMs, phases: phasesOf(server.output(), spawnedAt) };
}

/** Sends until the connection ends; counts acks with code 0 (SEND_OK) and others. */
class Load {
  acked = 0;
  failed = 0;
  private readonly socket: Socket;
  private readonly done: Promise<void>;

  constructor(host: string, port: number, args: Args) {
    const body = Buffer.alloc(args.bodyBytes, 0x62);
    const frames = Array.from({ length: args.window }, (_, slot) =>
      sendFrame({ topic: TOPIC, queueId: slot % QUEUES, opaque: slot + 1, body }),
    );
    const splitter = new FrameSplitter();
    this.socket = connect({ host, port, noDelay: true });
    this.done = new Promise((resolve) => {
      this.socket.once('connect', () => this.socket.write(Buffer.concat(frames)));
      this.socket.on('data', (chunk: Buffer) => {
        const again: Buffer[] = [];
        try {
          splitter.push(chunk, (buffer, start) => {
            if (frameCode(buffer, start) === 0) this.acked++;
            else this.failed++;
            const slot = frameOpaque(buffer, start) - 1;
            if (slot >= 0 && slot < frames.length) again.push(frames[slot]!);
          });
        } catch {
          this.socket.destroy();
          return;
        }
        if (again.length > 0 && !this.socket.destroyed) this.socket.write(Buffer.concat(again));
      });
      this.socket.on('error', () => undefined);
      this.socket.once('close', () => resolve());
    });
  }

  stop(): Promise<void> {
    this.socket.destroy();
    return this.done;
  }
}

async function createTopic(address: string): Promise<void> {
  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  try {
    const response = await client.invoke(address, createTopicRequest(TOPIC, QUEUES), 10_000);
    if (response.code !== 0) throw new Error(`creating ${TOPIC}: ${response.code}`);
  } finally {
    await client.close();
  }
}

/**
 * What every start pays before the store opens: node and the broker's module graph (the build
 * in dist/), in the main thread and then in one worker thread (actor threads load theirs in
 * parallel with each other, after the main thread).
 */
async function loaderMs(timeoutMs: number): Promise<{ mainMs: number; workerMs: number }> {
  const url = (path: string): string => JSON.stringify(pathToFileURL(join(REPO_ROOT, path)).href);
  // performance.now() counts from the start of the process (or thread), bootstrap included.
  // An ES module, as the probe itself (a worker evaluates its code as its parent's -e input).
  const workerCode = `
    const { parentPort } = await import('node:worker_threads');
    await Promise.all([import(${url('dist/src/broker/actor/queue-actor.js')}), import(${url('dist/native-free-store/index.js')})]);
    parentPort.postMessage(performance.now());
  `;
  const probe = `
    await import(${url('dist/src/cli/main.js')});
    const mainMs = performance.now();
    const { Worker } = await import('node:worker_threads');
    const workerMs = await new Promise((resolve, reject) => {
      const worker = new Worker(${JSON.stringify(workerCode)}, { eval: true });
      worker.once('message', (ms) => { resolve(ms); void worker.terminate(); });
      worker.once('error', reject);
    });
    console.log(JSON.stringify({ mainMs, workerMs }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`loader probe exited ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split('\n').pop()!) as { mainMs: number; workerMs: number };
}

interface Report {
  segmentBytes: string;
  shards: string;
  actorThreads: string;
  flush: string;
  cold: boolean;
  kills: number;
  freshStartMs: number;
  killToReadyP50Ms: number;
  killToReadyMaxMs: number;
  killToReadyMs: number[];
  cleanStartP50Ms: number;
  cleanStartMaxMs: number;
  loaderMainMs: number;
  loaderWorkerMs: number;
  beforeStoreP50Ms: number;
  storeOpenP50Ms: number;
  storeOpenMaxMs: number;
  afterStoreP50Ms: number;
  zeroedBytesMax: number;
  ackedMessages: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.cold && process.getuid?.() !== 0)
    throw new Error('--cold drops the page cache and needs root');
  const next = random(args.seed);
  const namesrv = await startNameServerProcess({ env: { LOG_LEVEL: 'warn' } });
  const dir = makeTempDir('recovery-bench');
  process.on('exit', dir.remove);
  const properties: Record<string, string> = {
    brokerClusterName: 'BenchCluster',
    brokerName: 'recovery-bench',
    listenPort: '0',
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    namesrvAddr: namesrv.address,
    storePathRootDir: dir.path,
    flushDiskType: args.flush,
    metricsPort: '-1',
  };
  if (args.segmentBytes !== undefined)
    properties['mappedFileSizeCommitLog'] = String(args.segmentBytes);
  if (args.shards !== undefined) properties['storeShards'] = String(args.shards);
  if (args.actorThreads !== undefined) properties['actorThreads'] = String(args.actorThreads);
  const file = join(dir.path, 'broker.properties');
  writeFileSync(file, formatProperties(Object.entries(properties)));

  const log = (line: string): void => {
    if (!args.json) process.stdout.write(`${line}\n`);
  };
  let current = await startBroker(file, args.readyTimeoutMs);
  const freshStartMs = current.readyMs;
  log(`fresh start ready in ${freshStartMs.toFixed(0)} ms`);
  await createTopic(`${current.server.match[2]}:${current.server.match[3]}`);

  const killToReady: number[] = [];
  const phases: Phases[] = [];
  let zeroedBytesMax = 0;
  let ackedMessages = 0;
  for (let round = 0; round < args.kills; round++) {
    const host = current.server.match[2]!;
    const port = Number(current.server.match[3]);
    const load = new Load(host, port, args);
    const loadMs = args.loadMs[0] + next() * (args.loadMs[1] - args.loadMs[0]);
    await new Promise((resolve) => setTimeout(resolve, loadMs));
    const killedAt = performance.now();
    process.kill(current.server.pid, 'SIGKILL');
    await current.server.exited;
    const deadMs = performance.now() - killedAt;
    await load.stop();
    ackedMessages += load.acked;
    if (args.cold) dropPageCache();
    current = await startBroker(file, args.readyTimeoutMs);
    const total = deadMs + current.readyMs;
    killToReady.push(total);
    const opens = storeOpens(current.server.output());
    phases.push(current.phases);
    for (const open of opens) zeroedBytesMax = Math.max(zeroedBytesMax, open.zeroedBytes);
    log(
      `kill ${round + 1}: after ${loadMs.toFixed(0)} ms of load (${load.acked} acked), ready in ${total.toFixed(0)} ms (before store ${current.phases.beforeStoreMs}, store ${current.phases.storeMs}, after ${current.phases.afterStoreMs}); shards ${opens.map((o) => `${o.shard}:${o.openMs.toFixed(0)}ms/${o.recordsReplayed}rec/${o.zeroedBytes}B`).join(' ')}`,
    );
  }

  const cleanStarts: number[] = [];
  for (let i = 0; i < args.cleanStarts; i++) {
    await current.server.stop();
    if (args.cold) dropPageCache();
    current = await startBroker(file, args.readyTimeoutMs);
    cleanStarts.push(current.readyMs);
    log(
      `clean start ${i + 1}: ready in ${current.readyMs.toFixed(0)} ms (before store ${current.phases.beforeStoreMs}, store ${current.phases.storeMs}, after ${current.phases.afterStoreMs})`,
    );
  }
  await current.server.stop();
  if (args.cold) dropPageCache();
  const loader = await loaderMs(args.readyTimeoutMs);

  const report: Report = {
    segmentBytes: args.segmentBytes === undefined ? 'default' : String(args.segmentBytes),
    shards: args.shards === undefined ? 'default' : String(args.shards),
    actorThreads: args.actorThreads === undefined ? 'default' : String(args.actorThreads),
    flush: args.flush,
    cold: args.cold,
    kills: args.kills,
    freshStartMs: Math.round(freshStartMs),
    killToReadyP50Ms: Math.round(percentile(killToReady, 50)),
    killToReadyMaxMs: Math.round(Math.max(...killToReady)),
    killToReadyMs: killToReady.map(Math.round),
    cleanStartP50Ms: Math.round(percentile(cleanStarts, 50)),
    cleanStartMaxMs: Math.round(cleanStarts.length > 0 ? Math.max(...cleanStarts) : 0),
    loaderMainMs: Math.round(loader.mainMs),
    loaderWorkerMs: Math.round(loader.workerMs),
    beforeStoreP50Ms: Math.round(
      percentile(
        phases.map((p) => p.beforeStoreMs),
        50,
      ),
    ),
    storeOpenP50Ms: Math.round(
      percentile(
        phases.map((p) => p.storeMs),
        50,
      ),
    ),
    storeOpenMaxMs: Math.round(Math.max(0, ...phases.map((p) => p.storeMs))),
    afterStoreP50Ms: Math.round(
      percentile(
        phases.map((p) => p.afterStoreMs),
        50,
      ),
    ),
    zeroedBytesMax,
    ackedMessages,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const rows: Array<[string, string]> = [
    ['kill → ready p50 / max', `${report.killToReadyP50Ms} / ${report.killToReadyMaxMs} ms`],
    ['clean start p50 / max', `${report.cleanStartP50Ms} / ${report.cleanStartMaxMs} ms`],
    ['fresh start (empty dir)', `${report.freshStartMs} ms`],
    [
      'loader: main / worker',
      `${report.loaderMainMs} / ${report.loaderWorkerMs} ms (node + module graph)`,
    ],
    ['after a kill: before store p50', `${report.beforeStoreP50Ms} ms (node, module graphs)`],
    [
      'after a kill: store open p50 / max',
      `${report.storeOpenP50Ms} / ${report.storeOpenMaxMs} ms (first shard's open to last's end)`,
    ],
    ['after a kill: after store p50', `${report.afterStoreP50Ms} ms (to "broker started")`],
    ['most bytes zeroed by one shard', String(report.zeroedBytesMax)],
    ['acked messages (all rounds)', String(report.ackedMessages)],
  ];
  process.stdout.write(
    `\nrecovery bench: ${report.kills} kills, ${report.cold ? 'cold' : 'warm'} page cache, ${report.flush}, segment ${report.segmentBytes}, shards ${report.shards}, actorThreads ${report.actorThreads}\n`,
  );
  for (const [name, value] of rows) process.stdout.write(`  ${name.padEnd(34)} ${value}\n`);
}

try {
  await main();
} finally {
  await stopAllChildren();
  await stopHarnessProcesses();
}
