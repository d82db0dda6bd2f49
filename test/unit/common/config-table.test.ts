/**
 * The key tables of the broker and the name server (config-schema.ts): relations between keys
 * refused at load naming both keys and values, the layers merged before relations are checked,
 * embedding values checked by the same rules, and -p / --help-keys driven by the table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_CONFIG_TABLE, loadBrokerConfig } from '../../../src/broker/broker-config.ts';
import { helpKeysText } from '../../../src/common/config-docs.ts';
import type { ConfigTable } from '../../../src/common/config-schema.ts';
import {
  configFromValues,
  ConfigError,
  fieldOf,
  formatConfig,
} from '../../../src/common/config-schema.ts';
import { loadNamesrvCommandConfig } from '../../../src/cli/daemon-config.ts';
import {
  NAMESRV_CONFIG_TABLE,
  namesrvConfigFromProperties,
  NamesrvConfigError,
  parseNamesrvConfig,
} from '../../../src/namesrv/namesrv-config.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const TABLES: readonly ConfigTable[] = [BROKER_CONFIG_TABLE, NAMESRV_CONFIG_TABLE];

let dirs: Array<{ path: string; remove: () => void }> = [];
afterEach(() => {
  for (const dir of dirs) dir.remove();
  dirs = [];
});

function thrown(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config table - declarations', () => {
  it('config table - every relation names keys of its own table, and no key is declared twice', () => {
    for (const table of TABLES) {
      const keys = new Set(Object.keys(table.keys));
      for (const relation of table.relations) {
        const named =
          'check' in relation
            ? relation.keys
            : [relation.key, 'atMost' in relation ? relation.atMost : relation.atLeast];
        for (const key of named) expect(keys, `${table.component}: ${key}`).toContain(key);
      }
      for (const key of table.acceptedWithoutEffect)
        expect(keys.has(key), `${table.component}: ${key} is both used and unused`).toBe(false);
      const fields = Object.entries(table.keys).map(([key, spec]) => fieldOf(key, spec));
      expect(new Set(fields).size).toBe(fields.length);
    }
  });

  it('config table - RocketMQ sample values load: diskMaxUsedSpaceRatio above the refusal ratio', () => {
    // RocketMQ takes diskMaxUsedSpaceRatio=95 beside its 90% write refusal; so does ThrustMQ.
    expect(() => loadBrokerConfig([['diskMaxUsedSpaceRatio', '95']])).not.toThrow();
  });

  it('config table - the defaults satisfy every relation', () => {
    expect(() => loadBrokerConfig([])).not.toThrow();
    expect(() => parseNamesrvConfig({})).not.toThrow();
  });
});

describe('config table - min <= max relations at load', () => {
  it.each([
    [
      'remotingMaxConnectionsPerAddress',
      [
        ['remotingMaxConnections', '100'],
        ['remotingMaxConnectionsPerAddress', '101'],
      ],
      "invalid value for remotingMaxConnectionsPerAddress: '101' (allowed: at most remotingMaxConnections=100: ",
    ],
    [
      'remotingCloseQueuedResponseBytes',
      [
        ['remotingMaxQueuedResponseBytes', '1048576'],
        ['remotingCloseQueuedResponseBytes', '1048575'],
      ],
      "invalid value for remotingCloseQueuedResponseBytes: '1048575' (allowed: at least remotingMaxQueuedResponseBytes=1048576: ",
    ],
  ] as Array<[string, Array<[string, string]>, string]>)(
    'config table - broker %s names both keys and their values',
    (key, entries, message) => {
      const error = thrown(() => loadBrokerConfig(entries));
      expect(error.key).toBe(key);
      expect(error.message.startsWith(message), error.message).toBe(true);
      // Equal is allowed: the bound is inclusive.
      const [low, high] = entries;
      const equal: Array<[string, string]> = [low!, [high![0], low![1]]];
      expect(() => loadBrokerConfig(equal)).not.toThrow();
    },
  );

  it('config table - broker: metricsPort may not be a port the broker binds for clients', () => {
    for (const metricsPort of ['20911', '20909']) {
      const error = thrown(() =>
        loadBrokerConfig([
          ['listenPort', '20911'],
          ['metricsPort', metricsPort],
        ]),
      );
      expect(error.key).toBe('metricsPort');
      expect(error.message).toBe(
        `invalid value for metricsPort: '${metricsPort}' (allowed: a port other than listenPort=20911 and listenPort - 2=20909)`,
      );
    }
    for (const [listenPort, metricsPort] of [
      ['20911', '20910'],
      ['20911', '0'],
      ['20911', '-1'],
      ['0', '20911'],
    ])
      expect(
        loadBrokerConfig([
          ['listenPort', listenPort!],
          ['metricsPort', metricsPort!],
        ]).config.metricsPort,
      ).toBe(Number(metricsPort));
  });

  it('config table - the name server checks its own pair and the remoting limits', () => {
    const error = thrown(() =>
      namesrvConfigFromProperties(
        new Map([
          ['brokerExpireMs', '1000'],
          ['scanNotActiveBrokerInterval', '2000'],
        ]),
        'f',
      ),
    );
    expect(error).toBeInstanceOf(NamesrvConfigError);
    expect(error.name).toBe('NamesrvConfigError');
    expect(error.key).toBe('scanNotActiveBrokerInterval');
    expect(error.message).toMatch(
      /^scanNotActiveBrokerInterval must be at most brokerExpireMs=1000: .* \(got 2000\)$/,
    );
    expect(() =>
      parseNamesrvConfig({ remotingMaxConnections: 5, remotingMaxConnectionsPerAddress: 6 }),
    ).toThrow(/remotingMaxConnectionsPerAddress must be at most remotingMaxConnections=5/);
    expect(
      parseNamesrvConfig({ brokerExpireMs: 1000, scanNotActiveBrokerIntervalMs: 1000 })
        .scanNotActiveBrokerIntervalMs,
    ).toBe(1000);
  });

  it('config table - name-server layers merge before the relations are checked', () => {
    const dir = makeTempDir('config-table');
    dirs.push(dir);
    const file = join(dir.path, 'namesrv.properties');
    writeFileSync(file, 'scanNotActiveBrokerInterval=500\nbrokerExpireMs=1000\n');
    // The flag alone is below the default scan interval; with the file's it is valid.
    const { config } = loadNamesrvCommandConfig(file, [['brokerExpireMs', '600']], {});
    expect(config.brokerExpireMs).toBe(600);
    expect(config.scanNotActiveBrokerIntervalMs).toBe(500);
    expect(() => loadNamesrvCommandConfig(file, [['brokerExpireMs', '400']], {})).toThrow(
      /scanNotActiveBrokerInterval must be at most brokerExpireMs=400/,
    );
  });
});

describe('config table - embedding values', () => {
  it('config table - typed values follow the text rules; text is parsed as a file value would be', () => {
    const config = configFromValues(BROKER_CONFIG_TABLE, { listenPort: '10921', traceOn: false });
    expect(config.listenPort).toBe(10921);
    expect(config.traceOn).toBe(false);
    expect(thrown(() => configFromValues(BROKER_CONFIG_TABLE, { listenPort: 1.5 })).message).toBe(
      "invalid value for listenPort: '1.5' (allowed: an integer in [0, 65535])",
    );
    expect(thrown(() => configFromValues(BROKER_CONFIG_TABLE, { traceOn: 1 })).key).toBe('traceOn');
    expect(thrown(() => configFromValues(BROKER_CONFIG_TABLE, { deleteWhen: '24' })).key).toBe(
      'deleteWhen',
    );
  });
});

describe('config table - printing and help', () => {
  it('config table - -p prints every key once, in table order, and loads back', () => {
    const { config } = loadBrokerConfig([['deleteWhen', '04;16']]);
    const printed = formatConfig(BROKER_CONFIG_TABLE, config).split('\n');
    expect(printed.map((line) => line.slice(0, line.indexOf('=')))).toEqual(
      Object.keys(BROKER_CONFIG_TABLE.keys),
    );
    const entries = printed.map((line): [string, string] => [
      line.slice(0, line.indexOf('=')),
      line.slice(line.indexOf('=') + 1),
    ]);
    expect(loadBrokerConfig(entries).config).toEqual(config);
  });

  it('config table - --help-keys lists every key with its default, the relations and the unused keys', () => {
    for (const table of TABLES) {
      const help = helpKeysText(table);
      for (const [key, spec] of Object.entries(table.keys)) {
        const shown = spec.shownDefault ?? (spec.default === '' ? '(empty)' : String(spec.default));
        expect(help).toContain(`  ${key} (`);
        expect(help).toContain(`default ${shown}`);
      }
      for (const key of table.acceptedWithoutEffect) expect(help).toContain(key);
      expect(help).toContain('Checked between keys at load:');
      for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
    expect(helpKeysText(BROKER_CONFIG_TABLE)).toContain('env NAMESRV_ADDR');
  });
});
