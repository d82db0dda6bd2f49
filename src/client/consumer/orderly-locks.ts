/**
 * The broker locks an orderly clustering consumer holds (protocol/REMOTING.md 14.8): a queue is
 * locked on its broker before it is pulled, every held lock is renewed every 20 s (one
 * LOCK_BATCH_MQ per broker), and the member consumes a queue only while its lock was confirmed
 * within the last 30 s; the broker itself lets a lock lapse after 60 s. Queues are unlocked when
 * they leave this member (after their offset is committed) and at shutdown.
 */
import type { Logger } from 'pino';
import type { ClientInstance } from '../core/client-instance.ts';
import { lockBatchMQ, masterOf, unlockBatchMQ } from './consumer-calls.ts';
import type { ProcessQueue } from './process-queue.ts';
import type { MessageQueue } from '../core/route.ts';

export const LOCK_RENEW_INTERVAL_MS = 20_000;
export const LOCK_MAX_LIVE_MS = 30_000;

export interface OrderlyLocksOptions {
  instance: ClientInstance;
  group: string;
  logger: Logger;
  /** The queues currently assigned (renewed together). */
  processQueues: () => ProcessQueue[];
}

export class OrderlyLocks {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OrderlyLocksOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.renewAll(), LOCK_RENEW_INTERVAL_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether pq may be consumed now: locked and confirmed within LOCK_MAX_LIVE_MS. */
  static usable(pq: ProcessQueue, nowMs = Date.now()): boolean {
    return pq.locked && nowMs - pq.lastLockTimestampMs <= LOCK_MAX_LIVE_MS;
  }

  /** Locks one queue on its broker; false when another member holds it or the call failed. */
  async lock(queue: MessageQueue, pq?: ProcessQueue): Promise<boolean> {
    const { instance, group, logger } = this.options;
    try {
      const address = await masterOf(instance, queue);
      const held = await lockBatchMQ(instance, group, address, [queue]);
      const ok = held.length === 1;
      if (pq) this.mark(pq, ok);
      return ok;
    } catch (error) {
      logger.warn({ queue, err: (error as Error).message }, 'locking a queue failed');
      return false;
    }
  }

  /** Renews the locks of every assigned queue, one request per broker. */
  async renewAll(): Promise<void> {
    const { instance, group, logger } = this.options;
    const byAddress = new Map<string, ProcessQueue[]>();
    for (const pq of this.options.processQueues()) {
      if (pq.dropped) continue;
      let address: string;
      try {
        address = await masterOf(instance, pq.queue);
      } catch {
        continue;
      }
      const list = byAddress.get(address) ?? [];
      list.push(pq);
      byAddress.set(address, list);
    }
    await Promise.all(
      [...byAddress].map(async ([address, pqs]) => {
        try {
          const held = await lockBatchMQ(
            instance,
            group,
            address,
            pqs.map((pq) => pq.queue),
          );
          const heldSet = new Set(held);
          for (const pq of pqs) this.mark(pq, heldSet.has(pq.queue));
        } catch (error) {
          logger.warn({ address, err: (error as Error).message }, 'renewing queue locks failed');
        }
      }),
    );
  }

  /** Releases this member's lock on one queue; failures are logged (the broker expires it). */
  async unlock(queue: MessageQueue): Promise<void> {
    const { instance, group, logger } = this.options;
    try {
      const address = await masterOf(instance, queue);
      await unlockBatchMQ(instance, group, address, [queue]);
    } catch (error) {
      logger.warn({ queue, err: (error as Error).message }, 'unlocking a queue failed');
    }
  }

  async unlockAll(pqs: readonly ProcessQueue[]): Promise<void> {
    await Promise.all(
      pqs.map(async (pq) => {
        pq.locked = false;
        await this.unlock(pq.queue);
      }),
    );
  }

  private mark(pq: ProcessQueue, held: boolean): void {
    pq.locked = held;
    if (held) pq.lastLockTimestampMs = Date.now();
  }
}
