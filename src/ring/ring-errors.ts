/**
 * Errors of the data-plane ring. A full or empty ring is a normal outcome (tryWrite returns false,
 * drain returns 0); a RingError means the caller asked for something invalid, or the shared
 * memory no longer holds what the writer put there. `code` is stable: match on it.
 */
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../protocol/thrustmq-error.ts';

export const RingErrorCode = {
  INVALID_OPTION: 'RING_INVALID_OPTION',
  INVALID_ARGUMENT: 'RING_INVALID_ARGUMENT',
  RECORD_TOO_LARGE: 'RING_RECORD_TOO_LARGE',
  CORRUPT: 'RING_CORRUPT',
  UNSUPPORTED: 'RING_UNSUPPORTED',
} as const;

export type RingErrorCode = (typeof RingErrorCode)[keyof typeof RingErrorCode];

export const RING_ERROR_CODES: readonly ErrorCodeEntry[] = errorCodeEntries<RingErrorCode>(
  'ring',
  'RingError',
  {
    RING_INVALID_OPTION: 'createRingChannel or a constructor got an unusable option or channel',
    RING_INVALID_ARGUMENT:
      'a method argument is not a usable number (negative, NaN, not an integer)',
    RING_RECORD_TOO_LARGE:
      'a payload is larger than the ring can ever hold (see RingWriter.maxPayloadBytes)',
    RING_CORRUPT:
      'the reader found a record the writer cannot have written: shared memory was damaged',
    RING_UNSUPPORTED: 'this runtime lacks Atomics.waitAsync',
  },
);

export class RingError extends ThrustMQError {
  override readonly name = 'RingError';
  declare readonly code: RingErrorCode;

  constructor(code: RingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
