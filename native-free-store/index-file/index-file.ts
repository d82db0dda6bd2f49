/**
 * One index file (layout and invariants in index-layout.ts), created sparse at full size.
 *
 * Only the newest file of a service is writable: it holds its slot table in memory and buffers
 * appended entries, which `writePending` writes in one call (their numbers are consecutive).
 * The header reaches the disk only through `persist`, after the entries and slot pages, so the
 * persisted indexCount never covers an unwritten entry. Slot values may still be persisted ahead
 * of the header (a crash inside a flush); such values are walked back below indexCount when the
 * file becomes writable, and on reads of older files.
 */
import { join } from 'node:path';
import type { FileCache } from '../io/file-cache.ts';
import { collectChain, firstEntryAtOrAfter, newEntry, resolveChainHead } from './index-chain.ts';
import type { KeyQuery } from './index-chain.ts';
import {
  cachedFd,
  createSparseFile,
  fdatasyncAsync,
  ioError,
  readFileHead,
  readFully,
  removeIndexFile,
  syncFileNow,
  writeFully,
} from './index-file-io.ts';
import {
  ENTRY_SIZE_BYTES,
  FIRST_ENTRY_NUMBER,
  HEADER_SIZE_BYTES,
  SLOT_SIZE_BYTES,
  decodeEntry,
  decodeHeader,
  emptyHeader,
  encodeHeader,
  entryFilePosition,
  headerDefect,
  indexFileSizeBytes,
  slotFilePosition,
  timeDiffSecondsOf,
} from './index-layout.ts';
import type { IndexEntry, IndexGeometry, IndexHeader } from './index-layout.ts';
import { repairSlots } from './slot-repair.ts';
import type { RepairSource, SlotRepair } from './slot-repair.ts';
import { SlotTable } from './slot-table.ts';
import { EntryBuffer } from './entry-buffer.ts';

interface WriteState {
  slots: SlotTable;
  pending: EntryBuffer;
}

/** What every file of one service shares. */
export interface IndexFileContext {
  readonly directory: string;
  readonly geometry: IndexGeometry;
  readonly cache: FileCache;
}

export type IndexFileLoad =
  | { status: 'LOADED'; file: IndexFile }
  | { status: 'EMPTY' }
  | { status: 'DAMAGED'; reason: string };

export class IndexFile implements RepairSource {
  readonly name: string;
  readonly path: string;
  readonly geometry: IndexGeometry;
  readonly header: IndexHeader;
  /** Bytes were written since the last fdatasync. */
  unsynced = false;
  private readonly cache: FileCache;
  private writeState: WriteState | undefined;
  private headerDirty = false;
  private syncsInFlight = 0;
  private removed = false;
  private readonly readBytes = Buffer.alloc(ENTRY_SIZE_BYTES);
  private readonly readView = viewOf(this.readBytes);
  private readonly scratch = newEntry();
  private readonly appended = newEntry();

  private constructor(context: IndexFileContext, name: string) {
    this.name = name;
    this.path = join(context.directory, name);
    this.geometry = context.geometry;
    this.cache = context.cache;
    this.header = emptyHeader();
  }

  /** A new, empty, writable file. Its header stays zero on disk until the first persist. */
  static create(context: IndexFileContext, name: string): IndexFile {
    const file = new IndexFile(context, name);
    createSparseFile(file.path, indexFileSizeBytes(file.geometry));
    file.writeState = newWriteState(file.geometry.maxHashSlotNum);
    return file;
  }

  static load(context: IndexFileContext, name: string): IndexFileLoad {
    const { geometry } = context;
    const file = new IndexFile(context, name);
    const { sizeBytes, headerBytes } = readFileHead(file.path);
    const expectedBytes = indexFileSizeBytes(geometry);
    if (sizeBytes !== expectedBytes) {
      const { maxHashSlotNum, maxIndexNum } = geometry;
      const reason = `size ${sizeBytes} bytes, not ${expectedBytes} (maxHashSlotNum ${maxHashSlotNum}, maxIndexNum ${maxIndexNum})`;
      return { status: 'DAMAGED', reason };
    }
    // A zero header is a file created and never flushed: it holds nothing the header vouches for.
    if (headerBytes.every((byte) => byte === 0)) return { status: 'EMPTY' };
    const header = decodeHeader(viewOf(headerBytes));
    const reason = headerDefect(header, geometry);
    if (reason !== undefined) return { status: 'DAMAGED', reason };
    if (header.indexCount === FIRST_ENTRY_NUMBER) return { status: 'EMPTY' };
    Object.assign(file.header, header);
    return { status: 'LOADED', file };
  }

  get isWritable(): boolean {
    return this.writeState !== undefined;
  }

  get roomEntries(): number {
    return this.geometry.maxIndexNum - this.header.indexCount;
  }

  /** Loads the slot table and walks slots persisted ahead of the header back below indexCount. */
  openForWrite(): SlotRepair {
    if (this.writeState) return { repairedSlots: 0, rebuilt: false };
    const state = newWriteState(this.geometry.maxHashSlotNum);
    readFully(this.fd(), state.slots.bytes, HEADER_SIZE_BYTES, this.path);
    this.writeState = state;
    const repair = this.repairSlots();
    this.persist();
    return repair;
  }

  append(keyHash: number, physicalOffset: number, storeTimestampMs: number): void {
    const state = this.writeState!;
    const header = this.header;
    const entryNumber = header.indexCount;
    if (entryNumber === FIRST_ENTRY_NUMBER) {
      header.beginTimestampMs = storeTimestampMs;
      header.beginPhysicalOffset = physicalOffset;
    }
    const slot = keyHash % this.geometry.maxHashSlotNum;
    const prevIndex = state.slots.get(slot);
    if (state.pending.isFull) this.writePending();
    const entry = this.appended;
    entry.keyHash = keyHash;
    entry.physicalOffset = physicalOffset;
    entry.timeDiffSeconds = timeDiffSecondsOf(storeTimestampMs, header.beginTimestampMs);
    entry.prevIndex = prevIndex;
    state.pending.add(entryNumber, entry);
    state.slots.set(slot, entryNumber);
    if (prevIndex === 0) header.hashSlotCount++;
    header.indexCount = entryNumber + 1;
    header.endPhysicalOffset = physicalOffset;
    header.endTimestampMs = Math.max(header.endTimestampMs, storeTimestampMs);
    this.headerDirty = true;
  }

  /** Writes the buffered entries, consecutive in the file, in one call. */
  writePending(): void {
    const pending = this.writeState?.pending;
    if (!pending || pending.isEmpty) return;
    pending.drain((firstEntry, bytes) => {
      writeFully(this.fd(), bytes, entryFilePosition(this.geometry, firstEntry), this.path);
    });
    this.unsynced = true;
  }

  /** Writes pending entries, then dirty slot pages, then the header: the order recovery expects. */
  persist(): void {
    this.writePending();
    const slots = this.writeState?.slots;
    if (slots?.hasDirtyPages) {
      const fd = this.fd();
      slots.writeDirtyRuns((startByte, lengthBytes) => {
        const run = slots.bytes.subarray(startByte, startByte + lengthBytes);
        writeFully(fd, run, HEADER_SIZE_BYTES + startByte, this.path);
      });
      this.unsynced = true;
    }
    if (this.headerDirty) {
      const headerBytes = Buffer.alloc(HEADER_SIZE_BYTES);
      encodeHeader(viewOf(headerBytes), this.header);
      writeFully(this.fd(), headerBytes, 0, this.path);
      this.headerDirty = false;
      this.unsynced = true;
    }
  }

  /** Persists and drops the in-memory slot table: the file is full and a newer one takes over. */
  seal(): void {
    this.persist();
    this.writeState = undefined;
  }

  readEntry(entryNumber: number, out: IndexEntry): void {
    if (this.writeState?.pending.read(entryNumber, out)) return;
    readFully(this.fd(), this.readBytes, entryFilePosition(this.geometry, entryNumber), this.path);
    decodeEntry(this.readView, 0, out);
  }

  readEntryBytes(firstEntry: number, target: Uint8Array): void {
    readFully(this.fd(), target, entryFilePosition(this.geometry, firstEntry), this.path);
  }

  /** Adds to query.found the offsets of this file's entries matching the query. */
  collect(query: KeyQuery): void {
    const slot = query.keyHash % this.geometry.maxHashSlotNum;
    let head = this.writeState ? this.writeState.slots.get(slot) : this.readSlot(slot);
    if (head < 0 || head >= this.header.indexCount) {
      head = resolveChainHead(this, slot, head, this.scratch);
    }
    if (head > 0) collectChain(this, head, query, this.scratch);
  }

  /**
   * Forgets entries for records at or past physicalOffset; the file must hold an earlier one.
   * Returns the number of entries cut.
   */
  truncateFrom(physicalOffset: number): number {
    this.openForWrite();
    this.writePending();
    const header = this.header;
    const low = firstEntryAtOrAfter(this, physicalOffset, this.scratch);
    const cutCount = header.indexCount - low;
    if (cutCount === 0 || low === FIRST_ENTRY_NUMBER) return 0;
    this.readEntry(low - 1, this.scratch);
    header.indexCount = low;
    header.endPhysicalOffset = this.scratch.physicalOffset;
    // Entries keep whole seconds only; the end time becomes the last kept entry's, rounded down.
    header.endTimestampMs = header.beginTimestampMs + this.scratch.timeDiffSeconds * 1000;
    this.headerDirty = true;
    this.repairSlots();
    this.persist();
    return cutCount;
  }

  /** fdatasync without blocking the event loop; the fd is pinned so eviction cannot close it. */
  async sync(): Promise<void> {
    if (this.removed) return;
    const fd = this.cache.pin(this.path);
    this.syncsInFlight++;
    try {
      await fdatasyncAsync(fd);
    } catch (cause) {
      if (!this.removed) throw ioError('fdatasync', this.path, cause);
    } finally {
      this.syncsInFlight--;
      if (this.removed && this.syncsInFlight === 0) this.cache.forget(this.path);
      else this.cache.unpin(this.path);
    }
  }

  /** Blocking fdatasync, for recovery paths that must be durable before they return. */
  syncNow(): void {
    syncFileNow(this.fd(), this.path);
    this.unsynced = false;
  }

  /** Deletes the file; an fd under an fdatasync in flight is closed when that returns. */
  remove(): void {
    this.removed = true;
    this.writeState = undefined;
    if (this.syncsInFlight === 0) this.cache.forget(this.path);
    removeIndexFile(this.path);
  }

  /** Drops the in-memory state after the service has flushed it. */
  release(): void {
    this.writeState = undefined;
  }

  get memoryBytes(): number {
    const state = this.writeState;
    const fixedBytes = this.readBytes.byteLength;
    return state
      ? fixedBytes + state.slots.memoryBytes + state.pending.bytes.byteLength
      : fixedBytes;
  }

  private readSlot(slot: number): number {
    const cell = this.readBytes.subarray(0, SLOT_SIZE_BYTES);
    readFully(this.fd(), cell, slotFilePosition(slot), this.path);
    return this.readView.getInt32(0);
  }

  /** Runs with no entries pending: the pending buffer doubles as the rebuild's read buffer. */
  private repairSlots(): SlotRepair {
    const state = this.writeState!;
    const repair = repairSlots(this, state.slots, this.scratch, state.pending.bytes);
    if (repair.repairedSlots > 0 || repair.rebuilt) this.headerDirty = true;
    return repair;
  }

  private fd(): number {
    return cachedFd(this.cache, this.path);
  }
}

function newWriteState(slotCount: number): WriteState {
  return { slots: new SlotTable(slotCount), pending: new EntryBuffer() };
}

function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
