/**
 * The name server's KV config (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE), kept in
 * memory and persisted on every change as RocketMQ's kvConfig.json:
 *
 *   {"configTable":{"<namespace>":{"<key>":"<value>"}}}
 *
 * Writes go to `<file>.tmp`, the previous file is copied to `<file>.bak`, then the tmp file is
 * renamed into place, so a crash leaves either the old or the new file; a load that finds the
 * file unreadable falls back to the .bak (protocol/STORE.md, config files). A change is answered
 * only once a write that holds it has landed. Changes that arrive while a write is under way
 * share the next one, so a peer that floods PUT_KV_CONFIG costs one rewrite of the table per
 * round, not one per request, and never blocks the event loop on fsync.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { WriteRounds } from '../common/write-rounds.ts';
import { parseLenientJson } from '../remoting/fastjson.ts';
import { NamesrvError, NamesrvErrorCode } from './errors.ts';

/** RocketMQ's namespace for ordered-topic queue layouts (`brokerName:queueNums;...`). */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export interface KvConfigLimits {
  maxEntries: number;
  maxNameLength: number;
  maxValueBytes: number;
  /** Namespaces, keys and values together, in UTF-16 code units as held in memory. */
  maxTotalChars: number;
}

export const DEFAULT_KV_CONFIG_LIMITS: Readonly<KvConfigLimits> = Object.freeze({
  maxEntries: 100_000,
  maxNameLength: 1024,
  maxValueBytes: 64 * 1024,
  maxTotalChars: 32 * 1024 * 1024,
});

const MAX_FILE_BYTES = 256 * 1024 * 1024;

export class KvConfigManager {
  private readonly table = new Map<string, Map<string, string>>();
  private entryCount = 0;
  private totalChars = 0;
  private readonly rounds = new WriteRounds(() => this.write());
  private readonly path: string;
  private readonly logger: Logger;
  private readonly limits: KvConfigLimits;

  constructor(path: string, logger: Logger, limits: Partial<KvConfigLimits> = {}) {
    this.path = path;
    this.logger = logger;
    this.limits = { ...DEFAULT_KV_CONFIG_LIMITS, ...limits };
  }

  /** Loads the file (or its .bak); a missing file is an empty table. */
  load(): void {
    const text = this.readFirstParsable();
    if (text === undefined) return;
    const { configTable } = text;
    for (const [namespace, entries] of Object.entries(configTable)) {
      for (const [key, value] of Object.entries(entries)) this.set(namespace, key, value);
    }
    this.logger.info({ path: this.path, entries: this.entryCount }, 'KV config loaded');
  }

  /** Stores the entry; settles once it is on disk (rejects with KV_CONFIG_IO if it cannot be). */
  put(namespace: string, key: string, value: string): Promise<void> {
    this.checkSizes(namespace, key, value);
    const existing = this.table.get(namespace)?.get(key);
    if (existing === undefined && this.entryCount >= this.limits.maxEntries) {
      throw new NamesrvError(
        NamesrvErrorCode.LIMIT_EXCEEDED,
        `KV config holds the maximum of ${this.limits.maxEntries} entries; ${namespace}/${key} not added`,
      );
    }
    const growth =
      existing === undefined
        ? namespace.length + key.length + value.length
        : value.length - existing.length;
    if (this.totalChars + growth > this.limits.maxTotalChars) {
      throw new NamesrvError(
        NamesrvErrorCode.LIMIT_EXCEEDED,
        `KV config holds the maximum of ${this.limits.maxTotalChars} characters; ${namespace}/${key} not stored`,
      );
    }
    this.set(namespace, key, value);
    this.logger.info({ namespace, key, value }, 'KV config put');
    return this.rounds.written();
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  /** Removes the entry; settles once the removal is on disk. */
  delete(namespace: string, key: string): Promise<void> {
    const entries = this.table.get(namespace);
    const value = entries?.get(key);
    if (entries === undefined || value === undefined) return Promise.resolve();
    entries.delete(key);
    this.entryCount--;
    this.totalChars -= key.length + value.length;
    if (entries.size === 0) {
      this.table.delete(namespace);
      this.totalChars -= namespace.length;
    }
    this.logger.info({ namespace, key }, 'KV config deleted');
    return this.rounds.written();
  }

  /** Settles once every change made so far is on disk, or has failed to get there. */
  flush(): Promise<void> {
    return this.rounds.flush();
  }

  /** The namespace's entries, or undefined when it has none. */
  list(namespace: string): ReadonlyMap<string, string> | undefined {
    const entries = this.table.get(namespace);
    return entries === undefined || entries.size === 0 ? undefined : new Map(entries);
  }

  private set(namespace: string, key: string, value: string): void {
    let entries = this.table.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      this.table.set(namespace, entries);
      this.totalChars += namespace.length;
    }
    const existing = entries.get(key);
    if (existing === undefined) {
      this.entryCount++;
      this.totalChars += key.length + value.length;
    } else {
      this.totalChars += value.length - existing.length;
    }
    entries.set(key, value);
  }

  private checkSizes(namespace: string, key: string, value: string): void {
    const { maxNameLength, maxValueBytes } = this.limits;
    if (namespace.length === 0 || namespace.length > maxNameLength) {
      throw new NamesrvError(
        NamesrvErrorCode.BAD_BODY,
        `KV namespace must be 1 to ${maxNameLength} characters (got ${namespace.length})`,
      );
    }
    if (key.length === 0 || key.length > maxNameLength) {
      throw new NamesrvError(
        NamesrvErrorCode.BAD_BODY,
        `KV key must be 1 to ${maxNameLength} characters (got ${key.length})`,
      );
    }
    if (Buffer.byteLength(value) > maxValueBytes) {
      throw new NamesrvError(
        NamesrvErrorCode.BAD_BODY,
        `KV value of ${namespace}/${key} is ${Buffer.byteLength(value)} bytes; at most ${maxValueBytes} are accepted`,
      );
    }
  }

  private async write(): Promise<void> {
    const configTable: Record<string, Record<string, string>> = {};
    for (const [namespace, entries] of this.table) {
      configTable[namespace] = Object.fromEntries(entries);
    }
    const text = JSON.stringify({ configTable }, null, '\t');
    const tmp = `${this.path}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, text, { flush: true });
      if (existsSync(this.path)) await copyFile(this.path, `${this.path}.bak`);
      await rename(tmp, this.path);
    } catch (cause) {
      throw new NamesrvError(
        NamesrvErrorCode.KV_CONFIG_IO,
        `cannot write KV config ${this.path}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  private readFirstParsable(): { configTable: Record<string, Record<string, string>> } | undefined {
    const failures: string[] = [];
    let anyFile = false;
    for (const path of [this.path, `${this.path}.bak`]) {
      if (!existsSync(path)) continue;
      anyFile = true;
      try {
        const text = readFileSync(path, 'utf8');
        if (text.length > MAX_FILE_BYTES) throw new Error('file larger than 256 MiB');
        if (text.trim() === '') throw new Error('file is empty');
        const parsed = checkShape(parseLenientJson(text));
        if (path !== this.path) this.logger.warn({ path }, 'KV config loaded from its backup');
        return parsed;
      } catch (cause) {
        failures.push(`${path}: ${(cause as Error).message}`);
      }
    }
    if (!anyFile) return undefined;
    throw new NamesrvError(
      NamesrvErrorCode.KV_CONFIG_IO,
      `cannot load KV config (fix or remove the file): ${failures.join('; ')}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkShape(value: unknown): { configTable: Record<string, Record<string, string>> } {
  if (!isRecord(value)) throw new Error('expected a JSON object');
  const table = value.configTable ?? {};
  if (!isRecord(table)) throw new Error('configTable must be an object');
  for (const [namespace, entries] of Object.entries(table)) {
    if (!isRecord(entries)) throw new Error(`configTable.${namespace} must be an object`);
    for (const [key, entry] of Object.entries(entries)) {
      if (typeof entry !== 'string') {
        throw new Error(`configTable.${namespace}.${key} must be a string`);
      }
    }
  }
  return { configTable: table as Record<string, Record<string, string>> };
}
