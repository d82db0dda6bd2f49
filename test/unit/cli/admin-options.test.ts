import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/cli/admin/options.ts';
import { commandHelp, parseOptions, UsageError } from '../../../src/cli/admin/options.ts';
import { parseTimestamp } from '../../../src/cli/admin/message-format.ts';

const UPDATE_TOPIC: CommandSpec = {
  name: 'updateTopic',
  summary: 'Create a topic.',
  options: [
    { letter: 'b', name: 'brokerAddr', kind: 'string', description: 'broker' },
    { letter: 'c', name: 'clusterName', kind: 'string', description: 'cluster' },
    { letter: 't', name: 'topic', kind: 'string', description: 'topic', required: true },
    { letter: 'r', name: 'readQueueNums', kind: 'int', min: 1, max: 1024, description: 'r' },
    { letter: 'o', name: 'order', kind: 'bool', description: 'order' },
  ],
  oneOf: [['b', 'c']],
};

function usageError(args: string[]): string {
  try {
    parseOptions(UPDATE_TOPIC, args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('parseOptions accepted ' + args.join(' '));
}

describe('admin options - parsing', () => {
  it('reads letters, long names, --name=value, bools and --json', () => {
    const parsed = parseOptions(UPDATE_TOPIC, [
      '-n',
      '10.0.0.1:9876',
      '--clusterName=C1',
      '--topic',
      'T',
      '-r',
      '16',
      '-o',
      '--json',
    ]);
    expect(parsed.string('n')).toBe('10.0.0.1:9876');
    expect(parsed.string('c')).toBe('C1');
    expect(parsed.need('t')).toBe('T');
    expect(parsed.int('r')).toBe(16);
    expect(parsed.bool('o')).toBe(true);
    expect(parsed.json).toBe(true);
  });

  it('takes an explicit true/false after a bool option', () => {
    expect(parseOptions(UPDATE_TOPIC, ['-c', 'C', '-t', 'T', '-o', 'false']).bool('o')).toBe(false);
  });

  it('names the option that is missing, malformed, repeated or unknown', () => {
    expect(usageError(['-c', 'C'])).toBe('-t (topic) is required');
    expect(usageError(['-t', 'T'])).toBe('one of -b (brokerAddr) or -c (clusterName) is required');
    expect(usageError(['-c', 'C', '-t', 'T', '-r', 'x'])).toBe(
      '-r (readQueueNums) must be an integer from 1 to 1024, got "x"',
    );
    expect(usageError(['-c', 'C', '-t', 'T', '-r', '0'])).toMatch(/^-r \(readQueueNums\)/);
    expect(usageError(['-c', 'C', '-t', 'T', '-t', 'U'])).toBe('-t (topic) is given twice');
    expect(usageError(['-c', 'C', '-t', 'T', '-z', '1'])).toBe(
      'unknown option -z (see updateTopic -h)',
    );
    expect(usageError(['-c', 'C', '-t'])).toBe('-t (topic) needs a value');
    expect(usageError(['-t', '-c', 'C'])).toBe('-t (topic) needs a value');
    expect(usageError(['-c', 'C', 'T'])).toMatch(/^unexpected argument "T"/);
  });

  it('lets -h through without the required options', () => {
    expect(parseOptions(UPDATE_TOPIC, ['-h']).bool('h')).toBe(true);
  });

  it('generates help from the option table', () => {
    const help = commandHelp(UPDATE_TOPIC);
    expect(help).toContain('usage: thrustmq admin updateTopic [options]');
    expect(help).toMatch(/-t, --topic <value> +topic \(required\)/);
    expect(help).toMatch(/-r, --readQueueNums <n>/);
    expect(help).toContain('one of -b / -c is required');
  });
});

describe('admin options - timestamps', () => {
  it('reads milliseconds, now and yyyy-MM-dd#HH:mm:ss:SSS in local time', () => {
    expect(parseTimestamp('1700000000000', '-s')).toBe(1_700_000_000_000);
    expect(parseTimestamp('now', '-s', 42)).toBe(42);
    expect(parseTimestamp('2024-03-05#07:08:09:010', '-s')).toBe(
      new Date(2024, 2, 5, 7, 8, 9, 10).getTime(),
    );
  });

  it('refuses other text naming the option', () => {
    expect(() => parseTimestamp('2024-13-05#07:08:09:010', '-s (timestamp)')).toThrow(
      /^-s \(timestamp\) must be milliseconds/,
    );
    expect(() => parseTimestamp('yesterday', '-b (beginTimestamp)')).toThrow(UsageError);
  });
});
