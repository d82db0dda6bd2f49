/**
 * native-free-store: a RocketMQ-format message store in plain Node fs (no mmap, no addons).
 * One MessageStore is one shard. It imports from src/ only the protocol library (src/protocol/),
 * which defines the record layout it writes; nothing from the broker.
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
  PlannedMessages,
  StoreStats,
} from './types.ts';
export type { RecoveryResult } from './recovery/recover.ts';
export { CommitLogFileReader } from './commit-log/commit-log-file-reader.ts';
export { EpochLog, lastCommonOffset } from './replica/epoch-log.ts';
export type { EpochEntry } from './replica/epoch-log.ts';
export type { ReplicaAppendResult } from './replica/replica-apply.ts';
export type { StoreReplica } from './replica/store-replica.ts';
export type { RetentionPass } from './retention/retention.ts';
export {
  checkRecord,
  recordLayout,
  MESSAGE_MAGIC,
  BLANK_MAGIC,
  SysFlag,
} from '../src/protocol/message-record.ts';
export type { RecordSummary } from '../src/protocol/message-record.ts';
// Tag codes in GetMessagesQuery are this hash of each tag.
export { javaStringHash } from '../src/protocol/java-hash.ts';
