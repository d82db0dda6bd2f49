/**
 * The master's replication endpoint (haListenPort): accepts slaves' per-shard connections,
 * tracks how far each shard is acknowledged, and holds SYNC_MASTER sends until a slave has their
 * bytes. A shard counts as replicated by any one in-sync slave, as RocketMQ's
 * push2SlaveMaxOffset does.
 */
import { createServer, type Server } from 'node:net';
import type { CommitLogFileReader } from '../../../native-free-store/index.ts';
import { HaMasterConnection, type HaMasterShardView } from './ha-master-connection.ts';
import { ReplicaWaiters, type ReplicaOutcome } from './replica-waiters.ts';

/** Per shard per slave one connection; a bound on what a misbehaving peer can open. */
const MAX_CONNECTIONS = 256;
const MAX_WAITERS = 200_000;

export interface HaMasterOptions extends Omit<HaMasterShardView, 'onAck' | 'onClose' | 'reader'> {
  host: string;
  port: number;
  /** In sync while no further behind than this (haSlaveFallbehindMax). */
  fallBehindMaxBytes: number;
  openReader(shard: number): CommitLogFileReader;
}

export type ReplicationWait = ReplicaOutcome | 'no-slave';

export interface SlaveLink {
  shard: number;
  slaveAddr: string;
  remote: string;
  acked: number;
  masterEnd: number;
  lagBytes: number;
  lagMessages: number;
  inSync: boolean;
  startOffset: number;
  bytesSent: number;
  lastReadMs: number;
}

export class HaMaster {
  private readonly options: HaMasterOptions;
  private readonly server: Server;
  private readonly connections = new Set<HaMasterConnection>();
  private readonly readers = new Map<number, CommitLogFileReader>();
  private readonly waiters: ReplicaWaiters;
  private readonly view: HaMasterShardView;
  port = 0;

  constructor(options: HaMasterOptions) {
    this.options = options;
    this.waiters = new ReplicaWaiters(options.shards, MAX_WAITERS);
    this.view = {
      ...options,
      reader: (shard) => this.readerOf(shard),
      onAck: (connection) =>
        this.waiters.acknowledged(connection.shard, this.acked(connection.shard)),
      onClose: (connection) => this.connections.delete(connection),
    };
    this.server = createServer((socket) => {
      if (this.connections.size >= MAX_CONNECTIONS) {
        socket.destroy();
        return;
      }
      this.connections.add(new HaMasterConnection(socket, this.view));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    return this.port;
  }

  /** Highest offset any streaming slave acknowledged for shard; -1 with none. */
  acked(shard: number): number {
    let best = -1;
    for (const connection of this.connections)
      if (connection.shard === shard && connection.streaming)
        best = Math.max(best, connection.acked);
    return best;
  }

  /** A streaming slave for shard no further behind than haSlaveFallbehindMax. */
  hasInSyncSlave(shard: number): boolean {
    const end = this.options.positions.end(shard);
    for (const connection of this.connections)
      if (
        connection.shard === shard &&
        connection.streaming &&
        end - connection.acked < this.options.fallBehindMaxBytes
      )
        return true;
    return false;
  }

  /**
   * Calls back once a slave holds shard's log up to its written end as of now (the caller's
   * record is below it), 'timeout' past timeoutMs, 'no-slave' at once without an in-sync slave.
   */
  waitReplicated(
    shard: number,
    timeoutMs: number,
    settle: (outcome: ReplicationWait) => void,
  ): void {
    if (!this.hasInSyncSlave(shard)) return settle('no-slave');
    const target = this.options.positions.end(shard);
    if (this.acked(shard) >= target) return settle('replicated');
    if (!this.waiters.add(shard, target, timeoutMs, settle)) settle('timeout');
  }

  links(): SlaveLink[] {
    const links: SlaveLink[] = [];
    for (const c of this.connections) {
      if (!c.streaming || !c.hello) continue;
      const masterEnd = this.options.positions.end(c.shard);
      const lagBytes = Math.max(0, masterEnd - c.acked);
      links.push({
        shard: c.shard,
        slaveAddr: c.hello.slaveAddr,
        remote: c.remote,
        acked: c.acked,
        masterEnd,
        lagBytes,
        lagMessages: c.counter!.lagMessages(c.acked, c.sentEnd, masterEnd),
        inSync: lagBytes < this.options.fallBehindMaxBytes,
        startOffset: c.startOffset,
        bytesSent: c.bytesSent,
        lastReadMs: c.lastReadMs,
      });
    }
    return links.sort((a, b) => a.slaveAddr.localeCompare(b.slaveAddr) || a.shard - b.shard);
  }

  async close(): Promise<void> {
    this.waiters.failAll();
    for (const connection of [...this.connections]) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const reader of this.readers.values()) reader.close();
    this.readers.clear();
  }

  private readerOf(shard: number): CommitLogFileReader {
    let reader = this.readers.get(shard);
    if (!reader) {
      reader = this.options.openReader(shard);
      this.readers.set(shard, reader);
    }
    return reader;
  }
}
