/**
 * Entries appended to the writable index file and not yet written. Their entry numbers are
 * consecutive, so one write puts them all in place. The buffer is sized once (64 KiB) and
 * reused; reads of a buffered entry are served from it, so queries see every added entry.
 */
import { ENTRY_SIZE_BYTES, decodeEntry, encodeEntry } from './index-layout.ts';
import type { IndexEntry } from './index-layout.ts';

/** 64 KiB rounded down to whole entries. */
export const ENTRY_BUFFER_BYTES = Math.floor((64 * 1024) / ENTRY_SIZE_BYTES) * ENTRY_SIZE_BYTES;

export class EntryBuffer {
  /** Also lent out as a read buffer while empty (slot rebuild). */
  readonly bytes = Buffer.alloc(ENTRY_BUFFER_BYTES);
  private readonly view = new DataView(
    this.bytes.buffer,
    this.bytes.byteOffset,
    ENTRY_BUFFER_BYTES,
  );
  /** Entry number of the first buffered entry; meaningful while count > 0. */
  private firstEntry = 0;
  private count = 0;

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get isFull(): boolean {
    return this.count * ENTRY_SIZE_BYTES === ENTRY_BUFFER_BYTES;
  }

  /** Entry numbers must follow each other; the caller empties a full buffer first. */
  add(entryNumber: number, entry: IndexEntry): void {
    if (this.count === 0) this.firstEntry = entryNumber;
    encodeEntry(this.view, this.count * ENTRY_SIZE_BYTES, entry);
    this.count++;
  }

  /** Decodes a buffered entry into out; false when the entry is not buffered. */
  read(entryNumber: number, out: IndexEntry): boolean {
    const bufferIndex = entryNumber - this.firstEntry;
    if (bufferIndex < 0 || bufferIndex >= this.count) return false;
    decodeEntry(this.view, bufferIndex * ENTRY_SIZE_BYTES, out);
    return true;
  }

  /** Hands the buffered entries to `write` (first entry number and bytes), then empties. */
  drain(write: (firstEntry: number, bytes: Uint8Array) => void): void {
    if (this.count === 0) return;
    write(this.firstEntry, this.bytes.subarray(0, this.count * ENTRY_SIZE_BYTES));
    this.count = 0;
  }
}
