/**
 * Errors of the store. Expected outcomes (a read past the end, an unknown queue) are statuses,
 * not exceptions; a StoreError means the caller asked for something invalid or the disk failed.
 * `code` is stable: callers map it to a RocketMQ response code.
 */
import type { ErrorCodeEntry } from '../src/protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../src/protocol/thrustmq-error.ts';

export const StoreErrorCode = {
  MESSAGE_ILLEGAL: 'STORE_MESSAGE_ILLEGAL',
  INVALID_OPTION: 'STORE_INVALID_OPTION',
  NOT_WRITABLE: 'STORE_NOT_WRITABLE',
  FLUSH_DISK_TIMEOUT: 'STORE_FLUSH_DISK_TIMEOUT',
  DISK_FULL: 'STORE_DISK_FULL',
  IO_ERROR: 'STORE_IO_ERROR',
  LOCKED: 'STORE_LOCKED',
  LAYOUT_MISMATCH: 'STORE_LAYOUT_MISMATCH',
  REPLICA_OFFSET_MISMATCH: 'STORE_REPLICA_OFFSET_MISMATCH',
  REPLICA_CORRUPT: 'STORE_REPLICA_CORRUPT',
} as const;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export const STORE_ERROR_CODES: readonly ErrorCodeEntry[] = errorCodeEntries<StoreErrorCode>(
  'store',
  'StoreError',
  {
    STORE_MESSAGE_ILLEGAL: 'a message violates a limit (topic length, body size, properties size)',
    STORE_INVALID_OPTION: 'an option passed to openStore is invalid (`option` names it)',
    STORE_NOT_WRITABLE: 'the store was closed, or an earlier disk error made it refuse writes',
    STORE_FLUSH_DISK_TIMEOUT:
      'SYNC_FLUSH: no fdatasync covered the message within syncFlushTimeout',
    STORE_DISK_FULL:
      'the disk is full (disk use passed diskSpaceWarningLevelRatio, or a write failed with ENOSPC or EDQUOT); reads go on, writes resume once space returns',
    STORE_IO_ERROR: 'a read or write of a store file failed',
    STORE_LOCKED: "another process holds the store's lock file",
    STORE_LAYOUT_MISMATCH:
      'the data directory was written with incompatible settings (segment size, layout)',
    STORE_REPLICA_OFFSET_MISMATCH:
      "replicated bytes do not start where the slave's commit log ends (the slave reconnects)",
    STORE_REPLICA_CORRUPT:
      'a replicated record failed its checks (magic, size, CRC, offset); nothing from it on was kept',
  },
);

export class StoreError extends ThrustMQError {
  override readonly name = 'StoreError';
  declare readonly code: StoreErrorCode;
  /** INVALID_OPTION, LAYOUT_MISMATCH: the StoreOptions field at fault, for callers to name theirs. */
  readonly option: string | undefined;
  /** LAYOUT_MISMATCH: the value the data directory was created with. */
  readonly existing: number | string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown; option?: string; existing?: number | string },
  ) {
    super(code, message, options);
    this.option = options?.option;
    this.existing = options?.existing;
  }
}
