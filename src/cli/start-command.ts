/**
 * `thrustmq start` (npm start): a name server and a broker in one process on loopback, data
 * under ./data, with TopicTest (8 queues) ready, for trying ThrustMQ with any RocketMQ client.
 */
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { startBroker } from '../broker/broker.ts';
import { newTopicConfig } from '../broker/metadata/topic-config.ts';
import { startNameServer } from '../namesrv/name-server.ts';
import { waitForSignal } from './broker-command.ts';

const USAGE = `usage: thrustmq start [--data DIR] [--namesrv-port N] [--broker-port N]

  --data DIR          data directory (default ./data)
  --namesrv-port N    name server port (default 9876)
  --broker-port N     broker port (default 10911; N - 2 serves older clients)
`;

export async function runStartCommand(args: readonly string[]): Promise<number> {
  let data = './data';
  let namesrvPort = 9876;
  let brokerPort = 10911;
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
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`thrustmq start: unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
      return 2;
    }
  }
  const root = resolve(data);
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  const signalled = waitForSignal();
  const namesrv = await startNameServer({
    listenHost: '127.0.0.1',
    listenPort: namesrvPort,
    kvConfigPath: join(root, 'namesrv', 'kvConfig.json'),
    logger,
  });
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
    process.stderr.write(`thrustmq start: cannot start the broker: ${(error as Error).message}\n`);
    return 1;
  }
  if (!broker.context.topics.get('TopicTest'))
    broker.context.topics.upsert(newTopicConfig('TopicTest', 8));
  process.stdout.write(
    [
      `ThrustMQ is running (data in ${root})`,
      `  name server  ${namesrvAddr}`,
      `  broker       ${broker.address} (${broker.config.brokerName}, cluster ${broker.config.brokerClusterName})`,
      `  topic        TopicTest, 8 queues`,
      `Point any RocketMQ client at NAMESRV_ADDR=${namesrvAddr}. Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  await signalled;
  await broker.close();
  await namesrv.close();
  return 0;
}
