/**
 * Name-server configuration: NAMESRV_CONFIG_TABLE (config-schema.ts, as the broker's) drives
 * loading a RocketMQ `namesrv.properties`, validation, `thrustmq namesrv -p`, `--help-keys` and
 * the README list. RocketMQ's keys keep their names (protocol/STORE.md, "Name server"); the typed
 * config carries units (scanNotActiveBrokerInterval is the field scanNotActiveBrokerIntervalMs).
 * Its messages keep their own wording: `KEY=VALUE in SOURCE is invalid: KEY must be ...`.
 */
import { homedir } from 'node:os';
import { ConfigErrorCode } from '../common/config-error-codes.ts';
import { join } from 'node:path';
import type { ConfigOf, ConfigMessages, ConfigTable, Schema } from '../common/config-schema.ts';
import {
  checkRelations,
  configEntries,
  configFromValues,
  ConfigError,
  inGroup,
  parseEntries,
} from '../common/config-schema.ts';
import {
  SERVER_LIMITS_CONFIG_SCHEMA,
  SERVER_LIMITS_RELATIONS,
} from '../remoting/server-limits-config.ts';

/** A name-server ConfigError: the name scripts and tests already know. */
export class NamesrvConfigError extends ConfigError {
  override readonly name: string = 'NamesrvConfigError';
  constructor(key: string, message: string) {
    super(key, message, ConfigErrorCode.NAMESRV_INVALID_VALUE);
  }
}

const NON_EMPTY = /^[\s\S]{1,4096}$/;

export const NAMESRV_CONFIG_SCHEMA = {
  ...inGroup('Name server', {
    listenPort: {
      type: 'int',
      default: 9876,
      min: 0,
      max: 65535,
      doc: 'Remoting port (0 = any free port).',
    },
    listenHost: {
      type: 'string',
      default: '0.0.0.0',
      pattern: NON_EMPTY,
      allowed: 'a non-empty string',
      doc: 'Interface to bind.',
    },
    kvConfigPath: {
      type: 'string',
      default: join(homedir(), 'namesrv', 'kvConfig.json'),
      shownDefault: '$THRUSTMQ_HOME/namesrv/kvConfig.json, else ~/namesrv/kvConfig.json',
      pattern: NON_EMPTY,
      allowed: 'a non-empty string',
      doc: "File holding KV config (RocketMQ's kvConfig.json); the pid file and logs/ go beside it.",
    },
    scanNotActiveBrokerInterval: {
      type: 'int',
      field: 'scanNotActiveBrokerIntervalMs',
      default: 10_000,
      min: 10,
      max: 3_600_000,
      doc: 'Milliseconds between scans for brokers silent longer than brokerExpireMs.',
    },
    brokerExpireMs: {
      type: 'int',
      default: 120_000,
      min: 100,
      max: 86_400_000,
      doc: 'Milliseconds of silence after which a broker is dropped from routes.',
    },
    orderMessageEnable: {
      type: 'bool',
      default: false,
      doc: 'Add orderTopicConf from KV namespace ORDER_TOPIC_CONFIG to routes.',
    },
  }),
  ...inGroup('Connections and floods', SERVER_LIMITS_CONFIG_SCHEMA),
} as const satisfies Schema;

export type NameServerConfig = ConfigOf<typeof NAMESRV_CONFIG_SCHEMA>;

/**
 * Keys RocketMQ's name server reads that have no effect here (Netty and environment settings);
 * accepted silently so that an operator's existing file loads.
 */
const ACCEPTED_WITHOUT_EFFECT: readonly string[] = [
  'rocketmqHome',
  'configStorePath',
  'productEnvName',
  'clusterTest',
  'serverWorkerThreads',
  'serverCallbackExecutorThreads',
  'serverSelectorThreads',
  'serverOnewaySemaphoreValue',
  'serverAsyncSemaphoreValue',
  'serverChannelMaxIdleTimeSeconds',
  'serverSocketSndBufSize',
  'serverSocketRcvBufSize',
  'serverPooledByteBufAllocatorEnable',
  'useEpollNativeSelector',
  'defaultThreadPoolNums',
  'clientRequestThreadPoolNums',
  'defaultThreadPoolQueueCapacity',
  'clientRequestThreadPoolQueueCapacity',
  'enableAllTopicList',
  'enableTopicList',
  'notifyMinBrokerIdChanged',
  'enableControllerInNamesrv',
  'needWaitForService',
  'waitSecondsForService',
  'deleteTopicWithBrokerRegistration',
];

const NAMESRV_MESSAGES: ConfigMessages = {
  invalidText: (key, raw, allowed, source) =>
    `${key}=${raw} in ${source ?? 'the config'} is invalid: ${key} must be ${allowed}`,
  invalidValue: (key, shown, allowed) => `${key} must be ${allowed} (got ${shown})`,
  unknownKey: (key, suggestion, source) =>
    `unknown key ${JSON.stringify(key.slice(0, 200))} in ${source ?? 'the config'} is ignored; did you mean ${JSON.stringify(suggestion)}?`,
  alwaysSuggest: true,
};

export const NAMESRV_CONFIG_TABLE: ConfigTable<typeof NAMESRV_CONFIG_SCHEMA> = {
  component: 'namesrv',
  keys: NAMESRV_CONFIG_SCHEMA,
  acceptedWithoutEffect: ACCEPTED_WITHOUT_EFFECT,
  relations: [
    {
      key: 'scanNotActiveBrokerInterval',
      atMost: 'brokerExpireMs',
      why: 'a silent broker would stay in routes up to a scan interval past its expiry',
    },
    ...SERVER_LIMITS_RELATIONS,
  ],
  messages: NAMESRV_MESSAGES,
  error: (key, message) => new NamesrvConfigError(key, message),
};

export function defaultNamesrvConfig(): NameServerConfig {
  return configFromValues(NAMESRV_CONFIG_TABLE, {});
}

export interface LoadedNamesrvConfig {
  config: Readonly<NameServerConfig>;
  /** One line per key that was not understood, naming the closest known key. */
  warnings: string[];
}

/** Merges over the defaults and validates; throws NamesrvConfigError naming the field. */
export function parseNamesrvConfig(input: Partial<NameServerConfig>): Readonly<NameServerConfig> {
  const config = configFromValues(NAMESRV_CONFIG_TABLE, input);
  checkRelations(NAMESRV_CONFIG_TABLE, config);
  return Object.freeze(config);
}

/**
 * The values namesrv.properties entries give, without defaults or relations (a layer that
 * later layers override). Unknown keys become warnings; an invalid value throws
 * NamesrvConfigError naming key, value, source and what is allowed.
 */
export function parseNamesrvProperties(
  properties: Iterable<[string, string]>,
  source: string,
): { values: Partial<NameServerConfig>; warnings: string[] } {
  const { config, warnings } = parseEntries(NAMESRV_CONFIG_TABLE, properties, { source });
  return { values: config, warnings };
}

/** Reads namesrv.properties entries (source names the file in messages) under overrides. */
export function namesrvConfigFromProperties(
  properties: ReadonlyMap<string, string>,
  source: string,
  overrides: Partial<NameServerConfig> = {},
): LoadedNamesrvConfig {
  const { values, warnings } = parseNamesrvProperties(properties, source);
  return { config: parseNamesrvConfig({ ...values, ...overrides }), warnings };
}

/** key=value entries of the effective config, in table order, readable as namesrv.properties. */
export function namesrvConfigEntries(config: NameServerConfig): Array<[string, string]> {
  return configEntries(NAMESRV_CONFIG_TABLE, config);
}
