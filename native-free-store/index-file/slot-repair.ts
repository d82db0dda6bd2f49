/**
 * Brings the writable file's slot table in line with its header. A slot value at or past
 * indexCount was persisted after the header (a crash inside a flush) or outlived a truncation:
 * it is walked back along its chain to the newest entry below indexCount. If a leftover chain
 * does not hold together (an entry page that never reached the disk), the whole table is rebuilt
 * from the entries below indexCount instead, whose prev links the header vouches for.
 */
import { BROKEN_CHAIN, resolveChainHead } from './index-chain.ts';
import type { ChainSource } from './index-chain.ts';
import { ENTRY_SIZE_BYTES, FIRST_ENTRY_NUMBER } from './index-layout.ts';
import type { IndexEntry } from './index-layout.ts';
import type { SlotTable } from './slot-table.ts';

export interface RepairSource extends ChainSource {
  /** Reads target.byteLength / 20 consecutive entries starting at firstEntry. */
  readEntryBytes(firstEntry: number, target: Uint8Array): void;
}

export interface SlotRepair {
  repairedSlots: number;
  rebuilt: boolean;
}

/** Repairs `slots` in place and recounts header.hashSlotCount when anything changed. */
export function repairSlots(
  source: RepairSource,
  slots: SlotTable,
  scratch: IndexEntry,
  chunk: Buffer,
): SlotRepair {
  const indexCount = source.header.indexCount;
  let repairedSlots = 0;
  for (let slot = 0; slot < slots.slotCount; slot++) {
    const value = slots.get(slot);
    if (value >= 0 && value < indexCount) continue;
    const head = resolveChainHead(source, slot, value, scratch);
    if (head === BROKEN_CHAIN) {
      rebuildSlots(source, slots, chunk);
      return { repairedSlots, rebuilt: true };
    }
    slots.set(slot, head);
    repairedSlots++;
  }
  if (repairedSlots > 0) source.header.hashSlotCount = slots.countUsed();
  return { repairedSlots, rebuilt: false };
}

/** Replays entries 1..indexCount-1 in order, reading `chunk` bytes at a time. */
function rebuildSlots(source: RepairSource, slots: SlotTable, chunk: Buffer): void {
  const { maxHashSlotNum } = source.geometry;
  const { indexCount } = source.header;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const entriesPerRead = Math.floor(chunk.byteLength / ENTRY_SIZE_BYTES);
  slots.clear();
  for (let first = FIRST_ENTRY_NUMBER; first < indexCount; first += entriesPerRead) {
    const count = Math.min(entriesPerRead, indexCount - first);
    source.readEntryBytes(first, chunk.subarray(0, count * ENTRY_SIZE_BYTES));
    for (let i = 0; i < count; i++) {
      const keyHash = view.getInt32(i * ENTRY_SIZE_BYTES);
      if (keyHash >= 0) slots.set(keyHash % maxHashSlotNum, first + i);
    }
  }
  source.header.hashSlotCount = slots.countUsed();
}
