/**
 * The orderly-consumption lock table (protocol/REMOTING.md 11.8): per consumer group, which
 * client holds each queue and when it last renewed. A lock is granted when the queue is free,
 * expired (not renewed for maxLiveMs) or already the requester's; only the holder can unlock.
 * Locks live in memory only; a client's locks go when its connection closes.
 */

export interface LockedQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export interface QueueLockEntry {
  queue: LockedQueue;
  clientId: string;
  lastUpdateMs: number;
}

/** Bounds the table against a client asking for absurd numbers of queues or groups. */
const MAX_GROUPS = 10_000;
const MAX_QUEUES_PER_GROUP = 100_000;

const keyOf = (queue: LockedQueue): string =>
  `${queue.topic}\u0001${queue.brokerName}\u0001${queue.queueId}`;

export class QueueLockTable {
  private readonly groups = new Map<string, Map<string, QueueLockEntry>>();

  constructor(private readonly maxLiveMs: number) {}

  /** Locks what it can for clientId; returns the requested queues the client now holds. */
  lock(
    group: string,
    clientId: string,
    queues: readonly LockedQueue[],
    nowMs = Date.now(),
  ): LockedQueue[] {
    let table = this.groups.get(group);
    if (!table) {
      if (this.groups.size >= MAX_GROUPS) return [];
      table = new Map();
      this.groups.set(group, table);
    }
    const held: LockedQueue[] = [];
    for (const queue of queues) {
      const key = keyOf(queue);
      const entry = table.get(key);
      if (entry && entry.clientId !== clientId && nowMs - entry.lastUpdateMs <= this.maxLiveMs)
        continue;
      if (!entry && table.size >= MAX_QUEUES_PER_GROUP) continue;
      table.set(key, { queue: { ...queue }, clientId, lastUpdateMs: nowMs });
      held.push(queue);
    }
    if (table.size === 0) this.groups.delete(group);
    return held;
  }

  /** Removes the given queues' locks that clientId holds; others' locks stay. */
  unlock(group: string, clientId: string, queues: readonly LockedQueue[]): void {
    const table = this.groups.get(group);
    if (!table) return;
    for (const queue of queues) {
      const key = keyOf(queue);
      if (table.get(key)?.clientId === clientId) table.delete(key);
    }
    if (table.size === 0) this.groups.delete(group);
  }

  /** Drops every lock of the client, in every group (its connection closed). */
  releaseClient(clientId: string): void {
    for (const [group, table] of this.groups) {
      for (const [key, entry] of table) if (entry.clientId === clientId) table.delete(key);
      if (table.size === 0) this.groups.delete(group);
    }
  }

  /** The live (unexpired) locks of a group. */
  entries(group: string, nowMs = Date.now()): QueueLockEntry[] {
    const table = this.groups.get(group);
    if (!table) return [];
    return [...table.values()]
      .filter((entry) => nowMs - entry.lastUpdateMs <= this.maxLiveMs)
      .map((entry) => ({ ...entry, queue: { ...entry.queue } }));
  }

  /** The client holding the queue's live lock, if any. */
  holder(group: string, queue: LockedQueue, nowMs = Date.now()): string | undefined {
    const entry = this.groups.get(group)?.get(keyOf(queue));
    if (!entry || nowMs - entry.lastUpdateMs > this.maxLiveMs) return undefined;
    return entry.clientId;
  }
}
