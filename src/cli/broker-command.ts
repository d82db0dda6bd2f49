/**
 * `thrustmq broker -c broker.properties [-n namesrvAddr] [-p] [--KEY=VALUE]`, as RocketMQ's
 * mqbroker: config layers as daemon-config.ts describes. stdout gets one line once the broker
 * serves; logs go to stderr and `<storePathRootDir>/logs/`. `<storePathRootDir>/broker.pid`
 * and a run-directory registration let `thrustmq shutdown broker` find it. Exit codes: 0 after
 * a clean stop or -p, 2 for bad arguments or config (one line naming the key; the stack goes
 * to the log at debug level), 1 when the broker cannot start or stops by itself (a queue actor
 * died), so that a supervisor restarts it.
 */
import { helpKeysText } from '../common/config-docs.ts';
import { formatConfig } from '../common/config-schema.ts';
import { BROKER_CONFIG_TABLE } from '../broker/broker-config.ts';
import { startBroker } from '../broker/coordinator/broker.ts';
import type { Broker } from '../broker/coordinator/broker.ts';
import {
  BROKER_KEYS,
  DAEMON_OPTIONS_USAGE,
  loadBrokerCommandConfig,
  parseDaemonArgs,
} from './daemon-config.ts';
import { HELP_KEYS_USAGE, printed, wantsHelpKeys } from './config-help.ts';
import { cliFailure, ExitCode, writeFailure } from './exit-codes.ts';
import { DaemonFiles } from './pid-files.ts';
import { createProcessLogger, resolveLogLevel } from './process-logger.ts';

const USAGE = `usage: thrustmq broker [-c broker.properties] [-n "host:9876;host2:9876"] [-p] [--KEY=VALUE ...]

${DAEMON_OPTIONS_USAGE}
  -n, --namesrvAddr LIST  name servers (overrides the file and NAMESRV_ADDR)
${HELP_KEYS_USAGE}

environment: NAMESRV_ADDR (name servers), THRUSTMQ_HOME (storePathRootDir defaults to
$THRUSTMQ_HOME/store, else ~/store), LOG_LEVEL. Stop it with: thrustmq shutdown broker
`;

export async function runBrokerCommand(args: readonly string[]): Promise<number> {
  let loaded: ReturnType<typeof loadBrokerCommandConfig>;
  let level: ReturnType<typeof resolveLogLevel>;
  let print: boolean;
  if (wantsHelpKeys(args)) return printed(helpKeysText(BROKER_CONFIG_TABLE));
  try {
    const parsed = parseDaemonArgs(args, BROKER_KEYS, { namesrvFlag: true });
    if (parsed.help) return printed(USAGE);
    print = parsed.printConfig;
    level = resolveLogLevel(parsed.logLevel);
    loaded = loadBrokerCommandConfig(parsed.configFile, parsed.overrides);
  } catch (error) {
    const failure = cliFailure(error);
    if (!failure.expected) throw error;
    return writeFailure(process.stderr, 'thrustmq broker: ', failure);
  }
  const { config, warnings } = loaded;
  for (const warning of warnings) process.stderr.write(`thrustmq broker: ${warning}\n`);
  if (print) {
    process.stdout.write(`${formatConfig(BROKER_CONFIG_TABLE, config)}\n`);
    return 0;
  }

  let files: DaemonFiles;
  try {
    files = DaemonFiles.claim('broker', config.storePathRootDir);
  } catch (error) {
    return writeFailure(process.stderr, 'thrustmq broker: cannot start: ', cliFailure(error));
  }
  const log = await createProcessLogger({
    name: 'broker',
    homeDir: config.storePathRootDir,
    level,
  });
  const { logger } = log;
  if (files.pidFileWarning !== undefined) logger.warn(files.pidFileWarning);
  // Listen before starting: a SIGTERM that lands during startup still stops cleanly.
  const signalled = waitForSignal();
  let broker: Broker;
  try {
    broker = await startBroker({ ...config, logger });
  } catch (error) {
    files.release();
    // A configuration mistake is the operator's to fix: one line naming the key, the stack
    // only in the log at debug level.
    const failure = cliFailure(error);
    const configError = failure.exitCode === ExitCode.USAGE;
    if (configError) logger.debug({ err: error }, 'broker cannot start: invalid configuration');
    else logger.fatal({ err: error }, 'broker cannot start');
    await log.close();
    const prefix = configError ? '' : 'cannot start: ';
    return writeFailure(process.stderr, `thrustmq broker: ${prefix}`, failure);
  }
  try {
    files.register(broker.port, broker.address);
  } catch (error) {
    logger.warn({ err: error }, 'cannot register in the run directory; shutdown needs -c or --pid');
  }
  process.stdout.write(
    `The broker[${config.brokerName}, ${broker.address}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}\n`,
  );
  if (broker.metricsUrl) process.stdout.write(`Prometheus metrics at ${broker.metricsUrl}\n`);
  // The log file joins once serving: its library's load would delay startup (process-logger.ts).
  void log.attachFile().then((why) => {
    if (why !== undefined) logger.warn(why);
  });
  // A broker that stops by itself (a queue actor died) exits 1 for its supervisor to restart.
  const outcome = await Promise.race([
    signalled.then(() => undefined),
    broker.stopped.then((reason) => reason ?? new Error('the broker stopped')),
  ]);
  if (outcome !== undefined) {
    files.release();
    await log.close();
    process.stderr.write(`thrustmq broker: ${outcome.message}\n`);
    return 1;
  }
  try {
    await broker.close();
  } catch (error) {
    // The pid file stays: shutdown reports the stop as failed.
    logger.error({ err: error }, 'broker did not stop cleanly');
    await log.close();
    return 1;
  }
  files.release();
  await log.close();
  return 0;
}

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
