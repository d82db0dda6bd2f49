import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProperties } from '../../../src/common/properties.ts';
import {
  defaultNamesrvConfig,
  namesrvConfigEntries,
  namesrvConfigFromProperties,
  NamesrvConfigError,
  parseNamesrvConfig,
} from '../../../src/namesrv/namesrv-config.ts';
import { serverLimitsDefaults } from '../../../src/remoting/server-limits-config.ts';

describe('namesrv config - loading', () => {
  it('namesrv - defaults are RocketMQ defaults', () => {
    expect(defaultNamesrvConfig()).toEqual({
      listenPort: 9876,
      listenHost: '0.0.0.0',
      kvConfigPath: join(homedir(), 'namesrv', 'kvConfig.json'),
      scanNotActiveBrokerIntervalMs: 10_000,
      brokerExpireMs: 120_000,
      orderMessageEnable: false,
      ...serverLimitsDefaults(),
    });
  });

  it('namesrv - reads RocketMQ keys from a properties file', () => {
    const { config, warnings } = namesrvConfigFromProperties(
      parseProperties(
        'listenPort=19876\nkvConfigPath=/tmp/kv.json\norderMessageEnable=TRUE\n' +
          'scanNotActiveBrokerInterval=500\nbrokerExpireMs=2000\nserverWorkerThreads=8\n',
      ),
      'namesrv.properties',
    );
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      listenPort: 19876,
      kvConfigPath: '/tmp/kv.json',
      orderMessageEnable: true,
      scanNotActiveBrokerIntervalMs: 500,
      brokerExpireMs: 2000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('namesrv - an unknown key warns with the closest known key', () => {
    const { warnings } = namesrvConfigFromProperties(new Map([['listenPrt', '1']]), 'a.properties');
    expect(warnings).toEqual([
      'unknown key "listenPrt" in a.properties is ignored; did you mean "listenPort"?',
    ]);
  });

  it.each([
    [
      'listenPort',
      '70000',
      /listenPort=70000 in f is invalid: listenPort must be an integer in \[0, 65535\]/,
    ],
    ['listenPort', 'abc', /listenPort=abc in f is invalid/],
    ['orderMessageEnable', 'yes', /orderMessageEnable must be 'true' or 'false'/],
    ['brokerExpireMs', '5', /brokerExpireMs must be an integer in \[100, 86400000\]/],
    ['listenHost', '', /listenHost must be a non-empty string/],
  ])('namesrv - an invalid %s=%s names key, value and what is allowed', (key, value, message) => {
    let error: unknown;
    try {
      namesrvConfigFromProperties(new Map([[key, value]]), 'f');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NamesrvConfigError);
    expect((error as NamesrvConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });

  it('namesrv - embedding options are validated too', () => {
    expect(() => parseNamesrvConfig({ listenPort: -1 })).toThrow(
      'listenPort must be an integer in [0, 65535] (got -1)',
    );
    expect(parseNamesrvConfig({ listenPort: 0 }).listenPort).toBe(0);
  });

  it('namesrv - the effective config prints as properties that load back', () => {
    const config = parseNamesrvConfig({ listenPort: 1234, kvConfigPath: '/x/kv.json' });
    const entries = namesrvConfigEntries(config);
    expect(entries).toContainEqual(['listenPort', '1234']);
    expect(entries).toContainEqual(['scanNotActiveBrokerInterval', '10000']);
    expect(namesrvConfigFromProperties(new Map(entries), 'p').config).toEqual(config);
  });
});
