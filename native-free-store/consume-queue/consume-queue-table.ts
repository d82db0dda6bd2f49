/**
 * All consume queues of a shard, by topic then queue id. Queues are created on first append and
 * found again at open from the directory tree consumequeue/<topic>/<queueId>/.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileCache } from '../io/file-cache.ts';
import { ConsumeQueue } from './consume-queue.ts';

export class ConsumeQueueTable {
  readonly directory: string;
  readonly entriesPerFile: number;
  private readonly files: FileCache;
  private readonly topics = new Map<string, Map<number, ConsumeQueue>>();

  constructor(directory: string, entriesPerFile: number, files: FileCache) {
    this.directory = directory;
    this.entriesPerFile = entriesPerFile;
    this.files = files;
  }

  load(): void {
    mkdirSync(this.directory, { recursive: true });
    for (const topic of readdirSync(this.directory)) {
      const topicDirectory = join(this.directory, topic);
      for (const name of readdirSync(topicDirectory)) {
        if (!/^\d+$/.test(name)) continue;
        const queue = new ConsumeQueue(
          this.directory,
          topic,
          Number(name),
          this.entriesPerFile,
          this.files,
        );
        queue.load();
        this.queuesOf(topic, true)!.set(queue.queueId, queue);
      }
    }
  }

  private queuesOf(topic: string, create: boolean): Map<number, ConsumeQueue> | undefined {
    let queues = this.topics.get(topic);
    if (!queues && create) {
      queues = new Map();
      this.topics.set(topic, queues);
    }
    return queues;
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.topics.get(topic)?.get(queueId);
  }

  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    const queues = this.queuesOf(topic, true)!;
    let queue = queues.get(queueId);
    if (!queue) {
      queue = new ConsumeQueue(this.directory, topic, queueId, this.entriesPerFile, this.files);
      queue.load();
      queues.set(queueId, queue);
    }
    return queue;
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const queues of this.topics.values()) yield* queues.values();
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Deletes a topic's queues and files. */
  deleteTopic(topic: string): boolean {
    const queues = this.topics.get(topic);
    if (!queues) return existsSync(join(this.directory, topic));
    for (const queue of queues.values()) queue.destroy();
    this.topics.delete(topic);
    return true;
  }

  /** Takes every consume-queue file written since the last sync. */
  takeDirtyFiles(): string[] {
    const dirty: string[] = [];
    for (const queue of this.all()) {
      for (const path of queue.dirtyFiles) dirty.push(path);
      queue.dirtyFiles.clear();
    }
    return dirty;
  }
}
