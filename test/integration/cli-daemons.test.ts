/**
 * `thrustmq namesrv|broker|start` as daemons and `thrustmq shutdown`, through the real command
 * lines. Each test gets its own THRUSTMQ_HOME, so its run directory (and what `shutdown`
 * without arguments stops) holds only the daemons it started.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BROKER_READY } from '../harness/broker-process.ts';
import { NAMESRV_READY, runThrustmq, spawnThrustmq, stopAll } from '../harness/processes.ts';
import type { ThrustmqProcess } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

let dirs: Array<{ path: string; remove: () => void }> = [];
let home: string;
let env: NodeJS.ProcessEnv;
let bystanders: number[] = [];

beforeEach(() => {
  const dir = makeTempDir('cli-home');
  dirs.push(dir);
  home = dir.path;
  env = { THRUSTMQ_HOME: home, LOG_LEVEL: 'info', NAMESRV_ADDR: '' };
});

afterEach(async () => {
  await stopAll();
  for (const pid of bystanders) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  bystanders = [];
  for (const dir of dirs) dir.remove();
  dirs = [];
});

function dataDir(name: string): string {
  const path = join(home, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function startBroker(storePathRootDir: string): Promise<ThrustmqProcess> {
  return spawnThrustmq(
    [
      'broker',
      '--listenPort=0',
      '--listenHost=127.0.0.1',
      '--brokerIP1=127.0.0.1',
      '--actorThreads=1',
      `--mappedFileSizeCommitLog=${64 * 1024 * 1024}`,
      '-o',
      `storePathRootDir=${storePathRootDir}`,
    ],
    { ready: BROKER_READY, env },
  );
}

/** The shards the broker reported recovering after a crash, from its 'broker started' line. */
function recoveredShards(broker: ThrustmqProcess): number[] {
  const line = broker
    .output()
    .split('\n')
    .find((text) => text.includes('"msg":"broker started"'));
  if (line === undefined) throw new Error(`no 'broker started' line in:\n${broker.output()}`);
  return (JSON.parse(line) as { recovered: number[] }).recovered;
}

function registrations(): string[] {
  const run = join(home, 'run');
  return existsSync(run) ? readdirSync(run).filter((name) => name.endsWith('.pid')) : [];
}

/** A pid that belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('cli daemons - shutdown', () => {
  it('cli daemons - shutdown broker stops it with a clean checkpoint; no recovery on restart', async () => {
    const dir = dataDir('broker');
    const broker = await startBroker(dir);
    expect(recoveredShards(broker)).toEqual([]);
    const port = Number(broker.match[3]);
    expect(readPid(join(dir, 'broker.pid'))).toBe(broker.pid);
    expect(registrations()).toEqual([`broker-${port}.pid`]);
    // The log file joins just after the boot line (process-logger.ts).
    await expect
      .poll(() => existsSync(join(dir, 'logs', 'broker.log.1')), { timeout: 10_000 })
      .toBe(true);

    const result = await runThrustmq(['shutdown', 'broker'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `Stopped broker 127\\.0\\.0\\.1:${port}, data ${escape(dir)}, pid ${broker.pid} in `,
      ),
    );
    expect(await broker.exited).toBe(0);
    expect(existsSync(join(dir, 'broker.pid'))).toBe(false);
    expect(registrations()).toEqual([]);

    const again = await startBroker(dir);
    expect(recoveredShards(again)).toEqual([]);
    // The control: a SIGKILLed broker does recover, so the check above can fail.
    await again.stop('SIGKILL');
    const afterCrash = await startBroker(dir);
    expect(recoveredShards(afterCrash).length).toBeGreaterThan(0);
    const byData = await runThrustmq(['shutdown', 'broker', '--data', dir], { env });
    expect(byData.code).toBe(0);
    expect(await afterCrash.exited).toBe(0);
  });

  it('cli daemons - shutdown namesrv stops it; a second shutdown finds nothing (exit 3)', async () => {
    const namesrv = await spawnThrustmq(['namesrv', '--listenPort=0', '--listenHost=127.0.0.1'], {
      ready: NAMESRV_READY,
      env,
    });
    const pidFile = join(home, 'namesrv', 'namesrv.pid');
    expect(readPid(pidFile)).toBe(namesrv.pid);
    expect(registrations()).toEqual([`namesrv-${namesrv.match[2]}.pid`]);

    const result = await runThrustmq(['shutdown', 'namesrv'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Stopped namesrv 127.0.0.1:${namesrv.match[2]}`);
    expect(await namesrv.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    expect(registrations()).toEqual([]);

    const nothing = await runThrustmq(['shutdown', 'namesrv'], { env });
    expect(nothing.code).toBe(3);
    expect(nothing.stdout).toBe('No namesrv running.\n');
  });

  it('cli daemons - shutdown stops every daemon of the user and leaves other kinds alone', async () => {
    const namesrv = await spawnThrustmq(['namesrv', '--listenPort=0'], {
      ready: NAMESRV_READY,
      env,
    });
    const first = await startBroker(dataDir('b1'));
    const second = await startBroker(dataDir('b2'));
    const brokers = await runThrustmq(['shutdown', 'broker'], { env });
    expect(brokers.code).toBe(0);
    expect(brokers.stdout.match(/^Stopped broker /gm)).toHaveLength(2);
    expect([await first.exited, await second.exited]).toEqual([0, 0]);
    expect(registrations()).toEqual([`namesrv-${namesrv.match[2]}.pid`]);

    const all = await runThrustmq(['shutdown'], { env });
    expect(all.code).toBe(0);
    expect(await namesrv.exited).toBe(0);
  });

  it('cli daemons - stale pid files are ignored and removed; a foreign pid is never signalled', async () => {
    const dir = dataDir('stale');
    const gone = await deadPid();
    writeFileSync(join(dir, 'broker.pid'), `${gone}\n`);
    mkdirSync(join(home, 'run'), { recursive: true });
    const registration = join(home, 'run', 'broker-10911.pid');
    writeFileSync(
      registration,
      `pid=${gone}\nkind=broker\naddress=127.0.0.1\\:10911\ndataDir=${dir}\npidFile=${join(dir, 'broker.pid')}\n`,
    );
    const result = await runThrustmq(['shutdown', 'broker'], { env });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`Removed the stale pid file of broker 127.0.0.1:10911`);
    expect(existsSync(registration)).toBe(false);
    expect(existsSync(join(dir, 'broker.pid'))).toBe(false);

    // A live process that is not a thrustmq broker, named by a pid file: left running.
    const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    bystanders.push(bystander.pid!);
    writeFileSync(join(dir, 'broker.pid'), `${bystander.pid}\n`);
    const byData = await runThrustmq(['shutdown', 'broker', '--data', dir], { env });
    expect(byData.code).toBe(3);
    const byPid = await runThrustmq(['shutdown', 'broker', '--pid', String(bystander.pid)], {
      env,
    });
    expect(byPid.code).toBe(1);
    expect(byPid.stderr).toContain(`pid ${bystander.pid} is not a thrustmq broker; not signalled`);
    expect(bystander.exitCode).toBeNull();
    expect(() => process.kill(bystander.pid!, 0)).not.toThrow();

    // A broker starting on a data directory whose pid file is stale starts normally, and
    // sweeps stale registrations from the run directory.
    writeFileSync(join(dir, 'broker.pid'), `${gone}\n`);
    writeFileSync(registration, `pid=${gone}\nkind=broker\n`);
    const broker = await startBroker(dir);
    expect(readPid(join(dir, 'broker.pid'))).toBe(broker.pid);
    expect(registrations()).toEqual([`broker-${broker.match[3]}.pid`]);
  });

  it('cli daemons - a daemon that does not exit within --timeout makes shutdown exit 1', async () => {
    const namesrv = await spawnThrustmq(['namesrv', '--listenPort=0'], {
      ready: NAMESRV_READY,
      env,
    });
    // A stopped process cannot act on SIGTERM until it is continued.
    process.kill(namesrv.pid, 'SIGSTOP');
    const result = await runThrustmq(['shutdown', 'namesrv', '--timeout', '1'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`pid ${namesrv.pid} did not exit within 1 s; still running`);
    process.kill(namesrv.pid, 'SIGCONT');
    expect(await namesrv.exited).toBe(0);
    expect(registrations()).toEqual([]);
  });

  it('cli daemons - a second broker on the same data directory is refused (exit 1)', async () => {
    const dir = dataDir('shared');
    const broker = await startBroker(dir);
    const second = await runThrustmq(
      ['broker', '--listenPort=0', '--listenHost=127.0.0.1', `--storePathRootDir=${dir}`],
      { env },
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`a broker (pid ${broker.pid}) is already running on ${dir}`);
    expect(readPid(join(dir, 'broker.pid'))).toBe(broker.pid);
  });

  it('cli daemons - bad shutdown arguments exit 2', async () => {
    expect((await runThrustmq(['shutdown', 'brokers'], { env })).code).toBe(2);
    expect((await runThrustmq(['shutdown', 'broker', '--timeout', 'x'], { env })).code).toBe(2);
    expect((await runThrustmq(['shutdown', '-c', 'x.properties'], { env })).code).toBe(2);
  });
});

describe('cli daemons - thrustmq start', () => {
  it('cli daemons - start prints addresses and a first-message hint; shutdown stops it', async () => {
    const data = dataDir('all-in-one');
    const start = await spawnThrustmq(
      ['start', '--data', data, '--namesrv-port', '0', '--broker-port', '0'],
      { ready: /Send a first message: (.+)\n/, env },
    );
    const namesrv = /name server {2}(127\.0\.0\.1:\d+)/.exec(start.output())![1]!;
    expect(start.match[1]).toBe(
      `npx thrustmq admin sendMessage -n ${namesrv} -t TopicTest -p "hello"`,
    );
    expect(start.output()).toMatch(
      /broker {7}127\.0\.0\.1:\d+ \(broker-a, cluster DefaultCluster\)/,
    );
    expect(readPid(join(data, 'start.pid'))).toBe(start.pid);
    // The log file joins just after the boot line (process-logger.ts).
    await expect
      .poll(() => existsSync(join(data, 'logs', 'thrustmq.log.1')), { timeout: 10_000 })
      .toBe(true);

    const result = await runThrustmq(['shutdown'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Stopped thrustmq start ${namesrv}`);
    expect(start.output()).toContain(`logs         ${join(data, 'logs', 'current.log')}`);
    expect(await start.exited).toBe(0);
    expect(existsSync(join(data, 'start.pid'))).toBe(false);
  });
});

describe('cli daemons - aliases', () => {
  it('cli daemons - mqshutdown, mqbroker, mqnamesrv and mqadmin run their subcommands', async () => {
    const shutdown = await runThrustmq(['broker'], { env, bin: 'mqshutdown' });
    expect(shutdown.code).toBe(3);
    expect(shutdown.stdout).toBe('No broker running.\n');
    const broker = await runThrustmq(['-p', '--brokerName=alias-b'], { env, bin: 'mqbroker' });
    expect(broker.code).toBe(0);
    expect(broker.stdout).toContain('brokerName=alias-b\n');
    const namesrv = await runThrustmq(['-p', '--listenPort=19999'], {
      env,
      bin: 'mqnamesrv',
    });
    expect(namesrv.code).toBe(0);
    expect(namesrv.stdout).toContain('listenPort=19999\n');
    const admin = await runThrustmq(['--help'], { env, bin: 'mqadmin' });
    expect(admin.stderr).not.toContain('unknown command');
    expect(admin.code).not.toBeNull();

    const daemon = await spawnThrustmq(['--listenPort=0'], {
      ready: NAMESRV_READY,
      env,
      bin: 'mqnamesrv',
    });
    const stopped = await runThrustmq(['namesrv'], { env, bin: 'mqshutdown' });
    expect(stopped.code).toBe(0);
    expect(await daemon.exited).toBe(0);
  });
});

function readPid(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  return Number(readFileSync(path, 'utf8').trim());
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
