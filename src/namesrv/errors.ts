/**
 * Errors of the name server. A handler that throws one is answered with SYSTEM_ERROR (1) and
 * the message as remark, so messages are written for the operator reading the broker's log.
 */
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../protocol/thrustmq-error.ts';

export const NamesrvErrorCode = {
  BAD_BODY: 'NAMESRV_BAD_BODY',
  CRC_MISMATCH: 'NAMESRV_CRC_MISMATCH',
  LIMIT_EXCEEDED: 'NAMESRV_LIMIT_EXCEEDED',
  UNSUPPORTED: 'NAMESRV_UNSUPPORTED',
  KV_CONFIG_IO: 'NAMESRV_KV_CONFIG_IO',
} as const;

export type NamesrvErrorCode = (typeof NamesrvErrorCode)[keyof typeof NamesrvErrorCode];

export const NAMESRV_ERROR_CODES: readonly ErrorCodeEntry[] = errorCodeEntries<NamesrvErrorCode>(
  'namesrv',
  'NamesrvError',
  {
    NAMESRV_BAD_BODY:
      'a request body is not JSON of the expected shape, or a field is out of range',
    NAMESRV_CRC_MISMATCH: "the body's CRC does not match its bodyCrc32 header",
    NAMESRV_LIMIT_EXCEEDED: "accepting the request would pass a table's configured limit",
    NAMESRV_UNSUPPORTED:
      'a feature RocketMQ has that ThrustMQ does not (compressed register bodies)',
    NAMESRV_KV_CONFIG_IO: 'the KV config file cannot be read, parsed or written',
  },
);

export class NamesrvError extends ThrustMQError {
  override readonly name = 'NamesrvError';
  declare readonly code: NamesrvErrorCode;

  constructor(code: NamesrvErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
