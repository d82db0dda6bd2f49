/**
 * A SQL92 filter expression that cannot be compiled. `position` is the 0-based index into the
 * expression of the offending character or token, or undefined when the whole expression is at
 * fault (for example, too long).
 */
export class SqlFilterError extends Error {
  override readonly name = 'SqlFilterError';
  readonly code = 'TMQ_SQL_FILTER_INVALID';
  readonly position: number | undefined;

  constructor(detail: string, position: number | undefined) {
    super(
      position === undefined
        ? `SQL92 filter: ${detail}`
        : `SQL92 filter: ${detail} at position ${position}`,
    );
    this.position = position;
  }
}
