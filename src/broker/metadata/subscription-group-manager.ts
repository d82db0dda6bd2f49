/**
 * Consumer group configs (config/subscriptionGroup.json, RocketMQ's SubscriptionGroupWrapper),
 * auto-created on first use when autoCreateSubscriptionGroup is on.
 *
 * A group created implicitly (first use, the system groups) is written within a second, in one
 * write with every other group created meanwhile: the file is the whole table, so writing it per
 * new group would let a peer that pulls under many group names stall the coordinator on
 * rewrites. Losing such a group to a crash loses nothing, since the next use creates it again.
 * When the file cannot be written (a full disk) the group stays in memory, the failure goes to
 * onPersistError, and the next write takes the whole table. An explicit upsert or delete
 * writes at once and throws on failure.
 */
import { join } from 'node:path';
import type { DataVersion } from './data-version.ts';
import { nextDataVersion } from './data-version.ts';
import { readConfigFile, writeConfigFileSync } from './config-file.ts';
import { defaultSubscriptionGroupConfig } from '../../protocol/wire-types.ts';
import type { SubscriptionGroupConfig } from '../../protocol/wire-types.ts';

const SYSTEM_GROUPS = ['TOOLS_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_RMQ_SYS_TRANS'];
const IMPLICIT_WRITE_DELAY_MS = 1000;

export class SubscriptionGroupManager {
  private readonly groups = new Map<string, SubscriptionGroupConfig>();
  private version: DataVersion = { counter: 0, timestamp: Date.now() };
  private readonly path: string;
  private readonly autoCreate: boolean;
  private readonly maxGroups: number;

  private readonly onPersistError: (error: unknown) => void;
  /** Set while implicitly created groups wait for their shared write. */
  private implicitWrite: NodeJS.Timeout | undefined;

  constructor(
    configDirectory: string,
    autoCreate: boolean,
    maxGroups = 100_000,
    onPersistError: (error: unknown) => void = () => {},
  ) {
    this.path = join(configDirectory, 'subscriptionGroup.json');
    this.autoCreate = autoCreate;
    this.maxGroups = maxGroups;
    this.onPersistError = onPersistError;
    this.load();
    // The groups RocketMQ's tools and internal services use exist from the start, so reading
    // a DLQ with mqadmin works even when auto-creation is off.
    for (const group of SYSTEM_GROUPS)
      if (!this.groups.has(group)) this.upsertImplicitly(defaultSubscriptionGroupConfig(group));
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.groups.get(group);
  }

  /** The group's config, created with defaults when auto-creation is on. */
  findOrCreate(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.groups.get(group);
    if (existing || !this.autoCreate || this.groups.size >= this.maxGroups) return existing;
    return this.upsertImplicitly(defaultSubscriptionGroupConfig(group));
  }

  private upsertImplicitly(config: SubscriptionGroupConfig): SubscriptionGroupConfig {
    const stored = this.store(config);
    if (this.implicitWrite === undefined) {
      this.implicitWrite = setTimeout(() => this.flush(), IMPLICIT_WRITE_DELAY_MS);
      this.implicitWrite.unref();
    }
    return stored;
  }

  /** Writes implicitly created groups still waiting; at shutdown. Failures go to onPersistError. */
  flush(): void {
    if (this.implicitWrite === undefined) return;
    try {
      this.write();
    } catch (error) {
      this.onPersistError(error);
    }
  }

  upsert(config: SubscriptionGroupConfig): SubscriptionGroupConfig {
    const stored = this.store(config);
    this.write();
    return stored;
  }

  /** Sets the group in memory (defaults under what is given) and moves the data version on. */
  private store(config: SubscriptionGroupConfig): SubscriptionGroupConfig {
    const stored = { ...defaultSubscriptionGroupConfig(config.groupName), ...config };
    this.groups.set(config.groupName, stored);
    this.version = nextDataVersion(this.version);
    return stored;
  }

  delete(group: string): boolean {
    const deleted = this.groups.delete(group);
    if (deleted) this.changed();
    return deleted;
  }

  all(): IterableIterator<SubscriptionGroupConfig> {
    return this.groups.values();
  }

  serialize(): {
    dataVersion: DataVersion;
    subscriptionGroupTable: Record<string, SubscriptionGroupConfig>;
  } {
    return { dataVersion: this.version, subscriptionGroupTable: Object.fromEntries(this.groups) };
  }

  private changed(): void {
    this.version = nextDataVersion(this.version);
    this.write();
  }

  private write(): void {
    clearTimeout(this.implicitWrite);
    this.implicitWrite = undefined;
    writeConfigFileSync(this.path, JSON.stringify(this.serialize(), null, 2));
  }

  private load(): void {
    const text = readConfigFile(this.path);
    if (text === undefined) return;
    const parsed = JSON.parse(text) as {
      dataVersion?: DataVersion;
      subscriptionGroupTable?: Record<string, Partial<SubscriptionGroupConfig>>;
    };
    if (parsed.dataVersion) this.version = parsed.dataVersion;
    for (const [name, config] of Object.entries(parsed.subscriptionGroupTable ?? {})) {
      this.groups.set(name, {
        ...defaultSubscriptionGroupConfig(name),
        ...config,
        groupName: name,
      });
    }
  }
}
