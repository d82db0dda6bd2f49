/**
 * Store options: one table of defaults (RocketMQ's where a key exists, protocol/STORE.md 8, 9, 11)
 * and one parser that validates everything at open and names the offending option.
 */
import { StoreError, StoreErrorCode } from './errors.ts';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

/** Minimal logger surface (pino-compatible) so the store does not depend on a logging library. */
export interface StoreLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface HostAddress {
  /** Dotted IPv4 or IPv6 text. */
  address: string;
  port: number;
}

export interface StoreOptions {
  /** Root directory of this shard: commitlog/, consumequeue/, index/, checkpoint, abort, lock. */
  directory: string;
  /** Commit-log segment size (RocketMQ `mappedFileSizeCommitLog`). Fixed once data exists. */
  segmentSizeBytes: number;
  /** Consume-queue entries per file (RocketMQ: 6,000,000 bytes / 20). */
  consumeQueueEntriesPerFile: number;
  flushDiskType: FlushDiskType;
  /** ASYNC_FLUSH period (`flushIntervalCommitLog`). */
  flushIntervalCommitLogMs: number;
  /** Consume-queue, index and checkpoint flush period (`flushIntervalConsumeQueue`). */
  flushIntervalConsumeQueueMs: number;
  /** SYNC_FLUSH: fail an append's durability wait after this long (`syncFlushTimeout`). */
  syncFlushTimeoutMs: number;
  /** Largest body accepted (`maxMessageSize`); a record may be 64 KiB larger. */
  maxMessageSizeBytes: number;
  /** Verify body CRCs when scanning after a crash (`checkCRCOnRecover`). */
  checkCrcOnRecover: boolean;
  /** Written into every record as storeHost (`brokerIP1` and the listen port). */
  storeHost: HostAddress;
  /**
   * Added to the physical offset written in every record, so ids built from it can name the
   * store (a broker puts its shard number in the high bits). Offsets in the API stay local.
   */
  recordOffsetBase: number;
  /** Index slots and entries per index file (`maxHashSlotNum`, `maxIndexNum`). */
  maxHashSlotNum: number;
  maxIndexNum: number;
  messageIndexEnable: boolean;
  /** Retention: hours a segment is kept (`fileReservedTime`). */
  fileReservedTimeHours: number;
  /** Retention: hours of the day expired segments are removed, `04` or `04;16` (`deleteWhen`). */
  deleteWhen: string;
  /** Retention: percent of disk use above which expired segments go at any hour. */
  diskMaxUsedSpaceRatio: number;
  /**
   * Retention: past 85% disk use (and past diskMaxUsedSpaceRatio) the oldest segments go even
   * when unexpired (`cleanFileForciblyEnable`).
   */
  cleanFileForciblyEnable: boolean;
  /**
   * Disk use (%) above which the store refuses writes with STORE_DISK_FULL until it falls below
   * again (RocketMQ's `diskSpaceWarningLevelRatio`); reads go on.
   */
  diskSpaceWarningLevelRatio: number;
  /** How often disk use is read (statfs) and a write refused for lack of space is retried. */
  diskCheckIntervalMs: number;
  /** Retention check period (`cleanResourceInterval`). */
  cleanResourceIntervalMs: number;
  /** Size of the buffer records are encoded into before one write; at least one record. */
  writeBufferBytes: number;
  /** Open file descriptors kept for reads and consume-queue writes. */
  maxOpenFiles: number;
  /**
   * Delayed messages (protocol/STORE.md 3): records of this topic carrying a DELAY property
   * get the delivery time (store timestamp + delayLevelsMs[DELAY - 1], level clamped to the
   * last) as consume-queue tagsCode instead of the TAGS hash. Absent: no topic is special.
   */
  scheduleTopic?: string;
  /** Delay of each level in ms, level 1 first; required with scheduleTopic. */
  delayLevelsMs?: readonly number[];
  logger: StoreLogger;
  /** Called after each commit-log fdatasync with its duration in ms (for latency metrics). */
  onFlushed?: (durationMs: number) => void;
  /** Called when commit-log bytes reached the segment files, with the written end (replication). */
  onWritten?: (writtenEnd: number) => void;
}

export const DEFAULT_SEGMENT_SIZE_BYTES = 1024 * 1024 * 1024;
export const MAX_RECORD_OVERHEAD_BYTES = 64 * 1024;

const silentLogger: StoreLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function defaultStoreOptions(directory: string): StoreOptions {
  return {
    directory,
    segmentSizeBytes: DEFAULT_SEGMENT_SIZE_BYTES,
    consumeQueueEntriesPerFile: 300_000,
    flushDiskType: 'ASYNC_FLUSH',
    flushIntervalCommitLogMs: 500,
    flushIntervalConsumeQueueMs: 1000,
    syncFlushTimeoutMs: 5000,
    maxMessageSizeBytes: 4 * 1024 * 1024,
    checkCrcOnRecover: true,
    storeHost: { address: '127.0.0.1', port: 10911 },
    recordOffsetBase: 0,
    maxHashSlotNum: 5_000_000,
    maxIndexNum: 20_000_000,
    messageIndexEnable: true,
    fileReservedTimeHours: 72,
    deleteWhen: '04',
    diskMaxUsedSpaceRatio: 75,
    cleanFileForciblyEnable: true,
    diskSpaceWarningLevelRatio: 90,
    diskCheckIntervalMs: 1000,
    cleanResourceIntervalMs: 10_000,
    writeBufferBytes: 1024 * 1024,
    maxOpenFiles: 256,
    logger: silentLogger,
  };
}

function invalid(name: string, value: unknown, allowed: string): never {
  throw new StoreError(
    StoreErrorCode.INVALID_OPTION,
    `options.${name} must be ${allowed} (got ${JSON.stringify(value)})`,
    { option: name },
  );
}

function checkInteger(options: StoreOptions, name: keyof StoreOptions, min: number, max: number) {
  const value = options[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(name, value, `an integer in [${min}, ${max}]`);
  }
}

/** Merges over the defaults and validates; the result is frozen. */
export function parseStoreOptions(
  input: Partial<StoreOptions> & { directory: string },
): Readonly<StoreOptions> {
  if (typeof input.directory !== 'string' || input.directory.length === 0) {
    invalid('directory', input.directory, 'a non-empty path');
  }
  const options: StoreOptions = { ...defaultStoreOptions(input.directory) };
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  checkInteger(options, 'maxMessageSizeBytes', 1024, 1024 * 1024 * 1024);
  const largestRecord = options.maxMessageSizeBytes + MAX_RECORD_OVERHEAD_BYTES;
  checkInteger(options, 'segmentSizeBytes', 4096, 2 ** 40);
  if (options.segmentSizeBytes < largestRecord + 8) {
    invalid(
      'segmentSizeBytes',
      options.segmentSizeBytes,
      `at least maxMessageSizeBytes + 64 KiB + 8 (${largestRecord + 8})`,
    );
  }
  checkInteger(options, 'consumeQueueEntriesPerFile', 1, 50_000_000);
  if (options.flushDiskType !== 'ASYNC_FLUSH' && options.flushDiskType !== 'SYNC_FLUSH') {
    invalid('flushDiskType', options.flushDiskType, "'ASYNC_FLUSH' or 'SYNC_FLUSH'");
  }
  checkInteger(options, 'flushIntervalCommitLogMs', 1, 60_000);
  checkInteger(options, 'flushIntervalConsumeQueueMs', 1, 60_000);
  checkInteger(options, 'syncFlushTimeoutMs', 1, 600_000);
  checkInteger(options, 'maxHashSlotNum', 1, 100_000_000);
  checkInteger(options, 'maxIndexNum', 1, 100_000_000);
  checkInteger(options, 'fileReservedTimeHours', 0, 24 * 365 * 10);
  checkInteger(options, 'diskMaxUsedSpaceRatio', 10, 95);
  checkInteger(options, 'diskSpaceWarningLevelRatio', 10, 100);
  checkInteger(options, 'diskCheckIntervalMs', 10, 600_000);
  if (typeof options.cleanFileForciblyEnable !== 'boolean')
    invalid('cleanFileForciblyEnable', options.cleanFileForciblyEnable, 'true or false');
  checkInteger(options, 'cleanResourceIntervalMs', 10, 3_600_000);
  checkInteger(options, 'maxOpenFiles', 8, 65_536);
  checkInteger(options, 'writeBufferBytes', 4096, 1024 * 1024 * 1024);
  if (options.writeBufferBytes < largestRecord) options.writeBufferBytes = largestRecord;
  if (
    !/^\d{1,2}(;\d{1,2})*$/.test(options.deleteWhen) ||
    options.deleteWhen.split(';').some((h) => Number(h) > 23)
  ) {
    invalid(
      'deleteWhen',
      options.deleteWhen,
      "hours of the day separated by ';', e.g. '04' or '04;16'",
    );
  }
  const host = options.storeHost;
  if (
    !host ||
    typeof host.address !== 'string' ||
    !Number.isInteger(host.port) ||
    host.port < 0 ||
    host.port > 65535
  ) {
    invalid('storeHost', host, '{ address, port } with a port in [0, 65535]');
  }
  if (!Number.isSafeInteger(options.recordOffsetBase) || options.recordOffsetBase < 0) {
    invalid('recordOffsetBase', options.recordOffsetBase, 'a non-negative safe integer');
  }
  checkSchedule(options);
  return Object.freeze(options);
}

const MAX_DELAY_LEVELS = 1000;
const MAX_DELAY_MS = 365 * 24 * 3600 * 1000;

function checkSchedule(options: StoreOptions): void {
  const { scheduleTopic, delayLevelsMs } = options;
  if (scheduleTopic === undefined && delayLevelsMs === undefined) return;
  if (
    typeof scheduleTopic !== 'string' ||
    scheduleTopic.length === 0 ||
    Buffer.byteLength(scheduleTopic) > 127
  ) {
    invalid(
      'scheduleTopic',
      scheduleTopic,
      'a topic name of 1-127 bytes when delayLevelsMs is set',
    );
  }
  if (
    !Array.isArray(delayLevelsMs) ||
    delayLevelsMs.length === 0 ||
    delayLevelsMs.length > MAX_DELAY_LEVELS ||
    delayLevelsMs.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS)
  ) {
    invalid(
      'delayLevelsMs',
      delayLevelsMs,
      `1-${MAX_DELAY_LEVELS} integer delays in [0, ${MAX_DELAY_MS}] ms when scheduleTopic is set`,
    );
  }
  options.delayLevelsMs = Object.freeze([...delayLevelsMs]);
}
