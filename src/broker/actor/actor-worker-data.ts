/** What the coordinator hands a queue actor thread at start (structured-cloned once). */
import type { StoreOptions } from '../../../native-free-store/index.ts';
import type { MessagePort } from 'node:worker_threads';
import type { RingChannel } from '../../ring/index.ts';

export interface ActorWorkerData {
  actorIndex: number;
  shards: Array<{ shard: number; options: ShardStoreOptions }>;
  requests: RingChannel;
  responses: RingChannel;
  logLevel: string;
  /** Threads of this actor's SQL92 filter pool (filter-pool.ts). */
  filterThreads: number;
  /** Where the thread's log lines go (relayed to the broker's logger); stderr when absent. */
  logPort?: MessagePort;
  /** Where the actor publishes each shard's written commit-log end (ha/written-positions.ts). */
  writtenPositions?: SharedArrayBuffer;
}

/** A shard's store options: everything but the logger, which the actor thread makes. */
export type ShardStoreOptions = Partial<Omit<StoreOptions, 'logger'>> & { directory: string };
