/**
 * MessageStore: one shard — a commit log, its consume queues, its index and checkpoint, with
 * the flush and retention services. Appends and reads are synchronous (the store lives in one
 * actor thread and owns its files); only waiting for durability is asynchronous.
 *
 * Open: lock → read checkpoint → note whether the last run crashed (abort file present, and in
 * which boot) → load segments, queues and index → recover from the checkpoint and clear what the
 * crash left past the valid end → write the abort file for this boot → start services, the
 * first checkpoint among them (recovery/recover.ts, recovery/crash-marker.ts). On a full disk
 * (flush/write-gate.ts) appends are refused, reads go on, refused writes stay buffered.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CommitLog } from './commit-log/commit-log.ts';
import { RecordEncoder } from './commit-log/record-encoder.ts';
import { ConsumeQueueTable } from './consume-queue/consume-queue-table.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { StoreError, StoreErrorCode } from './errors.ts';
import { CheckpointFile } from './flush/checkpoint.ts';
import { CommitLogFlusher } from './flush/commit-log-flusher.ts';
import { takesQueueOffset } from '../src/protocol/message-record.ts';
import { IndexService } from './index-file/index-service.ts';
import { fdatasyncPath } from './io/fdatasync.ts';
import { FileCache } from './io/file-cache.ts';
import { WriteGate } from './flush/write-gate.ts';
import { acquireStoreLock } from './io/store-lock.ts';
import type { StoreLock } from './io/store-lock.ts';
import { parseStoreOptions } from './options.ts';
import type { StoreOptions } from './options.ts';
import { markOpen, recoverOnOpen } from './recovery/open-recovery.ts';
import type { OpenRecoveryParts } from './recovery/open-recovery.ts';
import type { RecoveryResult } from './recovery/recover.ts';
import { RetentionService } from './retention/retention.ts';
import type { RetentionPass } from './retention/retention.ts';
import { StoreReader } from './store-reader.ts';
import { StoreReplica } from './replica/store-replica.ts';
import type {
  AppendBatchResult,
  GetMessagesQuery,
  GetMessagesResult,
  MessageInput,
  PlannedMessages,
  StoreStats,
} from './types.ts';

/** Consume-queue entries buffered before appends force a write (80 KB in all). */
const MAX_PENDING_QUEUE_ENTRIES = 4096;

export interface OpenedStoreInfo {
  /** True when the previous run did not close cleanly (abort marker found). */
  recoveredFromCrash: boolean;
  recovery: RecoveryResult;
}

export class MessageStore {
  readonly options: Readonly<StoreOptions>;
  readonly openInfo: OpenedStoreInfo;
  private readonly files: FileCache;
  private readonly commitLog: CommitLog;
  private readonly queues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly encoder: RecordEncoder;
  private readonly flusher: CommitLogFlusher;
  private readonly checkpoint: CheckpointFile;
  private readonly reader: StoreReader;
  private readonly retention: RetentionService;
  private readonly lock: StoreLock;
  private lastStoreTimestamp = 0;
  /** The end-of-turn write-out, while one is scheduled; writePending takes its place. */
  private scheduledWrite: NodeJS.Immediate | undefined;
  private writeWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private closed = false;
  private logicsFlush: Promise<void> | undefined;
  private logicsTimer: NodeJS.Timeout | undefined;
  private readonly gate: WriteGate;
  /** A slave's side: the master's bytes applied, tails cut, epochs. */
  readonly replica: StoreReplica;

  /** Use openStore(); the constructor only wires parts that open() has prepared. */
  private constructor(options: Readonly<StoreOptions>, lock: StoreLock) {
    this.options = options;
    this.lock = lock;
    this.gate = new WriteGate(options);
    const root = options.directory;
    this.files = new FileCache(options.maxOpenFiles);
    this.checkpoint = new CheckpointFile(join(root, 'checkpoint'));
    this.commitLog = new CommitLog(
      join(root, 'commitlog'),
      options.segmentSizeBytes,
      options.writeBufferBytes,
      this.files,
    );
    this.queues = new ConsumeQueueTable(
      join(root, 'consumequeue'),
      options.consumeQueueEntriesPerFile,
      this.files,
    );
    this.queues.load();
    this.index = options.messageIndexEnable
      ? IndexService.open({
          directory: join(root, 'index'),
          maxHashSlotNum: options.maxHashSlotNum,
          maxIndexNum: options.maxIndexNum,
          logger: options.logger,
        })
      : undefined;
    this.dispatcher = new Dispatcher(this.queues, this.index, options);
    this.encoder = new RecordEncoder(options.storeHost, options.maxMessageSizeBytes);
    this.openInfo = {
      recoveredFromCrash: existsSync(this.abortPath),
      recovery: recoverOnOpen(this.recoveryParts()),
    };
    this.flusher = new CommitLogFlusher(this.commitLog, this.files, options, options.logger, {
      beforeSync: () => this.writeOut(),
      onFatal: (error) => this.gate.fail(error as StoreError),
      onWriteFailed: (cause) => this.gate.ioFailure('write', cause),
      onFlushed: options.onFlushed,
    });
    this.reader = new StoreReader(
      this.commitLog,
      this.queues,
      this.index,
      this.options.recordOffsetBase,
    );
    this.retention = new RetentionService(this.commitLog, this.queues, this.index, options);
    this.replica = new StoreReplica(this.recoveryParts(), () => this.checkWritable());
  }

  static async open(input: Partial<StoreOptions> & { directory: string }): Promise<MessageStore> {
    const options = parseStoreOptions(input);
    mkdirSync(options.directory, { recursive: true });
    const lock = acquireStoreLock(join(options.directory, 'lock'), options.logger);
    const began = performance.now();
    let store: MessageStore;
    try {
      store = new MessageStore(options, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
    await store.start();
    const { recoveredFromCrash: crashed, recovery } = store.openInfo;
    const openMs = Math.round(performance.now() - began);
    options.logger.info(
      { crashed, ...recovery, openMs },
      crashed ? 'store recovered after an unclean shutdown' : 'store opened',
    );
    return store;
  }

  private get abortPath(): string {
    return join(this.options.directory, 'abort');
  }

  private recoveryParts(): OpenRecoveryParts {
    const { options, files, commitLog, queues, dispatcher, index, checkpoint, abortPath } = this;
    return { options, files, commitLog, queues, dispatcher, index, checkpoint, abortPath };
  }

  private async start(): Promise<void> {
    // Whatever recovery replayed becomes durable before new appends are acknowledged.
    for (const segment of this.commitLog.segments) {
      if (segment + this.commitLog.segmentSizeBytes > this.openInfo.recovery.startOffset)
        this.commitLog.markDirty(segment);
    }
    this.flusher.flushedPosition = this.openInfo.recovery.startOffset;
    this.gate.measure();
    // Reads need none of this; a full disk leaves the marker for the disk check to retry.
    await this.gate.atOpen('the crash marker', () =>
      markOpen(this.recoveryParts(), this.openInfo.recovery, this.openInfo.recoveredFromCrash),
    );
    this.flusher.start();
    // Not awaited: it only shortens the next recovery. Replayed records are covered by the
    // flusher (dirty segments below flushedPosition); queues rebuild from the last checkpoint.
    void this.flushLogics().catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'first checkpoint after open failed'),
    );
    this.logicsTimer = setInterval(
      () => void this.flushLogics().catch(() => undefined),
      this.options.flushIntervalConsumeQueueMs,
    );
    this.logicsTimer.unref();
    this.gate.start(this.options.diskCheckIntervalMs, {
      cleanNow: (usedPercent) => this.retention.runOnce(Date.now(), usedPercent),
      retryWrite: () => {
        const ok = this.writeOutQuietly() === undefined;
        if (ok) void this.flusher.requestFlush();
        return ok;
      },
      retryDeferred: () => this.lock.retry(),
    });
    this.retention.start();
  }

  /**
   * Appends a batch: every message is validated first (a StoreError names the first bad one and
   * nothing is appended), then encoded and dispatched. The records are readable at once and
   * reach the files at the end of this event-loop turn (or writePending); `append` waits for
   * that, or for durability under SYNC_FLUSH.
   */
  appendBatch(messages: readonly MessageInput[]): AppendBatchResult {
    this.checkWritable();
    const prepared = messages.map((message, i) => this.encoder.prepare(message, i));
    const count = prepared.length;
    const result: AppendBatchResult = {
      count,
      queueOffsets: new Array<number>(count),
      physicalOffsets: new Array<number>(count),
      sizes: new Array<number>(count),
      storeTimestamps: new Array<number>(count),
      endPhysicalOffset: this.commitLog.writePosition,
    };
    const storeTimestamp = Math.max(Date.now(), this.lastStoreTimestamp);
    this.lastStoreTimestamp = storeTimestamp;
    try {
      for (let i = 0; i < count; i++) {
        const message = prepared[i]!;
        const { topic, queueId } = message.input;
        const queueOffset = takesQueueOffset(message.sysFlag)
          ? this.queues.getOrCreate(topic, queueId).maxOffset
          : 0;
        const physicalOffset = this.commitLog.reserve(message.recordBytes);
        const position = physicalOffset - this.commitLog.bufferStart;
        const buffer = this.commitLog.buffer;
        const propertiesStart = this.encoder.encode(
          buffer,
          this.commitLog.view,
          position,
          message,
          queueOffset,
          physicalOffset + this.options.recordOffsetBase,
          storeTimestamp,
        );
        this.dispatcher.dispatch(
          buffer,
          propertiesStart,
          propertiesStart + message.propertiesBytes,
          topic,
          queueId,
          queueOffset,
          physicalOffset,
          message.recordBytes,
          message.sysFlag,
          storeTimestamp,
          false,
        );
        result.queueOffsets[i] = queueOffset;
        result.physicalOffsets[i] = physicalOffset;
        result.sizes[i] = message.recordBytes;
        result.storeTimestamps[i] = storeTimestamp;
        if (this.dispatcher.pendingEntries >= MAX_PENDING_QUEUE_ENTRIES) this.writeOut();
      }
    } catch (cause) {
      throw this.gate.ioFailure('append', cause);
    }
    result.endPhysicalOffset = this.commitLog.writePosition;
    this.scheduledWrite ??= setImmediate(() => {
      this.scheduledWrite = undefined;
      this.writeOutAndNotify();
    });
    return result;
  }

  /** Writes out pending appends and settles everyone waiting for that. */
  private writeOutAndNotify(): StoreError | undefined {
    const waiters = this.writeWaiters;
    this.writeWaiters = [];
    const failure = this.closed ? undefined : this.writeOutQuietly();
    for (const waiter of waiters) {
      if (failure) waiter.reject(failure);
      else waiter.resolve();
    }
    return failure;
  }

  /**
   * Writes appended records to the files now, instead of at the end of this event-loop turn.
   * After it returns they survive a crash of the process (not yet of the machine).
   */
  writePending(): void {
    if (this.closed) throw new StoreError(StoreErrorCode.NOT_WRITABLE, 'the store is closed');
    // This write replaces the end-of-turn one: one write trigger per batch of appends.
    clearImmediate(this.scheduledWrite);
    this.scheduledWrite = undefined;
    const failure = this.writeOutAndNotify();
    if (failure) throw failure;
  }

  /**
   * Puts encoded records and their queue and index entries into the files. Appends only encode;
   * the write happens once per event-loop turn (or when a buffer fills), so appends arriving
   * together share one write call. Reads and flushes call it first, so a read sees every
   * append made before it.
   */
  private writeOut(): void {
    const wrote = this.commitLog.bufferedBytes > 0;
    this.commitLog.writeBuffered();
    this.dispatcher.finishBatch();
    if (wrote) this.options.onWritten?.(this.commitLog.writePosition);
  }

  /** writeOut that records a failure (the store stops taking writes) and returns it. */
  private writeOutQuietly(): StoreError | undefined {
    try {
      this.writeOut();
      return undefined;
    } catch (cause) {
      return this.gate.ioFailure('write', cause);
    }
  }

  /** The reader, after pending writes went out. */
  private get current(): StoreReader {
    this.writeOutQuietly();
    return this.reader;
  }

  /** Resolves when everything below endPhysicalOffset is on disk (fdatasync'ed). */
  whenDurable(endPhysicalOffset: number): Promise<void> {
    return this.flusher.whenDurable(endPhysicalOffset);
  }

  /**
   * appendBatch, then wait until the batch is safe as flushDiskType promises: under SYNC_FLUSH
   * an fdatasync covered it (group commit); under ASYNC_FLUSH it is in the files, so it survives
   * a crash of the process, and the flush timer syncs it later.
   */
  async append(messages: readonly MessageInput[]): Promise<AppendBatchResult> {
    const result = this.appendBatch(messages);
    if (this.options.flushDiskType === 'SYNC_FLUSH') {
      await this.flusher.whenDurable(result.endPhysicalOffset);
    } else {
      await new Promise<void>((resolve, reject) => this.writeWaiters.push({ resolve, reject }));
    }
    return result;
  }

  getMessages(query: GetMessagesQuery): GetMessagesResult {
    return this.current.getMessages(query);
  }

  /** getMessages without the read: readPlanned then reads the records where wanted. */
  planMessages(query: GetMessagesQuery): PlannedMessages {
    return this.current.planMessages(query);
  }

  /** A FOUND plan's records into target at targetOffset; false if one is gone (retention). */
  readPlanned(plan: PlannedMessages, target: Uint8Array, targetOffset: number): boolean {
    return this.reader.readPlanned(plan, target, targetOffset);
  }

  getMinOffset(topic: string, queueId: number): number {
    return this.queues.get(topic, queueId)?.minOffset ?? 0;
  }

  getMaxOffset(topic: string, queueId: number): number {
    return this.queues.get(topic, queueId)?.maxOffset ?? 0;
  }

  /** First queue offset whose message was stored at or after timestampMs (maxOffset if none). */
  getOffsetByTime(topic: string, queueId: number, timestampMs: number): number {
    return this.current.getOffsetByTime(topic, queueId, timestampMs);
  }

  getEarliestStoreTime(topic: string, queueId: number): number | undefined {
    return this.current.getEarliestStoreTime(topic, queueId);
  }

  /** Store time of the message at a queue offset, if it is still stored. */
  getStoreTimeAt(topic: string, queueId: number, queueOffset: number): number | undefined {
    return this.current.getStoreTimeAt(topic, queueId, queueOffset);
  }

  /** The stored record at a physical offset, validated; undefined when absent or not a record. */
  readMessageAt(physicalOffset: number): Buffer | undefined {
    return this.current.readMessageAt(physicalOffset);
  }

  /** Records whose KEYS or UNIQ_KEY equal key, newest first, within the store-time range. */
  queryByKey(
    topic: string,
    key: string,
    maxCount: number,
    beginTimestampMs = 0,
    endTimestampMs = Number.MAX_SAFE_INTEGER,
  ): Buffer[] {
    return this.current.queryByKey(topic, key, maxCount, beginTimestampMs, endTimestampMs);
  }

  topics(): string[] {
    return this.queues.topicNames();
  }

  deleteTopic(topic: string): boolean {
    this.writeOutQuietly();
    return this.queues.deleteTopic(topic);
  }

  get minPhysicalOffset(): number {
    return this.commitLog.minOffset;
  }

  get maxPhysicalOffset(): number {
    return this.commitLog.writePosition;
  }

  /** Runs one retention pass now (the service also runs every cleanResourceIntervalMs). */
  runRetention(nowMs?: number, diskUsedPercent?: number): RetentionPass {
    this.writeOutQuietly();
    return this.retention.runOnce(nowMs, diskUsedPercent);
  }

  /** Flushes the commit log, consume queues and index, then writes the checkpoint. */
  flush(): Promise<void> {
    return this.flushLogics();
  }

  private flushLogics(): Promise<void> {
    this.logicsFlush ??= this.flushLogicsOnce().finally(() => {
      this.logicsFlush = undefined;
    });
    return this.logicsFlush;
  }

  private async flushLogicsOnce(): Promise<void> {
    this.writeOut();
    const dispatched = this.commitLog.writePosition;
    const timestamp = this.lastStoreTimestamp;
    await this.flusher.whenDurable(dispatched, 3_600_000);
    const paths = this.queues.takeDirtyFiles();
    // A queue file deleted since it was written (retention, topic deletion) has nothing to sync.
    for (const path of paths) if (existsSync(path)) await fdatasyncPath(this.files, path);
    await this.index?.flush();
    await this.checkpoint.write({
      physicMsgTimestamp: timestamp,
      logicsMsgTimestamp: timestamp,
      indexMsgTimestamp: timestamp,
      flushedPhysicalOffset: this.flusher.flushedPosition,
      dispatchedPhysicalOffset: dispatched,
    });
  }

  stats(): StoreStats {
    return {
      minPhysicalOffset: this.commitLog.minOffset,
      maxPhysicalOffset: this.commitLog.writePosition,
      flushedPhysicalOffset: this.flusher.flushedPosition,
      segmentCount: this.commitLog.segments.length,
      queueCount: [...this.queues.all()].length,
      openFiles: this.files.size,
      indexMemoryBytes: this.index?.memoryBytes ?? 0,
      flushCount: this.flusher.flushCount,
      lastFlushMs: this.flusher.lastFlushMs,
      writable: !this.closed && this.gate.writable,
      diskFull: this.gate.diskFull,
      diskUsedPercent: this.gate.usedPercent,
    };
  }

  private checkWritable(): void {
    if (this.closed) throw new StoreError(StoreErrorCode.NOT_WRITABLE, 'the store is closed');
    this.gate.checkWritable();
  }

  /** Flushes everything, writes the checkpoint and removes the abort marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.logicsTimer);
    this.gate.stop();
    this.retention.stop();
    await this.logicsFlush?.catch(() => undefined);
    try {
      if (!this.gate.failure) {
        await this.flushLogics();
        rmSync(this.abortPath, { force: true });
      }
    } catch (error) {
      // A close that cannot write (a full disk) still closes; the abort marker makes the next
      // open recover from the last checkpoint.
      this.options.logger.error({ err: error }, 'store closed without a final checkpoint');
    } finally {
      await this.flusher.stop();
      await this.index?.close().catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'closing the index failed');
      });
      this.checkpoint.close();
      this.files.closeAll();
      this.lock.release();
    }
  }
}

export function openStore(
  options: Partial<StoreOptions> & { directory: string },
): Promise<MessageStore> {
  return MessageStore.open(options);
}
