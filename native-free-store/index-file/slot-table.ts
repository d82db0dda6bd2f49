/**
 * The hash-slot table of the writable index file, held in memory as the big-endian bytes the
 * file stores, so a flush writes it without conversion. Changes are tracked per 4 KiB page of
 * the table; a flush writes only the pages changed since the previous one, a run of adjacent
 * pages in one call. Only one file's table lives at a time: older files read slots from disk.
 */
import { SLOT_SIZE_BYTES } from './index-layout.ts';

export const SLOT_PAGE_SIZE_BYTES = 4096;
const SLOTS_PER_PAGE = SLOT_PAGE_SIZE_BYTES / SLOT_SIZE_BYTES;

export class SlotTable {
  readonly slotCount: number;
  /** The table's bytes; the owner reads them from the file at open. */
  readonly bytes: Buffer;
  private readonly view: DataView;
  private readonly dirtyPages: Uint8Array;
  private dirtyPageCount = 0;

  constructor(slotCount: number) {
    this.slotCount = slotCount;
    this.bytes = Buffer.alloc(slotCount * SLOT_SIZE_BYTES);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.dirtyPages = new Uint8Array(Math.ceil(this.bytes.byteLength / SLOT_PAGE_SIZE_BYTES));
  }

  get(slot: number): number {
    return this.view.getInt32(slot * SLOT_SIZE_BYTES);
  }

  set(slot: number, entryNumber: number): void {
    this.view.setInt32(slot * SLOT_SIZE_BYTES, entryNumber);
    const page = Math.floor(slot / SLOTS_PER_PAGE);
    if (this.dirtyPages[page] === 0) {
      this.dirtyPages[page] = 1;
      this.dirtyPageCount++;
    }
  }

  /** Empties every slot (before a rebuild from the entries); all pages become dirty. */
  clear(): void {
    this.bytes.fill(0);
    this.dirtyPages.fill(1);
    this.dirtyPageCount = this.dirtyPages.length;
  }

  /** Slots holding an entry number: the header's hashSlotCount. */
  countUsed(): number {
    let used = 0;
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.view.getInt32(slot * SLOT_SIZE_BYTES) !== 0) used++;
    }
    return used;
  }

  get hasDirtyPages(): boolean {
    return this.dirtyPageCount > 0;
  }

  /**
   * Hands each run of dirty pages to `write` (byte range of `bytes`) and clears its marks once
   * written; if `write` throws, the unwritten pages stay dirty for the next flush.
   */
  writeDirtyRuns(write: (startByte: number, lengthBytes: number) => void): void {
    const pageCount = this.dirtyPages.length;
    let page = 0;
    while (page < pageCount && this.dirtyPageCount > 0) {
      if (this.dirtyPages[page] === 0) {
        page++;
        continue;
      }
      let runEnd = page + 1;
      while (runEnd < pageCount && this.dirtyPages[runEnd] === 1) runEnd++;
      const startByte = page * SLOT_PAGE_SIZE_BYTES;
      const endByte = Math.min(runEnd * SLOT_PAGE_SIZE_BYTES, this.bytes.byteLength);
      write(startByte, endByte - startByte);
      this.dirtyPages.fill(0, page, runEnd);
      this.dirtyPageCount -= runEnd - page;
      page = runEnd;
    }
  }

  get memoryBytes(): number {
    return this.bytes.byteLength + this.dirtyPages.byteLength;
  }
}
