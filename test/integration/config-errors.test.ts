/**
 * Configuration mistakes through the real command line: each exits 2 with exactly one line on
 * stderr naming the broker key, no stack trace, and no pid file left behind, whether the
 * mistake is found at load (relations between keys, syntax) or while opening the store (a data
 * directory made with another segment size).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../harness/processes.ts';
import { runThrustmq, spawnThrustmq, stopAll } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const CLEAN_ENV = { NAMESRV_ADDR: '', LOG_LEVEL: '' };
const BOOTED = /The broker\[[^\]]+, ([^\]]+)\] boot success/;

let dirs: Array<{ path: string; remove: () => void }> = [];
afterEach(async () => {
  await stopAll();
  for (const dir of dirs) dir.remove();
  dirs = [];
});

function dataDir(): string {
  const dir = makeTempDir('config-errors');
  dirs.push(dir);
  return join(dir.path, 'store');
}

function broker(data: string, ...settings: string[]): Promise<CommandResult> {
  const flags = ['listenPort=0', 'metricsPort=-1', `storePathRootDir=${data}`, ...settings];
  return runThrustmq(['broker', ...flags.flatMap((setting) => ['-o', setting])], {
    env: CLEAN_ENV,
    timeoutMs: 60_000,
  });
}

/** Exit 2, one stderr line naming key (and its value), nothing on stdout, no stack frames. */
function expectOneLine(result: CommandResult, key: string, value: string, data?: string): void {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  expect(result.code, result.stderr).toBe(2);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^thrustmq broker: invalid value for /);
  expect(lines[0]).toContain(`${key}: '${value}'`);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('"stack"');
  expect(result.stdout).toBe('');
  if (data !== undefined) expect(existsSync(join(data, 'broker.pid'))).toBe(false);
}

describe('config errors - found at load', () => {
  it('config errors - deleteWhen=25 names deleteWhen', async () => {
    const data = dataDir();
    const result = await broker(data, 'deleteWhen=25');
    expectOneLine(result, 'deleteWhen', '25', data);
    expect(result.stderr).toContain('hours of the day 0-23');
  });

  it("config errors - deleteWhen=04;16 (RocketMQ's several hours) is accepted", async () => {
    const result = await runThrustmq(['broker', '-p', '-o', 'deleteWhen=04;16'], {
      env: CLEAN_ENV,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deleteWhen=04;16\n');
  });

  it('config errors - brokerIP1=999.1.1.1 names brokerIP1, brokerIP2 likewise', async () => {
    const data = dataDir();
    expectOneLine(await broker(data, 'brokerIP1=999.1.1.1'), 'brokerIP1', '999.1.1.1', data);
    expectOneLine(await broker(data, 'brokerIP2=10.0.0'), 'brokerIP2', '10.0.0', data);
  });

  it('config errors - mappedFileSizeCommitLog=2097152 names the key and the size maxMessageSize needs', async () => {
    const data = dataDir();
    const result = await broker(data, 'mappedFileSizeCommitLog=2097152');
    expectOneLine(result, 'mappedFileSizeCommitLog', '2097152', data);
    expect(result.stderr).toContain('4259848 with maxMessageSize=4194304');
    expect(result.stderr).not.toContain('segmentSizeBytes');
  });

  it('config errors - namesrvAddr=no-port-here names namesrvAddr', async () => {
    const data = dataDir();
    const result = await broker(data, 'namesrvAddr=no-port-here');
    expectOneLine(result, 'namesrvAddr', 'no-port-here', data);
    const second = await broker(data, 'namesrvAddr=127.0.0.1:9876;no-port-here');
    expectOneLine(second, 'namesrvAddr', '127.0.0.1:9876;no-port-here', data);
  });

  it('config errors - 1 MiB segments with 2 actor threads exit 2 instead of hanging (exit 13)', async () => {
    const data = dataDir();
    const started = Date.now();
    const result = await broker(data, 'mappedFileSizeCommitLog=1048576', 'actorThreads=2');
    expectOneLine(result, 'mappedFileSizeCommitLog', '1048576', data);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('config errors - found at start', () => {
  it('config errors - a listenHost that is not an address of this machine names listenHost', async () => {
    const data = dataDir();
    // 203.0.113.0/24 is TEST-NET-3: never an address of a test machine.
    const result = await broker(data, 'listenHost=203.0.113.7');
    expectOneLine(result, 'listenHost', '203.0.113.7', data);
    expect(result.stderr).toContain('not an address of this machine');

    const namesrv = await runThrustmq(['namesrv', '--listenPort=0', '--listenHost=203.0.113.7'], {
      env: CLEAN_ENV,
    });
    expect(namesrv.code).toBe(2);
    expect(namesrv.stderr).toBe(
      "thrustmq namesrv: invalid value for listenHost: '203.0.113.7' (not an address of this machine; allowed: an address of this machine, 0.0.0.0 or ::)\n",
    );
  });

  it('config errors - a changed mappedFileSizeCommitLog on an existing data directory names the key and the old size', async () => {
    const data = dataDir();
    const flags = ['listenPort=0', 'metricsPort=-1', `storePathRootDir=${data}`, 'actorThreads=2'];
    const first = await spawnThrustmq(
      ['broker', ...[...flags, 'mappedFileSizeCommitLog=8388608'].flatMap((s) => ['-o', s])],
      { ready: BOOTED, env: CLEAN_ENV },
    );
    expect(await first.stop()).toBe(0);
    const result = await broker(data, 'actorThreads=2', 'mappedFileSizeCommitLog=16777216');
    expectOneLine(result, 'mappedFileSizeCommitLog', '16777216', data);
    expect(result.stderr).toContain(
      `the data directory ${data} was created with mappedFileSizeCommitLog=8388608`,
    );
    // The directory is untouched: the original size still starts.
    const again = await spawnThrustmq(
      ['broker', ...[...flags, 'mappedFileSizeCommitLog=8388608'].flatMap((s) => ['-o', s])],
      { ready: BOOTED, env: CLEAN_ENV },
    );
    expect(await again.stop()).toBe(0);
  });
});
