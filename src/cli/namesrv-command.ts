/**
 * `thrustmq namesrv [-c namesrv.properties] [-p] [--KEY=VALUE]`: runs a name server until
 * SIGTERM/SIGINT, as RocketMQ's mqnamesrv; config layers as daemon-config.ts describes. Logs go
 * to stderr and `logs/` beside kvConfig.json, where `namesrv.pid` also goes (plus a run-directory
 * registration for `thrustmq shutdown namesrv`); stdout gets exactly one line once it listens
 * (tests and scripts wait for it). Exit codes: 0 after a clean stop or -p, 2 for bad arguments
 * or config, 1 when the server cannot start.
 */
import type { Logger } from 'pino';
import { nonLocalListenReason } from '../common/local-address.ts';
import { formatProperties } from '../common/properties.ts';
import { startNameServer } from '../namesrv/name-server.ts';
import type { NameServer } from '../namesrv/name-server.ts';
import { helpKeysText } from '../common/config-docs.ts';
import { NAMESRV_CONFIG_TABLE, namesrvConfigEntries } from '../namesrv/namesrv-config.ts';
import type { LoadedNamesrvConfig } from '../namesrv/namesrv-config.ts';
import {
  DAEMON_OPTIONS_USAGE,
  loadNamesrvCommandConfig,
  NAMESRV_KEYS,
  namesrvHomeDir,
  parseDaemonArgs,
} from './daemon-config.ts';
import { HELP_KEYS_USAGE, printed, wantsHelpKeys } from './config-help.ts';
import { cliFailure, writeFailure } from './exit-codes.ts';
import { DaemonFiles } from './pid-files.ts';
import { createProcessLogger, resolveLogLevel } from './process-logger.ts';
import type { LogLevel } from './process-logger.ts';

const USAGE = `usage: thrustmq namesrv [-c namesrv.properties] [-p] [--KEY=VALUE ...]

${DAEMON_OPTIONS_USAGE}
${HELP_KEYS_USAGE}

environment: THRUSTMQ_HOME (kvConfigPath defaults to $THRUSTMQ_HOME/namesrv/kvConfig.json,
else ~/namesrv/kvConfig.json; the pid file and logs/ go beside it), LOG_LEVEL.
Stop it with: thrustmq shutdown namesrv
`;

export async function runNamesrvCommand(args: readonly string[]): Promise<number> {
  let loaded: LoadedNamesrvConfig;
  let level: LogLevel;
  let printConfig: boolean;
  if (wantsHelpKeys(args)) return printed(helpKeysText(NAMESRV_CONFIG_TABLE));
  try {
    const parsed = parseDaemonArgs(args, NAMESRV_KEYS, { namesrvFlag: false });
    if (parsed.help) return printed(USAGE);
    printConfig = parsed.printConfig;
    level = resolveLogLevel(parsed.logLevel);
    loaded = loadNamesrvCommandConfig(parsed.configFile, parsed.overrides);
  } catch (error) {
    const failure = cliFailure(error);
    if (!failure.expected) throw error;
    return writeFailure(process.stderr, 'thrustmq namesrv: ', failure);
  }
  if (printConfig) {
    for (const warning of loaded.warnings) process.stderr.write(`thrustmq namesrv: ${warning}\n`);
    process.stdout.write(formatProperties(namesrvConfigEntries(loaded.config)));
    return 0;
  }

  const notLocal = await nonLocalListenReason(loaded.config.listenHost);
  if (notLocal !== undefined) {
    process.stderr.write(
      `thrustmq namesrv: invalid value for listenHost: '${loaded.config.listenHost}' (${notLocal}; allowed: an address of this machine, 0.0.0.0 or ::)\n`,
    );
    return 2;
  }
  const home = namesrvHomeDir(loaded.config);
  let files: DaemonFiles;
  try {
    files = DaemonFiles.claim('namesrv', home);
  } catch (error) {
    return writeFailure(process.stderr, 'thrustmq namesrv: cannot start: ', cliFailure(error));
  }
  const log = await createProcessLogger({ name: 'namesrv', homeDir: home, level });
  const { logger } = log;
  for (const warning of loaded.warnings) logger.warn(warning);
  // Signal handlers go in before the boot line: a supervisor may signal the moment it reads it.
  const stopRequested = waitForStopSignal(logger);
  let nameServer: NameServer;
  try {
    nameServer = await startNameServer({ ...loaded.config, logger });
  } catch (error) {
    stopRequested.dispose();
    files.release();
    await log.close();
    return writeFailure(process.stderr, 'thrustmq namesrv: cannot start: ', cliFailure(error));
  }
  const host = loaded.config.listenHost;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  try {
    files.register(nameServer.port, `${shownHost}:${nameServer.port}`);
  } catch (error) {
    logger.warn({ err: error }, 'cannot register in the run directory; shutdown needs -c or --pid');
  }
  process.stdout.write(
    `The Name Server boot success. serializeType=JSON, address=${shownHost}:${nameServer.port}\n`,
  );
  // The log file joins once serving: its library's load would delay startup (process-logger.ts).
  void log.attachFile().then((why) => {
    if (why !== undefined) logger.warn(why);
  });
  await stopRequested.signalled;
  try {
    await nameServer.close();
    files.release();
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'name server did not stop cleanly');
    return 1;
  } finally {
    stopRequested.dispose();
    await log.close();
  }
}

/** Resolves on the first SIGTERM/SIGINT; a second one while stopping exits at once. */
function waitForStopSignal(logger: Logger): {
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
