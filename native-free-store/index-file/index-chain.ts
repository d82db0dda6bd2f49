/**
 * Walks over one file's entries. Entry numbers strictly decrease along a slot's `prevIndex`
 * chain down to 0, so no walk takes more than indexCount steps; every loop is also bounded
 * explicitly in case the file lies.
 */
import { FIRST_ENTRY_NUMBER } from './index-layout.ts';
import type { IndexEntry, IndexGeometry, IndexHeader } from './index-layout.ts';

export interface ChainSource {
  readonly geometry: IndexGeometry;
  readonly header: IndexHeader;
  readEntry(entryNumber: number, out: IndexEntry): void;
}

/** A key lookup: the offsets found so far, newest first, are its result. */
export interface KeyQuery {
  readonly keyHash: number;
  readonly beginMs: number;
  readonly endMs: number;
  readonly maxCount: number;
  readonly found: Set<number>;
}

/** Returned by resolveChainHead when a leftover chain does not hold together. */
export const BROKEN_CHAIN = -1;

export function newEntry(): IndexEntry {
  return { keyHash: 0, physicalOffset: 0, timeDiffSeconds: 0, prevIndex: 0 };
}

/**
 * The newest entry number below indexCount in the chain starting at `entryNumber`. A slot value
 * at or past indexCount was persisted after the header (a crash during flush) or outlived a
 * truncation; the entries it reaches back through are leftovers too, and each must still belong
 * to this slot, point backwards and lie at or after the header's end offset. BROKEN_CHAIN when
 * one does not (an entry page that never reached the disk).
 */
export function resolveChainHead(
  source: ChainSource,
  slot: number,
  entryNumber: number,
  scratch: IndexEntry,
): number {
  const { indexCount, endPhysicalOffset } = source.header;
  const { maxHashSlotNum, maxIndexNum } = source.geometry;
  let current = entryNumber;
  for (let steps = 0; steps <= maxIndexNum; steps++) {
    if (current < 0 || current >= maxIndexNum) return BROKEN_CHAIN;
    if (current < indexCount) return current;
    source.readEntry(current, scratch);
    if (
      scratch.keyHash < 0 ||
      scratch.keyHash % maxHashSlotNum !== slot ||
      scratch.prevIndex < 0 ||
      scratch.prevIndex >= current ||
      scratch.physicalOffset < endPhysicalOffset
    ) {
      return BROKEN_CHAIN;
    }
    current = scratch.prevIndex;
  }
  return BROKEN_CHAIN;
}

/**
 * Adds to query.found the physical offsets of chain entries with its keyHash and a time in
 * [beginMs, endMs], newest first, until found holds maxCount offsets. Stops at the chain end, at
 * an invalid prev, or at the first entry older than beginMs (older ones follow it).
 */
export function collectChain(
  source: ChainSource,
  head: number,
  query: KeyQuery,
  scratch: IndexEntry,
): void {
  const { keyHash, beginMs, endMs, maxCount, found } = query;
  const { indexCount, beginTimestampMs } = source.header;
  let current = head;
  let previous = indexCount;
  for (let steps = 0; steps < indexCount && found.size < maxCount; steps++) {
    if (current <= 0 || current >= previous) return;
    source.readEntry(current, scratch);
    const timeMs = beginTimestampMs + scratch.timeDiffSeconds * 1000;
    if (timeMs < beginMs) return;
    if (scratch.keyHash === keyHash && timeMs <= endMs && scratch.physicalOffset >= 0) {
      found.add(scratch.physicalOffset);
    }
    previous = current;
    current = scratch.prevIndex;
  }
}

/** First entry number whose physical offset is >= physicalOffset; entries are in that order. */
export function firstEntryAtOrAfter(
  source: ChainSource,
  physicalOffset: number,
  scratch: IndexEntry,
): number {
  let low = FIRST_ENTRY_NUMBER;
  let high = source.header.indexCount;
  while (low < high) {
    const middle = (low + high) >>> 1;
    source.readEntry(middle, scratch);
    if (scratch.physicalOffset >= physicalOffset) high = middle;
    else low = middle + 1;
  }
  return low;
}
