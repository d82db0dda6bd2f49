/**
 * On-disk layout of one index file, RocketMQ's IndexFile (protocol/STORE.md 5). Big-endian.
 *
 *   0        40                       40 + 4·S                        40 + 4·S + 20·E
 *   | header | slot 0 … slot S-1       | entry 0 (unused) … entry E-1   |
 *
 *   header  beginTimestamp 8 | endTimestamp 8 | beginPhyOffset 8 | endPhyOffset 8 |
 *           hashSlotCount 4 | indexCount 4
 *   entry   keyHash 4 | phyOffset 8 | timeDiff seconds 4 | prevIndex 4
 *
 * S = maxHashSlotNum, E = maxIndexNum. indexCount is the next entry number and starts at 1,
 * because entry number 0 ends a chain. Entries are appended in physical-offset order. The
 * persisted indexCount is the truth: entries and slot values at or past it are leftovers.
 */
import { javaStringHash } from '../../src/protocol/java-hash.ts';

export const HEADER_SIZE_BYTES = 40;
export const SLOT_SIZE_BYTES = 4;
export const ENTRY_SIZE_BYTES = 20;
export const FIRST_ENTRY_NUMBER = 1;

const INT32_MAX = 0x7fffffff;
const UINT32_RANGE = 2 ** 32;
/** Highest high word of a 64-bit value that still gives a safe JavaScript integer. */
const SAFE_HIGH_WORD_MAX = 2 ** 21 - 1;

export interface IndexGeometry {
  readonly maxHashSlotNum: number;
  readonly maxIndexNum: number;
}

export interface IndexHeader {
  beginTimestampMs: number;
  endTimestampMs: number;
  beginPhysicalOffset: number;
  endPhysicalOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

export interface IndexEntry {
  keyHash: number;
  physicalOffset: number;
  timeDiffSeconds: number;
  prevIndex: number;
}

export function emptyHeader(): IndexHeader {
  return {
    beginTimestampMs: 0,
    endTimestampMs: 0,
    beginPhysicalOffset: 0,
    endPhysicalOffset: 0,
    hashSlotCount: 0,
    indexCount: FIRST_ENTRY_NUMBER,
  };
}

export function indexFileSizeBytes(geometry: IndexGeometry): number {
  return (
    HEADER_SIZE_BYTES +
    geometry.maxHashSlotNum * SLOT_SIZE_BYTES +
    geometry.maxIndexNum * ENTRY_SIZE_BYTES
  );
}

export function slotFilePosition(slot: number): number {
  return HEADER_SIZE_BYTES + slot * SLOT_SIZE_BYTES;
}

export function entryFilePosition(geometry: IndexGeometry, entryNumber: number): number {
  return (
    HEADER_SIZE_BYTES + geometry.maxHashSlotNum * SLOT_SIZE_BYTES + entryNumber * ENTRY_SIZE_BYTES
  );
}

/** |String.hashCode(key)|, with Integer.MIN_VALUE (whose absolute value overflows) mapped to 0. */
export function keyHashOf(key: string): number {
  return slotKeyHashOf(javaStringHash(key));
}

/** RocketMQ's stored key hash: |hashCode|, with Integer.MIN_VALUE (whose absolute overflows) as 0. */
export function slotKeyHashOf(javaHash: number): number {
  const hash = Math.abs(javaHash);
  return hash > INT32_MAX ? 0 : hash;
}

/** timeDiff as RocketMQ computes it: whole seconds since the file's begin, clamped to int32. */
export function timeDiffSecondsOf(storeTimestampMs: number, beginTimestampMs: number): number {
  if (beginTimestampMs <= 0) return 0;
  const seconds = Math.trunc((storeTimestampMs - beginTimestampMs) / 1000);
  return seconds < 0 ? 0 : Math.min(seconds, INT32_MAX);
}

/** Writes a non-negative safe integer as a 64-bit big-endian value (no BigInt on the hot path). */
export function writeUint64(view: DataView, position: number, value: number): void {
  view.setUint32(position, Math.floor(value / UINT32_RANGE));
  view.setUint32(position + 4, value >>> 0);
}

/** Reads a 64-bit big-endian value; -1 when it is not a non-negative safe integer. */
export function readUint64(view: DataView, position: number): number {
  const high = view.getUint32(position);
  if (high > SAFE_HIGH_WORD_MAX) return -1;
  return high * UINT32_RANGE + view.getUint32(position + 4);
}

export function encodeEntry(view: DataView, position: number, entry: IndexEntry): void {
  view.setInt32(position, entry.keyHash);
  writeUint64(view, position + 4, entry.physicalOffset);
  view.setInt32(position + 12, entry.timeDiffSeconds);
  view.setInt32(position + 16, entry.prevIndex);
}

export function decodeEntry(view: DataView, position: number, out: IndexEntry): void {
  out.keyHash = view.getInt32(position);
  out.physicalOffset = readUint64(view, position + 4);
  out.timeDiffSeconds = view.getInt32(position + 12);
  out.prevIndex = view.getInt32(position + 16);
}

export function encodeHeader(view: DataView, header: IndexHeader): void {
  writeUint64(view, 0, header.beginTimestampMs);
  writeUint64(view, 8, header.endTimestampMs);
  writeUint64(view, 16, header.beginPhysicalOffset);
  writeUint64(view, 24, header.endPhysicalOffset);
  view.setInt32(32, header.hashSlotCount);
  view.setInt32(36, header.indexCount);
}

export function decodeHeader(view: DataView): IndexHeader {
  return {
    beginTimestampMs: readUint64(view, 0),
    endTimestampMs: readUint64(view, 8),
    beginPhysicalOffset: readUint64(view, 16),
    endPhysicalOffset: readUint64(view, 24),
    hashSlotCount: view.getInt32(32),
    indexCount: view.getInt32(36),
  };
}

/** Why a decoded header cannot belong to a file of this geometry, or undefined when it can. */
export function headerDefect(header: IndexHeader, geometry: IndexGeometry): string | undefined {
  const { indexCount, hashSlotCount } = header;
  if (indexCount < FIRST_ENTRY_NUMBER || indexCount > geometry.maxIndexNum) {
    return `indexCount ${indexCount} outside [1, ${geometry.maxIndexNum}]`;
  }
  const slotCountMax = Math.min(geometry.maxHashSlotNum, indexCount - FIRST_ENTRY_NUMBER);
  if (hashSlotCount < 0 || hashSlotCount > slotCountMax) {
    return `hashSlotCount ${hashSlotCount} outside [0, ${slotCountMax}]`;
  }
  if (indexCount === FIRST_ENTRY_NUMBER) return undefined;
  const { beginTimestampMs, endTimestampMs, beginPhysicalOffset, endPhysicalOffset } = header;
  if (beginTimestampMs < 0 || endTimestampMs < beginTimestampMs) {
    return `timestamps [${beginTimestampMs}, ${endTimestampMs}] out of order or too large`;
  }
  if (beginPhysicalOffset < 0 || endPhysicalOffset < beginPhysicalOffset) {
    return `physical offsets [${beginPhysicalOffset}, ${endPhysicalOffset}] out of order or too large`;
  }
  return undefined;
}

export const INDEX_FILE_NAME_PATTERN = /^\d{17}$/;

/** yyyyMMddHHmmssSSS in local time, as RocketMQ names index files. */
export function formatIndexFileName(timeMs: number): string {
  const date = new Date(timeMs);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return (
    pad(date.getFullYear(), 4) +
    pad(date.getMonth() + 1, 2) +
    pad(date.getDate(), 2) +
    pad(date.getHours(), 2) +
    pad(date.getMinutes(), 2) +
    pad(date.getSeconds(), 2) +
    pad(date.getMilliseconds(), 3)
  );
}

/** The time a file name stands for (local time), or undefined for another kind of name. */
export function parseIndexFileName(name: string): number | undefined {
  if (!INDEX_FILE_NAME_PATTERN.test(name)) return undefined;
  const part = (start: number, end: number) => Number(name.slice(start, end));
  const date = new Date(
    part(0, 4),
    part(4, 6) - 1,
    part(6, 8),
    part(8, 10),
    part(10, 12),
    part(12, 14),
    part(14, 17),
  );
  return date.getTime();
}
