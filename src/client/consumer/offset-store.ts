/**
 * Where a consumer keeps "the next offset to consume" of each queue (protocol/REMOTING.md 14.4).
 * Both stores hold offsets in memory; they differ in where they persist them:
 *
 * - RemoteOffsetStore (clustering): on the broker, with UPDATE_CONSUMER_OFFSET; read back with
 *   QUERY_CONSUMER_OFFSET when a queue is assigned.
 * - LocalFileOffsetStore (broadcasting): in <dir>/<clientId>/<group>/offsets.json, in the Java
 *   client's form ({"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:offset}}), written
 *   to a temporary file and renamed over the old one, the old one kept as offsets.json.bak.
 *
 * Negative offsets are never persisted.
 */
import { mkdir, open, readFile, rename, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLenientJson, toFastJson } from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { NO_OFFSET, queryConsumerOffset, updateConsumerOffset } from './consumer-calls.ts';
import { MQClientError, ClientErrorCode } from '../core/errors.ts';
import type { MessageQueue } from '../core/route.ts';
import { queueKey } from '../core/route.ts';

export type ReadOffsetFrom = 'MEMORY' | 'STORE' | 'MEMORY_THEN_STORE';

export interface OffsetStore {
  load(): Promise<void>;
  /** Sets the queue's offset; with increaseOnly a smaller value than the current one is ignored. */
  update(queue: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** The offset, or NO_OFFSET (-1) when none is known. Store errors are thrown. */
  read(queue: MessageQueue, from: ReadOffsetFrom): Promise<number>;
  /** Persists the offsets of these queues and forgets the others. */
  persistAll(queues: readonly MessageQueue[]): Promise<void>;
  persist(queue: MessageQueue): Promise<void>;
  remove(queue: MessageQueue): void;
  /** The offsets in memory. */
  offsets(): Array<{ queue: MessageQueue; offset: number }>;
}

interface Entry {
  queue: MessageQueue;
  offset: number;
}

/** The in-memory table both stores share. */
abstract class MemoryOffsets {
  protected readonly table = new Map<string, Entry>();

  update(queue: MessageQueue, offset: number, increaseOnly: boolean): void {
    if (!Number.isSafeInteger(offset)) return;
    const key = queueKey(queue);
    const entry = this.table.get(key);
    if (entry === undefined) this.table.set(key, { queue: { ...queue }, offset });
    else if (!increaseOnly || offset > entry.offset) entry.offset = offset;
  }

  remove(queue: MessageQueue): void {
    this.table.delete(queueKey(queue));
  }

  offsets(): Array<{ queue: MessageQueue; offset: number }> {
    return [...this.table.values()].map((e) => ({ queue: { ...e.queue }, offset: e.offset }));
  }

  protected memory(queue: MessageQueue): number | undefined {
    return this.table.get(queueKey(queue))?.offset;
  }

  /** Drops entries for queues outside the set, returns the ones inside. */
  protected retain(queues: readonly MessageQueue[]): Entry[] {
    const keep = new Set(queues.map(queueKey));
    const kept: Entry[] = [];
    for (const [key, entry] of this.table) {
      if (keep.has(key)) kept.push(entry);
      else this.table.delete(key);
    }
    return kept;
  }
}

export class RemoteOffsetStore extends MemoryOffsets implements OffsetStore {
  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
    /** Periodic commits go one-way, as the Java client sends them; set false to await them. */
    private readonly oneway = true,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async read(queue: MessageQueue, from: ReadOffsetFrom): Promise<number> {
    if (from !== 'STORE') {
      const known = this.memory(queue);
      if (known !== undefined || from === 'MEMORY') return known ?? NO_OFFSET;
    }
    const offset = await queryConsumerOffset(this.instance, this.group, queue);
    if (offset >= 0) this.update(queue, offset, false);
    return offset;
  }

  async persistAll(queues: readonly MessageQueue[], oneway = this.oneway): Promise<void> {
    const entries = this.retain(queues).filter((entry) => entry.offset >= 0);
    const results = await Promise.allSettled(
      entries.map((entry) =>
        updateConsumerOffset(this.instance, this.group, entry.queue, entry.offset, oneway),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      throw new MQClientError(
        ClientErrorCode.BROKER_ERROR,
        `committing ${failed.length} of ${entries.length} offsets of group ${this.group} failed`,
        { cause: (failed[0] as PromiseRejectedResult).reason },
      );
    }
  }

  async persist(queue: MessageQueue): Promise<void> {
    const offset = this.memory(queue);
    if (offset === undefined || offset < 0) return;
    await updateConsumerOffset(this.instance, this.group, queue, offset, false);
  }
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  readonly path: string;
  /** What the file held at load or last write. */
  private readonly persisted = new Map<string, number>();
  private writing: Promise<void> = Promise.resolve();

  constructor(directory: string, clientId: string, group: string) {
    super();
    this.path = join(directory, clientId, group, 'offsets.json');
  }

  async load(): Promise<void> {
    const table =
      (await this.readTable(this.path)) ?? (await this.readTable(`${this.path}.bak`)) ?? [];
    for (const entry of table) {
      this.update(entry.queue, entry.offset, false);
      this.persisted.set(queueKey(entry.queue), entry.offset);
    }
  }

  async read(queue: MessageQueue, from: ReadOffsetFrom): Promise<number> {
    if (from !== 'STORE') {
      const known = this.memory(queue);
      if (known !== undefined || from === 'MEMORY') return known ?? NO_OFFSET;
    }
    const stored = this.persisted.get(queueKey(queue));
    if (stored === undefined) return NO_OFFSET;
    this.update(queue, stored, false);
    return stored;
  }

  persistAll(queues: readonly MessageQueue[]): Promise<void> {
    this.retain(queues);
    return this.write();
  }

  persist(_queue: MessageQueue): Promise<void> {
    return this.write();
  }

  /** One write at a time; each writes the whole table as it is when it starts. */
  private write(): Promise<void> {
    const next = this.writing.then(() => this.writeNow());
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async writeNow(): Promise<void> {
    const table = new Map<MessageQueue, number>();
    for (const entry of this.table.values())
      if (entry.offset >= 0) table.set(entry.queue, entry.offset);
    for (const [key] of this.persisted) if (!this.table.has(key)) this.persisted.delete(key);
    const text = toFastJson({ offsetTable: table });
    await mkdir(join(this.path, '..'), { recursive: true });
    const temporary = `${this.path}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(text);
      await file.datasync();
    } finally {
      await file.close();
    }
    await copyFile(this.path, `${this.path}.bak`).catch(() => undefined);
    await rename(temporary, this.path);
    for (const [queue, offset] of table) this.persisted.set(queueKey(queue), offset);
  }

  /** The file's entries; undefined when it is missing or unreadable. */
  private async readTable(path: string): Promise<Entry[] | undefined> {
    let text: string;
    try {
      const bytes = await readFile(path);
      if (bytes.length > MAX_FILE_BYTES) return undefined;
      text = bytes.toString('utf8');
    } catch {
      return undefined;
    }
    try {
      return parseOffsetTable(text);
    } catch {
      return undefined;
    }
  }
}

/** Reads the Java client's offsets.json: object keys arrive as their JSON text. */
export function parseOffsetTable(text: string): Entry[] {
  const parsed = parseLenientJson(text) as { offsetTable?: unknown };
  const table = parsed?.offsetTable;
  if (typeof table !== 'object' || table === null)
    throw new MQClientError(ClientErrorCode.INVALID_ARGUMENT, 'offsets file has no offsetTable');
  const entries: Entry[] = [];
  for (const [keyText, value] of Object.entries(table as Record<string, unknown>)) {
    const key = JSON.parse(keyText) as Partial<MessageQueue>;
    const offset = Number(value);
    if (
      typeof key.topic !== 'string' ||
      typeof key.brokerName !== 'string' ||
      !Number.isInteger(key.queueId) ||
      !Number.isSafeInteger(offset)
    )
      continue;
    entries.push({
      queue: { topic: key.topic, brokerName: key.brokerName, queueId: key.queueId! },
      offset,
    });
  }
  return entries;
}
