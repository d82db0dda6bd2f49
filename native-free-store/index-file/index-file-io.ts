/**
 * Synchronous file access for index files, every failure turned into a StoreError IO_ERROR
 * naming the file. Reads and writes loop until done: a short count is legal for readSync and
 * writeSync, and a read hitting the end of a full-size file means the file was cut short.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { StoreError, StoreErrorCode } from '../errors.ts';
import type { FileCache } from '../io/file-cache.ts';
import { createFullSizeFile } from '../io/full-size-file.ts';
import { HEADER_SIZE_BYTES } from './index-layout.ts';

export const fdatasyncAsync = promisify(fdatasync);

export function ioError(action: string, path: string, cause: unknown): StoreError {
  return new StoreError(StoreErrorCode.IO_ERROR, `index file ${action} failed: ${path}`, { cause });
}

export function cachedFd(cache: FileCache, path: string): number {
  try {
    return cache.fd(path);
  } catch (cause) {
    throw ioError('open', path, cause);
  }
}

/** Creates the file at full size without writing it: unwritten ranges read as zeros. */
export function createSparseFile(path: string, sizeBytes: number): void {
  try {
    createFullSizeFile(path, sizeBytes);
  } catch (cause) {
    throw ioError('create', path, cause);
  }
}

/** The file's size and its header bytes (zeros where the file is shorter than a header). */
export function readFileHead(path: string): { sizeBytes: number; headerBytes: Buffer } {
  const headerBytes = Buffer.alloc(HEADER_SIZE_BYTES);
  try {
    const fd = openSync(path, 'r');
    try {
      const sizeBytes = statSync(path).size;
      if (sizeBytes >= HEADER_SIZE_BYTES) readFully(fd, headerBytes, 0, path);
      return { sizeBytes, headerBytes };
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw cause instanceof StoreError ? cause : ioError('read', path, cause);
  }
}

export function syncFileNow(fd: number, path: string): void {
  try {
    fdatasyncSync(fd);
  } catch (cause) {
    throw ioError('fdatasync', path, cause);
  }
}

export function removeIndexFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('delete', path, cause);
  }
}

export function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let doneBytes = 0;
  try {
    while (doneBytes < target.byteLength) {
      const lengthBytes = target.byteLength - doneBytes;
      const readBytes = readSync(fd, target, doneBytes, lengthBytes, position + doneBytes);
      if (readBytes === 0) throw new Error(`end of file at ${position + doneBytes}`);
      doneBytes += readBytes;
    }
  } catch (cause) {
    throw ioError('read', path, cause);
  }
}

export function writeFully(fd: number, source: Uint8Array, position: number, path: string): void {
  let doneBytes = 0;
  try {
    while (doneBytes < source.byteLength) {
      const lengthBytes = source.byteLength - doneBytes;
      doneBytes += writeSync(fd, source, doneBytes, lengthBytes, position + doneBytes);
    }
  } catch (cause) {
    throw ioError('write', path, cause);
  }
}
