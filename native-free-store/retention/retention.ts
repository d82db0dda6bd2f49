/**
 * Retention (protocol/STORE.md 9): commit-log segments older than fileReservedTime hours go at
 * the deleteWhen hours, or at any hour once disk use passes diskMaxUsedSpaceRatio; past the
 * forcible ratio (85%, RocketMQ's diskSpaceCleanForciblyRatio) the oldest go even unexpired.
 * Never the segment being written, at most 10 per pass. Consume queues and index follow the new
 * commit-log minimum, so pulls below it answer OFFSET_TOO_SMALL.
 */
import { statSync } from 'node:fs';
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueTable } from '../consume-queue/consume-queue-table.ts';
import type { IndexService } from '../index-file/index-service.ts';
import { diskUsedPercent } from '../io/disk-space.ts';
import type { StoreOptions } from '../options.ts';

const MAX_SEGMENTS_PER_PASS = 10;
const FORCIBLE_CLEAN_PERCENT = 85;
const HOUR_MS = 3_600_000;

export interface RetentionPass {
  deletedSegments: number;
  reason: 'not due' | 'deleteWhen hour' | 'disk over ratio' | 'disk over forcible ratio';
  diskUsedPercent: number;
}

export class RetentionService {
  private readonly commitLog: CommitLog;
  private readonly queues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly options: Readonly<StoreOptions>;
  private readonly deleteHours: ReadonlySet<number>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    commitLog: CommitLog,
    queues: ConsumeQueueTable,
    index: IndexService | undefined,
    options: Readonly<StoreOptions>,
  ) {
    this.commitLog = commitLog;
    this.queues = queues;
    this.index = index;
    this.options = options;
    this.deleteHours = new Set(options.deleteWhen.split(';').map(Number));
  }

  start(): void {
    this.timer = setInterval(() => {
      try {
        this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: error }, 'retention pass failed');
      }
    }, this.options.cleanResourceIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  runOnce(
    nowMs = Date.now(),
    usedPercent = diskUsedPercent(this.options.directory),
  ): RetentionPass {
    const forcible =
      this.options.cleanFileForciblyEnable &&
      usedPercent >= Math.max(FORCIBLE_CLEAN_PERCENT, this.options.diskMaxUsedSpaceRatio);
    const overRatio = usedPercent >= this.options.diskMaxUsedSpaceRatio;
    const dueHour = this.deleteHours.has(new Date(nowMs).getHours());
    const reason: RetentionPass['reason'] = forcible
      ? 'disk over forcible ratio'
      : overRatio
        ? 'disk over ratio'
        : dueHour
          ? 'deleteWhen hour'
          : 'not due';
    if (reason === 'not due') return { deletedSegments: 0, reason, diskUsedPercent: usedPercent };
    const reservedMs = this.options.fileReservedTimeHours * HOUR_MS;
    let deletedSegments = 0;
    while (deletedSegments < MAX_SEGMENTS_PER_PASS) {
      const oldest = this.commitLog.segments[0];
      if (oldest === undefined || this.commitLog.segments.length < 2) break;
      const expired = statSync(this.commitLog.segmentPath(oldest)).mtimeMs + reservedMs <= nowMs;
      if (!expired && !forcible) break;
      if (!this.commitLog.deleteOldestSegment()) break;
      deletedSegments++;
    }
    if (deletedSegments > 0) {
      const minOffset = this.commitLog.minOffset;
      for (const queue of this.queues.all()) queue.deleteBelow(minOffset);
      this.index?.deleteFilesBelow(minOffset);
      this.options.logger.info(
        { deletedSegments, reason, minPhysicalOffset: minOffset, diskUsedPercent: usedPercent },
        'retention deleted commit-log segments',
      );
    }
    return { deletedSegments, reason, diskUsedPercent: usedPercent };
  }
}
