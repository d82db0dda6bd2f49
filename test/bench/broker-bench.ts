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
 * The top-level figures (syncSendMsgsPerSec, ackP50Ms/ackP99Ms of SYNC_FLUSH, asyncSendMsgsPerSec,
 * consumeMsgsPerSec over both flush types, coordinatorCpuUsPerMsg) are medians at
 * primaryActorThreads (cores - 1 when it is among those run); byActorThreads has every setting.
 * "coordinator CPU µs/msg" is the broker main thread's CPU time (/proc) over the send phase
 * divided by the messages sent: the figure that varies least on a shared machine.
 * othersCoresDuringSends estimates the cores other processes kept busy meanwhile.
 *
 * Options: --json (one JSON line), --count N (200000), --warmup N (count / 10),
 * --window N (1000), --queues N (8), --runs R (1; cases interleave across runs),
 * --actor-threads 1,2, --profile, --profile-dir DIR (.prof/broker-bench-<time>),
 * --phase-timeout-ms MS (180000), --no-baselines.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNameServerProcess, stopAll as stopHarnessProcesses } from '../harness/processes.ts';
import { startBenchBroker, stopAllBenchBrokers } from './bench-broker.ts';
import type { BenchBroker } from './bench-broker.ts';
import {
  REPO_ROOT,
  runJsonChild,
  startServer,
  stopAllChildren,
  threadCpu,
} from './bench-processes.ts';
import { formatTable, summarize } from './bench-report.ts';
import type { BaselineRun, CaseRun, FlushDiskType, ProfileReport } from './bench-report.ts';
import { readCpuProfile, summarizeCpuProfile } from './cpu-profile-summary.ts';
import type { PullOptions, PullResult, SendOptions, SendResult } from './load-client.ts';

const TOPIC = 'BenchTopic';
const CLIENT = ['--import', 'tsx', 'test/bench/load-client.ts'];

interface Args {
  json: boolean;
  count: number;
  warmup: number;
  window: number;
  queues: number;
  runs: number;
  actorThreads: number[];
  profile: boolean;
  profileDir: string;
  phaseTimeoutMs: number;
  baselines: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    count: 200_000,
    warmup: -1,
    window: 1000,
    queues: 8,
    runs: 1,
    actorThreads: [1, 2],
    profile: false,
    profileDir: join(
      REPO_ROOT,
      '.prof',
      `broker-bench-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    ),
    phaseTimeoutMs: 180_000,
    baselines: true,
  };
  const int = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${name} needs an integer >= ${min}, got ${text}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--count') args.count = int(arg, argv[++i], 1000);
    else if (arg === '--warmup') args.warmup = int(arg, argv[++i], 0);
    else if (arg === '--window') args.window = int(arg, argv[++i], 1);
    else if (arg === '--queues') args.queues = int(arg, argv[++i], 1);
    else if (arg === '--runs') args.runs = int(arg, argv[++i], 1);
    else if (arg === '--actor-threads')
      args.actorThreads = (argv[++i] ?? '').split(',').map((t) => int(arg, t, 1));
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--profile-dir') args.profileDir = argv[++i] ?? args.profileDir;
    else if (arg === '--phase-timeout-ms') args.phaseTimeoutMs = int(arg, argv[++i], 1000);
    else if (arg === '--no-baselines') args.baselines = false;
    else throw new Error(`unknown argument ${arg}; see the header of test/bench/broker-bench.ts`);
  }
  if (args.warmup < 0) args.warmup = Math.floor(args.count / 10);
  return args;
}

const args = parseArgs(process.argv.slice(2));
const cpus = availableParallelism();
const primaryActorThreads = args.actorThreads.includes(Math.max(1, cpus - 1))
  ? Math.max(1, cpus - 1)
  : args.actorThreads[0]!;

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

async function runCase(
  namesrvAddr: string,
  flushDiskType: FlushDiskType,
  actorThreads: number,
  nodeFlags: string[] = [],
): Promise<{ outcome: CaseOutcome; broker: BenchBroker }> {
  const broker = await startBenchBroker({
    flushDiskType,
    actorThreads,
    topic: TOPIC,
    queues: args.queues,
    namesrvAddr,
    nodeFlags,
    timeoutMs: 60_000,
  });
  try {
    const pid = broker.process.pid;
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
      broker,
      outcome: {
        run: {
          flushDiskType,
          actorThreads,
          send,
          consume,
          mainCpuUsPerMsg: ((cpu1.main - cpu0.main) * 1e6) / sent,
          otherThreadsCpuUsPerMsg: ((cpu1.others - cpu0.others) * 1e6) / sent,
          mainCpuPct: (100 * (cpu1.main - cpu0.main)) / send.totalSeconds,
          othersCores: Math.max(
            0,
            (machineBusySeconds - brokerSeconds - send.clientCpuSeconds) / send.totalSeconds,
          ),
        },
        sendWindow: { fromUs: sendFrom, toUs: sendTo },
        consumeWindow: { fromUs: consumeFrom, toUs: consumeTo },
      },
    };
  } catch (error) {
    await broker.stop();
    throw error;
  }
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
  const { outcome, broker } = await runCase(namesrvAddr, 'SYNC_FLUSH', primaryActorThreads, flags);
  // The profile is written when the broker exits cleanly.
  await broker.stop();
  const pid = broker.process.pid;
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

async function main(): Promise<number> {
  const cases: CaseRun[] = [];
  const baselines: BaselineRun[] = [];
  const errors: string[] = [];
  let profile: ProfileReport | undefined;
  const namesrv = await startNameServerProcess();
  try {
    if (args.profile) {
      // Its figures are the profiled broker's, lower than an unprofiled run's.
      const profiled = await runProfile(namesrv.address);
      profile = profiled.report;
      cases.push(profiled.run);
    } else {
      for (let run = 1; run <= args.runs && !interrupted; run++) {
        if (args.baselines) {
          progress(`run ${run}/${args.runs}: baselines (store append, TCP echo) …`);
          try {
            baselines.push(await runBaselines());
          } catch (error) {
            errors.push(`run ${run} baselines: ${(error as Error).message}`);
          }
        }
        for (const threads of args.actorThreads) {
          for (const flush of ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const) {
            if (interrupted) break;
            progress(`run ${run}/${args.runs}: ${flush}, actorThreads ${threads} …`);
            try {
              const { outcome, broker } = await runCase(namesrv.address, flush, threads);
              await broker.stop();
              cases.push(outcome.run);
            } catch (error) {
              errors.push(
                `run ${run} ${flush} actorThreads ${threads}: ${(error as Error).message}`,
              );
            }
          }
        }
      }
    }
  } catch (error) {
    errors.push((error as Error).message);
  } finally {
    await stopAllBenchBrokers();
    await namesrv.stop();
    await stopAllChildren();
  }
  const summary = summarize(
    {
      count: args.count,
      warmup: args.warmup,
      window: args.window,
      queues: args.queues,
      runs: args.runs,
      cpus,
      primaryActorThreads,
    },
    cases,
    baselines,
    profile,
    errors,
  );
  process.stdout.write(
    args.json ? `${JSON.stringify(summary)}\n` : `${formatTable(summary, cases, baselines)}\n`,
  );
  return errors.length === 0 ? 0 : 1;
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
