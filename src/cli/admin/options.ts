/**
 * mqadmin-style options: each subcommand declares its options once (letter, name, kind,
 * description), and that table drives parsing, validation and the `-h` text. Options are
 * `-t VALUE` or `--topic VALUE` (also `--topic=VALUE`); `bool` options take an optional
 * true/false (`-f` alone means true, as mqadmin's `-f true`). Every subcommand also takes
 * `-n` (name servers), `-h` and `--json`. Bad input is a UsageError naming the option, which
 * the dispatcher turns into exit code 2.
 */

export type OptionKind = 'string' | 'int' | 'bool';

export interface OptionSpec {
  letter: string;
  name: string;
  kind: OptionKind;
  description: string;
  required?: boolean;
  /** Bounds of an int option (inclusive). */
  min?: number;
  max?: number;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: readonly OptionSpec[];
  /** Groups of letters of which at least one must be given, e.g. [['b', 'c']]. */
  oneOf?: ReadonlyArray<readonly string[]>;
}

import { UsageError, UsageErrorCode } from '../cli-errors.ts';
import { MAX_ARGS, missingValueError, unknownOptionError } from '../flags.ts';

export { UsageError };

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  {
    letter: 'n',
    name: 'namesrvAddr',
    kind: 'string',
    description: 'name servers, "host:9876;host2:9876" (default NAMESRV_ADDR, then 127.0.0.1:9876)',
  },
  { letter: 'h', name: 'help', kind: 'bool', description: 'print this help' },
];

/** -b and -c as the broker and group subcommands use them: one broker, or a cluster's. */
export const BROKER_ADDR_OPTION: OptionSpec = {
  letter: 'b',
  name: 'brokerAddr',
  kind: 'string',
  description: 'broker address host:port',
};

export function clusterOption(whose: 'broker' | 'master'): OptionSpec {
  return {
    letter: 'c',
    name: 'clusterName',
    kind: 'string',
    description: `every ${whose} of this cluster`,
  };
}

export class ParsedOptions {
  readonly json: boolean;
  private readonly values: ReadonlyMap<string, string | boolean>;

  constructor(values: ReadonlyMap<string, string | boolean>, json: boolean) {
    this.values = values;
    this.json = json;
  }

  has(letter: string): boolean {
    return this.values.has(letter);
  }

  string(letter: string): string | undefined {
    const value = this.values.get(letter);
    return typeof value === 'string' ? value : undefined;
  }

  /** A required string (parse() has checked it is present). */
  need(letter: string): string {
    return this.string(letter) ?? '';
  }

  int(letter: string): number | undefined {
    const value = this.string(letter);
    return value === undefined ? undefined : Number(value);
  }

  bool(letter: string): boolean | undefined {
    const value = this.values.get(letter);
    return typeof value === 'boolean' ? value : undefined;
  }
}

function label(spec: OptionSpec): string {
  return `-${spec.letter} (${spec.name})`;
}

function checkValue(spec: OptionSpec, raw: string): string | boolean {
  if (spec.kind === 'bool') {
    const lower = raw.toLowerCase();
    if (lower !== 'true' && lower !== 'false')
      throw new UsageError(`${label(spec)} must be true or false, got ${JSON.stringify(raw)}`);
    return lower === 'true';
  }
  if (spec.kind === 'int') {
    const value = /^-?\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    const min = spec.min ?? Number.MIN_SAFE_INTEGER;
    const max = spec.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new UsageError(
        `${label(spec)} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
    return String(value);
  }
  return raw;
}

/** Parses args against the command's options (plus the common ones); throws UsageError. */
export function parseOptions(command: CommandSpec, args: readonly string[]): ParsedOptions {
  if (args.length > MAX_ARGS) throw new UsageError(`too many arguments (${args.length})`);
  const specs = [...COMMON_OPTIONS, ...command.options];
  const byLetter = new Map(specs.map((spec) => [spec.letter, spec]));
  const byName = new Map(specs.map((spec) => [spec.name.toLowerCase(), spec]));
  const values = new Map<string, string | boolean>();
  let json = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg === '--help') spec = byLetter.get('h');
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = byName.get(name.toLowerCase());
    } else if (/^-[a-zA-Z]$/.test(arg)) spec = byLetter.get(arg.slice(1));
    if (!spec) {
      if (arg.startsWith('-')) {
        const rawName = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
        const names = [...specs.map((candidate) => candidate.name), 'json'];
        throw unknownOptionError(rawName, names, `see ${command.name} -h`);
      }
      throw new UsageError(
        `unexpected argument ${JSON.stringify(arg)}; values follow an option, e.g. -t TOPIC`,
        UsageErrorCode.UNEXPECTED_ARGUMENT,
      );
    }
    if (values.has(spec.letter))
      throw new UsageError(`${label(spec)} is given twice`, UsageErrorCode.CONFLICT);
    if (spec.kind === 'bool' && inline === undefined) {
      const next = args[index + 1]?.toLowerCase();
      if (next === 'true' || next === 'false') {
        values.set(spec.letter, next === 'true');
        index++;
      } else values.set(spec.letter, true);
      continue;
    }
    const raw = inline ?? args[index + 1];
    // "-t -c X" lacks the topic; "-s -1" is a value.
    if (raw === undefined || (inline === undefined && /^(-[a-zA-Z]|--[a-zA-Z].*)$/.test(raw)))
      throw missingValueError(label(spec));
    if (inline === undefined) index++;
    values.set(spec.letter, checkValue(spec, raw));
  }
  const parsed = new ParsedOptions(values, json);
  if (parsed.bool('h')) return parsed;
  for (const spec of command.options) {
    if (spec.required && !values.has(spec.letter))
      throw new UsageError(`${label(spec)} is required`, UsageErrorCode.MISSING_OPTION);
    const value = values.get(spec.letter);
    if (spec.kind === 'string' && value === '')
      throw new UsageError(`${label(spec)} must not be empty`);
  }
  for (const group of command.oneOf ?? []) {
    if (group.some((letter) => values.has(letter))) continue;
    const names = group.map((letter) => label(byLetter.get(letter)!));
    throw new UsageError(`one of ${names.join(' or ')} is required`, UsageErrorCode.MISSING_OPTION);
  }
  return parsed;
}

/** The `-h` text, generated from the same table. */
export function commandHelp(command: CommandSpec): string {
  const specs = [...command.options, ...COMMON_OPTIONS];
  const flags = specs.map((spec) => {
    const value =
      spec.letter === 'h'
        ? ''
        : spec.kind === 'bool'
          ? ' [true|false]'
          : spec.kind === 'int'
            ? ' <n>'
            : ' <value>';
    return `  -${spec.letter}, --${spec.name}${value}`;
  });
  const width = Math.max(...flags.map((flag) => flag.length));
  const lines = specs.map((spec, index) => {
    const notes = spec.required ? ' (required)' : '';
    return `${flags[index]!.padEnd(width)}  ${spec.description}${notes}`;
  });
  const oneOf = (command.oneOf ?? []).map(
    (group) => `  one of ${group.map((letter) => `-${letter}`).join(' / ')} is required`,
  );
  return [
    `usage: thrustmq admin ${command.name} [options]`,
    '',
    command.summary,
    '',
    ...lines,
    `${'  --json'.padEnd(width)}  print one JSON document instead of a table`,
    ...(oneOf.length > 0 ? ['', ...oneOf] : []),
    '',
  ].join('\n');
}
