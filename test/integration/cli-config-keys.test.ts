/**
 * The key tables through the real command lines: `--help-keys` lists every key, `--help` stays
 * short and points at it, `-p` prints every key in table order, and a relation between keys that
 * does not hold exits 2 with one line naming both keys and their values.
 */
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_TABLE } from '../../src/broker/broker-config.ts';
import { NAMESRV_CONFIG_TABLE } from '../../src/namesrv/namesrv-config.ts';
import { runThrustmq } from '../harness/processes.ts';

const CLEAN_ENV = { NAMESRV_ADDR: '', THRUSTMQ_HOME: '', LOG_LEVEL: '' };
const COMMANDS = [
  ['broker', BROKER_CONFIG_TABLE],
  ['namesrv', NAMESRV_CONFIG_TABLE],
] as const;

describe('cli config keys - help', () => {
  it.each(COMMANDS)(
    'cli config keys - %s --help-keys lists every key; --help points at it',
    async (command, table) => {
      const keys = await runThrustmq([command, '--help-keys'], { env: CLEAN_ENV });
      expect(keys.code, keys.stderr).toBe(0);
      expect(keys.stderr).toBe('');
      for (const key of Object.keys(table.keys)) expect(keys.stdout).toContain(`\n  ${key} (`);
      expect(keys.stdout).toContain('Checked between keys at load:');

      const help = await runThrustmq([command, '--help'], { env: CLEAN_ENV });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--help-keys');
      expect(help.stdout.split('\n').length).toBeLessThan(25);
    },
  );

  it.each(COMMANDS)(
    'cli config keys - %s -p prints every key once, in table order',
    async (command, table) => {
      const result = await runThrustmq([command, '-p'], { env: CLEAN_ENV });
      expect(result.code, result.stderr).toBe(0);
      const printedKeys = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.slice(0, line.indexOf('=')));
      expect(printedKeys).toEqual(Object.keys(table.keys));
    },
  );
});

describe('cli config keys - relations at load', () => {
  it('cli config keys - broker: a min above its max exits 2 naming both keys and values', async () => {
    const result = await runThrustmq(
      ['broker', '-p', '-o', 'remotingMaxConnections=10', '--remotingMaxConnectionsPerAddress=11'],
      { env: CLEAN_ENV },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^thrustmq broker: invalid value for remotingMaxConnectionsPerAddress: '11' \(allowed: at most remotingMaxConnections=10: [^\n]+\)\n$/,
    );
    const ok = await runThrustmq(
      ['broker', '-p', '-o', 'remotingMaxConnections=10', '--remotingMaxConnectionsPerAddress=10'],
      { env: CLEAN_ENV },
    );
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('cli config keys - namesrv: a scan interval above brokerExpireMs exits 2 naming both', async () => {
    const result = await runThrustmq(['namesrv', '-p', '--brokerExpireMs=1000'], {
      env: CLEAN_ENV,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^thrustmq namesrv: scanNotActiveBrokerInterval must be at most brokerExpireMs=1000: [^\n]+ \(got 10000\)\n$/,
    );
    const ok = await runThrustmq(
      ['namesrv', '-p', '--brokerExpireMs=1000', '--scanNotActiveBrokerInterval=1000'],
      { env: CLEAN_ENV },
    );
    expect(ok.code, ok.stderr).toBe(0);
  });
});
