/**
 * Broker benchmark: `npm run bench:broker [-- --json] [--count N] [--runs R] [--profile]`.
 *
 * For SYNC_FLUSH and ASYNC_FLUSH with actorThreads 1 and 2, each in a fresh broker process with
 * a fresh data directory: a separate load-client process sends 1 KiB messages over one
 * connection with 1,000 in flight (warm-up first), timing every ack, then drains the backlog
 * with pipelined pulls on every queue and checks the count. Baselines in the same run: the
 * store appending alone (native-free-store/bench's append case) and a bare TCP echo server
 * driven by the same client. --profile instead runs one SYNC_FLUSH case under --cpu-prof and
 * summarises the coordinator's (main thread's) profile for the send and consume phases.
 *
 * Apache RocketMQ 5.5.0 (test/compat/apache's jars, built here when missing; its name server
 * and broker JVMs as the compat suites start them, 512 MiB heap) runs in the same run, one fresh
 * broker per case: the same load client with the same count, size and window for both
 * flushDiskType values (Apache's waitTimeMillsInSendQueue raised to 10 s so a loaded machine
 * queues sends rather than having them shed as SYSTEM_BUSY), then the Java-client shape on both
 * brokers (test/compat/java's BenchSend and BenchConsume: the warm-up and count as windowed
 * async sends, then --java-sync-count one-at-a-time sends for unqueued ack p50/p99, then the
 * backlog drained with pipelined async pulls). The ThrustMQ side of these rows is the
 * primaryActorThreads broker. Printed: the rows, the ThrustMQ / Apache RocketMQ ratios of send
 * rate, ack p50 and p99, consume rate and RSS, and each broker's resident memory (VmRSS, VmHWM,
 * anonymous and file-backed, from /proc/<pid>/status at the end of its case); in the JSON under
 * "apache". They run by default when java is on the PATH.
 *
 * The top-level figures (syncSendMsgsPerSec, ackP50Ms/ackP99Ms of SYNC_FLUSH, asyncSendMsgsPerSec,
 * consumeMsgsPerSec over both flush types, coordinatorCpuUsPerMsg) are medians at
 * primaryActorThreads (cores - 1 when it is among those run); byActorThreads has every setting.
 * "coordinator CPU µs/msg" is the broker main thread's CPU time (/proc) over the send phase
 * divided by the messages sent: the figure that varies least on a shared machine. "broker CPU
 * µs/msg" counts every thread of the broker process (a JVM's main thread does no broker work).
 * othersCoresDuringSends estimates the cores other processes kept busy meanwhile.
 *
 * Options: --json (one JSON line), --count N (200000), --warmup N (count / 10),
 * --window N (1000), --queues N (8), --runs R (1; cases interleave across runs),
 * --actor-threads 1,2, --profile, --profile-dir DIR (.prof/broker-bench-<time>),
 * --phase-timeout-ms MS (180000), --no-baselines, --no-apache (no Apache RocketMQ rows and no
 * JVM at all, for quick runs), --apache (fail rather than skip when java is missing),
 * --no-java-client (Apache rows through the load client only), --java-sync-count N (2000),
 * --help.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNameServerProcess, stopAll as stopHarnessProcesses } from '../harness/processes.ts';
import { parseArgs } from './bench-args.ts';
import { awaitStored, stopAllBenchBrokers } from './bench-broker.ts';
import { residentMemory } from './bench-memory.ts';
import type { ResidentMemory } from './bench-memory.ts';
import { runJsonChild, startServer, stopAllChildren, threadCpu } from './bench-processes.ts';
import { formatTable, summarize } from './bench-report.ts';
import type { BaselineRun, CaseRun, FlushDiskType, ProfileReport } from './bench-report.ts';
import { prepareApache, startApacheCase, startThrustmqCase } from './bench-targets.ts';
import type { BrokerKind, CaseBroker } from './bench-targets.ts';
import { readCpuProfile, summarizeCpuProfile } from './cpu-profile-summary.ts';
import { runJavaCase } from './java-bench.ts';
import type { JavaCaseRun } from './java-bench.ts';
import type { PullOptions, PullResult, SendOptions, SendResult } from './load-client.ts';
import { formatReference, summarizeReference } from './reference-report.ts';

const TOPIC = 'BenchTopic';
const CLIENT = ['--import', 'tsx', 'test/bench/load-client.ts'];

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
const cpus = availableParallelism();
const primaryActorThreads = args.actorThreads.includes(Math.max(1, cpus - 1))
  ? Math.max(1, cpus - 1)
  : args.actorThreads[0]!;

/** The header comment of this file, which documents the options. */
function usage(): string {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const comment = source.slice(source.indexOf('/**'), source.indexOf('*/'));
  return comment
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^ \* ?/, ''))
    .join('\n')
    .trim();
}

function progress(text: string): void {
  if (!args.json) process.stderr.write(`${text}\n`);
}

/** Busy and total jiffies of the whole machine. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  return { busy: total - values[3]! - values[4]!, total };
}

function sendOptions(host: string, port: number, checkCodes: boolean): SendOptions {
  return {
    mode: 'send',
    host,
    port,
    topic: TOPIC,
    queues: args.queues,
    warmup: args.warmup,
    count: args.count,
    window: args.window,
    bodyBytes: 1024,
    timeoutMs: args.phaseTimeoutMs,
    checkCodes,
  };
}

function runClient<T>(options: SendOptions | PullOptions): Promise<T> {
  return runJsonChild<T>([...CLIENT, JSON.stringify(options)], options.timeoutMs + 15_000);
}

/** Set by SIGINT/SIGTERM: no new case starts while the running ones are stopped. */
let interrupted = false;

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface CaseOutcome {
  run: CaseRun;
  /** Profile-clock windows of the two phases. */
  sendWindow: { fromUs: number; toUs: number };
  consumeWindow: { fromUs: number; toUs: number };
}

function startCaseBroker(
  kind: BrokerKind,
  namesrvAddr: string,
  flushDiskType: FlushDiskType,
  actorThreads: number,
  nodeFlags: string[] = [],
): Promise<CaseBroker> {
  const options = { flushDiskType, topic: TOPIC, queues: args.queues, timeoutMs: 60_000 };
  return kind === 'thrustmq'
    ? startThrustmqCase({ ...options, namesrvAddr, actorThreads, nodeFlags })
    : startApacheCase(options);
}

/** A fresh broker for one case: measure() runs on it, then its memory is read and it stops. */
async function onBroker<T>(
  kind: BrokerKind,
  namesrvAddr: string,
  flushDiskType: FlushDiskType,
  actorThreads: number,
  measure: (broker: CaseBroker) => Promise<T>,
  nodeFlags: string[] = [],
): Promise<{ result: T; memory: ResidentMemory | undefined; pid: number }> {
  const broker = await startCaseBroker(kind, namesrvAddr, flushDiskType, actorThreads, nodeFlags);
  try {
    const result = await measure(broker);
    return { result, memory: residentMemory(broker.pid), pid: broker.pid };
  } finally {
    await broker.stop();
  }
}

/** The load client's send phase, then its backlog drain, on a running broker. */
async function runCase(
  broker: CaseBroker,
  flushDiskType: FlushDiskType,
  actorThreads: number,
): Promise<CaseOutcome> {
  const pid = broker.pid;
  const cpu0 = threadCpu(pid);
  const machine0 = machineCpu();
  const sendFrom = nowUs();
  const send = await runClient<SendResult>(sendOptions(broker.host, broker.port, true));
  const sendTo = nowUs();
  const cpu1 = threadCpu(pid);
  const machine1 = machineCpu();
  const sent = args.warmup + args.count;
  const brokerSeconds = cpu1.main - cpu0.main + (cpu1.others - cpu0.others);
  const machineBusySeconds = (machine1.busy - machine0.busy) / 100;
  await awaitStored(`${broker.host}:${broker.port}`, TOPIC, send.perQueue, 30_000);
  const consumeFrom = nowUs();
  const consume = await runClient<PullResult>({
    mode: 'pull',
    host: broker.host,
    port: broker.port,
    topic: TOPIC,
    consumerGroup: 'bench_consumer',
    perQueue: send.perQueue,
    depth: 4,
    maxMsgNums: 32,
    timeoutMs: args.phaseTimeoutMs,
  });
  const consumeTo = nowUs();
  if (consume.messages !== sent)
    throw new Error(`consumed ${consume.messages} messages, sent ${sent}`);
  return {
    run: {
      flushDiskType,
      actorThreads,
      send,
      consume,
      mainCpuUsPerMsg: ((cpu1.main - cpu0.main) * 1e6) / sent,
      otherThreadsCpuUsPerMsg: ((cpu1.others - cpu0.others) * 1e6) / sent,
      brokerCpuUsPerMsg: (brokerSeconds * 1e6) / sent,
      mainCpuPct: (100 * (cpu1.main - cpu0.main)) / send.totalSeconds,
      othersCores: Math.max(
        0,
        (machineBusySeconds - brokerSeconds - send.clientCpuSeconds) / send.totalSeconds,
      ),
    },
    sendWindow: { fromUs: sendFrom, toUs: sendTo },
    consumeWindow: { fromUs: consumeFrom, toUs: consumeTo },
  };
}

/** One load-client case on a fresh broker of that kind, with the broker's memory at its end. */
async function loadClientCase(
  kind: BrokerKind,
  namesrvAddr: string,
  flushDiskType: FlushDiskType,
  actorThreads: number,
): Promise<CaseRun> {
  const { result, memory } = await onBroker(kind, namesrvAddr, flushDiskType, actorThreads, (b) =>
    runCase(b, flushDiskType, actorThreads),
  );
  return { ...result.run, memory };
}

/** One Java-client case on a fresh broker of that kind. */
async function javaClientCase(
  kind: BrokerKind,
  namesrvAddr: string,
  flushDiskType: FlushDiskType,
): Promise<JavaCaseRun> {
  const { result, memory } = await onBroker(
    kind,
    namesrvAddr,
    flushDiskType,
    primaryActorThreads,
    (broker) =>
      runJavaCase(broker, {
        topic: TOPIC,
        queues: args.queues,
        warmup: args.warmup,
        count: args.count,
        window: args.window,
        bodyBytes: 1024,
        syncCount: args.javaSyncCount,
        timeoutMs: Math.min(2 * args.phaseTimeoutMs, 590_000),
      }),
  );
  return { broker: kind, flushDiskType, ...result, memory };
}

async function runBaselines(): Promise<BaselineRun> {
  const storeDir = mkdtempSync(join(tmpdir(), 'tmq-bench-store-'));
  let storeAppendMsgsPerSec: number;
  try {
    const result = await runJsonChild<{ appendMsgsPerSec: number }>(
      [
        'dist/native-free-store/bench/store-bench.js',
        '--case',
        'append',
        '--count',
        String(args.count),
        '--dir',
        storeDir,
      ],
      args.phaseTimeoutMs,
    );
    storeAppendMsgsPerSec = result.appendMsgsPerSec;
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
  const echo = await startServer(['--import', 'tsx', 'test/bench/echo-server.ts'], {
    ready: /echo listening on (\d+)/,
    timeoutMs: 30_000,
  });
  try {
    const tcpEcho = await runClient<SendResult>(
      sendOptions('127.0.0.1', Number(echo.match[1]), false),
    );
    return { storeAppendMsgsPerSec, tcpEcho };
  } finally {
    await echo.stop();
  }
}

async function runProfile(namesrvAddr: string): Promise<{ report: ProfileReport; run: CaseRun }> {
  const directory = args.profileDir;
  const flags = ['--cpu-prof', `--cpu-prof-dir=${directory}`, '--cpu-prof-interval=250'];
  progress(`profiling SYNC_FLUSH, actorThreads ${primaryActorThreads} into ${directory} …`);
  // The profile is written when the broker exits cleanly, which onBroker waits for.
  const { result: outcome, pid } = await onBroker(
    'thrustmq',
    namesrvAddr,
    'SYNC_FLUSH',
    primaryActorThreads,
    (broker) => runCase(broker, 'SYNC_FLUSH', primaryActorThreads),
    flags,
  );
  const file = readdirSync(directory).find((name) => name.includes(`.${pid}.0.`));
  if (file === undefined) throw new Error(`no main-thread profile of pid ${pid} in ${directory}`);
  const profile = readCpuProfile(join(directory, file));
  const report: ProfileReport = {
    flushDiskType: 'SYNC_FLUSH',
    actorThreads: primaryActorThreads,
    directory,
    mainThreadFile: join(directory, file),
    sendMsgsPerSec: Math.round(outcome.run.send.msgsPerSec),
    send: summarizeCpuProfile(profile, outcome.sendWindow),
    consume: summarizeCpuProfile(profile, outcome.consumeWindow),
  };
  return { report, run: outcome.run };
}

interface Results {
  cases: CaseRun[];
  apacheCases: CaseRun[];
  javaCases: JavaCaseRun[];
  baselines: BaselineRun[];
  errors: string[];
}

/** Runs one labelled step; a failure is recorded and the run goes on with the next step. */
async function attempt(results: Results, label: string, step: () => Promise<void>) {
  if (interrupted) return;
  progress(`${label} …`);
  try {
    await step();
  } catch (error) {
    results.errors.push(`${label}: ${(error as Error).message}`);
  }
}

/** One run: baselines, the ThrustMQ cases, then Apache RocketMQ's and the Java-client cases. */
async function runOnce(run: number, namesrvAddr: string, results: Results): Promise<void> {
  const at = `run ${run}/${args.runs}`;
  const flushes = ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const;
  if (args.baselines)
    await attempt(results, `${at}: baselines (store append, TCP echo)`, async () => {
      results.baselines.push(await runBaselines());
    });
  for (const threads of args.actorThreads) {
    for (const flush of flushes)
      await attempt(results, `${at}: ${flush}, actorThreads ${threads}`, async () => {
        results.cases.push(await loadClientCase('thrustmq', namesrvAddr, flush, threads));
      });
  }
  if (!args.apache) return;
  for (const flush of flushes)
    await attempt(results, `${at}: Apache RocketMQ ${flush}`, async () => {
      results.apacheCases.push(await loadClientCase('apache', namesrvAddr, flush, 0));
    });
  if (!args.javaClient) return;
  for (const flush of flushes) {
    for (const kind of ['thrustmq', 'apache'] as const)
      await attempt(results, `${at}: Java client on ${kind} ${flush}`, async () => {
        results.javaCases.push(await javaClientCase(kind, namesrvAddr, flush));
      });
  }
}

async function main(): Promise<number> {
  const results: Results = { cases: [], apacheCases: [], javaCases: [], baselines: [], errors: [] };
  let profile: ProfileReport | undefined;
  if (args.apache) {
    progress('building the Apache RocketMQ and Java client projects if needed …');
    prepareApache(args.javaClient);
  }
  const namesrv = await startNameServerProcess();
  try {
    if (args.profile) {
      // Its figures are the profiled broker's, lower than an unprofiled run's.
      const profiled = await runProfile(namesrv.address);
      profile = profiled.report;
      results.cases.push(profiled.run);
    } else {
      for (let run = 1; run <= args.runs && !interrupted; run++)
        await runOnce(run, namesrv.address, results);
    }
  } catch (error) {
    results.errors.push((error as Error).message);
  } finally {
    await stopAllBenchBrokers();
    await namesrv.stop();
    await stopAllChildren();
    await stopHarnessProcesses();
  }
  printSummary(results, profile);
  return results.errors.length === 0 ? 0 : 1;
}

function printSummary(results: Results, profile: ProfileReport | undefined): void {
  const { cases, apacheCases, javaCases, baselines, errors } = results;
  const settings = {
    count: args.count,
    warmup: args.warmup,
    window: args.window,
    queues: args.queues,
    runs: args.runs,
    cpus,
    primaryActorThreads,
  };
  const thrustmqCases = cases.filter((c) => c.actorThreads === primaryActorThreads);
  const reference = summarizeReference(
    { included: args.apache, javaClient: args.javaClient, skipped: args.apacheSkipped },
    thrustmqCases,
    apacheCases,
    javaCases,
  );
  const samples = { thrustmqCases, apacheCases, javaCases, primaryActorThreads };
  const summary = { ...summarize(settings, cases, baselines, profile, errors), apache: reference };
  process.stdout.write(
    args.json
      ? `${JSON.stringify(summary)}\n`
      : `${formatTable(summary, cases, baselines)}\n${formatReference(reference, samples)}\n`,
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    void stopAllBenchBrokers()
      .then(stopAllChildren)
      .then(stopHarnessProcesses)
      .finally(() => process.exit(130));
  });
}
process.exit(await main());
