/**
 * The one place that turns an error into what a command prints and its exit status. Matching is
 * by code family, never by class: errors that crossed a thread keep their code but not their
 * class, and a new code of an existing family gets the right exit status without an edit here.
 */
import { ThrustMQError } from '../protocol/thrustmq-error.ts';

export const ExitCode = {
  /** Done. */
  OK: 0,
  /** The command was well formed but failed: a supervisor may retry it. */
  FAILED: 1,
  /** Bad arguments or configuration: retrying the same command cannot help. */
  USAGE: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The prefix of every family's codes (the family's name in upper case, then _). */
export const ERROR_FAMILY_PREFIXES: readonly string[] = [
  'STORE_',
  'RING_',
  'REMOTING_',
  'CONTROL_',
  'NAMESRV_',
  'CONFIG_',
  'USAGE_',
  'CLI_',
  'SQL92_',
  'CLIENT_',
];

/** Families whose errors are the operator's input, and single codes that are too. */
const USAGE_PREFIXES = ['USAGE_', 'CONFIG_'] as const;
const USAGE_CODES: ReadonlySet<string> = new Set(['CLIENT_INVALID_ARGUMENT']);

/** A second line for the failures an operator may not know how to get out of. */
const HINTS: Readonly<Record<string, string>> = {
  CLI_ALREADY_RUNNING:
    'thrustmq shutdown stops it; or give this one another data directory (storePathRootDir or --data)',
  STORE_LOCKED:
    'another process holds this data directory: stop it, or give this one another storePathRootDir',
  STORE_DISK_FULL:
    'free space on the disk of storePathRootDir; writes resume by themselves once there is room',
};

/** The exit status for an error code. */
export function exitCodeOf(code: string): ExitCode {
  if (USAGE_CODES.has(code) || USAGE_PREFIXES.some((prefix) => code.startsWith(prefix)))
    return ExitCode.USAGE;
  return ExitCode.FAILED;
}

export interface CliFailure {
  exitCode: ExitCode;
  /** One line, without the command's prefix and without a newline. */
  line: string;
  /** What to do about it, when the line alone may not say. */
  hint?: string;
  /**
   * A ThrustMQError: its message says all there is. Anything else is a fault of ours whose
   * stack matters, which commands may rethrow instead of printing.
   */
  expected: boolean;
}

export function cliFailure(error: unknown): CliFailure {
  const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');
  const code = codeOf(error);
  if (code !== undefined) {
    const hint = HINTS[code];
    return {
      exitCode: exitCodeOf(code),
      line: oneLine((error as Error).message),
      ...(hint === undefined ? {} : { hint }),
      expected: true,
    };
  }
  const line = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: ExitCode.FAILED, line: oneLine(line), expected: false };
}

/** Writes `<prefix><line>` and, with a hint, `<prefix>hint: <hint>`; returns the exit code. */
export function writeFailure(
  stderr: { write(text: string): unknown },
  prefix: string,
  failure: CliFailure,
): ExitCode {
  stderr.write(`${prefix}${failure.line}\n`);
  if (failure.hint !== undefined) stderr.write(`${prefix}hint: ${failure.hint}\n`);
  return failure.exitCode;
}

/**
 * The stable code of a ThrustMQError, also when it crossed a thread (structured clone keeps an
 * Error's own `code` but not its class).
 */
function codeOf(error: unknown): string | undefined {
  if (error instanceof ThrustMQError) return error.code;
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  // Node's own codes (ENOENT, ERR_...) are not ours: only a family's prefix counts.
  return typeof code === 'string' && ERROR_FAMILY_PREFIXES.some((p) => code.startsWith(p))
    ? code
    : undefined;
}
