/**
 * The commit log: one append-only byte sequence for every queue of the shard, split into
 * preallocated segments of segmentSizeBytes named by their start offset (protocol/STORE.md 2).
 *
 * Invariants:
 * - segments are contiguous and aligned: segment k starts at k × segmentSizeBytes;
 * - a record never straddles two segments: when record + 8 bytes do not fit, an 8-byte blank
 *   marker covers the rest of the segment and the record starts the next one;
 * - records are encoded into one reusable buffer that always maps into a single segment and is
 *   written with one positional writeSync per append batch (or when full);
 * - bytes past writePosition are zeros: recovery zeroes whatever a crash can have left past the
 *   valid end (recovery/recover.ts, TailZeroing), so a stale record never reappears behind new
 *   writes; and writes only ever go forward from the segment start, which is what lets recovery
 *   after a process crash stop zeroing at the first long run of zeros.
 */
import { mkdirSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, StoreErrorCode } from '../errors.ts';
import type { FileCache } from '../io/file-cache.ts';
import { offsetFileName, offsetFileStarts } from '../io/file-names.ts';
import { createFullSizeFile, removeUnfinishedFiles } from '../io/full-size-file.ts';
import { BLANK_MAGIC, BLANK_MARKER_BYTES } from '../../src/protocol/message-record.ts';

export class CommitLog {
  readonly directory: string;
  readonly segmentSizeBytes: number;
  private readonly files: FileCache;
  private segmentStarts: number[] = [];
  /** Physical offset the next record goes to; everything below is written (or buffered). */
  private writePositionValue = 0;
  /** Encode buffer: bytes [0, bufferUsed) belong at physical offset bufferStart. */
  readonly buffer: Buffer;
  readonly view: DataView;
  private bufferStartValue = 0;
  private bufferUsed = 0;
  /** Segments written since their last fdatasync. */
  private readonly dirtySegments = new Set<number>();

  constructor(directory: string, segmentSizeBytes: number, bufferBytes: number, files: FileCache) {
    this.directory = directory;
    this.segmentSizeBytes = segmentSizeBytes;
    this.files = files;
    this.buffer = Buffer.allocUnsafe(bufferBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    mkdirSync(directory, { recursive: true });
    removeUnfinishedFiles(directory);
    this.segmentStarts = offsetFileStarts(readdirSync(directory));
    for (const start of this.segmentStarts) {
      const size = statSync(this.segmentPath(start)).size;
      if (start % segmentSizeBytes !== 0 || size !== segmentSizeBytes) {
        throw new StoreError(
          StoreErrorCode.LAYOUT_MISMATCH,
          `commit-log segment ${offsetFileName(start)} is ${size} bytes at offset ${start}, but segmentSizeBytes is ${segmentSizeBytes}; open the store with the segment size it was created with`,
          { option: 'segmentSizeBytes', existing: size },
        );
      }
    }
    for (let i = 1; i < this.segmentStarts.length; i++) {
      if (this.segmentStarts[i] !== this.segmentStarts[i - 1]! + segmentSizeBytes) {
        throw new StoreError(
          StoreErrorCode.LAYOUT_MISMATCH,
          `commit-log segments are not contiguous after ${offsetFileName(this.segmentStarts[i - 1]!)}`,
        );
      }
    }
  }

  get writePosition(): number {
    return this.writePositionValue;
  }

  /** Lowest physical offset still stored (start of the oldest segment). */
  get minOffset(): number {
    return this.segmentStarts[0] ?? this.writePositionValue;
  }

  get segments(): readonly number[] {
    return this.segmentStarts;
  }

  segmentPath(start: number): string {
    return join(this.directory, offsetFileName(start));
  }

  segmentStartOf(physicalOffset: number): number {
    return physicalOffset - (physicalOffset % this.segmentSizeBytes);
  }

  /** Sets where appends continue (after recovery). Creates the segment if there is none. */
  resetWritePosition(physicalOffset: number): void {
    this.writePositionValue = physicalOffset;
    this.bufferStartValue = physicalOffset;
    this.bufferUsed = 0;
    if (!this.hasSegment(this.segmentStartOf(physicalOffset)))
      this.createSegment(this.segmentStartOf(physicalOffset));
  }

  hasSegment(start: number): boolean {
    const first = this.segmentStarts[0];
    if (first === undefined) return false;
    const last = this.segmentStarts[this.segmentStarts.length - 1]!;
    return start >= first && start <= last;
  }

  /**
   * Reserves recordBytes for the next record and returns its physical offset; the caller encodes
   * it at buffer[physicalOffset - bufferStart]. May write a blank marker and move to a new segment.
   */
  reserve(recordBytes: number): number {
    const segmentStart = this.segmentStartOf(this.writePositionValue);
    const left = segmentStart + this.segmentSizeBytes - this.writePositionValue;
    if (recordBytes + BLANK_MARKER_BYTES > left) {
      // Ordered so that a throw (a full disk) leaves a state the next call can go on from:
      // nothing changes before the marker is buffered, and a buffered marker already moved
      // writePosition to the next segment, where the retried write-out takes bufferStart.
      const next = segmentStart + this.segmentSizeBytes;
      if (!this.hasSegment(next)) this.createSegment(next);
      this.ensureBufferRoom(BLANK_MARKER_BYTES);
      const at = this.writePositionValue - this.bufferStartValue;
      this.buffer.writeInt32BE(left, at);
      this.buffer.writeInt32BE(BLANK_MAGIC, at + 4);
      this.bufferUsed += BLANK_MARKER_BYTES;
      this.writePositionValue = next;
      this.writeBuffered();
    } else {
      this.ensureBufferRoom(recordBytes);
    }
    const physicalOffset = this.writePositionValue;
    this.writePositionValue += recordBytes;
    this.bufferUsed += recordBytes;
    return physicalOffset;
  }

  get bufferStart(): number {
    return this.bufferStartValue;
  }

  /** Writes the encoded records to their segment in one positional write. */
  writeBuffered(): void {
    if (this.bufferUsed === 0) return;
    const segmentStart = this.segmentStartOf(this.bufferStartValue);
    const fd = this.files.fd(this.segmentPath(segmentStart));
    let written = 0;
    while (written < this.bufferUsed) {
      written += writeSync(
        fd,
        this.buffer,
        written,
        this.bufferUsed - written,
        this.bufferStartValue - segmentStart + written,
      );
    }
    this.dirtySegments.add(segmentStart);
    // writePosition, not bufferStart + bufferUsed: past a blank marker it is the next segment.
    this.bufferStartValue = this.writePositionValue;
    this.bufferUsed = 0;
  }

  /**
   * Writes bytes copied from a master's commit log at the write position, verbatim (blank
   * markers included), creating segments as they are reached. Nothing may be buffered.
   */
  writeReplica(bytes: Buffer): void {
    if (this.bufferUsed !== 0) throw new Error('replica bytes behind buffered appends');
    let done = 0;
    while (done < bytes.length) {
      const position = this.writePositionValue;
      const segmentStart = this.segmentStartOf(position);
      if (!this.hasSegment(segmentStart)) this.createSegment(segmentStart);
      const length = Math.min(bytes.length - done, segmentStart + this.segmentSizeBytes - position);
      const fd = this.files.fd(this.segmentPath(segmentStart));
      let written = 0;
      while (written < length)
        written += writeSync(
          fd,
          bytes,
          done + written,
          length - written,
          position - segmentStart + written,
        );
      this.dirtySegments.add(segmentStart);
      done += length;
      this.writePositionValue += length;
      this.bufferStartValue = this.writePositionValue;
    }
  }

  /** A log nothing was ever written to: a slave may start it at the master's oldest segment. */
  startEmptyAt(physicalOffset: number): void {
    for (const start of [...this.segmentStarts]) this.deleteSegment(start);
    this.segmentStarts = [];
    this.resetWritePosition(physicalOffset);
  }

  /** Appended bytes not yet in the segment files (a write-out refused by a full disk). */
  get bufferedBytes(): number {
    return this.bufferUsed;
  }

  private ensureBufferRoom(bytes: number): void {
    if (this.bufferUsed + bytes > this.buffer.length) this.writeBuffered();
  }

  /** Takes the set of segments to fdatasync; the caller re-marks them if the sync fails. */
  takeDirtySegments(): number[] {
    const dirty = [...this.dirtySegments];
    this.dirtySegments.clear();
    return dirty;
  }

  markDirty(segmentStart: number): void {
    if (this.hasSegment(segmentStart)) this.dirtySegments.add(segmentStart);
  }

  /**
   * Reads size bytes at physicalOffset into target (a new buffer when absent). Returns the bytes
   * read, fewer when the range runs past the written data; 0 when the segment is gone.
   */
  read(
    physicalOffset: number,
    size: number,
    target?: Buffer,
    targetPosition = 0,
  ): { bytes: Buffer; length: number } {
    const bytes = target ?? Buffer.allocUnsafe(size);
    return { bytes, length: this.readInto(physicalOffset, size, bytes, targetPosition) };
  }

  /** read into any Uint8Array (a ring slot included); returns the bytes read. */
  readInto(
    physicalOffset: number,
    size: number,
    target: Uint8Array,
    targetPosition: number,
  ): number {
    const segmentStart = this.segmentStartOf(physicalOffset);
    if (physicalOffset < this.minOffset || !this.hasSegment(segmentStart)) return 0;
    const end = Math.min(
      physicalOffset + size,
      this.writePositionValue,
      segmentStart + this.segmentSizeBytes,
    );
    if (end <= physicalOffset) return 0;
    const fd = this.files.fd(this.segmentPath(segmentStart));
    let length = 0;
    const wanted = end - physicalOffset;
    while (length < wanted) {
      const n = readSync(
        fd,
        target,
        targetPosition + length,
        wanted - length,
        physicalOffset - segmentStart + length,
      );
      if (n === 0) break;
      length += n;
    }
    return length;
  }

  /** Reads raw segment bytes regardless of writePosition (recovery scans past it). */
  readRaw(physicalOffset: number, target: Buffer, length: number): number {
    const segmentStart = this.segmentStartOf(physicalOffset);
    if (!this.hasSegment(segmentStart)) return 0;
    const fd = this.files.fd(this.segmentPath(segmentStart));
    const want = Math.min(length, segmentStart + this.segmentSizeBytes - physicalOffset);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, target, got, want - got, physicalOffset - segmentStart + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  /**
   * Zeroes the non-zero bytes of one segment from `from` on, and returns how many it zeroed.
   * The segment is read forward with `chunk`; the scan stops at the segment end, or once
   * `stopAfterZeroRun` consecutive zero bytes follow the last non-zero one (recovery/recover.ts
   * says when that is enough). Zeros are then written back to front: a kill half way leaves a
   * shorter run of non-zero bytes starting at `from`, which the next recovery finds the same way.
   */
  zeroDirtyTail(from: number, stopAfterZeroRun: number, chunk: Buffer): number {
    const segmentStart = this.segmentStartOf(from);
    if (!this.hasSegment(segmentStart)) return 0;
    const segmentEnd = segmentStart + this.segmentSizeBytes;
    /** Non-zero ranges found, as [start, end) pairs, in ascending order. */
    const dirty: number[] = [];
    let dirtyEnd = from;
    for (let position = from; position < segmentEnd;) {
      const got = this.readRaw(position, chunk, Math.min(chunk.length, segmentEnd - position));
      if (got === 0) break;
      const last = lastNonZeroByte(chunk, got);
      if (last >= 0) {
        const end = position + last + 1;
        if (dirty.length > 0 && dirty[dirty.length - 1] === position) dirty[dirty.length - 1] = end;
        else dirty.push(position, end);
        dirtyEnd = end;
      }
      position += got;
      if (position - dirtyEnd >= stopAfterZeroRun) break;
    }
    if (dirty.length === 0) return 0;
    const fd = this.files.fd(this.segmentPath(segmentStart));
    chunk.fill(0);
    let zeroedBytes = 0;
    for (let i = dirty.length - 2; i >= 0; i -= 2) {
      const start = dirty[i]!;
      for (let end = dirty[i + 1]!; end > start;) {
        const length = Math.min(chunk.length, end - start);
        let written = 0;
        const at = end - length - segmentStart;
        while (written < length)
          written += writeSync(fd, chunk, written, length - written, at + written);
        end -= length;
        zeroedBytes += length;
      }
    }
    this.dirtySegments.add(segmentStart);
    return zeroedBytes;
  }

  /** Deletes every segment that starts after physicalOffset's segment (recovery truncation). */
  deleteSegmentsAfter(physicalOffset: number): number {
    const keepUpTo = this.segmentStartOf(physicalOffset);
    let deleted = 0;
    while (
      this.segmentStarts.length > 0 &&
      this.segmentStarts[this.segmentStarts.length - 1]! > keepUpTo
    ) {
      this.deleteSegment(this.segmentStarts.pop()!);
      deleted++;
    }
    return deleted;
  }

  /** Deletes the oldest segment; never the one being written. Returns false when none may go. */
  deleteOldestSegment(): boolean {
    const oldest = this.segmentStarts[0];
    if (oldest === undefined || oldest === this.segmentStartOf(this.writePositionValue))
      return false;
    this.segmentStarts.shift();
    this.deleteSegment(oldest);
    return true;
  }

  private deleteSegment(start: number): void {
    const path = this.segmentPath(start);
    this.files.forget(path);
    this.dirtySegments.delete(start);
    unlinkSync(path);
  }

  private createSegment(start: number): void {
    const path = this.segmentPath(start);
    // Sized up front so a segment's length never changes while written: fdatasync then has no
    // file-size metadata to commit, and recovery can require every segment to be full size.
    createFullSizeFile(path, this.segmentSizeBytes);
    this.segmentStarts.push(start);
    this.segmentStarts.sort((a, b) => a - b);
  }
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Index of the last non-zero byte among the first length bytes of buffer, -1 if none. */
function lastNonZeroByte(buffer: Buffer, length: number): number {
  for (let blockEnd = length; blockEnd > 0; blockEnd -= ZERO_BLOCK.length) {
    const blockStart = Math.max(0, blockEnd - ZERO_BLOCK.length);
    // memcmp against zeros skips all-zero blocks fast; the byte loop runs in one block at most.
    if (buffer.subarray(blockStart, blockEnd).equals(ZERO_BLOCK.subarray(0, blockEnd - blockStart)))
      continue;
    for (let i = blockEnd - 1; i >= blockStart; i--) if (buffer[i] !== 0) return i;
  }
  return -1;
}
