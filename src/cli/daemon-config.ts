/**
 * Command-line options and configuration layers shared by `thrustmq broker` and
 * `thrustmq namesrv` (and `thrustmq shutdown -c`, which must find the same data directory).
 *
 * Layers, later wins: defaults (rooted at $THRUSTMQ_HOME when set) < the properties file (-c)
 * < environment (NAMESRV_ADDR) < flags (-n, -o key=value, --key=value, --key value).
 * ROCKETMQ_HOME is deliberately not read: it names a RocketMQ installation, and a ThrustMQ
 * broker writing into it would surprise its owner.
 */
import { dirname, join, resolve } from 'node:path';
import { closestKey } from '../common/config-schema.ts';
import { readPropertiesFile } from '../common/properties.ts';
import type { BrokerConfig } from '../broker/broker-config.ts';
import {
  ACCEPTED_UNUSED_BROKER_KEYS,
  BROKER_CONFIG_SCHEMA,
  loadBrokerConfig,
} from '../broker/broker-config.ts';
import {
  NAMESRV_CONFIG_SCHEMA,
  namesrvConfigFromProperties,
  parseNamesrvProperties,
} from '../namesrv/namesrv-config.ts';
import type { LoadedNamesrvConfig, NameServerConfig } from '../namesrv/namesrv-config.ts';

import { UsageError, UsageErrorCode } from './cli-errors.ts';
import type { FlagTable } from './flags.ts';
import { parseFlags } from './flags.ts';

export { UsageError };

export interface DaemonArgs {
  configFile: string | undefined;
  printConfig: boolean;
  help: boolean;
  logLevel: string | undefined;
  /** key=value overrides in command-line order (-n becomes namesrvAddr). */
  overrides: Array<[string, string]>;
}

export const DAEMON_OPTIONS_USAGE = `  -c, --configFile FILE   read RocketMQ properties keys from FILE
  -p, --printConfigItem   print the effective config as key=value and exit
  -o KEY=VALUE            set any config key (also --KEY=VALUE or --KEY VALUE)
      --log-level LEVEL   fatal, error, warn, info (default), debug, trace or silent
                          (default from LOG_LEVEL)
  -h, --help              print this help`;

const DAEMON_FLAGS: FlagTable = {
  configFile: { type: 'string', short: 'c' },
  printConfigItem: { type: 'boolean', short: 'p' },
  help: { type: 'boolean', short: 'h' },
  'log-level': { type: 'string' },
  o: { type: 'string', short: 'o' },
};

const BROKER_FLAGS: FlagTable = {
  ...DAEMON_FLAGS,
  namesrvAddr: { type: 'string', short: 'n' },
};

/**
 * Parses daemon options. knownKeys are the config keys --KEY accepts; an unknown --KEY is a
 * usage error naming the closest key, since a typo at the prompt is better caught than ignored.
 */
export function parseDaemonArgs(
  args: readonly string[],
  knownKeys: readonly string[],
  options: { namesrvFlag: boolean },
): DaemonArgs {
  const keys = new Set(knownKeys);
  const { flags } = parseFlags(args, options.namesrvFlag ? BROKER_FLAGS : DAEMON_FLAGS, {
    isExtra: (name) => keys.has(name),
    unknownExtra: (name) => unknownKeyError(name, knownKeys),
  });
  const parsed: DaemonArgs = {
    configFile: undefined,
    printConfig: false,
    help: false,
    logLevel: undefined,
    overrides: [],
  };
  for (const { name, value } of flags) {
    const text = String(value);
    if (name === 'configFile') parsed.configFile = text;
    else if (name === 'printConfigItem') parsed.printConfig = true;
    else if (name === 'help') parsed.help = true;
    else if (name === 'log-level') parsed.logLevel = text;
    else if (name === 'o') parsed.overrides.push(keyValue(text, knownKeys));
    // -n, --namesrvAddr and every --KEY: in command-line order, so the last one wins.
    else parsed.overrides.push([name, text]);
  }
  return parsed;
}

function keyValue(text: string, knownKeys: readonly string[]): [string, string] {
  const equals = text.indexOf('=');
  if (equals <= 0)
    throw new UsageError(
      `option -o needs KEY=VALUE, got ${JSON.stringify(text)}`,
      UsageErrorCode.INVALID_VALUE,
    );
  const key = text.slice(0, equals);
  if (!knownKeys.includes(key)) throw unknownKeyError(key, knownKeys);
  return [key, text.slice(equals + 1)];
}

function unknownKeyError(key: string, knownKeys: readonly string[]): UsageError {
  const best = closestKey(key, knownKeys);
  return new UsageError(
    `unknown config key ${JSON.stringify(key)}${best === undefined ? '' : `; did you mean ${best}?`}`,
    UsageErrorCode.UNKNOWN_CONFIG_KEY,
  );
}

/** $THRUSTMQ_HOME when set: the root of data, name-server state, logs and the run directory. */
export function thrustmqHome(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = env['THRUSTMQ_HOME']?.trim();
  return home ? resolve(home) : undefined;
}

export const BROKER_KEYS: readonly string[] = [
  ...Object.keys(BROKER_CONFIG_SCHEMA),
  ...ACCEPTED_UNUSED_BROKER_KEYS,
];

/** The broker's effective config; storePathRootDir comes back absolute. */
export function loadBrokerCommandConfig(
  configFile: string | undefined,
  overrides: ReadonlyArray<[string, string]>,
  env: NodeJS.ProcessEnv = process.env,
): { config: BrokerConfig; warnings: string[] } {
  const sources: Array<[string, string]> = [];
  const home = thrustmqHome(env);
  if (home !== undefined) sources.push(['storePathRootDir', join(home, 'store')]);
  if (configFile !== undefined) sources.push(...readPropertiesFile(configFile));
  for (const [key, spec] of Object.entries(BROKER_CONFIG_SCHEMA)) {
    const fromEnv = 'env' in spec ? env[spec.env]?.trim() : undefined;
    if (fromEnv) sources.push([key, fromEnv]);
  }
  sources.push(...overrides);
  const loaded = loadBrokerConfig(sources);
  loaded.config.storePathRootDir = resolve(loaded.config.storePathRootDir);
  return loaded;
}

export const NAMESRV_KEYS: readonly string[] = Object.keys(NAMESRV_CONFIG_SCHEMA);

/** The name server's effective config; kvConfigPath comes back absolute. */
export function loadNamesrvCommandConfig(
  configFile: string | undefined,
  overrides: ReadonlyArray<[string, string]>,
  env: NodeJS.ProcessEnv = process.env,
): LoadedNamesrvConfig {
  const fromFile =
    configFile === undefined ? new Map<string, string>() : readPropertiesFile(configFile);
  const flags = new Map(overrides);
  // Validated on their own so that an error names the command line, not the file; the
  // relations between keys are checked once the layers are merged.
  const winning = parseNamesrvProperties(flags, 'the command line').values;
  const home = thrustmqHome(env);
  if (home !== undefined && !fromFile.has('kvConfigPath') && !flags.has('kvConfigPath'))
    winning.kvConfigPath = join(home, 'namesrv', 'kvConfig.json');
  const loaded = namesrvConfigFromProperties(fromFile, configFile ?? 'defaults', winning);
  return {
    config: Object.freeze({ ...loaded.config, kvConfigPath: resolve(loaded.config.kvConfigPath) }),
    warnings: loaded.warnings,
  };
}

/** Where a name server keeps its pid file and logs: beside kvConfig.json. */
export function namesrvHomeDir(config: NameServerConfig): string {
  return dirname(config.kvConfigPath);
}
