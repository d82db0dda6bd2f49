/**
 * `thrustmq start` (npm start): a name server and a broker in one process on loopback, data
 * under ./data, with TopicTest (8 queues) ready, for trying ThrustMQ with any RocketMQ client.
 * Logs go to stderr and `<data>/logs/`; `<data>/start.pid` and a run-directory registration let
 * `thrustmq shutdown` (or `thrustmq shutdown start`) stop it.
 */
import { join, resolve } from 'node:path';
import { startBroker } from '../broker/coordinator/broker.ts';
import { ConfigError } from '../common/config-schema.ts';
import { newTopicConfig } from '../broker/metadata/topic-config.ts';
import { startNameServer } from '../namesrv/name-server.ts';
import { waitForSignal } from './broker-command.ts';
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

export async function runStartCommand(args: readonly string[]): Promise<number> {
  let data = './data';
  let namesrvPort = 9876;
  let brokerPort = 10911;
  let levelFlag: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    const port = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        throw new Error(
          `${arg} needs a port number in [0, 65535], got ${JSON.stringify(value ?? '')}`,
        );
      }
      i++;
      return n;
    };
    if (arg === '--data' && value) {
      data = value;
      i++;
    } else if (arg === '--namesrv-port') namesrvPort = port();
    else if (arg === '--broker-port') brokerPort = port();
    else if (arg === '--log-level' && value !== undefined) {
      levelFlag = value;
      i++;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`thrustmq start: unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
      return 2;
    }
  }
  let level: LogLevel;
  try {
    level = resolveLogLevel(levelFlag);
  } catch (error) {
    if (!(error instanceof LogLevelError)) throw error;
    process.stderr.write(`thrustmq start: ${error.message}\n`);
    return 2;
  }
  const root = resolve(data);
  let files: DaemonFiles;
  try {
    files = DaemonFiles.claim('start', root);
  } catch (error) {
    process.stderr.write(`thrustmq start: cannot start: ${(error as Error).message}\n`);
    return 1;
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
    process.stderr.write(
      `thrustmq start: cannot start the name server: ${(error as Error).message}\n`,
    );
    return 1;
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
    const configError = error instanceof ConfigError;
    if (configError) logger.debug({ err: error }, 'broker cannot start: invalid configuration');
    await log.close();
    process.stderr.write(`thrustmq start: cannot start the broker: ${(error as Error).message}\n`);
    return configError ? 2 : 1;
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
