/**
 * Replication benchmark: `npm run bench:ha [-- --json] [--count N] [--runs R] [--catchup-mib M]`.
 *
 * Send rows, each on fresh brokers: no slave, ASYNC_MASTER + slave, SYNC_MASTER + slave, for
 * ASYNC_FLUSH and SYNC_FLUSH; bench:broker's load client sends 1 KiB messages with 1,000 in
 * flight and times every ack (a SYNC_MASTER ack waits for the slave). Each row is also given
 * as a ratio to the no-slave row of its flush type, and the TCP echo baseline is measured by
 * the same client in the same run.
 *
 * Catch-up: a master is filled with --catchup-mib of messages with no slave running, then an
 * empty slave starts and is timed until every shard's lag is 0; beside it, a raw copy of the
 * same commit-log files (read, write, fdatasync) in the same run.
 *
 * Options: --json (one line), --count N (100000), --runs R (1, medians), --catchup-mib M (1024),
 * --quick (count 20000, catch-up 64 MiB), --help.
 */
import {
  closeSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Admin } from '../../src/client/admin/admin.ts';
import { startNameServerProcess, stopAll as stopHarness } from '../harness/processes.ts';
import { startBenchBroker, stopAllBenchBrokers } from './bench-broker.ts';
import type { BenchBroker } from './bench-broker.ts';
import { runJsonChild, startServer, stopAllChildren } from './bench-processes.ts';
import type { SendOptions, SendResult } from './load-client.ts';

const TOPIC = 'HaBenchTopic';
const QUEUES = 8;
const CLIENT = ['--import', 'tsx', 'test/bench/load-client.ts'];
const ROLES = ['none', 'ASYNC_MASTER', 'SYNC_MASTER'] as const;
const FLUSHES = ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const;
type Role = (typeof ROLES)[number];
type Flush = (typeof FLUSHES)[number];

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log('npm run bench:ha -- [--json] [--count N] [--runs R] [--catchup-mib M] [--quick]');
  process.exit(0);
}
const quick = argv.includes('--quick');
const option = (name: string, fallback: number): number => {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name}: a positive integer`);
  return value;
};
const count = option('--count', quick ? 20_000 : 100_000);
const runs = option('--runs', 1);
const catchupMib = option('--catchup-mib', quick ? 64 : 1024);
const json = argv.includes('--json');
const PHASE_TIMEOUT_MS = 300_000;
const logger = pino({ level: 'silent' });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

function sendOptions(host: string, port: number, n: number, checkCodes = true): SendOptions {
  return {
    ...{ mode: 'send', host, port, topic: TOPIC, queues: QUEUES, warmup: Math.ceil(n / 10) },
    ...{ count: n, window: 1000, bodyBytes: 1024, timeoutMs: PHASE_TIMEOUT_MS, checkCodes },
  };
}

async function pair(
  namesrvAddr: string,
  role: Role,
  flush: Flush,
  brokerName = `ha-${role}-${flush}-${Date.now()}`,
): Promise<BenchBroker[]> {
  const base = { actorThreads: 1, topic: TOPIC, queues: QUEUES, namesrvAddr, timeoutMs: 60_000 };
  const name = { brokerName };
  const master = await startBenchBroker({
    ...base,
    flushDiskType: flush,
    properties: { ...name, brokerRole: role === 'none' ? 'ASYNC_MASTER' : role },
  });
  if (role === 'none') return [master];
  return [master, await slaveOf(master, namesrvAddr, flush, name.brokerName)];
}

async function slaveOf(master: BenchBroker, namesrvAddr: string, flush: Flush, brokerName: string) {
  const slave = await startBenchBroker({
    ...{ actorThreads: 1, topic: TOPIC, queues: QUEUES, namesrvAddr, timeoutMs: 60_000 },
    flushDiskType: flush,
    createTopic: false,
    properties: { brokerName, brokerRole: 'SLAVE', brokerId: '1', haSendHeartbeatInterval: '1000' },
  });
  const admin = new Admin({ namesrvAddr, logger });
  try {
    await until(async () => {
      const status = await admin.haStatus(`${master.host}:${master.port}`);
      return status.haConnectionInfo.some((link) => link.inSync);
    }, 30_000);
  } finally {
    await admin.close();
  }
  return slave;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const began = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - began;
    if (performance.now() - began > timeoutMs) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Row {
  role: Role;
  flush: Flush;
  msgsPerSec: number;
  ackP50Ms: number;
  ackP99Ms: number;
}

async function sendRow(namesrvAddr: string, role: Role, flush: Flush): Promise<Row> {
  const brokers = await pair(namesrvAddr, role, flush);
  try {
    const master = brokers[0]!;
    const result = await runJsonChild<SendResult>(
      [...CLIENT, JSON.stringify(sendOptions(master.host, master.port, count))],
      PHASE_TIMEOUT_MS,
    );
    return {
      role,
      flush,
      msgsPerSec: result.msgsPerSec,
      ackP50Ms: result.ackP50Ms,
      ackP99Ms: result.ackP99Ms,
    };
  } finally {
    await Promise.all(brokers.reverse().map((broker) => broker.stop()));
  }
}

async function echoBaseline(): Promise<number> {
  const echo = await startServer(['--import', 'tsx', 'test/bench/echo-server.ts'], {
    ready: /echo listening on (\d+)/,
    timeoutMs: 30_000,
  });
  try {
    const options = sendOptions('127.0.0.1', Number(echo.match[1]), count, false);
    return (await runJsonChild<SendResult>([...CLIENT, JSON.stringify(options)], PHASE_TIMEOUT_MS))
      .msgsPerSec;
  } finally {
    await echo.stop();
  }
}

/** Reads every commit-log file under dir and writes it to a fresh directory, fdatasync'ed. */
function rawCopyMiBPerSec(dataDir: string): number {
  const target = mkdtempSync(join(tmpdir(), 'tmq-ha-copy-'));
  const chunk = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const began = performance.now();
  try {
    for (const shard of readdirSync(join(dataDir, 'shards'))) {
      const dir = join(dataDir, 'shards', shard, 'commitlog');
      for (const name of readdirSync(dir)) {
        const from = openSync(join(dir, name), 'r');
        const to = openSync(join(target, `${shard}-${name}`), 'w');
        for (let n = readSync(from, chunk); n > 0; n = readSync(from, chunk)) {
          writeSync(to, chunk, 0, n);
          bytes += n;
        }
        fdatasyncSync(to);
        closeSync(from);
        closeSync(to);
      }
    }
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
  return bytes / (1 << 20) / ((performance.now() - began) / 1000);
}

async function catchUp(
  namesrvAddr: string,
): Promise<{ slaveMiBPerSec: number; rawCopyMiBPerSec: number; mib: number }> {
  const brokerName = `ha-catchup-${Date.now()}`;
  const [master] = await pair(namesrvAddr, 'none', 'ASYNC_FLUSH', brokerName);
  const messages = Math.ceil((catchupMib * 1024 * 1024) / 1200);
  await runJsonChild<SendResult>(
    [...CLIENT, JSON.stringify(sendOptions(master!.host, master!.port, messages))],
    PHASE_TIMEOUT_MS,
  );
  const admin = new Admin({ namesrvAddr, logger });
  const masterAddr = `${master!.host}:${master!.port}`;
  const raw = rawCopyMiBPerSec(master!.dataDir);
  let slave: BenchBroker | undefined;
  try {
    const before = performance.now();
    slave = await slaveOfNoWait(namesrvAddr, brokerName);
    await until(async () => {
      const status = await admin.haStatus(masterAddr);
      return (
        status.haConnectionInfo.length > 0 &&
        status.haConnectionInfo.every((link) => link.diff === 0)
      );
    }, PHASE_TIMEOUT_MS);
    const seconds = (performance.now() - before) / 1000;
    const status = await admin.haStatus(masterAddr);
    const mib = status.masterCommitLogMaxOffset / (1 << 20);
    return { slaveMiBPerSec: mib / seconds, rawCopyMiBPerSec: raw, mib };
  } finally {
    await admin.close();
    await slave?.stop();
    await master!.stop();
  }
}

function slaveOfNoWait(namesrvAddr: string, brokerName: string): Promise<BenchBroker> {
  return startBenchBroker({
    ...{ actorThreads: 1, topic: TOPIC, queues: QUEUES, namesrvAddr, timeoutMs: 60_000 },
    flushDiskType: 'ASYNC_FLUSH',
    createTopic: false,
    properties: {
      brokerName,
      brokerRole: 'SLAVE',
      brokerId: '1',
    },
  });
}

async function main(): Promise<void> {
  const namesrv = await startNameServerProcess();
  const rows: Row[][] = [];
  const echo: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      echo.push(await echoBaseline());
      for (const flush of FLUSHES)
        for (const role of ROLES) rows.push([await sendRow(namesrv.address, role, flush)]);
    }
    const summary = FLUSHES.flatMap((flush) =>
      ROLES.map((role) => {
        const mine = rows.flat().filter((r) => r.role === role && r.flush === flush);
        return {
          role,
          flush,
          msgsPerSec: Math.round(median(mine.map((r) => r.msgsPerSec))),
          ackP50Ms: median(mine.map((r) => r.ackP50Ms)),
          ackP99Ms: median(mine.map((r) => r.ackP99Ms)),
        };
      }),
    );
    const withRatios = summary.map((row) => {
      const alone = summary.find((r) => r.flush === row.flush && r.role === 'none')!;
      return {
        ...row,
        rateVsNoSlave: +(row.msgsPerSec / alone.msgsPerSec).toFixed(2),
        p99VsNoSlave: +(row.ackP99Ms / alone.ackP99Ms).toFixed(2),
        rateVsEcho: +(row.msgsPerSec / median(echo)).toFixed(3),
      };
    });
    const catchup = await catchUp(namesrv.address);
    const result = {
      count,
      runs,
      echoMsgsPerSec: Math.round(median(echo)),
      rows: withRatios,
      catchup: {
        ...catchup,
        ratioToRawCopy: +(catchup.slaveMiBPerSec / catchup.rawCopyMiBPerSec).toFixed(2),
      },
    };
    if (json) console.log(JSON.stringify(result));
    else {
      console.log(`TCP echo baseline: ${result.echoMsgsPerSec} msgs/s`);
      console.log(
        'role          flush        msgs/s   p50 ms  p99 ms  rate/no-slave  p99/no-slave',
      );
      for (const r of withRatios)
        console.log(
          `${r.role.padEnd(13)} ${r.flush.padEnd(12)} ${String(r.msgsPerSec).padStart(7)} ${r.ackP50Ms.toFixed(2).padStart(7)} ${r.ackP99Ms.toFixed(2).padStart(7)} ${r.rateVsNoSlave.toFixed(2).padStart(14)} ${r.p99VsNoSlave.toFixed(2).padStart(13)}`,
        );
      console.log(
        `catch-up of ${catchup.mib.toFixed(0)} MiB: slave ${catchup.slaveMiBPerSec.toFixed(0)} MiB/s, raw copy ${catchup.rawCopyMiBPerSec.toFixed(0)} MiB/s (ratio ${result.catchup.ratioToRawCopy})`,
      );
    }
  } finally {
    await stopAllBenchBrokers();
    await stopAllChildren();
    await stopHarness();
  }
}

await main();
