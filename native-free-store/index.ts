/**
 * native-free-store: a RocketMQ-format message store in plain Node fs (no mmap, no addons).
 * One MessageStore is one shard. Nothing here imports from the broker (src/).
 */
export { MessageStore, openStore } from './store.ts';
export type { OpenedStoreInfo } from './store.ts';
export { STORE_ERROR_CODES, StoreError, StoreErrorCode } from './errors.ts';
export { defaultStoreOptions, parseStoreOptions } from './options.ts';
export type { FlushDiskType, HostAddress, StoreLogger, StoreOptions } from './options.ts';
export { GetMessageStatus } from './types.ts';
export type {
  AppendBatchResult,
  GetMessagesQuery,
  GetMessagesResult,
  MessageInput,
  StoreStats,
} from './types.ts';
export type { RecoveryResult } from './recovery/recover.ts';
export type { RetentionPass } from './retention/retention.ts';
export {
  checkRecord,
  recordLayout,
  MESSAGE_MAGIC,
  BLANK_MAGIC,
  SysFlag,
} from './format/message-record.ts';
export type { RecordSummary } from './format/message-record.ts';
export { decodeProperties, encodeProperties, PropertyName } from './format/properties.ts';
export { javaStringHash } from './format/java-hash.ts';
