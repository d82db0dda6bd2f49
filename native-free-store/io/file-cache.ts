/**
 * A bounded cache of open file descriptors, least recently used closed first. Store files can be
 * many (thousands of consume-queue files, small test segments), so nothing holds an fd for life
 * except through here. An fd handed to an asynchronous call (fdatasync) is pinned until it
 * returns, so eviction never closes it under the call.
 */
import { closeSync, openSync } from 'node:fs';

interface Entry {
  fd: number;
  pins: number;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  /** Forgotten while pinned: closed when the last pin goes. */
  private readonly closing = new Set<Entry>();
  private readonly pinnedBy = new Map<string, Entry[]>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The fd for path, opened read-write ('r+') on first use. */
  fd(path: string): number {
    const entry = this.entries.get(path);
    if (entry) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(path);
      this.entries.set(path, entry);
      return entry.fd;
    }
    this.evict();
    const fd = openSync(path, 'r+');
    this.entries.set(path, { fd, pins: 0 });
    return fd;
  }

  pin(path: string): number {
    const fd = this.fd(path);
    const entry = this.entries.get(path)!;
    entry.pins++;
    const pinned = this.pinnedBy.get(path);
    if (pinned) pinned.push(entry);
    else this.pinnedBy.set(path, [entry]);
    return fd;
  }

  unpin(path: string): void {
    const pinned = this.pinnedBy.get(path);
    const entry = pinned?.pop();
    if (!entry) return;
    if (pinned!.length === 0) this.pinnedBy.delete(path);
    entry.pins--;
    if (entry.pins === 0 && this.closing.delete(entry)) closeSync(entry.fd);
  }

  /** Closes the fd of a file about to be deleted or truncated away. */
  forget(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    // An fdatasync in flight keeps its fd: closing it could let a new file reuse the number.
    if (entry.pins > 0) this.closing.add(entry);
    else closeSync(entry.fd);
  }

  closeAll(): void {
    for (const entry of this.entries.values()) closeSync(entry.fd);
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    if (this.entries.size < this.capacity) return;
    for (const [path, entry] of this.entries) {
      if (entry.pins > 0) continue;
      this.entries.delete(path);
      closeSync(entry.fd);
      if (this.entries.size < this.capacity) return;
    }
  }
}
