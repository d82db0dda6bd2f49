/**
 * Entry of a queue actor thread: opens its shards, serves the rings, and exposes its control
 * plane over comlink on the parent port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { pino } from 'pino';
import type { MessageStore } from '../../../native-free-store/index.ts';
import { openStore } from '../../../native-free-store/index.ts';
import { LatencyBuckets } from '../metrics/latency-buckets.ts';
import { RingReader, RingWriter } from '../../ring/index.ts';
import { ActorControl } from './actor-control.ts';
import { portDestination } from './actor-log-relay.ts';
import type { ActorWorkerData } from './actor-worker-data.ts';
import { FilterPool } from '../filter/filter-pool.ts';
import { QueueActor } from './queue-actor.ts';
import { registerThreadErrors } from './thread-errors.ts';
import { WrittenPositions } from '../ha/written-positions.ts';

async function main(): Promise<void> {
  if (!parentPort) throw new Error('actor-main must run in a worker thread');
  registerThreadErrors();
  const data = workerData as ActorWorkerData;
  const logger = pino(
    { level: data.logLevel, base: { actor: data.actorIndex } },
    data.logPort ? portDestination(data.logPort) : pino.destination(2),
  );
  const stores = new Map<number, MessageStore>();
  const flushLatency = new Map(data.shards.map(({ shard }) => [shard, new LatencyBuckets()]));
  const positions = data.writtenPositions && new WrittenPositions(data.writtenPositions);
  // Every shard is opened (or fails) before ready answers: a failure reaches the coordinator
  // as ready's rejection with the store's code, never as an unhandled rejection that kills the
  // thread while shards it did open stay locked.
  const opened = Promise.allSettled(
    data.shards.map(async ({ shard, options }) => {
      const buckets = flushLatency.get(shard)!;
      const store = await openStore({
        ...options,
        logger: logger.child({ shard }),
        onFlushed: (ms) => buckets.observe(ms / 1000),
        ...(positions ? { onWritten: (end: number) => positions.publish(shard, end) } : {}),
      });
      positions?.publish(shard, store.maxPhysicalOffset);
      stores.set(shard, store);
    }),
  ).then(async (results) => {
    const failed = results.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failed === undefined) return;
    await Promise.allSettled([...stores.values()].map((store) => store.close()));
    stores.clear();
    throw failed.reason;
  });
  opened.catch(() => {});
  let actor: QueueActor | undefined;
  const filters = new FilterPool({ threads: data.filterThreads });
  const closeAll = async (): Promise<void> => {
    actor?.stop();
    await filters.close();
    // A close that lands while shards are still opening closes those too.
    await opened.catch(() => {});
    await Promise.all([...stores.values()].map((store) => store.close()));
  };
  const control = new ActorControl(stores, closeAll, flushLatency);
  const api = {
    ready: async () => {
      await opened;
      actor ??= new QueueActor(
        stores,
        new RingReader(data.requests),
        new RingWriter(data.responses),
        logger,
        filters,
      );
      actor.start();
      return control.report();
    },
    control: Comlink.proxy(control),
  };
  Comlink.expose(api, nodeEndpoint(parentPort));
}

export type ActorApi = {
  ready(): Promise<ReturnType<ActorControl['report']>>;
  control: ActorControl & Comlink.ProxyMarked;
};

await main();
