/**
 * Pending delayed messages vs send speed: `npm run bench:delay [-- --json] [--pending N]
 * [--count N] [--runs R] [--flush ASYNC_FLUSH|SYNC_FLUSH]`.
 *
 * Two brokers run side by side from the start, each in a fresh data directory. The loaded one
 * first receives `pending` (100,000) delayed 1 KiB messages: half on delay levels 5 to 18 (1 to
 * 120 minutes), half timers (TIMER_DELAY_SEC spread log-uniformly from 1 minute to 7 days, so
 * some move through the timer queues during the measurement); the baseline broker receives as
 * many plain messages, so both stores hold the same bytes. Then the same load client sends
 * `count` plain 1 KiB messages with 1,000 in flight to each broker in turn, alternating which
 * goes first in each of `runs` rounds. The figure is the ratio of medians (loaded / baseline);
 * the target is a slowdown of at most 10%. It also checks that the pending messages are still
 * waiting (schedule and timer queue depths) and none reached the topic early.
 */
import { pino } from 'pino';
import { createRequest, RemotingClient, RequestCode } from '../../src/remoting/index.ts';
import { startNameServerProcess, stopAll as stopHarnessProcesses } from '../harness/processes.ts';
import { startBenchBroker, stopAllBenchBrokers } from './bench-broker.ts';
import type { BenchBroker } from './bench-broker.ts';
import { runJsonChild, stopAllChildren } from './bench-processes.ts';
import { median } from './bench-report.ts';
import type { SendOptions, SendResult } from './load-client.ts';

const TOPIC = 'DelayBenchTopic';
const QUEUES = 8;
const CLIENT = ['--import', 'tsx', 'test/bench/load-client.ts'];
const SLOWDOWN_TARGET = 0.1;
const WEEK_SEC = 7 * 24 * 3600;

interface Args {
  json: boolean;
  pending: number;
  count: number;
  runs: number;
  flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH';
  phaseTimeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    json: false,
    pending: 100_000,
    count: 100_000,
    runs: 3,
    flush: 'ASYNC_FLUSH',
    phaseTimeoutMs: 180_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
      return n;
    };
    if (flag === '--json') args.json = true;
    else if (flag === '--pending') args.pending = value();
    else if (flag === '--count') args.count = value();
    else if (flag === '--runs') args.runs = Math.min(value(), 20);
    else if (flag === '--phase-timeout-ms') args.phaseTimeoutMs = value();
    else if (flag === '--flush') {
      const type = argv[++i];
      if (type !== 'ASYNC_FLUSH' && type !== 'SYNC_FLUSH')
        throw new Error('--flush must be ASYNC_FLUSH or SYNC_FLUSH');
      args.flush = type;
    } else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const say = (line: string): void => {
  if (!args.json) process.stderr.write(`${line}\n`);
};

/** Per-slot properties: delay levels 5..18, or timer delays log-uniform over 1 min .. 7 days. */
function delaySlots(kind: 'levels' | 'timers', slots: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < slots; i++) {
    if (kind === 'levels') out.push(`DELAY\u0001${5 + (i % 14)}`);
    else {
      const seconds = Math.round(60 * Math.pow(WEEK_SEC / 60, i / (slots - 1)));
      out.push(`TIMER_DELAY_SEC\u0001${seconds}`);
    }
  }
  return out;
}

function send(
  broker: BenchBroker,
  count: number,
  extraProperties?: string[],
  warmup = 0,
): Promise<SendResult> {
  const options: SendOptions = {
    mode: 'send',
    host: broker.host,
    port: broker.port,
    topic: TOPIC,
    queues: QUEUES,
    warmup,
    count,
    window: 1000,
    bodyBytes: 1024,
    timeoutMs: args.phaseTimeoutMs,
    checkCodes: true,
    ...(extraProperties ? { extraProperties } : {}),
  };
  return runJsonChild<SendResult>(
    [...CLIENT, JSON.stringify(options)],
    args.phaseTimeoutMs + 15_000,
  );
}

/** Sum of the max offsets of a topic's queues on one broker. */
async function depth(client: RemotingClient, broker: BenchBroker, topic: string, queues: number) {
  let total = 0;
  for (let queueId = 0; queueId < queues; queueId++) {
    const response = await client.invoke(
      `${broker.host}:${broker.port}`,
      createRequest(RequestCode.GET_MAX_OFFSET, { topic, queueId: String(queueId) }),
      5000,
    );
    total += Number(response.extFields?.['offset'] ?? 0);
  }
  return total;
}

async function main(): Promise<void> {
  const nameServer = await startNameServerProcess();
  const common = {
    flushDiskType: args.flush,
    actorThreads: 1,
    topic: TOPIC,
    queues: QUEUES,
    namesrvAddr: nameServer.address,
    timeoutMs: 30_000,
  };
  const baseline = await startBenchBroker(common);
  const loaded = await startBenchBroker(common);
  const half = Math.floor(args.pending / 2);
  say(`loading ${args.pending} delayed messages into one broker, as many plain into the other`);
  await send(loaded, half, delaySlots('levels', 2000));
  await send(loaded, args.pending - half, delaySlots('timers', 2000));
  await send(baseline, args.pending);

  const rounds: Array<{ baseline: SendResult; loaded: SendResult }> = [];
  for (let round = 0; round < args.runs; round++) {
    const order = round % 2 === 0 ? [baseline, loaded] : [loaded, baseline];
    const results = new Map<BenchBroker, SendResult>();
    for (const broker of order)
      results.set(broker, await send(broker, args.count, undefined, Math.floor(args.count / 10)));
    const pair = { baseline: results.get(baseline)!, loaded: results.get(loaded)! };
    rounds.push(pair);
    say(
      `round ${round + 1}: baseline ${Math.round(pair.baseline.msgsPerSec)} msgs/s, ` +
        `with pending ${Math.round(pair.loaded.msgsPerSec)} msgs/s`,
    );
  }

  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  const scheduled = await depth(client, loaded, 'SCHEDULE_TOPIC_XXXX', 18);
  const timers = await depth(client, loaded, 'rmq_sys_wheel_timer', 30);
  const topicOnLoaded = await depth(client, loaded, TOPIC, QUEUES);
  const topicOnBaseline = await depth(client, baseline, TOPIC, QUEUES);
  await client.close();

  const baselineMedian = median(rounds.map((r) => r.baseline.msgsPerSec));
  const loadedMedian = median(rounds.map((r) => r.loaded.msgsPerSec));
  const ratio = loadedMedian / baselineMedian;
  const summary = {
    flushDiskType: args.flush,
    pending: args.pending,
    count: args.count,
    runs: args.runs,
    baselineMsgsPerSec: Math.round(baselineMedian),
    withPendingMsgsPerSec: Math.round(loadedMedian),
    ratio: Number(ratio.toFixed(3)),
    slowdownPct: Number(((1 - ratio) * 100).toFixed(1)),
    targetSlowdownPct: SLOWDOWN_TARGET * 100,
    met: 1 - ratio <= SLOWDOWN_TARGET,
    baselineAckP99Ms: Number(median(rounds.map((r) => r.baseline.ackP99Ms)).toFixed(2)),
    withPendingAckP99Ms: Number(median(rounds.map((r) => r.loaded.ackP99Ms)).toFixed(2)),
    // Stored in the waiting topics: every pending message, plus timer hops made meanwhile.
    scheduleTopicMessages: scheduled,
    timerTopicMessages: timers,
    /** Messages in the topic beyond the plain sends: delayed ones delivered during the bench. */
    deliveredEarlyOrDue: topicOnLoaded - (topicOnBaseline - args.pending),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    say(
      `median of ${args.runs}: baseline ${summary.baselineMsgsPerSec} msgs/s (p99 ${summary.baselineAckP99Ms} ms), ` +
        `with ${args.pending} pending ${summary.withPendingMsgsPerSec} msgs/s (p99 ${summary.withPendingAckP99Ms} ms)`,
    );
    say(
      `ratio ${summary.ratio} → slowdown ${summary.slowdownPct}% (target ≤ ${summary.targetSlowdownPct}%: ${summary.met ? 'met' : 'NOT met'})`,
    );
    say(
      `waiting: ${scheduled} in SCHEDULE_TOPIC_XXXX, ${timers} stored in the timer queues (incl. hops); ` +
        `delivered meanwhile: ${summary.deliveredEarlyOrDue}`,
    );
  }
}

let stopping = false;
async function cleanup(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopAllChildren();
  await stopAllBenchBrokers();
  await stopHarnessProcesses();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanup().then(() => process.exit(130)));

main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    process.stderr.write(`delay bench failed: ${(error as Error).message}\n`);
    await cleanup();
    process.exit(1);
  });
