/**
 * Every command's flags go through parseArgs (flags.ts) or the admin option table, and fail
 * with one UsageError whose message names the option: `option --data needs a value`,
 * `unknown option --dta; did you mean --data?`.
 */
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../src/cli/admin/options.ts';
import type { CommandSpec } from '../../../src/cli/admin/options.ts';
import { parseBenchOptions } from '../../../src/cli/bench/bench-options.ts';
import { UsageError, UsageErrorCode } from '../../../src/cli/cli-errors.ts';
import { BROKER_KEYS, NAMESRV_KEYS, parseDaemonArgs } from '../../../src/cli/daemon-config.ts';
import { MAX_ARGS, parseFlags } from '../../../src/cli/flags.ts';
import { parseShutdownArgs } from '../../../src/cli/shutdown-command.ts';
import { parseStartArgs } from '../../../src/cli/start-command.ts';

/** The UsageError parse throws: its message and code. */
function usage(parse: () => unknown): { message: string; code: string } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return { message: (error as UsageError).message, code: (error as UsageError).code };
  }
  throw new Error('the arguments were accepted');
}

const message = (parse: () => unknown): string => usage(parse).message;

describe('flags - thrustmq start', () => {
  it('start --data with no value says the option needs a value, not that it is unknown', () => {
    expect(usage(() => parseStartArgs(['--data']))).toEqual({
      message: 'option --data needs a value',
      code: UsageErrorCode.MISSING_VALUE,
    });
    expect(message(() => parseStartArgs(['--data', '--broker-port', '0']))).toBe(
      'option --data needs a value',
    );
    expect(message(() => parseStartArgs(['--data', '']))).toBe('option --data must not be empty');
  });

  it('an unknown option is named, with the closest one suggested', () => {
    expect(usage(() => parseStartArgs(['--dta', 'x']))).toEqual({
      message: 'unknown option --dta; did you mean --data?',
      code: UsageErrorCode.UNKNOWN_OPTION,
    });
    expect(message(() => parseStartArgs(['--broker-prot=1']))).toBe(
      'unknown option --broker-prot; did you mean --broker-port?',
    );
    expect(message(() => parseStartArgs(['--zzzzzzzz']))).toBe('unknown option --zzzzzzzz');
    expect(message(() => parseStartArgs(['-x']))).toBe('unknown option -x');
    expect(message(() => parseStartArgs(['data']))).toBe('unexpected argument "data"');
  });

  it('reads values, = values and defaults; checks ports and the level', () => {
    expect(parseStartArgs([])).toMatchObject({
      data: './data',
      namesrvPort: 9876,
      brokerPort: 10911,
      level: 'info',
    });
    expect(
      parseStartArgs([
        '--data=/tmp/d',
        '--namesrv-port',
        '0',
        '--broker-port=1',
        '--log-level',
        'warn',
      ]),
    ).toMatchObject({ data: '/tmp/d', namesrvPort: 0, brokerPort: 1, level: 'warn' });
    expect(message(() => parseStartArgs(['--broker-port', '65536']))).toBe(
      'option --broker-port needs a port number in [0, 65535], got "65536"',
    );
    expect(usage(() => parseStartArgs(['--log-level=loud'])).code).toBe(UsageErrorCode.LOG_LEVEL);
    expect(message(() => parseStartArgs(['--help=yes']))).toBe(
      'option --help takes no value, got "yes"',
    );
    expect(parseStartArgs(['-h']).help).toBe(true);
  });
});

describe('flags - thrustmq broker and namesrv', () => {
  it('keeps -c, -n, -p, -o and --KEY=VALUE / --KEY VALUE in command-line order', () => {
    const parsed = parseDaemonArgs(
      [
        '-c',
        'broker.properties',
        '-n',
        '127.0.0.1:9876',
        '--brokerName=b1',
        '-o',
        'brokerName=b2',
        '--listenPort',
        '0',
        '-p',
        '--log-level=debug',
        '--namesrvAddr',
        '127.0.0.1:9877',
      ],
      BROKER_KEYS,
      { namesrvFlag: true },
    );
    expect(parsed).toEqual({
      configFile: 'broker.properties',
      printConfig: true,
      help: false,
      logLevel: 'debug',
      overrides: [
        ['namesrvAddr', '127.0.0.1:9876'],
        ['brokerName', 'b1'],
        ['brokerName', 'b2'],
        ['listenPort', '0'],
        ['namesrvAddr', '127.0.0.1:9877'],
      ],
    });
    expect(parseDaemonArgs(['--brokerIP1='], BROKER_KEYS, { namesrvFlag: true }).overrides).toEqual(
      [['brokerIP1', '']],
    );
  });

  it('names an unknown config key with the closest one, and a missing value', () => {
    const broker = (args: string[]): string =>
      message(() => parseDaemonArgs(args, BROKER_KEYS, { namesrvFlag: true }));
    expect(broker(['--flushDiskTyp=SYNC_FLUSH'])).toBe(
      'unknown config key "flushDiskTyp"; did you mean flushDiskType?',
    );
    expect(broker(['-o', 'brokerNmae=x'])).toBe(
      'unknown config key "brokerNmae"; did you mean brokerName?',
    );
    expect(broker(['-o', 'brokerName'])).toBe('option -o needs KEY=VALUE, got "brokerName"');
    expect(broker(['--brokerName'])).toBe('option --brokerName needs a value');
    expect(broker(['--brokerName', '--listenPort=1'])).toBe('option --brokerName needs a value');
    expect(broker(['-c'])).toBe('option -c needs a value');
    expect(broker(['-x'])).toBe('unknown option -x');
    expect(broker(['stray'])).toBe('unexpected argument "stray"');
    const namesrv = (args: string[]): string =>
      message(() => parseDaemonArgs(args, NAMESRV_KEYS, { namesrvFlag: false }));
    expect(namesrv(['-n', '127.0.0.1:9876'])).toBe('unknown option -n');
    expect(namesrv(['--listenPrt=1'])).toBe(
      'unknown config key "listenPrt"; did you mean listenPort?',
    );
  });
});

describe('flags - thrustmq shutdown and bench', () => {
  it('shutdown takes one daemon kind and checks its options', () => {
    expect(parseShutdownArgs(['broker', '--timeout', '5'])).toMatchObject({
      kinds: ['broker'],
      timeoutMs: 5000,
    });
    expect(parseShutdownArgs(['--pid=12']).pid).toBe(12);
    expect(message(() => parseShutdownArgs(['brokers']))).toBe(
      'unknown daemon "brokers" (allowed: broker, namesrv, start)',
    );
    expect(message(() => parseShutdownArgs(['broker', 'namesrv']))).toBe(
      'unexpected argument "namesrv"',
    );
    expect(message(() => parseShutdownArgs(['broker', '--timeout']))).toBe(
      'option --timeout needs a value',
    );
    expect(message(() => parseShutdownArgs(['--timeout', 'x']))).toBe(
      'option --timeout needs an integer in [1, 86400], got "x"',
    );
    expect(message(() => parseShutdownArgs(['--tiemout', '3']))).toBe(
      'unknown option --tiemout; did you mean --timeout?',
    );
    expect(usage(() => parseShutdownArgs(['--data', 'd', '--pid', '3'])).code).toBe(
      UsageErrorCode.CONFLICT,
    );
  });

  it('bench keeps RocketMQ letters and names the option at fault', () => {
    expect(
      parseBenchOptions(['-n', 'h:9876', '-t', 'T', '-s', '64', '-w', '8', '--json']),
    ).toMatchObject({
      namesrvAddr: 'h:9876',
      topic: 'T',
      messageSize: 64,
      concurrency: 8,
      json: true,
    });
    expect(message(() => parseBenchOptions(['-s', 'big']))).toBe(
      'option -s needs an integer in [1, 4194304], got "big"',
    );
    expect(message(() => parseBenchOptions(['--cuont', '3']))).toBe(
      'unknown option --cuont; did you mean --count?',
    );
    expect(message(() => parseBenchOptions(['-t']))).toBe('option -t needs a value');
  });
});

describe('flags - admin and limits', () => {
  const TOPIC_LIST: CommandSpec = {
    name: 'topicRoute',
    summary: 'Print a route.',
    options: [{ letter: 't', name: 'topic', kind: 'string', description: 'topic' }],
  };

  it('admin suggests the closest long option in the same message shape', () => {
    expect(message(() => parseOptions(TOPIC_LIST, ['--tpic', 'T']))).toBe(
      'unknown option --tpic; did you mean --topic? (see topicRoute -h)',
    );
    expect(message(() => parseOptions(TOPIC_LIST, ['--jsn']))).toBe(
      'unknown option --jsn; did you mean --json? (see topicRoute -h)',
    );
  });

  it('refuses more than MAX_ARGS words', () => {
    const args = Array.from({ length: MAX_ARGS + 1 }, () => '-h');
    expect(message(() => parseFlags(args, { help: { type: 'boolean', short: 'h' } }))).toMatch(
      /^too many arguments/,
    );
  });
});
