import type { HostAddress } from './options.ts';

/** A message to append. The store fills in offsets, store time, store host and the body CRC. */
export interface MessageInput {
  topic: string;
  queueId: number;
  body: Uint8Array;
  /** Encoded RocketMQ properties (`name\u0001value\u0002…`), as a string or its UTF-8 bytes. */
  properties?: string | Uint8Array;
  flag?: number;
  /** Message sysFlag (compression, transaction type); host IPv6 bits are set by the store. */
  sysFlag?: number;
  bornTimestamp?: number;
  bornHost?: HostAddress;
  /**
   * The born host already in the stored layout (4-byte IPv4 + 4-byte big-endian port, or 16 +
   * 4), instead of bornHost: copied as is. Read during the append call only.
   */
  bornHostBytes?: Uint8Array;
  /** The topic's UTF-8 bytes, when the caller has them: spares encoding the name. */
  topicBytes?: Uint8Array;
  reconsumeTimes?: number;
  preparedTransactionOffset?: number;
}

/**
 * What an append assigned, one slot per input message in input order. Columns rather than one
 * object per message: the broker copies them straight into response records. Plain arrays, not
 * typed arrays: typed-array garbage lives off the V8 heap and inflated RSS under load.
 */
export interface AppendBatchResult {
  count: number;
  queueOffsets: number[];
  physicalOffsets: number[];
  sizes: number[];
  storeTimestamps: number[];
  /** End of the last record: durability of the whole batch is "flushed past this". */
  endPhysicalOffset: number;
}

export const GetMessageStatus = {
  FOUND: 'FOUND',
  NO_MATCHED_MESSAGE: 'NO_MATCHED_MESSAGE',
  MESSAGE_WAS_REMOVING: 'MESSAGE_WAS_REMOVING',
  OFFSET_FOUND_NULL: 'OFFSET_FOUND_NULL',
  OFFSET_OVERFLOW_BADLY: 'OFFSET_OVERFLOW_BADLY',
  OFFSET_OVERFLOW_ONE: 'OFFSET_OVERFLOW_ONE',
  OFFSET_TOO_SMALL: 'OFFSET_TOO_SMALL',
  NO_MATCHED_LOGIC_QUEUE: 'NO_MATCHED_LOGIC_QUEUE',
  NO_MESSAGE_IN_QUEUE: 'NO_MESSAGE_IN_QUEUE',
} as const;
export type GetMessageStatus = (typeof GetMessageStatus)[keyof typeof GetMessageStatus];

export interface GetMessagesQuery {
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMessages: number;
  /** Stop before the returned bytes would exceed this (at least one message is returned). */
  maxBytes?: number;
  /** Keep only entries whose tagsCode (as a 32-bit int) is in this set; absent keeps all. */
  tagsCodes?: ReadonlySet<number>;
}

export interface GetMessagesResult {
  status: GetMessageStatus;
  /** The stored records, concatenated, exactly as in the commit log (a pull-response body). */
  data: Buffer;
  messageCount: number;
  /** Queue offset of each returned message, in order. */
  queueOffsets: number[];
  nextQueueOffset: number;
  minOffset: number;
  maxOffset: number;
}

/**
 * A pull planned from the consume queue, its records not read yet (MessageStore.planMessages):
 * everything of GetMessagesResult but the data, plus where the records are.
 */
export interface PlannedMessages extends Omit<GetMessagesResult, 'data'> {
  /** Bytes the records take, back to back (0 unless FOUND). */
  totalBytes: number;
  physicalOffsets: number[];
  sizes: number[];
}

export interface StoreStats {
  minPhysicalOffset: number;
  maxPhysicalOffset: number;
  flushedPhysicalOffset: number;
  segmentCount: number;
  queueCount: number;
  openFiles: number;
  indexMemoryBytes: number;
  flushCount: number;
  lastFlushMs: number;
  writable: boolean;
  /** Writes are refused for lack of disk space (STORE_DISK_FULL); reads go on. */
  diskFull: boolean;
  /** Disk use (%) of the store's file system at the last check. */
  diskUsedPercent: number;
}
