/**
 * `thrustmq broker -c broker.properties [-n namesrvAddr] [-p]`, as RocketMQ's mqbroker: the
 * config comes from the properties file, then NAMESRV_ADDR, then flags. stdout gets one line
 * once the broker serves; logs go to stderr. Exit codes: 0 after a clean stop or -p, 2 for bad
 * arguments or config, 1 when the broker cannot start.
 */
import { pino } from 'pino';
import { ConfigError, formatConfig } from '../common/config-schema.ts';
import { PropertiesError, readPropertiesFile } from '../common/properties.ts';
import { BROKER_CONFIG_SCHEMA, loadBrokerConfig } from '../broker/broker-config.ts';
import { startBroker } from '../broker/broker.ts';

const USAGE = `usage: thrustmq broker [-c broker.properties] [-n "host:9876;host2:9876"] [-p]

  -c, --configFile FILE   read RocketMQ broker.properties keys from FILE
  -n, --namesrvAddr LIST  name servers (overrides the file and NAMESRV_ADDR)
  -p, --printConfigItem   print the effective config as key=value and exit
  -h, --help              print this help
`;

class UsageError extends Error {}

export async function runBrokerCommand(args: readonly string[]): Promise<number> {
  let configFile: string | undefined;
  let namesrv: string | undefined;
  let print = false;
  try {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '-c' || arg === '--configFile')
        configFile = args[++i] ?? fail(`${arg} needs a file name`);
      else if (arg === '-n' || arg === '--namesrvAddr')
        namesrv = args[++i] ?? fail(`${arg} needs an address list`);
      else if (arg === '-p' || arg === '--printConfigItem') print = true;
      else if (arg === '-h' || arg === '--help') {
        process.stdout.write(USAGE);
        return 0;
      } else fail(`unknown option ${JSON.stringify(arg)}`);
    }
    const sources: Array<[string, string]> = configFile ? [...readPropertiesFile(configFile)] : [];
    if (process.env['NAMESRV_ADDR']) sources.push(['namesrvAddr', process.env['NAMESRV_ADDR']]);
    if (namesrv !== undefined) sources.push(['namesrvAddr', namesrv]);
    const { config, warnings } = loadBrokerConfig(sources);
    for (const warning of warnings) process.stderr.write(`thrustmq broker: ${warning}\n`);
    if (print) {
      process.stdout.write(`${formatConfig(BROKER_CONFIG_SCHEMA, config)}\n`);
      return 0;
    }
    const logger = pino(
      { level: process.env['LOG_LEVEL'] ?? 'info', base: { component: 'broker' } },
      pino.destination(2),
    );
    // Listen before starting: a SIGTERM that lands during startup still stops cleanly.
    const signalled = waitForSignal();
    let broker;
    try {
      broker = await startBroker({ ...config, logger });
    } catch (error) {
      process.stderr.write(`thrustmq broker: cannot start: ${(error as Error).message}\n`);
      return 1;
    }
    process.stdout.write(
      `The broker[${config.brokerName}, ${broker.address}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}\n`,
    );
    await signalled;
    await broker.close();
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof PropertiesError
    ) {
      process.stderr.write(`thrustmq broker: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function fail(message: string): never {
  throw new UsageError(message);
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
