/**
 * Reads a shard's commit-log segment files from another thread than the one writing them (the
 * coordinator streaming to slaves). Reads stop at a limit the caller learnt from the writer
 * (bytes below it are in the files), never cross a segment, and find nothing once retention has
 * deleted the segment. File descriptors are few and reused.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { offsetFileName } from '../io/file-names.ts';

export class CommitLogFileReader {
  private readonly directory: string;
  private readonly segmentSizeBytes: number;
  private readonly maxOpenFiles: number;
  private readonly fds = new Map<number, number>();

  constructor(
    directory: string,
    segmentSizeBytes: number,
    options: { maxOpenFiles?: number } = {},
  ) {
    this.directory = directory;
    this.segmentSizeBytes = segmentSizeBytes;
    this.maxOpenFiles = Math.max(1, options.maxOpenFiles ?? 4);
  }

  /** Up to maxBytes from physicalOffset, below limit and within one segment; empty if gone. */
  read(physicalOffset: number, maxBytes: number, limit: number): Buffer {
    const segmentStart = physicalOffset - (physicalOffset % this.segmentSizeBytes);
    const length = Math.min(
      maxBytes,
      limit - physicalOffset,
      segmentStart + this.segmentSizeBytes - physicalOffset,
    );
    if (length <= 0) return Buffer.alloc(0);
    const fd = this.fdOf(segmentStart);
    if (fd === undefined) return Buffer.alloc(0);
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, bytes, got, length - got, physicalOffset - segmentStart + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? bytes : bytes.subarray(0, got);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private fdOf(segmentStart: number): number | undefined {
    const open = this.fds.get(segmentStart);
    if (open !== undefined) {
      // Most recently used last, so the oldest is the one closed when the cache is full.
      this.fds.delete(segmentStart);
      this.fds.set(segmentStart, open);
      return open;
    }
    let fd: number;
    try {
      fd = openSync(join(this.directory, offsetFileName(segmentStart)), 'r');
    } catch {
      return undefined;
    }
    if (this.fds.size >= this.maxOpenFiles) {
      const [oldest, oldestFd] = this.fds.entries().next().value as [number, number];
      this.fds.delete(oldest);
      closeSync(oldestFd);
    }
    this.fds.set(segmentStart, fd);
    return fd;
  }
}
