/**
 * Stopping a broker, in the order that loses nothing: no new registrations or deliveries,
 * held pulls answered, in-flight appends drained, then sockets, then the actors' stores, then
 * the metadata files. A dead actor stops the whole broker the same way.
 */
import type { Logger } from 'pino';
import type { RemotingClient, RemotingServer } from '../../remoting/index.ts';
import type { BrokerContext } from './broker-context.ts';
import type { NameServerRegistrar } from './namesrv-registrar.ts';
import type { PullHoldService } from './pull-hold-service.ts';
import type { ScheduleService } from '../schedule/schedule-service.ts';

/** How long close() waits for appends already handed to the actors (500 × 10 ms). */
const DRAIN_POLLS = 500;
const DRAIN_POLL_MS = 10;

export interface RunningBroker {
  ctx: BrokerContext;
  timers: ScheduleService;
  holds: PullHoldService;
  servers: RemotingServer[];
  metrics: { close(): Promise<void> } | undefined;
  metadataSync?: { stop(): Promise<void> } | undefined;
  registrar: NameServerRegistrar;
  client: RemotingClient;
  /** Periodic tasks of the coordinator, cleared first. */
  intervals: NodeJS.Timeout[];
  logger: Logger;
}

export interface BrokerStop {
  close(): Promise<void>;
  stopped: Promise<Error | undefined>;
}

export function brokerStop(running: RunningBroker): BrokerStop {
  const { ctx, logger } = running;
  let closing: Promise<void> | undefined;
  let stopReason: Error | undefined;
  let markStopped: (reason: Error | undefined) => void = () => {};
  const stopped = new Promise<Error | undefined>((resolve) => (markStopped = resolve));
  const close = (): Promise<void> =>
    (closing ??= closeInOrder(running).finally(() => markStopped(stopReason)));
  // A dead actor stops the broker rather than being restarted in-process: what its thread held
  // (encoded but unwritten records, acks whose durability is unknown, open descriptors) died
  // with it, while crash recovery from disk is the path proven over many SIGKILLs. A broker
  // serving some shards and not others would look healthy to clients and name servers; a
  // stopped one is restarted by its supervisor and recovers every shard.
  ctx.actors.onActorDeath(({ actor, shards, error }) => {
    if (closing !== undefined) return;
    stopReason = new Error(
      `queue actor ${actor} (shards ${shards.join(', ')}) died: ${error.message}; the broker stopped`,
      { cause: error },
    );
    logger.fatal({ err: error, actor, shards }, 'queue actor died; stopping the broker');
    close().catch((failure: unknown) =>
      logger.error({ err: failure }, 'broker did not stop cleanly'),
    );
  });
  return { close, stopped };
}

async function closeInOrder(running: RunningBroker): Promise<void> {
  const { ctx, logger } = running;
  for (const interval of running.intervals) clearInterval(interval);
  // Deliveries stop before the name server hears of it, so a stop delivers nothing new.
  await Promise.all([
    ctx.schedule.close(),
    running.timers.close(),
    running.registrar.stop(),
    running.metadataSync?.stop(),
  ]);
  running.holds.releaseAll();
  for (let i = 0; i < DRAIN_POLLS && ctx.actors.inflight > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  await Promise.allSettled([
    ...running.servers.map((server) => server.close()),
    running.metrics?.close(),
  ]);
  await ctx.replication?.close();
  await ctx.actors.close();
  ctx.groups.flush();
  try {
    ctx.offsets.persistSync();
  } catch (error) {
    // Never holds the stop (a full disk): the file keeps the offsets last written.
    logger.error({ err: error }, 'writing consumer offsets at shutdown failed');
  }
  await running.client.close();
  logger.info({ address: ctx.brokerAddress }, 'broker stopped');
}
