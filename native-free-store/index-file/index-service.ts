/**
 * The index files of one store shard (protocol/STORE.md 5), oldest first by name. Only the last
 * file is writable and keeps its slot table in memory, so memory does not grow with the number
 * of records indexed; older files are read slot by slot and entry by entry.
 *
 * Crash model: a file's persisted header is the truth about which entries it holds. After a
 * crash the store replays records in commit-log order; those at or below
 * lastIndexedPhysicalOffset are skipped, the rest are appended again and overwrite the leftovers
 * identically. A record's keys all go into one file, so a crash never leaves half a record
 * indexed behind a header that claims it.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { removeUnfinishedFiles } from '../io/full-size-file.ts';
import { join } from 'node:path';
import { StoreError, StoreErrorCode } from '../errors.ts';
import { FileCache } from '../io/file-cache.ts';
import type { StoreLogger } from '../options.ts';
import { IndexFile } from './index-file.ts';
import type { IndexFileContext } from './index-file.ts';
import { removeIndexFile } from './index-file-io.ts';
import {
  FIRST_ENTRY_NUMBER,
  INDEX_FILE_NAME_PATTERN,
  formatIndexFileName,
  keyHashOf,
  slotKeyHashOf,
  parseIndexFileName,
} from './index-layout.ts';
import type { IndexGeometry } from './index-layout.ts';
import type { SlotRepair } from './slot-repair.ts';

export interface IndexServiceOptions {
  directory: string;
  maxHashSlotNum: number;
  maxIndexNum: number;
  logger: StoreLogger;
}

/** Descriptors kept open across a shard's index files (queries touch few files each). */
const OPEN_FILES_MAX = 16;
/** Names tried, a millisecond apart, before giving up on creating a file. */
const NAME_ATTEMPTS_MAX = 1000;
const COUNT_OPTION_MAX = 100_000_000;

export class IndexService {
  private readonly directory: string;
  private readonly geometry: IndexGeometry;
  private readonly logger: StoreLogger;
  private readonly cache = new FileCache(OPEN_FILES_MAX);
  private readonly context: IndexFileContext;
  private files: IndexFile[] = [];
  private lastIndexed = -1;
  private flushTail: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private closed = false;

  private constructor(options: IndexServiceOptions) {
    this.directory = options.directory;
    this.geometry = { maxHashSlotNum: options.maxHashSlotNum, maxIndexNum: options.maxIndexNum };
    this.logger = options.logger;
    this.context = { directory: this.directory, geometry: this.geometry, cache: this.cache };
  }

  static open(options: IndexServiceOptions): IndexService {
    checkOptions(options);
    try {
      mkdirSync(options.directory, { recursive: true });
    } catch (cause) {
      const message = `cannot create index directory ${options.directory}`;
      throw new StoreError(StoreErrorCode.IO_ERROR, message, { cause });
    }
    const service = new IndexService(options);
    service.loadFiles();
    return service;
  }

  /** Physical offset of the last indexed record, -1 when none. */
  get lastIndexedPhysicalOffset(): number {
    return this.lastIndexed;
  }

  /**
   * Indexes one record under each key, given as the Java String.hashCode of `topic#key`
   * (src/protocol/java-hash.ts): the hot path hashes key bytes in place and never builds the string.
   */
  addRecord(physicalOffset: number, storeTimestamp: number, keyHashes: readonly number[]): void {
    this.checkOpen();
    if (keyHashes.length === 0 || physicalOffset <= this.lastIndexed) return;
    let file = this.fileWithRoom(keyHashes.length);
    for (let i = 0; i < keyHashes.length; i++) {
      const javaHash = keyHashes[i]!;
      if (i > 0 && keyHashes.indexOf(javaHash) < i) continue; // a key listed twice is indexed once
      // Only a record with more keys than a whole file holds gets here with a full file.
      if (file.roomEntries === 0) file = this.fileWithRoom(1);
      file.append(slotKeyHashOf(javaHash), physicalOffset, storeTimestamp);
    }
    this.lastIndexed = physicalOffset;
  }

  writePending(): void {
    const last = this.files.at(-1);
    if (last?.isWritable) last.writePending();
  }

  /** Physical offsets of records indexed under key in the time range, newest first. */
  query(key: string, maxCount: number, beginTimestampMs: number, endTimestampMs: number): number[] {
    this.checkOpen();
    if (maxCount <= 0 || endTimestampMs < beginTimestampMs) return [];
    const found = new Set<number>();
    const query = {
      keyHash: keyHashOf(key),
      beginMs: beginTimestampMs,
      endMs: endTimestampMs,
      maxCount,
      found,
    };
    for (let i = this.files.length - 1; i >= 0 && found.size < maxCount; i--) {
      const file = this.files[i]!;
      const { indexCount, beginTimestampMs: fileBeginMs, endTimestampMs: fileEndMs } = file.header;
      if (indexCount <= FIRST_ENTRY_NUMBER) continue;
      if (fileBeginMs > endTimestampMs || fileEndMs < beginTimestampMs) continue;
      file.collect(query);
    }
    return [...found];
  }

  /** Serialized: each flush covers everything added before it was called. */
  flush(): Promise<void> {
    const run = this.flushTail.then(() => this.flushOnce());
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  truncateFrom(physicalOffset: number): void {
    this.checkOpen();
    if (physicalOffset > this.lastIndexed) return;
    let removedFiles = 0;
    for (let last = this.files.at(-1); last; last = this.files.at(-1)) {
      if (last.header.beginPhysicalOffset < physicalOffset) break;
      this.files.pop();
      last.remove();
      removedFiles++;
    }
    const last = this.files.at(-1);
    let cutEntries = 0;
    if (last) {
      this.logRepair(last, last.openForWrite());
      cutEntries = last.truncateFrom(physicalOffset);
      // Recovery rewrites the commit log past this offset next: the cut must outlive a crash.
      last.syncNow();
    }
    this.lastIndexed = last ? last.header.endPhysicalOffset : -1;
    this.logger.info(
      { physicalOffset, removedFiles, cutEntries, lastIndexedPhysicalOffset: this.lastIndexed },
      'index truncated',
    );
  }

  /** Retention: removes whole files below the commit log's minimum offset, never the last. */
  deleteFilesBelow(minPhysicalOffset: number): number {
    this.checkOpen();
    const kept: IndexFile[] = [];
    const removedNames: string[] = [];
    this.files.forEach((file, i) => {
      const isLast = i === this.files.length - 1;
      if (isLast || file.header.endPhysicalOffset >= minPhysicalOffset) {
        kept.push(file);
        return;
      }
      file.remove();
      removedNames.push(file.name);
    });
    this.files = kept;
    if (removedNames.length > 0) {
      this.logger.info({ minPhysicalOffset, files: removedNames }, 'index files deleted');
    }
    return removedNames.length;
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  /** Slot table and buffers of the writable file plus per-file scratch; not per record. */
  get memoryBytes(): number {
    let bytes = 0;
    for (const file of this.files) bytes += file.memoryBytes;
    return bytes;
  }

  private async closeOnce(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const file of this.files) file.release();
    this.cache.closeAll();
  }

  private async flushOnce(): Promise<void> {
    if (this.closed) return;
    const last = this.files.at(-1);
    if (last?.isWritable) last.persist();
    // Older files first: a sealed file's entries become durable no later than its successor's.
    const unsynced = this.files.filter((file) => file.unsynced);
    for (const file of unsynced) file.unsynced = false;
    for (let i = 0; i < unsynced.length; i++) {
      try {
        await unsynced[i]!.sync();
      } catch (error) {
        for (const file of unsynced.slice(i)) file.unsynced = true;
        throw error;
      }
    }
  }

  private loadFiles(): void {
    removeUnfinishedFiles(this.directory);
    const names = readdirSync(this.directory).filter((name) => INDEX_FILE_NAME_PATTERN.test(name));
    for (const name of names.sort()) {
      const loaded = IndexFile.load(this.context, name);
      if (loaded.status === 'LOADED') {
        this.files.push(loaded.file);
        continue;
      }
      if (loaded.status === 'DAMAGED') {
        this.logger.warn({ file: name, reason: loaded.reason }, 'damaged index file deleted');
      } else {
        this.logger.debug({ file: name }, 'empty index file deleted');
      }
      removeIndexFile(join(this.directory, name));
    }
    const last = this.files.at(-1);
    if (last && last.roomEntries > 0) this.logRepair(last, last.openForWrite());
    this.lastIndexed = last ? last.header.endPhysicalOffset : -1;
    this.logger.info(
      {
        directory: this.directory,
        files: this.files.length,
        lastIndexedPhysicalOffset: this.lastIndexed,
      },
      'index opened',
    );
  }

  /**
   * The writable file if it has room for entryCount entries, else a new file. Asking for all of
   * a record's entries at once keeps a record in one file.
   */
  private fileWithRoom(entryCount: number): IndexFile {
    const last = this.files.at(-1);
    const neededEntries = Math.min(entryCount, this.geometry.maxIndexNum - FIRST_ENTRY_NUMBER);
    if (last?.isWritable && last.roomEntries >= neededEntries) return last;
    if (last?.isWritable) last.seal();
    const name = this.nextFileName(last?.name);
    const file = IndexFile.create(this.context, name);
    this.files.push(file);
    this.logger.debug({ file: name, files: this.files.length }, 'index file created');
    return file;
  }

  /** Now as yyyyMMddHHmmssSSS, but always after the newest name so names keep creation order. */
  private nextFileName(newestName: string | undefined): string {
    let timeMs = Date.now();
    const newestMs = newestName === undefined ? undefined : parseIndexFileName(newestName);
    if (newestMs !== undefined && formatIndexFileName(timeMs) <= newestName!) timeMs = newestMs + 1;
    for (let attempt = 0; attempt < NAME_ATTEMPTS_MAX; attempt++, timeMs++) {
      const name = formatIndexFileName(timeMs);
      if (newestName !== undefined && name <= newestName) continue;
      if (!existsSync(join(this.directory, name))) return name;
    }
    const message = `no free index file name in ${this.directory} after ${NAME_ATTEMPTS_MAX} tries`;
    throw new StoreError(StoreErrorCode.IO_ERROR, message);
  }

  private logRepair(file: IndexFile, repair: SlotRepair): void {
    const fields = { file: file.name, indexCount: file.header.indexCount, ...repair };
    if (repair.rebuilt) this.logger.warn(fields, 'index slot chain broken; slots rebuilt');
    else if (repair.repairedSlots > 0)
      this.logger.warn(fields, 'index slots ahead of header repaired');
  }

  private checkOpen(): void {
    if (this.closing !== undefined) {
      throw new StoreError(StoreErrorCode.NOT_WRITABLE, `index ${this.directory} is closed`);
    }
  }
}

function checkOptions(options: IndexServiceOptions): void {
  const invalid = (name: string, value: unknown, allowed: string): never => {
    const message = `options.${name} must be ${allowed} (got ${JSON.stringify(value)})`;
    throw new StoreError(StoreErrorCode.INVALID_OPTION, message, { option: name });
  };
  if (typeof options.directory !== 'string' || options.directory.length === 0) {
    invalid('directory', options.directory, 'a non-empty path');
  }
  const counts = [
    ['maxHashSlotNum', options.maxHashSlotNum, 1],
    ['maxIndexNum', options.maxIndexNum, FIRST_ENTRY_NUMBER + 1],
  ] as const;
  for (const [name, value, min] of counts) {
    if (!Number.isInteger(value) || value < min || value > COUNT_OPTION_MAX) {
      invalid(name, value, `an integer in [${min}, ${COUNT_OPTION_MAX}]`);
    }
  }
  if (typeof options.logger?.warn !== 'function')
    invalid('logger', typeof options.logger, 'a StoreLogger');
}
