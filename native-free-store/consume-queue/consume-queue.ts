/**
 * One consume queue: the index of one (topic, queueId) into the commit log
 * (protocol/STORE.md 4). Entry n (the queue offset) is 20 bytes at byte n × 20 of the queue:
 *
 *   physicalOffset (8) · record size (4) · tagsCode (8)
 *
 * Files hold entriesPerFile entries and are named by their 20-digit start byte offset. Files grow
 * by appends (they are not preallocated), so a file's length tells how many entries it holds;
 * only the last file may be partial. Entries are in ascending physical order.
 */
import {
  ftruncateSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { FileCache } from '../io/file-cache.ts';
import { offsetFileName, offsetFileStarts } from '../io/file-names.ts';
import { readInt64, writeUint64 } from '../../src/protocol/message-record.ts';

export const CQ_ENTRY_BYTES = 20;
const PENDING_INITIAL_BYTES = 16 * CQ_ENTRY_BYTES;
const PENDING_KEEP_BYTES = 4096 * CQ_ENTRY_BYTES;

export interface ConsumeQueueEntry {
  physicalOffset: number;
  size: number;
  tagsCode: number;
}

export class ConsumeQueue {
  readonly topic: string;
  readonly queueId: number;
  readonly directory: string;
  private readonly entriesPerFile: number;
  private readonly files: FileCache;
  /** Entry index at which each file starts, ascending. */
  private fileStartEntries: number[] = [];
  /** Next queue offset to assign; entries below it are written or pending. */
  maxOffset = 0;
  /** Lowest queue offset whose record is still in the commit log. */
  minOffset = 0;
  /** Physical offset of the last entry, -1 when empty: re-dispatch skips what is at or below. */
  lastPhysicalOffset = -1;
  private pending: Buffer = Buffer.allocUnsafe(PENDING_INITIAL_BYTES);
  private readonly entryScratch = Buffer.allocUnsafe(CQ_ENTRY_BYTES);
  private pendingBytes = 0;
  /** Files written since their last fdatasync, by path. */
  readonly dirtyFiles = new Set<string>();

  constructor(
    root: string,
    topic: string,
    queueId: number,
    entriesPerFile: number,
    files: FileCache,
  ) {
    this.topic = topic;
    this.queueId = queueId;
    this.directory = join(root, topic, String(queueId));
    this.entriesPerFile = entriesPerFile;
    this.files = files;
  }

  /** Loads the files on disk: trims a partial trailing entry and trailing invalid (zero) entries. */
  load(): void {
    mkdirSync(this.directory, { recursive: true });
    const fileBytes = this.entriesPerFile * CQ_ENTRY_BYTES;
    this.fileStartEntries = offsetFileStarts(readdirSync(this.directory))
      .filter((start) => start % fileBytes === 0)
      .map((start) => start / CQ_ENTRY_BYTES);
    this.maxOffset = 0;
    this.lastPhysicalOffset = -1;
    while (this.fileStartEntries.length > 0) {
      const start = this.fileStartEntries[this.fileStartEntries.length - 1]!;
      const path = this.filePath(start);
      let count = Math.min(Math.floor(statSync(path).size / CQ_ENTRY_BYTES), this.entriesPerFile);
      while (count > 0 && !this.readEntry(start + count - 1)) count--;
      if (count === 0 && this.fileStartEntries.length > 1) {
        this.removeFile(start);
        continue;
      }
      this.truncateFile(path, count);
      this.maxOffset = start + count;
      if (count > 0) this.lastPhysicalOffset = this.readEntry(start + count - 1)!.physicalOffset;
      break;
    }
    this.minOffset = this.fileStartEntries[0] ?? 0;
  }

  filePath(startEntry: number): string {
    return join(this.directory, offsetFileName(startEntry * CQ_ENTRY_BYTES));
  }

  private fileStartOf(queueOffset: number): number {
    return queueOffset - (queueOffset % this.entriesPerFile);
  }

  /** Buffers the entry for queue offset maxOffset; writePending puts it on disk. */
  push(physicalOffset: number, size: number, tagsCode: number): void {
    if (this.pendingBytes + CQ_ENTRY_BYTES > this.pending.length) this.growPending();
    const at = this.pendingBytes;
    writeUint64(this.pending, at, physicalOffset);
    this.pending.writeInt32BE(size, at + 8);
    // 64-bit on disk: a hash sign-extends, a delivery time (schedule topic) keeps its high bits.
    this.pending.writeInt32BE(Math.floor(tagsCode / 0x1_0000_0000), at + 12);
    this.pending.writeInt32BE(tagsCode | 0, at + 16);
    this.pendingBytes += CQ_ENTRY_BYTES;
    this.maxOffset++;
    this.lastPhysicalOffset = physicalOffset;
  }

  private growPending(): void {
    const grown = Buffer.allocUnsafe(this.pending.length * 2);
    this.pending.copy(grown, 0, 0, this.pendingBytes);
    this.pending = grown;
  }

  /** Writes buffered entries, splitting at file boundaries. */
  writePending(): void {
    if (this.pendingBytes === 0) return;
    let queueOffset = this.maxOffset - this.pendingBytes / CQ_ENTRY_BYTES;
    let from = 0;
    while (from < this.pendingBytes) {
      const fileStart = this.fileStartOf(queueOffset);
      if (this.fileStartEntries[this.fileStartEntries.length - 1] !== fileStart)
        this.createFile(fileStart);
      const entries = Math.min(
        (this.pendingBytes - from) / CQ_ENTRY_BYTES,
        fileStart + this.entriesPerFile - queueOffset,
      );
      const path = this.filePath(fileStart);
      const bytes = entries * CQ_ENTRY_BYTES;
      writeSync(
        this.files.fd(path),
        this.pending,
        from,
        bytes,
        (queueOffset - fileStart) * CQ_ENTRY_BYTES,
      );
      this.dirtyFiles.add(path);
      from += bytes;
      queueOffset += entries;
    }
    this.pendingBytes = 0;
    if (this.pending.length > PENDING_KEEP_BYTES)
      this.pending = Buffer.allocUnsafe(PENDING_INITIAL_BYTES);
  }

  private createFile(startEntry: number): void {
    const path = this.filePath(startEntry);
    closeSync(openSync(path, 'a'));
    this.fileStartEntries.push(startEntry);
  }

  /**
   * Reads up to maxEntries entries from queueOffset, never past the end of its file. Returns the
   * raw entry bytes (a view of scratch when it is large enough), or undefined when the file
   * holding queueOffset is gone.
   */
  readEntries(queueOffset: number, maxEntries: number, scratch?: Buffer): Buffer | undefined {
    const fileStart = this.fileStartOf(queueOffset);
    if (!this.fileStartEntries.includes(fileStart)) return undefined;
    const count = Math.min(
      maxEntries,
      this.maxOffset - queueOffset,
      fileStart + this.entriesPerFile - queueOffset,
    );
    const wanted = Math.max(0, count) * CQ_ENTRY_BYTES;
    const bytes =
      scratch && scratch.length >= wanted
        ? scratch.subarray(0, wanted)
        : Buffer.allocUnsafe(wanted);
    if (count <= 0) return bytes;
    const fd = this.files.fd(this.filePath(fileStart));
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(
        fd,
        bytes,
        got,
        bytes.length - got,
        (queueOffset - fileStart) * CQ_ENTRY_BYTES + got,
      );
      if (n === 0) break;
      got += n;
    }
    return bytes.subarray(0, got - (got % CQ_ENTRY_BYTES));
  }

  /** The entry at queueOffset, or undefined when absent or invalid (size <= 0). */
  readEntry(queueOffset: number): ConsumeQueueEntry | undefined {
    const bytes = this.readEntriesRaw(queueOffset);
    if (!bytes) return undefined;
    const entry = decodeEntry(bytes, 0);
    return entry.size > 0 && entry.physicalOffset >= 0 ? entry : undefined;
  }

  private readEntriesRaw(queueOffset: number): Buffer | undefined {
    const fileStart = this.fileStartOf(queueOffset);
    if (!this.fileStartEntries.includes(fileStart)) return undefined;
    const bytes = this.entryScratch;
    const n = readSync(
      this.files.fd(this.filePath(fileStart)),
      bytes,
      0,
      CQ_ENTRY_BYTES,
      (queueOffset - fileStart) * CQ_ENTRY_BYTES,
    );
    return n === CQ_ENTRY_BYTES ? bytes : undefined;
  }

  /** Drops every entry whose physical offset is at or past physicalOffset (recovery). */
  truncateFromPhysical(physicalOffset: number): number {
    if (this.lastPhysicalOffset < physicalOffset) return 0;
    const removedBefore = this.maxOffset;
    this.truncateToOffset(this.firstOffsetAtOrPast(physicalOffset));
    return removedBefore - this.maxOffset;
  }

  /** Keeps entries below queueOffset only. */
  truncateToOffset(queueOffset: number): void {
    this.pendingBytes = 0;
    while (this.fileStartEntries.length > 0) {
      const start = this.fileStartEntries[this.fileStartEntries.length - 1]!;
      if (start >= queueOffset && this.fileStartEntries.length > 1) {
        this.removeFile(start);
        continue;
      }
      this.truncateFile(this.filePath(start), Math.max(0, queueOffset - start));
      break;
    }
    this.maxOffset = Math.max(queueOffset, this.fileStartEntries[0] ?? 0);
    this.minOffset = Math.min(this.minOffset, this.maxOffset);
    const last = this.maxOffset > this.minOffset ? this.readEntry(this.maxOffset - 1) : undefined;
    this.lastPhysicalOffset = last ? last.physicalOffset : -1;
  }

  /**
   * Retention: deletes whole files whose entries all point below commitLogMinOffset (never the
   * last file) and moves minOffset to the first entry at or past it.
   */
  deleteBelow(commitLogMinOffset: number): number {
    let deleted = 0;
    while (this.fileStartEntries.length > 1) {
      const start = this.fileStartEntries[0]!;
      const lastEntry = this.readEntry(start + this.entriesPerFile - 1);
      if (!lastEntry || lastEntry.physicalOffset >= commitLogMinOffset) break;
      this.removeFile(start);
      deleted++;
    }
    this.minOffset = this.firstOffsetAtOrPast(commitLogMinOffset);
    return deleted;
  }

  /** Binary search: entries ascend physically, so the first at or past physicalOffset splits them. */
  private firstOffsetAtOrPast(physicalOffset: number): number {
    let low = this.fileStartEntries[0] ?? 0;
    let high = this.maxOffset;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const entry = this.readEntry(middle);
      if (entry && entry.physicalOffset < physicalOffset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Removes the queue's files (queue deleted, or the commit log is empty). */
  destroy(): void {
    for (const start of this.fileStartEntries) this.files.forget(this.filePath(start));
    this.fileStartEntries = [];
    this.dirtyFiles.clear();
    rmSync(this.directory, { recursive: true, force: true });
    this.maxOffset = this.minOffset = 0;
    this.lastPhysicalOffset = -1;
  }

  private removeFile(start: number): void {
    const path = this.filePath(start);
    this.files.forget(path);
    this.dirtyFiles.delete(path);
    unlinkSync(path);
    this.fileStartEntries = this.fileStartEntries.filter((s) => s !== start);
  }

  private truncateFile(path: string, entries: number): void {
    const bytes = entries * CQ_ENTRY_BYTES;
    if (statSync(path).size === bytes) return;
    ftruncateSync(this.files.fd(path), bytes);
    this.dirtyFiles.add(path);
  }
}

export function decodeEntry(bytes: Buffer, position: number): ConsumeQueueEntry {
  return {
    physicalOffset: readInt64(bytes, position),
    size: bytes.readInt32BE(position + 8),
    tagsCode: readInt64(bytes, position + 12),
  };
}
