/**
 * Errors of the name server. A handler that throws one is answered with SYSTEM_ERROR (1) and
 * the message as remark, so messages are written for the operator reading the broker's log.
 */
export const NamesrvErrorCode = {
  /** A request body is not JSON of the expected shape, or a field is out of range. */
  BAD_BODY: 'TMQ_NAMESRV_BAD_BODY',
  /** The body's CRC does not match its bodyCrc32 header. */
  CRC_MISMATCH: 'TMQ_NAMESRV_CRC_MISMATCH',
  /** Accepting the request would pass a table's configured limit. */
  LIMIT_EXCEEDED: 'TMQ_NAMESRV_LIMIT_EXCEEDED',
  /** A feature RocketMQ has that ThrustMQ does not (compressed register bodies). */
  UNSUPPORTED: 'TMQ_NAMESRV_UNSUPPORTED',
  /** The KV config file cannot be read, parsed or written. */
  KV_CONFIG_IO: 'TMQ_NAMESRV_KV_CONFIG_IO',
} as const;

export type NamesrvErrorCode = (typeof NamesrvErrorCode)[keyof typeof NamesrvErrorCode];

export class NamesrvError extends Error {
  override readonly name = 'NamesrvError';
  readonly code: NamesrvErrorCode;

  constructor(code: NamesrvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
