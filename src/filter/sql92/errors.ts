import type { ErrorCodeEntry } from '../../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../../protocol/thrustmq-error.ts';

export const SqlFilterErrorCode = { SYNTAX: 'SQL92_SYNTAX' } as const;
export type SqlFilterErrorCode = (typeof SqlFilterErrorCode)[keyof typeof SqlFilterErrorCode];

export const SQL92_ERROR_CODES: readonly ErrorCodeEntry[] = errorCodeEntries<SqlFilterErrorCode>(
  'sql92',
  'SqlFilterError',
  {
    SQL92_SYNTAX:
      'a SQL92 filter expression cannot be compiled (syntax, types, length or depth; `position` points at the fault)',
  },
);

/**
 * A SQL92 filter expression that cannot be compiled. `position` is the 0-based index into the
 * expression of the offending character or token, or undefined when the whole expression is at
 * fault (for example, too long).
 */
export class SqlFilterError extends ThrustMQError {
  override readonly name = 'SqlFilterError';
  declare readonly code: SqlFilterErrorCode;
  readonly position: number | undefined;

  constructor(detail: string, position: number | undefined) {
    super(
      SqlFilterErrorCode.SYNTAX,
      position === undefined
        ? `SQL92 filter: ${detail}`
        : `SQL92 filter: ${detail} at position ${position}`,
    );
    this.position = position;
  }
}
