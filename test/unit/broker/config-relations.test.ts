import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/config-schema.ts';
import { loadBrokerConfig } from '../../../src/broker/broker-config.ts';
import {
  checkBrokerConfigRelations,
  minimumSegmentSize,
} from '../../../src/broker/config-relations.ts';
import { configErrorFromStore } from '../../../src/broker/store-config-error.ts';
import { isLocalAddress, nonLocalListenReason } from '../../../src/common/local-address.ts';
import { parseStoreOptions, StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';

const DEFAULTS = loadBrokerConfig([]).config;

/** The key a ConfigError names, or undefined when the relations hold. */
function failingKey(overrides: Partial<typeof DEFAULTS>): string | undefined {
  try {
    checkBrokerConfigRelations({ ...DEFAULTS, ...overrides });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain((error as ConfigError).key);
    return (error as ConfigError).key;
  }
}

describe('config relations - segment size against maxMessageSize', () => {
  it('accepts exactly what the store accepts, and names mappedFileSizeCommitLog otherwise', () => {
    for (const maxMessageSize of [1024, 4 * 1024 * 1024, 64 * 1024 * 1024]) {
      const minimum = minimumSegmentSize(maxMessageSize);
      // The boundary is the store's own: it opens with `minimum` and refuses one byte less.
      expect(() =>
        parseStoreOptions({
          directory: '/nonexistent',
          segmentSizeBytes: minimum,
          maxMessageSizeBytes: maxMessageSize,
        }),
      ).not.toThrow();
      expect(() =>
        parseStoreOptions({
          directory: '/nonexistent',
          segmentSizeBytes: minimum - 1,
          maxMessageSizeBytes: maxMessageSize,
        }),
      ).toThrow(StoreError);
      expect(failingKey({ maxMessageSize, mappedFileSizeCommitLog: minimum })).toBeUndefined();
      expect(failingKey({ maxMessageSize, mappedFileSizeCommitLog: minimum - 1 })).toBe(
        'mappedFileSizeCommitLog',
      );
    }
    expect(() => loadBrokerConfig([['mappedFileSizeCommitLog', '2097152']])).toThrow(
      /mappedFileSizeCommitLog: '2097152' \(allowed: at least maxMessageSize \+ 65544, 4259848 with maxMessageSize=4194304/,
    );
    // Lowering maxMessageSize makes a small segment valid.
    expect(
      loadBrokerConfig([
        ['mappedFileSizeCommitLog', '1048576'],
        ['maxMessageSize', '524288'],
      ]).config.mappedFileSizeCommitLog,
    ).toBe(1048576);
  });
});

describe('config relations - deleteWhen', () => {
  it('takes RocketMQ hours of the day separated by ;, 0-23 each', () => {
    for (const ok of ['04', '4', '0', '23', '04;16', '00;06;12;18', '4;05'])
      expect(failingKey({ deleteWhen: ok }), ok).toBeUndefined();
    for (const bad of ['24', '25', '04;24', '99', '', ';04', '04;', '4 ;5', '-1', '004'])
      expect(failingKey({ deleteWhen: bad }), bad).toBe('deleteWhen');
  });
});

describe('config relations - brokerIP1 and brokerIP2', () => {
  it('takes empty, IPv4 or IPv6 and names the key otherwise', () => {
    for (const key of ['brokerIP1', 'brokerIP2'] as const) {
      for (const ok of ['', '10.0.0.9', '127.0.0.1', '::1', 'fe80::1'])
        expect(failingKey({ [key]: ok }), ok).toBeUndefined();
      for (const bad of ['999.1.1.1', '10.0.0', 'broker-a.local', '10.0.0.1:10911', ' 1.2.3.4x'])
        expect(failingKey({ [key]: bad }), bad).toBe(key);
    }
    expect(() => loadBrokerConfig([['brokerIP1', '999.1.1.1']])).toThrow(
      "invalid value for brokerIP1: '999.1.1.1'",
    );
  });
});

describe('config relations - namesrvAddr', () => {
  it('takes host:port entries separated by ; and names namesrvAddr otherwise', () => {
    for (const ok of [
      '',
      '127.0.0.1:9876',
      'ns1:9876;ns2:9876',
      ' ns1:9876 ; ns2:9877 ',
      'ns1:9876;',
      '[::1]:9876',
    ])
      expect(failingKey({ namesrvAddr: ok }), ok).toBeUndefined();
    for (const bad of [
      'no-port-here',
      'ns1:9876;no-port',
      'ns1:',
      ':9876',
      'ns1:0',
      'ns1:65536',
      'ns1:98x6',
      '::1:9876',
      'ns 1:9876',
    ])
      expect(failingKey({ namesrvAddr: bad }), bad).toBe('namesrvAddr');
  });
});

describe('config relations - store option errors map to broker keys', () => {
  it('turns a layout mismatch into a ConfigError naming mappedFileSizeCommitLog and the old size', () => {
    // As it arrives from an actor thread: fields on a plain Error, wrapped by the actor start.
    const crossed = Object.assign(new Error('commit-log segment ... is 8388608 bytes'), {
      code: StoreErrorCode.LAYOUT_MISMATCH,
      option: 'segmentSizeBytes',
      existing: 8388608,
    });
    const wrapped = new Error('queue actor 0 failed to start', { cause: crossed });
    const error = configErrorFromStore(wrapped, {
      storePathRootDir: '/data',
      mappedFileSizeCommitLog: 16777216,
    });
    expect(error?.key).toBe('mappedFileSizeCommitLog');
    expect(error?.message).toBe(
      "invalid value for mappedFileSizeCommitLog: '16777216' (the data directory /data was created with mappedFileSizeCommitLog=8388608; keep that value or use another storePathRootDir)",
    );
  });

  it('names the broker key of an invalid store option, and leaves other errors alone', () => {
    let thrown: unknown;
    try {
      parseStoreOptions({ directory: '/x', deleteWhen: '25' });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as StoreError).option).toBe('deleteWhen');
    const error = configErrorFromStore(thrown, { storePathRootDir: '/x', deleteWhen: '25' });
    expect(error?.key).toBe('deleteWhen');
    expect(error?.message).toMatch(/^invalid value for deleteWhen: '25' \(the store refused it/);
    expect(
      configErrorFromStore(new StoreError(StoreErrorCode.IO_ERROR, 'disk'), {
        storePathRootDir: '/x',
      }),
    ).toBeUndefined();
    expect(configErrorFromStore(new Error('other'), { storePathRootDir: '/x' })).toBeUndefined();
  });
});

describe('local listen addresses', () => {
  it('knows wildcards, loopback and this machine, and refuses other hosts', async () => {
    for (const local of ['0.0.0.0', '::', '127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'])
      expect(isLocalAddress(local), local).toBe(true);
    for (const remote of ['10.99.99.99', '203.0.113.7', '2001:db8::1', 'not-an-ip'])
      expect(isLocalAddress(remote), remote).toBe(false);
    expect(await nonLocalListenReason('')).toBeUndefined();
    expect(await nonLocalListenReason('127.0.0.1')).toBeUndefined();
    expect(await nonLocalListenReason('localhost')).toBeUndefined();
    expect(await nonLocalListenReason('203.0.113.7')).toBe('not an address of this machine');
  });
});
