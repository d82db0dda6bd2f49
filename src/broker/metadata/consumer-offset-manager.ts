/**
 * Committed consumer offsets per (topic, group, queue), kept in memory and written to
 * config/consumerOffset.json (RocketMQ's ConsumerOffsetSerializeWrapper) periodically and at
 * shutdown. Negative commits are ignored: ali-ons commits -1 for queues still at offset 0.
 */
import { join } from 'node:path';
import { readConfigFile, writeConfigFile, writeConfigFileSync } from './config-file.ts';

export class ConsumerOffsetManager {
  /** "topic@group" -> queueId -> offset */
  private readonly table = new Map<string, Map<number, number>>();
  private readonly lastCommitTimes = new Map<string, number>();
  private readonly path: string;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private readonly maxKeys: number;

  constructor(configDirectory: string, maxKeys = 1_000_000) {
    this.path = join(configDirectory, 'consumerOffset.json');
    this.maxKeys = maxKeys;
    this.load();
  }

  commit(group: string, topic: string, queueId: number, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) return;
    const key = `${topic}@${group}`;
    let queues = this.table.get(key);
    if (!queues) {
      if (this.table.size >= this.maxKeys) return;
      queues = new Map();
      this.table.set(key, queues);
    }
    queues.set(queueId, offset);
    this.lastCommitTimes.set(key, Date.now());
    this.dirty = true;
  }

  query(group: string, topic: string, queueId: number): number | undefined {
    return this.table.get(`${topic}@${group}`)?.get(queueId);
  }

  queuesOf(group: string, topic: string): ReadonlyMap<number, number> | undefined {
    return this.table.get(`${topic}@${group}`);
  }

  /** Topics the group has committed offsets for. */
  topicsOf(group: string): string[] {
    const topics: string[] = [];
    const suffix = `@${group}`;
    for (const key of this.table.keys()) {
      if (key.endsWith(suffix)) topics.push(key.slice(0, -suffix.length));
    }
    return topics;
  }

  /** Groups that committed offsets for the topic. */
  groupsOf(topic: string): string[] {
    const groups: string[] = [];
    const prefix = `${topic}@`;
    for (const key of this.table.keys()) {
      if (key.startsWith(prefix)) groups.push(key.slice(prefix.length));
    }
    return groups;
  }

  removeGroup(group: string): void {
    for (const topic of this.topicsOf(group)) this.table.delete(`${topic}@${group}`);
    this.dirty = true;
  }

  removeTopic(topic: string): void {
    for (const group of this.groupsOf(topic)) this.table.delete(`${topic}@${group}`);
    this.dirty = true;
  }

  /** RocketMQ's JSON form: inner maps keyed by bare queue ids, as fastjson writes them. */
  serialize(): string {
    const entries: string[] = [];
    for (const [key, queues] of this.table) {
      const inner = [...queues].map(([queueId, offset]) => `${queueId}:${offset}`).join(',');
      entries.push(`${JSON.stringify(key)}:{${inner}}`);
    }
    return `{"offsetTable":{${entries.join(',')}}}`;
  }

  /** Writes the table if it changed since the last write; one write at a time. */
  /** A failed write (a full disk) leaves the old file and the table dirty, to write again. */
  async persist(): Promise<void> {
    if (!this.dirty || this.writing) return this.writing;
    this.dirty = false;
    this.writing = writeConfigFile(this.path, this.serialize())
      .catch((error: unknown) => {
        this.dirty = true;
        throw error;
      })
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }

  /** At shutdown; throws when the write fails, the old file left intact. */
  persistSync(): void {
    writeConfigFileSync(this.path, this.serialize());
    this.dirty = false;
  }

  private load(): void {
    const text = readConfigFile(this.path);
    if (text === undefined) return;
    // Bare integer keys are fastjson's form; quote them so JSON.parse reads the file.
    const parsed = JSON.parse(text.replace(/([{,])(-?\d+):/g, '$1"$2":')) as {
      offsetTable?: Record<string, Record<string, number>>;
    };
    for (const [key, queues] of Object.entries(parsed.offsetTable ?? {})) {
      const map = new Map<number, number>();
      for (const [queueId, offset] of Object.entries(queues)) {
        if (Number.isSafeInteger(Number(offset))) map.set(Number(queueId), Number(offset));
      }
      this.table.set(key, map);
    }
  }
}
