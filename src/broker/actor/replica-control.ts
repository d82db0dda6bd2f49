/**
 * A slave's side of replication inside the queue actor that owns the shard: apply the master's
 * commit-log bytes, cut a tail the master never had, report where the log ends. Called over
 * comlink by the coordinator's replication links (ha/ha-slave-link.ts), one call per batch of
 * frames, never per message.
 */
import type { MessageStore } from '../../../native-free-store/index.ts';
import { checkRecord, takesQueueOffset } from '../../protocol/message-record.ts';
import type { EpochEntry } from '../ha/ha-wire.ts';

/** Queues a batch of replicated records grew: [topic, queueId, maxOffset]. */
export type ReplicaArrival = [string, number, number];

export interface ReplicaApplied {
  end: number;
  arrivals: ReplicaArrival[];
}

export class ReplicaControl {
  private readonly stores: ReadonlyMap<number, MessageStore>;
  /** Per shard, where the next record wholly inside a later batch starts. */
  private readonly nextRecord = new Map<number, number>();

  constructor(stores: ReadonlyMap<number, MessageStore>) {
    this.stores = stores;
  }

  replicaState(shard: number): { end: number; min: number; epochs: EpochEntry[] } {
    const store = this.store(shard);
    return {
      end: store.maxPhysicalOffset,
      min: store.minPhysicalOffset,
      epochs: store.replica.epochs(),
    };
  }

  replicaAppend(shard: number, offset: number, bytes: Uint8Array): ReplicaApplied {
    const store = this.store(shard);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const result = store.replica.append(offset, data);
    // In the files before the master hears of it: a slave's report means "survives my crash".
    store.writePending();
    const from = this.nextRecord.get(shard) ?? offset;
    const walk = result.records > 0 ? arrivalsIn(data, from - offset) : undefined;
    // Where the next whole record starts; known again whenever no record is left partial.
    if (result.dispatchedEnd === result.end) this.nextRecord.set(shard, result.end);
    else if (walk) this.nextRecord.set(shard, offset + walk.next);
    else this.nextRecord.delete(shard);
    return { end: result.end, arrivals: walk?.arrivals ?? [] };
  }

  replicaTruncate(shard: number, offset: number): void {
    this.nextRecord.delete(shard);
    this.store(shard).replica.truncate(offset);
  }

  beginEpoch(shard: number, epoch: number): void {
    this.store(shard).replica.beginEpoch(epoch);
  }

  private store(shard: number): MessageStore {
    const store = this.stores.get(shard);
    if (!store) throw new Error(`shard ${shard} is not hosted by this actor`);
    return store;
  }
}

/**
 * The highest queue offset per queue among the records wholly inside data from position on, for
 * waking held pulls, and where the first record not wholly inside starts (past it when its size
 * can be read). A record split across two batches is not reported; the next one of its queue, or
 * the held pull's deadline, wakes its pulls.
 */
function arrivalsIn(data: Buffer, from: number): { arrivals: ReplicaArrival[]; next: number } {
  const latest = new Map<string, ReplicaArrival>();
  let position = Math.max(0, from);
  while (position + 8 <= data.length) {
    const size = data.readInt32BE(position);
    if (size <= 0) break;
    if (position + size > data.length)
      return { arrivals: [...latest.values()], next: position + size };
    const check = checkRecord(data, position, size, false);
    if (check.kind === 'message') {
      const { topic, queueId, queueOffset, sysFlag } = check.record;
      if (takesQueueOffset(sysFlag))
        latest.set(`${topic}\u0000${queueId}`, [topic, queueId, queueOffset + 1]);
    } else if (check.kind !== 'blank') break;
    position += size;
  }
  return { arrivals: [...latest.values()], next: position };
}
