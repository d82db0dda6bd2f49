/** The store options of one shard, from the broker's config: each shard a directory of its own. */
import { join } from 'node:path';
import { SHARD_OFFSET_BASE } from '../actor/actor-host.ts';
import type { ShardStoreOptions } from '../actor/actor-worker-data.ts';
import type { BrokerConfig } from '../broker-config.ts';
import { SCHEDULE_TOPIC } from '../../protocol/topic-names.ts';

export interface StoreHost {
  address: string;
  port: number;
}

export function shardStoreOptions(
  config: BrokerConfig,
  storeHost: StoreHost,
  delayLevels: readonly number[],
): (shard: number) => ShardStoreOptions {
  return (shard) => ({
    directory: join(config.storePathRootDir, 'shards', String(shard)),
    segmentSizeBytes: config.mappedFileSizeCommitLog,
    consumeQueueEntriesPerFile: Math.floor(config.mapedFileSizeConsumeQueue / 20),
    flushDiskType: config.flushDiskType as 'ASYNC_FLUSH' | 'SYNC_FLUSH',
    flushIntervalCommitLogMs: config.flushIntervalCommitLog,
    flushIntervalConsumeQueueMs: config.flushIntervalConsumeQueue,
    syncFlushTimeoutMs: config.syncFlushTimeout,
    maxMessageSizeBytes: config.maxMessageSize,
    checkCrcOnRecover: config.checkCRCOnRecover,
    storeHost,
    recordOffsetBase: shard * SHARD_OFFSET_BASE,
    maxHashSlotNum: config.maxHashSlotNum,
    maxIndexNum: config.maxIndexNum,
    messageIndexEnable: config.messageIndexEnable,
    fileReservedTimeHours: config.fileReservedTime,
    deleteWhen: config.deleteWhen,
    diskMaxUsedSpaceRatio: config.diskMaxUsedSpaceRatio,
    diskSpaceWarningLevelRatio: config.diskSpaceWarningLevelRatio,
    cleanFileForciblyEnable: config.cleanFileForciblyEnable,
    diskCheckIntervalMs: config.diskCheckInterval,
    scheduleTopic: SCHEDULE_TOPIC,
    delayLevelsMs: [...delayLevels],
  });
}
