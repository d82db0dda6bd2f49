/**
 * Errors of the remoting layer. `code` is stable; callers match on it, not on the message.
 * A peer's non-success response is not an error here: it is a RemotingCommand with its code.
 */
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../protocol/thrustmq-error.ts';

export const RemotingErrorCode = {
  TIMEOUT: 'REMOTING_TIMEOUT',
  CONNECT: 'REMOTING_CONNECT',
  CLOSED: 'REMOTING_CLOSED',
  FRAME_TOO_LARGE: 'REMOTING_FRAME_TOO_LARGE',
  MALFORMED: 'REMOTING_MALFORMED',
  HEADER_FIELD: 'REMOTING_HEADER_FIELD',
  SEND: 'REMOTING_SEND',
} as const;

export type RemotingErrorCode = (typeof RemotingErrorCode)[keyof typeof RemotingErrorCode];

export const REMOTING_ERROR_CODES: readonly ErrorCodeEntry[] = [
  ...errorCodeEntries<Exclude<RemotingErrorCode, 'REMOTING_HEADER_FIELD'>>(
    'remoting',
    'RemotingError',
    {
      REMOTING_TIMEOUT: "no response arrived within the call's timeout",
      REMOTING_CONNECT:
        'a connection could not be opened (refused, unreachable, connect timeout, bad address)',
      REMOTING_CLOSED:
        'the connection or the client/server closed while the call was pending, or before it',
      REMOTING_FRAME_TOO_LARGE: "a frame's length field is above the configured maximum",
      REMOTING_MALFORMED: 'bytes that are not a valid frame, header or lenient JSON text',
      REMOTING_SEND: 'a command could not be encoded or written',
    },
  ),
  ...errorCodeEntries<'REMOTING_HEADER_FIELD'>('remoting', 'HeaderFieldError', {
    REMOTING_HEADER_FIELD:
      "a request's extFields lack a required field or hold an unparsable value",
  }),
];

export class RemotingError extends ThrustMQError {
  override readonly name: string = 'RemotingError';
  declare readonly code: RemotingErrorCode;

  constructor(code: RemotingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A missing or unparsable request header field. Its message is the remark Java brokers send
 * for the same fault ("the custom field queueId is null"), so clients see familiar text.
 */
export class HeaderFieldError extends RemotingError {
  override readonly name: string = 'HeaderFieldError';
  /** The extFields key at fault. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(RemotingErrorCode.HEADER_FIELD, message);
    this.field = field;
  }
}
