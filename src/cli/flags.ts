/**
 * Command-line flags through node:util parseArgs, with the checks and messages of every command
 * in one place. parseArgs runs with strict:false and tokens:true so that the walk over its
 * tokens can say what is wrong in our words (`option --data needs a value`, `unknown option
 * --dta; did you mean --data?`) and so that daemons can take `--KEY=VALUE` for any config key,
 * which no option table can declare up front.
 */
import { parseArgs } from 'node:util';
import { closestKey } from '../common/config-schema.ts';
import { UsageError, UsageErrorCode } from './cli-errors.ts';

/** More words than any command needs: a bound on the work one command line can ask for. */
export const MAX_ARGS = 1000;

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/** Long name → spec, as parseArgs takes them. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** One option as given, in command-line order. */
export interface GivenFlag {
  /** The long name (a config key for extra flags). */
  name: string;
  /** As typed: -c, --configFile. */
  rawName: string;
  /** The value of a string option or an extra flag; true for a boolean. */
  value: string | true;
}

export interface ParsedFlags {
  flags: GivenFlag[];
  positionals: string[];
}

export interface ParseFlagsOptions {
  /** How many positionals the command takes (default 0). */
  maxPositionals?: number;
  /**
   * Long names outside the table that still take a value (`--KEY=VALUE` or `--KEY VALUE`):
   * the daemons' config keys. An unknown name goes to unknownExtra for its message.
   */
  isExtra?: (name: string) => boolean;
  /** The error for a long name neither in the table nor extra; default: unknown option. */
  unknownExtra?: (name: string) => UsageError;
  /** Appended to an unknown option's message, e.g. "see updateTopic -h". */
  seeAlso?: string;
}

/** `option --data needs a value`: the one shape, whatever the command. */
export function missingValueError(option: string): UsageError {
  return new UsageError(`${option} needs a value`, UsageErrorCode.MISSING_VALUE);
}

/** Names the option and, when one is close, suggests it. */
export function unknownOptionError(
  rawName: string,
  known: readonly string[],
  seeAlso?: string,
): UsageError {
  // A lone letter is too short to guess from: -z is as close to -b as to -c.
  const long = rawName.startsWith('--') ? rawName.slice(2) : undefined;
  const best = long === undefined ? undefined : closestKey(long, known);
  const suggestion = best === undefined ? '' : `; did you mean --${best}?`;
  const see = seeAlso === undefined ? '' : ` (${seeAlso})`;
  return new UsageError(
    `unknown option ${rawName}${suggestion}${see}`,
    UsageErrorCode.UNKNOWN_OPTION,
  );
}

/** A word that follows no option: probably a value whose option is missing. */
export function unexpectedArgumentError(word: string): UsageError {
  return new UsageError(
    `unexpected argument ${JSON.stringify(word)}`,
    UsageErrorCode.UNEXPECTED_ARGUMENT,
  );
}

/** "--x", "-c": a word that is an option, not an option's value ("-1" is a value). */
function looksLikeOption(word: string): boolean {
  return /^(-[a-zA-Z]|--[a-zA-Z])/.test(word);
}

export function parseFlags(
  args: readonly string[],
  table: FlagTable,
  options: ParseFlagsOptions = {},
): ParsedFlags {
  if (args.length > MAX_ARGS)
    throw new UsageError(`too many arguments (${args.length}; at most ${MAX_ARGS})`);
  const { tokens } = parseArgs({
    args: [...args],
    options: table as Record<string, FlagSpec>,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: GivenFlag[] = [];
  const positionals: string[] = [];
  const consumed = new Set<number>();
  const optionName = (rawName: string): string => `option ${rawName}`;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (consumed.has(token.index)) continue;
      if (positionals.length >= (options.maxPositionals ?? 0))
        throw unexpectedArgumentError(token.value);
      positionals.push(token.value);
      continue;
    }
    const spec = Object.hasOwn(table, token.name) ? table[token.name] : undefined;
    if (spec?.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(
          `${optionName(token.rawName)} takes no value, got ${JSON.stringify(token.value)}`,
          UsageErrorCode.INVALID_VALUE,
        );
      flags.push({ name: token.name, rawName: token.rawName, value: true });
      continue;
    }
    if (spec === undefined) {
      const extra = token.rawName.startsWith('--') && (options.isExtra?.(token.name) ?? false);
      if (!extra) {
        if (token.rawName.startsWith('--') && options.unknownExtra !== undefined)
          throw options.unknownExtra(token.name);
        throw unknownOptionError(token.rawName, Object.keys(table), options.seeAlso);
      }
    }
    let value = token.value;
    // parseArgs gives a string option the next word even when it is another option.
    if (value !== undefined && token.inlineValue === false && looksLikeOption(value))
      value = undefined;
    // An extra flag is unknown to parseArgs, which leaves `--KEY VALUE`'s value a positional.
    if (value === undefined && spec === undefined) {
      const next = tokens[i + 1];
      if (next?.kind === 'positional' && next.index === token.index + 1) {
        value = next.value;
        consumed.add(next.index);
      }
    }
    if (value === undefined) throw missingValueError(optionName(token.rawName));
    flags.push({ name: token.name, rawName: token.rawName, value });
  }
  return { flags, positionals };
}
