/**
 * Name-server configuration: one definitions table (properties key, field, default, parser)
 * drives loading a RocketMQ `namesrv.properties`, validation and `thrustmq namesrv -p`.
 * RocketMQ's keys keep their names (protocol/STORE.md, "Name server"); ours carry units.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { editDistance } from '../common/config-schema.ts';
import type { ServerLimitsConfig } from '../remoting/server-limits-config.ts';
import { serverLimitsDefaults, serverLimitsDefinitions } from '../remoting/server-limits-config.ts';

export interface NameServerConfig extends ServerLimitsConfig {
  /** TCP port of the remoting server; 0 binds a free port. */
  listenPort: number;
  /** Interface to bind. */
  listenHost: string;
  /** Where KV config (PUT_KV_CONFIG…) is persisted, RocketMQ's kvConfig.json. */
  kvConfigPath: string;
  /** How often brokers silent for brokerExpireMs are dropped. */
  scanNotActiveBrokerIntervalMs: number;
  /** A broker whose last registration is older than this is dropped. */
  brokerExpireMs: number;
  /** Add `orderTopicConf` from KV namespace ORDER_TOPIC_CONFIG to routes. */
  orderMessageEnable: boolean;
}

export class NamesrvConfigError extends Error {
  override readonly name = 'NamesrvConfigError';
  readonly code = 'TMQ_INVALID_CONFIG';
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

export function defaultNamesrvConfig(): NameServerConfig {
  return {
    listenPort: 9876,
    listenHost: '0.0.0.0',
    kvConfigPath: join(homedir(), 'namesrv', 'kvConfig.json'),
    scanNotActiveBrokerIntervalMs: 10_000,
    brokerExpireMs: 120_000,
    orderMessageEnable: false,
    ...serverLimitsDefaults(),
  };
}

type Field = keyof NameServerConfig;

interface Definition {
  /** The key in namesrv.properties. */
  key: string;
  field: Field;
  description: string;
  parse: (text: string) => NameServerConfig[Field];
  check: (value: unknown) => string | undefined;
}

function integerIn(min: number, max: number): Pick<Definition, 'parse' | 'check'> {
  const allowed = `an integer in [${min}, ${max}]`;
  return {
    parse: (text) => (/^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN),
    check: (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
        ? undefined
        : allowed,
  };
}

const nonEmptyString: Pick<Definition, 'parse' | 'check'> = {
  parse: (text) => text.trim(),
  check: (value) =>
    typeof value === 'string' && value.length > 0 && value.length <= 4096
      ? undefined
      : 'a non-empty string',
};

const boolean: Pick<Definition, 'parse' | 'check'> = {
  // Java's Boolean.parseBoolean reads anything but "true" as false; we refuse typos instead.
  parse: (text) => {
    const lower = text.trim().toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : (text as unknown as boolean);
  },
  check: (value) => (typeof value === 'boolean' ? undefined : "'true' or 'false'"),
};

export const NAMESRV_CONFIG_DEFINITIONS: readonly Definition[] = [
  {
    key: 'listenPort',
    field: 'listenPort',
    description: 'remoting port (0 = any free port)',
    ...integerIn(0, 65535),
  },
  { key: 'listenHost', field: 'listenHost', description: 'interface to bind', ...nonEmptyString },
  {
    key: 'kvConfigPath',
    field: 'kvConfigPath',
    description: 'file holding KV config',
    ...nonEmptyString,
  },
  {
    key: 'scanNotActiveBrokerInterval',
    field: 'scanNotActiveBrokerIntervalMs',
    description: 'ms between scans for silent brokers',
    ...integerIn(10, 3_600_000),
  },
  {
    key: 'brokerExpireMs',
    field: 'brokerExpireMs',
    description: 'ms of silence after which a broker is dropped',
    ...integerIn(100, 86_400_000),
  },
  {
    key: 'orderMessageEnable',
    field: 'orderMessageEnable',
    description: 'add orderTopicConf from KV config to routes',
    ...boolean,
  },
  ...serverLimitsDefinitions(),
];

/**
 * Keys RocketMQ's name server reads that have no effect here (Netty and environment settings);
 * accepted silently so that an operator's existing file loads.
 */
const RECOGNIZED_WITHOUT_EFFECT = new Set([
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
]);

export interface LoadedNamesrvConfig {
  config: Readonly<NameServerConfig>;
  /** One line per key that was not understood, naming the closest known key. */
  warnings: string[];
}

/** Merges over the defaults and validates; throws NamesrvConfigError naming the field. */
export function parseNamesrvConfig(input: Partial<NameServerConfig>): Readonly<NameServerConfig> {
  const config: NameServerConfig = defaultNamesrvConfig();
  for (const definition of NAMESRV_CONFIG_DEFINITIONS) {
    const value = input[definition.field];
    if (value === undefined) continue;
    const allowed = definition.check(value);
    if (allowed !== undefined) {
      throw new NamesrvConfigError(
        definition.field,
        `${definition.field} must be ${allowed} (got ${JSON.stringify(value)})`,
      );
    }
    (config as unknown as Record<string, unknown>)[definition.field] = value;
  }
  return Object.freeze(config);
}

/**
 * Reads namesrv.properties entries (source names the file in messages). Unknown keys become
 * warnings; invalid values throw NamesrvConfigError naming key, value, source and what is allowed.
 */
export function namesrvConfigFromProperties(
  properties: ReadonlyMap<string, string>,
  source: string,
  overrides: Partial<NameServerConfig> = {},
): LoadedNamesrvConfig {
  const input: Partial<NameServerConfig> = {};
  const warnings: string[] = [];
  for (const [key, text] of properties) {
    const definition = NAMESRV_CONFIG_DEFINITIONS.find((d) => d.key === key);
    if (definition === undefined) {
      if (!RECOGNIZED_WITHOUT_EFFECT.has(key)) warnings.push(unknownKeyWarning(key, source));
      continue;
    }
    const value = definition.parse(text);
    const allowed = definition.check(value);
    if (allowed !== undefined) {
      throw new NamesrvConfigError(
        key,
        `${key}=${text} in ${source} is invalid: ${key} must be ${allowed}`,
      );
    }
    (input as Record<string, unknown>)[definition.field] = value;
  }
  return { config: parseNamesrvConfig({ ...input, ...overrides }), warnings };
}

/** key=value lines of the effective config, readable back as namesrv.properties. */
export function namesrvConfigEntries(config: NameServerConfig): Array<[string, string]> {
  return NAMESRV_CONFIG_DEFINITIONS.map((d) => [d.key, String(config[d.field])]);
}

function unknownKeyWarning(rawKey: string, source: string): string {
  const key = rawKey.slice(0, 200);
  const known = [
    ...NAMESRV_CONFIG_DEFINITIONS.map((d) => d.key),
    ...NAMESRV_CONFIG_DEFINITIONS.map((d) => d.field),
  ];
  let best = known[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const closest = NAMESRV_CONFIG_DEFINITIONS.find((d) => d.key === best || d.field === best)!.key;
  return `unknown key ${JSON.stringify(key)} in ${source} is ignored; did you mean ${JSON.stringify(closest)}?`;
}
