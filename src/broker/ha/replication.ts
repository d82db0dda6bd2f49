/**
 * A broker's replication, by role: a master serves haListenPort and (SYNC_MASTER) holds sends
 * until a slave has them; a slave follows its master shard by shard. haStatus reads both.
 */
import { join } from 'node:path';
import * as Comlink from 'comlink';
import type { Logger } from 'pino';
import { CommitLogFileReader } from '../../../native-free-store/index.ts';
import type { ActorHost } from '../actor/actor-host.ts';
import type { ShardStoreOptions } from '../actor/actor-worker-data.ts';
import type { BrokerConfig } from '../broker-config.ts';
import { HaMaster, type ReplicationWait, type SlaveLink } from './ha-master.ts';
import { HaSlave } from './ha-slave.ts';
import type { HaRuntimeInfo } from '../../protocol/wire-types.ts';

export interface ReplicationOptions {
  config: BrokerConfig;
  actors: ActorHost;
  shards: number;
  storeOptionsFor: (shard: number) => ShardStoreOptions;
  /** This broker's client address (brokerIP1:listenPort). */
  brokerAddress: string;
  /** The master's host:haListenPort as the name server last told (slaves). */
  learnedMasterHaAddress: () => string | undefined;
  logger: Logger;
}

export class Replication {
  readonly master: HaMaster | undefined;
  readonly slave: HaSlave | undefined;
  private readonly options: ReplicationOptions;
  private readonly rate = new Map<string, { at: number; bytes: number; perSecond: number }>();

  constructor(options: ReplicationOptions) {
    this.options = options;
    const { config, actors, shards, logger } = options;
    const segmentSizeBytes = config.mappedFileSizeCommitLog;
    const timing = {
      heartbeatIntervalMs: config.haSendHeartbeatInterval,
      housekeepingMs: config.haHousekeepingInterval,
    };
    if (config.brokerRole === 'SLAVE') {
      this.slave = new HaSlave({
        shards,
        clusterName: config.brokerClusterName,
        brokerName: config.brokerName,
        brokerId: config.brokerId,
        slaveAddr: options.brokerAddress,
        segmentSizeBytes,
        ...timing,
        masterHaAddress: () => config.haMasterAddress || options.learnedMasterHaAddress(),
        replica: {
          state: (shard) => actors.control(shard).replicaState(shard),
          truncate: (shard, offset) => actors.control(shard).replicaTruncate(shard, offset),
          apply: async (shard, offset, bytes) => {
            const applied = await actors
              .control(shard)
              .replicaAppend(shard, offset, transferable(bytes));
            for (const [topic, queueId, maxOffset] of applied.arrivals)
              actors.arrived(topic, queueId, maxOffset);
            return applied.end;
          },
        },
        logger: logger.child({ component: 'ha-slave' }),
      });
    } else {
      this.master = new HaMaster({
        host: config.listenHost,
        port: haPort(config),
        clusterName: config.brokerClusterName,
        brokerName: config.brokerName,
        shards,
        segmentSizeBytes,
        transferBatchBytes: config.haTransferBatchSize,
        ...timing,
        fallBehindMaxBytes: config.haSlaveFallbehindMax,
        positions: actors.positions,
        openReader: (shard) =>
          new CommitLogFileReader(
            join(options.storeOptionsFor(shard).directory, 'commitlog'),
            segmentSizeBytes,
            { maxOpenFiles: 4 },
          ),
        shardState: (shard) => actors.control(shard).replicaState(shard),
        masterEpoch: () => 0,
        logger: logger.child({ component: 'ha-master' }),
      });
    }
  }

  /** The port slaves connect to (masters), once listening. */
  async start(): Promise<number | undefined> {
    this.slave?.start();
    return this.master ? await this.master.listen() : undefined;
  }

  /** SYNC_MASTER: whether to hold a send's answer for its slave at all. */
  get syncMaster(): boolean {
    return this.options.config.brokerRole === 'SYNC_MASTER';
  }

  waitReplicated(shard: number, settle: (outcome: ReplicationWait) => void): void {
    if (!this.master) return settle('replicated');
    this.master.waitReplicated(shard, this.options.config.syncFlushTimeout, settle);
  }

  links(): SlaveLink[] {
    return this.master?.links() ?? [];
  }

  runtimeInfo(): HaRuntimeInfo {
    const positions = this.options.actors.positions;
    let masterEnd = 0;
    for (let shard = 0; shard < this.options.shards; shard++) masterEnd += positions.end(shard);
    const links = this.links();
    const slaves = new Set(links.filter((l) => l.inSync).map((l) => l.slaveAddr));
    const slaveLinks = this.slave?.links ?? [];
    const received = slaveLinks.reduce((sum, link) => sum + link.bytesReceived, 0);
    return {
      master: this.master !== undefined,
      masterCommitLogMaxOffset: masterEnd,
      inSyncSlaveNums: slaves.size,
      haConnectionInfo: links.map((link) => ({
        addr: link.slaveAddr,
        slaveAckOffset: link.acked,
        diff: link.lagBytes,
        inSync: link.inSync,
        transferredByteInSecond: this.perSecond(`${link.remote}/${link.shard}`, link.bytesSent),
        transferFromWhere: link.startOffset,
        shard: link.shard,
        lagMessages: link.lagMessages,
      })),
      haClientRuntimeInfo: {
        masterAddr: slaveLinks[0]?.masterAddr ?? '',
        transferredByteInSecond: this.perSecond('slave', received),
        maxOffset: slaveLinks.reduce((sum, link) => sum + link.end, 0),
        lastReadTimestamp: Math.max(0, ...slaveLinks.map((link) => link.lastReadMs)),
        lastWriteTimestamp: Math.max(0, ...slaveLinks.map((link) => link.lastWriteMs)),
        masterFlushOffset: 0,
        isActivated: slaveLinks.length > 0 && slaveLinks.every((link) => link.connected),
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.master?.close(), this.slave?.close()]);
  }

  /** Bytes per second since the previous haStatus asked about the same counter. */
  private perSecond(key: string, bytes: number): number {
    const now = Date.now();
    const last = this.rate.get(key);
    if (this.rate.size > 4096) this.rate.clear();
    const perSecond =
      last && now - last.at >= 1000
        ? Math.round(((bytes - last.bytes) * 1000) / (now - last.at))
        : (last?.perSecond ?? 0);
    if (!last || now - last.at >= 1000) this.rate.set(key, { at: now, bytes, perSecond });
    return perSecond;
  }
}

/** A master's replication port: haListenPort, else listenPort + 1 (0 with random ports). */
export function haPort(config: BrokerConfig): number {
  if (config.haListenPort > 0) return config.haListenPort;
  return config.listenPort === 0 ? 0 : config.listenPort + 1;
}

/** Moved to the actor rather than copied, when the bytes are the whole of their buffer. */
function transferable(bytes: Buffer): Uint8Array {
  const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const view = owned ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
  return Comlink.transfer(view, [view.buffer]);
}
