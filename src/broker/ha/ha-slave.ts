/**
 * A slave's replication: one link per store shard to the master's haListenPort, each
 * reconnecting (after a pause) whenever its connection ends, for as long as the broker runs as
 * a slave. The master's address comes from haMasterAddress or the name server's answer to this
 * broker's registration.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { HaSlaveLink, HELLO_BASE, type ShardReplicaApi } from './ha-slave-link.ts';

const RECONNECT_PAUSE_MS = 1000;

export interface HaSlaveOptions {
  shards: number;
  clusterName: string;
  brokerName: string;
  brokerId: number;
  slaveAddr: string;
  segmentSizeBytes: number;
  heartbeatIntervalMs: number;
  housekeepingMs: number;
  /** The master's host:haListenPort, when known. */
  masterHaAddress(): string | undefined;
  replica: ShardReplicaApi;
  logger: Logger;
}

export class HaSlave {
  readonly links: HaSlaveLink[];
  private readonly options: HaSlaveOptions;
  private closed = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly abort = new AbortController();

  constructor(options: HaSlaveOptions) {
    this.options = options;
    const hello = {
      ...HELLO_BASE,
      clusterName: options.clusterName,
      brokerName: options.brokerName,
      brokerId: options.brokerId,
      slaveAddr: options.slaveAddr,
      shards: options.shards,
      segmentSizeBytes: options.segmentSizeBytes,
    };
    this.links = Array.from(
      { length: options.shards },
      (_, shard) =>
        new HaSlaveLink({
          shard,
          hello,
          replica: options.replica,
          heartbeatIntervalMs: options.heartbeatIntervalMs,
          housekeepingMs: options.housekeepingMs,
          logger: options.logger,
        }),
    );
  }

  start(): void {
    for (const link of this.links) this.loops.push(this.follow(link));
  }

  /** True while every shard is connected to the master. */
  get connected(): boolean {
    return this.links.every((link) => link.connected);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const link of this.links) link.stop();
    await Promise.allSettled(this.loops);
  }

  private async follow(link: HaSlaveLink): Promise<void> {
    let lastError = '';
    while (!this.closed) {
      const address = this.options.masterHaAddress();
      if (address) {
        try {
          await link.run(address);
          lastError = '';
        } catch (error) {
          const message = (error as Error).message;
          // One line per change of reason, not one per attempt every second.
          if (message !== lastError)
            this.options.logger.warn(
              { shard: link.shard, master: address, err: message },
              'cannot replicate from the master; retrying',
            );
          lastError = message;
        }
      }
      if (this.closed) break;
      await sleep(RECONNECT_PAUSE_MS, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }
}
