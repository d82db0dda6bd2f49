/**
 * The command line's own errors: UsageError (bad arguments: exit 2; the one class every command's
 * option parser throws) and the failures of a command that parsed fine (exit 1). Their codes and
 * meanings are listed here with the classes, as every family lists its own.
 */
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../protocol/thrustmq-error.ts';

export const UsageErrorCode = {
  UNKNOWN_OPTION: 'USAGE_UNKNOWN_OPTION',
  MISSING_VALUE: 'USAGE_MISSING_VALUE',
  INVALID_VALUE: 'USAGE_INVALID_VALUE',
  UNEXPECTED_ARGUMENT: 'USAGE_UNEXPECTED_ARGUMENT',
  UNKNOWN_CONFIG_KEY: 'USAGE_UNKNOWN_CONFIG_KEY',
  MISSING_OPTION: 'USAGE_MISSING_OPTION',
  CONFLICT: 'USAGE_CONFLICT',
  LOG_LEVEL: 'USAGE_LOG_LEVEL',
} as const;
export type UsageErrorCode = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];

export const CliErrorCode = {
  ALREADY_RUNNING: 'CLI_ALREADY_RUNNING',
  COMMAND_FAILED: 'CLI_COMMAND_FAILED',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export const CLI_ERROR_CODES: readonly ErrorCodeEntry[] = [
  ...errorCodeEntries<Exclude<UsageErrorCode, 'USAGE_LOG_LEVEL'>>('usage', 'UsageError', {
    USAGE_UNKNOWN_OPTION: 'an option the command does not have (the closest one is suggested)',
    USAGE_MISSING_VALUE: 'an option that takes a value is last, or followed by another option',
    USAGE_INVALID_VALUE: "an option's value is not of its type or out of its range",
    USAGE_UNEXPECTED_ARGUMENT: 'a word that is neither an option nor the value of one',
    USAGE_UNKNOWN_CONFIG_KEY:
      'a --KEY=VALUE or -o KEY=VALUE names no config key (the closest one is suggested)',
    USAGE_MISSING_OPTION: 'a required option (or one of a group) is not given',
    USAGE_CONFLICT: 'options that exclude each other are given together, or one twice',
  }),
  ...errorCodeEntries<'USAGE_LOG_LEVEL'>('usage', 'LogLevelError', {
    USAGE_LOG_LEVEL: '--log-level or LOG_LEVEL is not a level name',
  }),
  ...errorCodeEntries<'CLI_ALREADY_RUNNING'>('cli', 'AlreadyRunningError', {
    CLI_ALREADY_RUNNING: 'a daemon of this kind already runs on this data directory',
  }),
  ...errorCodeEntries<'CLI_COMMAND_FAILED'>('cli', 'CommandFailedError', {
    CLI_COMMAND_FAILED: 'an admin operation ran but did not succeed (for example, nothing found)',
  }),
];

/** Bad command-line input. The message names the option or word at fault. */
export class UsageError extends ThrustMQError {
  override readonly name: string = 'UsageError';
  declare readonly code: UsageErrorCode;

  constructor(message: string, code: UsageErrorCode = UsageErrorCode.INVALID_VALUE) {
    super(code, message);
  }
}

/** An operation that ran but did not succeed (nothing found): exit 1 with this message. */
export class CommandFailedError extends ThrustMQError {
  override readonly name = 'CommandFailedError';
  declare readonly code: CliErrorCode;

  constructor(message: string) {
    super(CliErrorCode.COMMAND_FAILED, message);
  }
}

/** A second daemon on a data directory a live one holds. */
export class AlreadyRunningError extends ThrustMQError {
  override readonly name = 'AlreadyRunningError';
  declare readonly code: CliErrorCode;

  constructor(message: string) {
    super(CliErrorCode.ALREADY_RUNNING, message);
  }
}
