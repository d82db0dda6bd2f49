/**
 * Errors of the store. Expected outcomes (a read past the end, an unknown queue) are statuses,
 * not exceptions; a StoreError means the caller asked for something invalid or the disk failed.
 * `code` is stable: callers map it to a RocketMQ response code.
 */
export const StoreErrorCode = {
  /** A message violates a limit (topic length, body size, properties size). */
  MESSAGE_ILLEGAL: 'STORE_MESSAGE_ILLEGAL',
  /** Options passed to openStore are invalid. */
  INVALID_OPTION: 'STORE_INVALID_OPTION',
  /** The store was closed, or an earlier disk error made it refuse writes. */
  NOT_WRITABLE: 'STORE_NOT_WRITABLE',
  /** SYNC_FLUSH: no fdatasync covered the message within syncFlushTimeout. */
  FLUSH_DISK_TIMEOUT: 'STORE_FLUSH_DISK_TIMEOUT',
  /**
   * The disk is full: use passed diskSpaceWarningLevelRatio, or a write failed with ENOSPC or
   * EDQUOT. Reads go on; writes are taken again once space returns.
   */
  DISK_FULL: 'STORE_DISK_FULL',
  /** A read or write of a store file failed. */
  IO_ERROR: 'STORE_IO_ERROR',
  /** Another process holds the store's lock file. */
  LOCKED: 'STORE_LOCKED',
  /** The data directory was written with incompatible settings (segment size, layout). */
  LAYOUT_MISMATCH: 'STORE_LAYOUT_MISMATCH',
} as const;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** INVALID_OPTION, LAYOUT_MISMATCH: the StoreOptions field at fault, for callers to name theirs. */
  readonly option: string | undefined;
  /** LAYOUT_MISMATCH: the value the data directory was created with. */
  readonly existing: number | string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown; option?: string; existing?: number | string },
  ) {
    super(message, options);
    this.code = code;
    this.option = options?.option;
    this.existing = options?.existing;
  }
}
