/**
 * `thrustmq namesrv [-c namesrv.properties] [-p]`: runs a name server until SIGTERM/SIGINT, as
 * RocketMQ's mqnamesrv. Logs go to stderr; stdout gets exactly one line once it listens (tests
 * and scripts wait for it). Exit codes: 0 after a clean stop or -p, 2 for bad arguments or
 * config, 1 when the server cannot start.
 */
import { pino } from 'pino';
import { formatProperties, PropertiesError, readPropertiesFile } from '../common/properties.ts';
import { startNameServer } from '../namesrv/name-server.ts';
import type { NameServer } from '../namesrv/name-server.ts';
import {
  NAMESRV_CONFIG_DEFINITIONS,
  namesrvConfigEntries,
  namesrvConfigFromProperties,
  NamesrvConfigError,
} from '../namesrv/namesrv-config.ts';
import type { LoadedNamesrvConfig } from '../namesrv/namesrv-config.ts';

const USAGE = `usage: thrustmq namesrv [-c namesrv.properties] [-p]

  -c, --configFile FILE   read RocketMQ namesrv.properties keys from FILE
  -p, --printConfigItem   print the effective config as key=value and exit
  -h, --help              print this help

keys:
${NAMESRV_CONFIG_DEFINITIONS.map((d) => `  ${d.key.padEnd(28)}${d.description}`).join('\n')}
`;

interface NamesrvArgs {
  configFile: string | undefined;
  printConfig: boolean;
  help: boolean;
}

function parseArgs(args: readonly string[]): NamesrvArgs {
  const parsed: NamesrvArgs = { configFile: undefined, printConfig: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--configFile') {
      const file = args[++i];
      if (file === undefined) throw new UsageError(`${arg} needs a file name`);
      parsed.configFile = file;
    } else if (arg === '-p' || arg === '--printConfigItem') {
      parsed.printConfig = true;
    } else if (arg === '-h' || arg === '--help') {
      parsed.help = true;
    } else {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return parsed;
}

class UsageError extends Error {}

function loadConfig(configFile: string | undefined): LoadedNamesrvConfig {
  if (configFile === undefined) return namesrvConfigFromProperties(new Map(), 'defaults');
  return namesrvConfigFromProperties(readPropertiesFile(configFile), configFile);
}

export async function runNamesrvCommand(args: readonly string[]): Promise<number> {
  let parsed: NamesrvArgs;
  let loaded: LoadedNamesrvConfig;
  try {
    parsed = parseArgs(args);
    if (parsed.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    loaded = loadConfig(parsed.configFile);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof NamesrvConfigError ||
      error instanceof PropertiesError
    ) {
      process.stderr.write(`thrustmq namesrv: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.printConfig) {
    for (const warning of loaded.warnings) process.stderr.write(`thrustmq namesrv: ${warning}\n`);
    process.stdout.write(formatProperties(namesrvConfigEntries(loaded.config)));
    return 0;
  }

  const logger = pino(
    { level: process.env.LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: true }),
  );
  for (const warning of loaded.warnings) logger.warn(warning);
  // Signal handlers go in before the boot line: a supervisor may signal the moment it reads it.
  const stopRequested = waitForStopSignal(logger);
  let nameServer: NameServer;
  try {
    nameServer = await startNameServer({ ...loaded.config, logger });
  } catch (error) {
    stopRequested.dispose();
    process.stderr.write(`thrustmq namesrv: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const host = loaded.config.listenHost;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(
    `The Name Server boot success. serializeType=JSON, address=${shownHost}:${nameServer.port}\n`,
  );
  await stopRequested.signalled;
  try {
    await nameServer.close();
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'name server did not stop cleanly');
    return 1;
  } finally {
    stopRequested.dispose();
  }
}

/** Resolves on the first SIGTERM/SIGINT; a second one while stopping exits at once. */
function waitForStopSignal(logger: pino.Logger): {
  signalled: Promise<NodeJS.Signals>;
  dispose: () => void;
} {
  let stopping = false;
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal while stopping; exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping name server');
      resolve(signal);
    };
  });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signalled,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
