/**
 * `thrustmq start` (npm start): a name server and a broker in one process on loopback, data
 * under ./data, with TopicTest (8 queues) ready, for trying ThrustMQ with any RocketMQ client.
 * Logs go to stderr and `<data>/logs/`; `<data>/start.pid` and a run-directory registration let
 * `thrustmq shutdown` (or `thrustmq shutdown start`) stop it.
 */
import { join, resolve } from 'node:path';
import { startBroker } from '../broker/coordinator/broker.ts';
import { newTopicConfig } from '../broker/metadata/topic-config.ts';
import { startNameServer } from '../namesrv/name-server.ts';
import { waitForSignal } from './broker-command.ts';
import { UsageError, UsageErrorCode } from './cli-errors.ts';
import { cliFailure, ExitCode, writeFailure } from './exit-codes.ts';
import type { FlagTable } from './flags.ts';
import { parseFlags } from './flags.ts';
import { DaemonFiles } from './pid-files.ts';
import { createProcessLogger, LogLevelError, resolveLogLevel } from './process-logger.ts';
import type { LogLevel } from './process-logger.ts';

const USAGE = `usage: thrustmq start [--data DIR] [--namesrv-port N] [--broker-port N] [--log-level L]

  --data DIR          data directory (default ./data)
  --namesrv-port N    name server port (default 9876)
  --broker-port N     broker port (default 10911; N - 2 serves older clients)
  --log-level L       fatal, error, warn, info (default), debug, trace or silent (or LOG_LEVEL)

Stop it with Ctrl-C or, from another terminal, thrustmq shutdown.
`;

const START_FLAGS: FlagTable = {
  data: { type: 'string' },
  'namesrv-port': { type: 'string' },
  'broker-port': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

interface StartArgs {
  help: boolean;
  data: string;
  namesrvPort: number;
  brokerPort: number;
  level: LogLevel;
}

/** Throws UsageError (LogLevelError for the level). */
export function parseStartArgs(args: readonly string[]): StartArgs {
  const parsed: StartArgs = {
    help: false,
    data: './data',
    namesrvPort: 9876,
    brokerPort: 10911,
    level: 'info',
  };
  let levelFlag: string | undefined;
  for (const { name, rawName, value } of parseFlags(args, START_FLAGS).flags) {
    const text = String(value);
    if (name === 'help') parsed.help = true;
    else if (name === 'data') {
      if (text === '')
        throw new UsageError(`option ${rawName} must not be empty`, UsageErrorCode.INVALID_VALUE);
      parsed.data = text;
    } else if (name === 'namesrv-port') parsed.namesrvPort = portNumber(rawName, text);
    else if (name === 'broker-port') parsed.brokerPort = portNumber(rawName, text);
    else levelFlag = text;
  }
  if (!parsed.help) parsed.level = resolveLogLevel(levelFlag);
  return parsed;
}

function portNumber(option: string, text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(
      `option ${option} needs a port number in [0, 65535], got ${JSON.stringify(text)}`,
      UsageErrorCode.INVALID_VALUE,
    );
  return n;
}

export async function runStartCommand(args: readonly string[]): Promise<number> {
  let parsed: StartArgs;
  try {
    parsed = parseStartArgs(args);
  } catch (error) {
    const failure = cliFailure(error);
    if (!failure.expected) throw error;
    const code = writeFailure(process.stderr, 'thrustmq start: ', failure);
    // A wrong or misspelt option is best answered with the list of the right ones.
    if (error instanceof UsageError && !(error instanceof LogLevelError))
      process.stderr.write(`\n${USAGE}`);
    return code;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { data, namesrvPort, brokerPort, level } = parsed;
  const root = resolve(data);
  let files: DaemonFiles;
  try {
    files = DaemonFiles.claim('start', root);
  } catch (error) {
    return writeFailure(process.stderr, 'thrustmq start: cannot start: ', cliFailure(error));
  }
  const log = await createProcessLogger({ name: 'thrustmq', homeDir: root, level });
  const { logger } = log;
  const signalled = waitForSignal();
  let namesrv;
  try {
    namesrv = await startNameServer({
      listenHost: '127.0.0.1',
      listenPort: namesrvPort,
      kvConfigPath: join(root, 'namesrv', 'kvConfig.json'),
      logger,
    });
  } catch (error) {
    files.release();
    await log.close();
    const failure = cliFailure(error);
    return writeFailure(process.stderr, 'thrustmq start: cannot start the name server: ', failure);
  }
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  let broker;
  try {
    broker = await startBroker({
      storePathRootDir: join(root, 'broker'),
      listenHost: '127.0.0.1',
      listenPort: brokerPort,
      brokerIP1: '127.0.0.1',
      namesrvAddr,
      logger,
    });
  } catch (error) {
    await namesrv.close();
    files.release();
    const failure = cliFailure(error);
    if (failure.exitCode === ExitCode.USAGE)
      logger.debug({ err: error }, 'broker cannot start: invalid configuration');
    await log.close();
    return writeFailure(process.stderr, 'thrustmq start: cannot start the broker: ', failure);
  }
  try {
    files.register(namesrv.port, namesrvAddr);
  } catch (error) {
    logger.warn({ err: error }, 'cannot register in the run directory; shutdown needs --data');
  }
  if (!broker.context.topics.get('TopicTest'))
    broker.context.topics.upsert(newTopicConfig('TopicTest', 8));
  process.stdout.write(
    [
      `ThrustMQ is running (data in ${root})`,
      `  name server  ${namesrvAddr}`,
      `  broker       ${broker.address} (${broker.config.brokerName}, cluster ${broker.config.brokerClusterName})`,
      `  topic        TopicTest, 8 queues`,
      `  metrics      ${broker.metricsUrl ?? 'off'}`,
      `  logs         ${log.logFile ?? 'stderr only'}`,
      `Point any RocketMQ client at NAMESRV_ADDR=${namesrvAddr}. Ctrl-C (or thrustmq shutdown) stops it.`,
      `Send a first message: npx thrustmq admin sendMessage -n ${namesrvAddr} -t TopicTest -p "hello"`,
      '',
    ].join('\n'),
  );
  // The log file joins once serving: its library's load would delay startup (process-logger.ts).
  void log.attachFile().then((why) => {
    if (why !== undefined) logger.warn(why);
  });
  // A broker that stops by itself (a queue actor died) takes the name server down with it.
  const died = await Promise.race([
    signalled.then(() => undefined),
    broker.stopped.then((reason) => reason ?? new Error('the broker stopped')),
  ]);
  await broker.close();
  await namesrv.close();
  files.release();
  await log.close();
  if (died === undefined) return 0;
  process.stderr.write(`thrustmq start: ${died.message}\n`);
  return 1;
}
