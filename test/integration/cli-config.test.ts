/**
 * Configuration through the real command lines: properties file < environment < flags,
 * invalid values refused with the key named, unknown keys warned about with the closest key,
 * and every sample under conf/ loading without a warning.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runThrustmq } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONF = join(REPO_ROOT, 'conf');
/** Variables that would otherwise leak from the developer's shell into the layering. */
const CLEAN_ENV = { NAMESRV_ADDR: '', THRUSTMQ_HOME: '', LOG_LEVEL: '' };

let dirs: Array<{ path: string; remove: () => void }> = [];

afterEach(() => {
  for (const dir of dirs) dir.remove();
  dirs = [];
});

function tempDir(): string {
  const dir = makeTempDir('cli-config');
  dirs.push(dir);
  return dir.path;
}

function propertiesFile(text: string): string {
  const file = join(tempDir(), 'broker.properties');
  writeFileSync(file, text);
  return file;
}

/** key=value lines of `-p` output as a map. */
function printed(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function samples(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? samples(join(dir, entry.name))
      : entry.name.endsWith('.properties')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('cli config - broker -p layering', () => {
  it('cli config - defaults < file < NAMESRV_ADDR < flags, in the printed config', async () => {
    const file = propertiesFile(
      'namesrvAddr=file:9876\nlistenPort=11111\nbrokerName=from-file\nfileReservedTime=48\nstorePathRootDir=rel/store\n',
    );
    const cwd = tempDir();
    const fileOnly = printed(
      (await runThrustmq(['broker', '-c', file, '-p'], { env: CLEAN_ENV, cwd })).stdout,
    );
    expect(fileOnly.get('namesrvAddr')).toBe('file:9876');
    expect(fileOnly.get('brokerName')).toBe('from-file');
    expect(fileOnly.get('fileReservedTime')).toBe('48');
    expect(fileOnly.get('deleteWhen')).toBe('04');
    // A relative data directory is resolved against the working directory once, at load.
    expect(fileOnly.get('storePathRootDir')).toBe(resolve(cwd, 'rel/store'));

    const env = { ...CLEAN_ENV, NAMESRV_ADDR: 'env:9876' };
    const withEnv = printed((await runThrustmq(['broker', '-c', file, '-p'], { env })).stdout);
    expect(withEnv.get('namesrvAddr')).toBe('env:9876');

    const result = await runThrustmq(
      [
        'broker',
        '-c',
        file,
        '-p',
        '-n',
        'flag:9876',
        '--brokerName=flagged',
        '-o',
        'listenPort=12345',
        '--brokerIP1',
        '10.0.0.9',
      ],
      { env },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const withFlags = printed(result.stdout);
    expect(withFlags.get('namesrvAddr')).toBe('flag:9876');
    expect(withFlags.get('brokerName')).toBe('flagged');
    expect(withFlags.get('listenPort')).toBe('12345');
    expect(withFlags.get('brokerIP1')).toBe('10.0.0.9');
    expect(withFlags.get('fileReservedTime')).toBe('48');
  });

  it('cli config - THRUSTMQ_HOME roots storePathRootDir and kvConfigPath unless they are set', async () => {
    const home = tempDir();
    const env = { ...CLEAN_ENV, THRUSTMQ_HOME: home };
    const broker = printed((await runThrustmq(['broker', '-p'], { env })).stdout);
    expect(broker.get('storePathRootDir')).toBe(join(home, 'store'));
    const file = propertiesFile('storePathRootDir=/srv/thrustmq\n');
    const fromFile = printed((await runThrustmq(['broker', '-c', file, '-p'], { env })).stdout);
    expect(fromFile.get('storePathRootDir')).toBe('/srv/thrustmq');

    const namesrv = await runThrustmq(['namesrv', '-p', '--listenPort=19876'], { env });
    expect(namesrv.code).toBe(0);
    const namesrvConfig = printed(namesrv.stdout);
    expect(namesrvConfig.get('kvConfigPath')).toBe(join(home, 'namesrv', 'kvConfig.json'));
    expect(namesrvConfig.get('listenPort')).toBe('19876');
  });
});

describe('cli config - invalid values', () => {
  it('cli config - an invalid value in the file stops the broker with exit 2, naming key, value and what is allowed', async () => {
    const data = tempDir();
    const file = propertiesFile(`listenPort=70000\nstorePathRootDir=${data}\n`);
    const result = await runThrustmq(['broker', '-c', file], { env: CLEAN_ENV });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "thrustmq broker: invalid value for listenPort: '70000' (allowed: an integer in [0, 65535])\n",
    );
    expect(existsSync(join(data, 'broker.pid'))).toBe(false);
  });

  it('cli config - invalid flags, roles and levels exit 2 with the key named', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--brokerRole=MASTER'],
        "invalid value for brokerRole: 'MASTER' (allowed: ASYNC_MASTER, SYNC_MASTER, SLAVE)",
      ],
      [
        ['--brokerRole=SLAVE'],
        "invalid value for brokerId: '0' (allowed: 1 to 1024 with brokerRole=SLAVE)",
      ],
      [
        ['-o', 'brokerId=2'],
        "invalid value for brokerId: '2' (allowed: 0 with brokerRole=ASYNC_MASTER)",
      ],
      [
        ['--flushDiskType=SOMETIMES'],
        "invalid value for flushDiskType: 'SOMETIMES' (allowed: ASYNC_FLUSH, SYNC_FLUSH)",
      ],
      [
        ['--deleteWhen=noon'],
        "invalid value for deleteWhen: 'noon' (allowed: hours of the day 0-23 separated by ;, e.g. 04 or 04;16)",
      ],
      [
        ['--haMasterAddress=nowhere'],
        "invalid value for haMasterAddress: 'nowhere' (allowed: empty or host:port)",
      ],
      [
        ['--log-level=loud'],
        "invalid --log-level: 'loud' (allowed: fatal, error, warn, info, debug, trace, silent)",
      ],
    ];
    for (const [flags, message] of cases) {
      const result = await runThrustmq(['broker', ...flags], { env: CLEAN_ENV });
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toBe(`thrustmq broker: ${message}\n`);
    }
    const slave = await runThrustmq(['broker', '-p', '--brokerRole=SLAVE', '--brokerId=1'], {
      env: CLEAN_ENV,
    });
    expect(slave.code).toBe(0);

    const namesrv = await runThrustmq(['namesrv', '--brokerExpireMs=soon'], { env: CLEAN_ENV });
    expect(namesrv.code).toBe(2);
    expect(namesrv.stderr).toBe(
      'thrustmq namesrv: brokerExpireMs=soon in the command line is invalid: brokerExpireMs must be an integer in [100, 86400000]\n',
    );
  });
});

describe('cli config - unknown keys', () => {
  it('cli config - an unknown key in the file warns with the closest key; on the command line it is an error', async () => {
    const file = propertiesFile('brokerNmae=typo\nlistenPort=10911\n');
    const warned = await runThrustmq(['broker', '-c', file, '-p'], { env: CLEAN_ENV });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toBe(
      'thrustmq broker: unknown config key brokerNmae (ignored); did you mean brokerName?\n',
    );
    expect(printed(warned.stdout).get('brokerName')).toBe('broker-a');

    const refused = await runThrustmq(['broker', '-p', '--flushDiskTyp=SYNC_FLUSH'], {
      env: CLEAN_ENV,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'thrustmq broker: unknown config key "flushDiskTyp"; did you mean flushDiskType?\n',
    );
  });
});

describe('cli config - conf/ samples', () => {
  it('cli config - every sample in conf/ loads with -p, exit 0 and no warning', async () => {
    const files = samples(CONF);
    expect(files.map((file) => relative(CONF, file)).sort()).toEqual([
      '2m-2s-async/broker-a-s.properties',
      '2m-2s-async/broker-a.properties',
      '2m-2s-async/broker-b-s.properties',
      '2m-2s-async/broker-b.properties',
      '2m-2s-sync/broker-a-s.properties',
      '2m-2s-sync/broker-a.properties',
      '2m-2s-sync/broker-b-s.properties',
      '2m-2s-sync/broker-b.properties',
      '2m-noslave/broker-a.properties',
      '2m-noslave/broker-b.properties',
      'broker.properties',
    ]);
    const byLayout = new Map<string, Array<Map<string, string>>>();
    for (const file of files) {
      const result = await runThrustmq(['broker', '-c', file, '-p'], { env: CLEAN_ENV });
      expect(result.stderr, file).toBe('');
      expect(result.code, file).toBe(0);
      const config = printed(result.stdout);
      expect(config.get('namesrvAddr'), file).toBe('127.0.0.1:9876');
      expect(config.get('brokerIP1'), file).toBe('127.0.0.1');
      const slave = file.endsWith('-s.properties');
      expect(config.get('brokerRole') === 'SLAVE', file).toBe(slave);
      expect(config.get('brokerId'), file).toBe(slave ? '1' : '0');
      if (file.includes('2m-2s-sync') && !slave)
        expect(config.get('brokerRole')).toBe('SYNC_MASTER');
      const layout = relative(CONF, file).split('/')[0]!;
      byLayout.set(layout, [...(byLayout.get(layout) ?? []), config]);
    }
    // Brokers of one layout run side by side on one host: ports and data directories differ.
    for (const [layout, configs] of byLayout) {
      const ports = configs.map((c) => Number(c.get('listenPort')));
      for (const a of ports)
        for (const b of ports)
          if (a !== b) expect(Math.abs(a - b), layout).toBeGreaterThanOrEqual(4);
      expect(new Set(configs.map((c) => c.get('storePathRootDir'))).size, layout).toBe(
        configs.length,
      );
    }
  });
});
