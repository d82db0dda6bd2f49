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

import { UsageError } from './cli-errors.ts';

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

/**
 * Parses daemon options. knownKeys are the config keys --KEY accepts; an unknown --KEY is a
 * usage error naming the closest key, since a typo at the prompt is better caught than ignored.
 */
export function parseDaemonArgs(
  args: readonly string[],
  knownKeys: readonly string[],
  options: { namesrvFlag: boolean },
): DaemonArgs {
  const parsed: DaemonArgs = {
    configFile: undefined,
    printConfig: false,
    help: false,
    logLevel: undefined,
    overrides: [],
  };
  const valueOf = (i: number, what: string): string => {
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${args[i]} needs ${what}`);
    return value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--configFile') parsed.configFile = valueOf(i++, 'a file name');
    else if (options.namesrvFlag && (arg === '-n' || arg === '--namesrvAddr'))
      parsed.overrides.push(['namesrvAddr', valueOf(i++, 'an address list')]);
    else if (arg === '-p' || arg === '--printConfigItem') parsed.printConfig = true;
    else if (arg === '-h' || arg === '--help') parsed.help = true;
    else if (arg === '--log-level') parsed.logLevel = valueOf(i++, 'a level');
    else if (arg.startsWith('--log-level=')) parsed.logLevel = arg.slice('--log-level='.length);
    else if (arg === '-o') parsed.overrides.push(keyValue(valueOf(i++, 'KEY=VALUE'), knownKeys));
    else if (arg.startsWith('--') && arg.includes('='))
      parsed.overrides.push(keyValue(arg.slice(2), knownKeys));
    else if (arg.startsWith('--') && arg.length > 2) {
      const key = knownKey(arg.slice(2), knownKeys);
      parsed.overrides.push([key, valueOf(i++, 'a value')]);
    } else throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
  }
  return parsed;
}

function keyValue(text: string, knownKeys: readonly string[]): [string, string] {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new UsageError(`expected KEY=VALUE, got ${JSON.stringify(text)}`);
  return [knownKey(text.slice(0, equals), knownKeys), text.slice(equals + 1)];
}

function knownKey(key: string, knownKeys: readonly string[]): string {
  if (knownKeys.includes(key)) return key;
  const best = closestKey(key, knownKeys);
  throw new UsageError(
    `unknown config key ${JSON.stringify(key)}${best === undefined ? '' : `; did you mean ${best}?`}`,
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
