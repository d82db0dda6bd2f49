import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import { runThrustmq, startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

let namesrv: NameServerProcess;
const dataDir = brokerDataDir();

beforeAll(async () => {
  namesrv = await startNameServerProcess();
  await startBrokerProcess({ namesrvAddr: namesrv.address, dataDir: dataDir.path });
});
afterAll(async () => {
  await stopAll();
  dataDir.remove();
});

function lastJson(stdout: string): Record<string, number> {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, number>;
}

describe('thrustmq bench - producer and consumer against a real broker', () => {
  it('sends with -w in flight, then a consumer group receives everything, each printing one JSON line', async () => {
    // The topic does not exist: the producer's sends auto-create it from TBW102.
    const sent = await runThrustmq(
      [
        'bench',
        'producer',
        '-n',
        namesrv.address,
        '-t',
        'BenchCli',
        '-s',
        '512',
        '-w',
        '16',
        '--count',
        '3000',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const produced = lastJson(sent.stdout);
    expect(produced).toMatchObject({ sent: 3000, failed: 0 });
    for (const key of ['tps', 'avgRtMs', 'p99RtMs', 'maxRtMs'])
      expect(produced[key]).toBeGreaterThan(0);

    const batch = await runThrustmq(
      [
        'bench',
        'producer',
        '-n',
        namesrv.address,
        '-t',
        'BenchCli',
        '-s',
        '512',
        '-w',
        '4',
        '--batch',
        '10',
        '--count',
        '1000',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(lastJson(batch.stdout)).toMatchObject({ sent: 1000, failed: 0, batch: 10 });

    const received = await runThrustmq(
      [
        'bench',
        'consumer',
        '-n',
        namesrv.address,
        '-t',
        'BenchCli',
        '-g',
        'bench-cli-group',
        '--count',
        '4000',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(received.code).toBe(0);
    expect(lastJson(received.stdout).received).toBeGreaterThanOrEqual(4000);
  });

  it('prints a live line per second when piped, and names a bad option', async () => {
    const live = await runThrustmq(
      [
        'bench',
        'producer',
        '-n',
        namesrv.address,
        '-t',
        'BenchCli',
        '-s',
        '128',
        '-w',
        '2',
        '--duration',
        '2',
      ],
      { timeoutMs: 60_000 },
    );
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(
      /TPS \d+ \| avg RT [\d.]+ ms \| max RT [\d.]+ ms \| sent \d+ \| failed 0\n/,
    );
    expect(live.stdout).toMatch(/^sent \d+ in [\d.]+ s: TPS \d+/m);
    const bad = await runThrustmq(['bench', 'producer', '-s', 'big']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('-s needs an integer');
  });
});
