/**
 * Errors of the data-plane ring. A full or empty ring is a normal outcome (tryWrite returns false,
 * drain returns 0); a RingError means the caller asked for something invalid, or the shared
 * memory no longer holds what the writer put there. `code` is stable: match on it.
 */
export const RingErrorCode = {
  /** createRingChannel or a constructor got an unusable option or channel. */
  INVALID_OPTION: 'RING_INVALID_OPTION',
  /** A method argument is not a usable number (negative, NaN, not an integer). */
  INVALID_ARGUMENT: 'RING_INVALID_ARGUMENT',
  /** A payload is larger than the ring can ever hold (see RingWriter.maxPayloadBytes). */
  RECORD_TOO_LARGE: 'RING_RECORD_TOO_LARGE',
  /** The reader found a record that the writer cannot have written: shared memory was damaged. */
  CORRUPT: 'RING_CORRUPT',
  /** This runtime lacks Atomics.waitAsync. */
  UNSUPPORTED: 'RING_UNSUPPORTED',
} as const;

export type RingErrorCode = (typeof RingErrorCode)[keyof typeof RingErrorCode];

export class RingError extends Error {
  override readonly name = 'RingError';
  readonly code: RingErrorCode;

  constructor(code: RingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
