/**
 * Errors of the remoting layer. `code` is stable; callers match on it, not on the message.
 * A peer's non-success response is not an error here: it is a RemotingCommand with its code.
 */
export const RemotingErrorCode = {
  /** No response arrived within the call's timeout. */
  TIMEOUT: 'REMOTING_TIMEOUT',
  /** A connection could not be opened (refused, unreachable, connect timeout, bad address). */
  CONNECT: 'REMOTING_CONNECT',
  /** The connection or the client/server closed while the call was pending, or before it. */
  CLOSED: 'REMOTING_CLOSED',
  /** A frame's length field is above the configured maximum. */
  FRAME_TOO_LARGE: 'REMOTING_FRAME_TOO_LARGE',
  /** Bytes that are not a valid frame, header or lenient JSON text. */
  MALFORMED: 'REMOTING_MALFORMED',
  /** A request's extFields lack a required field or hold an unparsable value. */
  HEADER_FIELD: 'REMOTING_HEADER_FIELD',
  /** A command could not be encoded or written. */
  SEND: 'REMOTING_SEND',
} as const;

export type RemotingErrorCode = (typeof RemotingErrorCode)[keyof typeof RemotingErrorCode];

export class RemotingError extends Error {
  override readonly name: string = 'RemotingError';
  readonly code: RemotingErrorCode;

  constructor(code: RemotingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
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
