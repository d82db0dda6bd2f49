/**
 * The store's recovery at open, around recoverCommitLog: what the crash marker and checkpoint
 * say decides where the scan starts and what the tail needs (recover.ts, TailZeroing); once
 * the store is wired, markOpen makes the zeroing durable and marks the open for this boot.
 */
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { CheckpointFile } from '../flush/checkpoint.ts';
import type { IndexService } from '../index-file/index-service.ts';
import { fdatasyncPath } from '../io/fdatasync.ts';
import type { FileCache } from '../io/file-cache.ts';
import { MAX_RECORD_OVERHEAD_BYTES } from '../options.ts';
import type { StoreOptions } from '../options.ts';
import { readCrashMarker, sameBoot, writeCrashMarker } from './crash-marker.ts';
import { recoverCommitLog } from './recover.ts';
import type { RecoveryResult } from './recover.ts';

export interface OpenRecoveryParts {
  options: Readonly<StoreOptions>;
  files: FileCache;
  commitLog: CommitLog;
  queues: ConsumeQueueTable;
  dispatcher: Dispatcher;
  index: IndexService | undefined;
  checkpoint: CheckpointFile;
  /** The abort marker (crash-marker.ts). */
  abortPath: string;
}

export function recoverOnOpen(parts: OpenRecoveryParts): RecoveryResult {
  const { options, commitLog, queues, index } = parts;
  const log = options.logger;
  const marker = readCrashMarker(parts.abortPath);
  const crashed = marker.present;
  const saved = parts.checkpoint.read();
  if (commitLog.segments.length === 0) {
    // RocketMQ: an empty commit log means consume queues and index describe nothing.
    for (const queue of [...queues.all()]) queue.destroy();
    index?.truncateFrom(0);
  } else if (!saved) {
    log.warn(
      { directory: options.directory },
      'no valid checkpoint; scanning the commit log from its oldest segment',
    );
  }
  const result = recoverCommitLog({
    commitLog,
    queues,
    dispatcher: parts.dispatcher,
    index,
    startOffset: saved?.dispatchedPhysicalOffset ?? 0,
    checkCrc: options.checkCrcOnRecover,
    recordOffsetBase: options.recordOffsetBase,
    tail: !crashed && saved ? 'none' : sameBoot(marker) ? 'written' : 'whole',
    windowBytes: Math.max(4 << 20, options.maxMessageSizeBytes + MAX_RECORD_OVERHEAD_BYTES + 8),
  });
  for (const queue of queues.all()) queue.deleteBelow(commitLog.minOffset);
  if (result.stopReason !== 'end of data')
    log.warn(
      { crashed, ...result },
      `commit log truncated at ${result.endOffset}: ${result.stopReason}`,
    );
  return result;
}

/**
 * Before the store takes appends. The flusher syncs only once something is written past the
 * recovery's start, so zeroing alone (nothing replayed, then a clean close) would never be
 * synced, and a power cut after that close could bring back what it cleared: it is synced
 * here (rare: only a torn write leaves bytes to zero). Then the marker: one that already
 * existed changes only what it says; a new one must survive a power cut before anything this
 * run writes can (crash-marker.ts).
 */
export async function markOpen(
  parts: Pick<OpenRecoveryParts, 'files' | 'commitLog' | 'abortPath'>,
  recovery: RecoveryResult,
  recoveredFromCrash: boolean,
): Promise<void> {
  const { commitLog } = parts;
  if (recovery.zeroedBytes > 0) {
    const segment = commitLog.segmentPath(commitLog.segmentStartOf(recovery.endOffset));
    await fdatasyncPath(parts.files, segment);
  }
  writeCrashMarker(parts.abortPath, { durable: !recoveredFromCrash });
}
