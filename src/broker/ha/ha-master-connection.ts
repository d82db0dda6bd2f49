/**
 * One slave's replication of one shard, on the master: answers the slave's hello with where
 * streaming starts (and where the slave must first cut a tail that was never this master's),
 * then sends commit-log bytes as the actor writes them and reads the slave's acknowledgements.
 */
import type { Socket } from 'node:net';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { lastCommonOffset } from '../../../native-free-store/index.ts';
import type { CommitLogFileReader } from '../../../native-free-store/index.ts';
import {
  ByteQueue,
  HaProtocolError,
  REPORT_BYTES,
  encodeDataHeader,
  encodeHandshake,
  parseSlaveHello,
  takeHandshake,
} from './ha-wire.ts';
import type { EpochEntry, MasterWelcome, SlaveHello } from './ha-wire.ts';
import { RecordCounter } from './record-counter.ts';
import type { WrittenPositions } from './written-positions.ts';

/** Bytes sent before the sender gives other work on the main thread a turn. */
const BYTES_PER_TURN = 4 * 1024 * 1024;

export interface HaMasterShardView {
  clusterName: string;
  brokerName: string;
  shards: number;
  segmentSizeBytes: number;
  transferBatchBytes: number;
  heartbeatIntervalMs: number;
  housekeepingMs: number;
  positions: WrittenPositions;
  reader(shard: number): CommitLogFileReader;
  /** The shard's epochs and oldest offset, from its actor. */
  shardState(shard: number): Promise<{ min: number; epochs: EpochEntry[] }>;
  masterEpoch(): number;
  onAck(connection: HaMasterConnection): void;
  onClose(connection: HaMasterConnection): void;
  logger: Logger;
}

export class HaMasterConnection {
  readonly socket: Socket;
  readonly remote: string;
  hello: SlaveHello | undefined;
  /** The slave's last reported end: everything below it is on the slave. */
  acked = -1;
  sentEnd = 0;
  startOffset = 0;
  counter: RecordCounter | undefined;
  lastReadMs = Date.now();
  lastWriteMs = Date.now();
  bytesSent = 0;
  private readonly view: HaMasterShardView;
  private readonly queue = new ByteQueue();
  private closed = false;
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(socket: Socket, view: HaMasterShardView) {
    this.socket = socket;
    this.view = view;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.housekeeping = setInterval(() => this.checkIdle(), 1000);
    this.housekeeping.unref();
  }

  get shard(): number {
    return this.hello?.shard ?? -1;
  }

  /** Streaming (past the handshake), so the slave's acknowledgements count. */
  get streaming(): boolean {
    return this.counter !== undefined && !this.closed;
  }

  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.housekeeping);
    if (reason) this.view.logger.warn({ slave: this.remote, shard: this.shard, reason }, reason);
    this.socket.destroy();
    this.view.onClose(this);
  }

  private onData(chunk: Buffer): void {
    this.lastReadMs = Date.now();
    this.queue.push(chunk);
    try {
      if (!this.hello) {
        const message = takeHandshake(this.queue);
        if (message === undefined) return;
        this.hello = parseSlaveHello(message);
        void this.welcome(this.hello).catch((error: unknown) =>
          this.refuse('HANDSHAKE_FAILED', (error as Error).message),
        );
        return;
      }
      if (this.queue.length > 64 * REPORT_BYTES) throw new HaProtocolError('reports piling up');
      // Only the latest complete report counts (STORE.md 10).
      let report = -1;
      while (this.queue.length >= REPORT_BYTES)
        report = Number(this.queue.take(REPORT_BYTES).readBigInt64BE(0));
      if (report >= 0 && this.counter) {
        if (report > this.sentEnd) throw new HaProtocolError(`acknowledged ${report} past sent`);
        this.acked = Math.max(this.acked, report);
        this.view.onAck(this);
      }
    } catch (error) {
      this.close(`replication connection closed: ${(error as Error).message}`);
    }
  }

  private refuse(code: string, message: string): void {
    if (this.closed) return;
    const refusal: MasterWelcome = { ok: false, code, message };
    this.socket.end(encodeHandshake(refusal));
    this.close(`slave refused: ${message}`);
  }

  private async welcome(hello: SlaveHello): Promise<void> {
    const view = this.view;
    const mismatch =
      hello.clusterName !== view.clusterName || hello.brokerName !== view.brokerName
        ? `slave of ${hello.clusterName}/${hello.brokerName}, this master is ${view.clusterName}/${view.brokerName}`
        : hello.shards !== view.shards
          ? `slave has storeShards=${hello.shards}, master ${view.shards}`
          : hello.segmentSizeBytes !== view.segmentSizeBytes
            ? `slave has mappedFileSizeCommitLog=${hello.segmentSizeBytes}, master ${view.segmentSizeBytes}`
            : hello.shard >= view.shards
              ? `shard ${hello.shard} of ${view.shards}`
              : undefined;
    if (mismatch) return this.refuse('CONFIG_MISMATCH', mismatch);
    const state = await view.shardState(hello.shard);
    const masterEnd = view.positions.end(hello.shard);
    const empty = hello.end === 0 && hello.epochs.length === 0;
    const common = empty
      ? state.min
      : lastCommonOffset(
          { epochs: state.epochs, end: masterEnd },
          { epochs: hello.epochs, end: hello.end },
        );
    if (common < state.min && !empty)
      return this.refuse(
        'SLAVE_TOO_FAR_BEHIND',
        `the slave's shard ${hello.shard} ends at ${common}, before the master's oldest offset ${state.min}; empty its store to copy again`,
      );
    const welcome: MasterWelcome = {
      ok: true,
      startOffset: common,
      masterEpoch: view.masterEpoch(),
      epochs: state.epochs,
      ...(common < hello.end ? { truncateTo: common } : {}),
    };
    if (this.closed) return;
    this.socket.write(encodeHandshake(welcome));
    this.startOffset = common;
    this.sentEnd = common;
    this.acked = Math.min(hello.end, common);
    this.counter = new RecordCounter(common);
    view.logger.info(
      { slave: hello.slaveAddr, shard: hello.shard, startOffset: common, slaveEnd: hello.end },
      'slave connected',
    );
    void this.stream().catch((error: unknown) =>
      this.close(`replication stream failed: ${(error as Error).message}`),
    );
  }

  private async stream(): Promise<void> {
    const { positions, transferBatchBytes, heartbeatIntervalMs } = this.view;
    const shard = this.shard;
    const reader = this.view.reader(shard);
    let sinceYield = 0;
    while (!this.closed) {
      const seen = positions.sequence(shard);
      const limit = positions.end(shard);
      if (this.sentEnd >= limit) {
        await positions.changedSince(shard, seen, heartbeatIntervalMs);
        if (!this.closed && Date.now() - this.lastWriteMs >= heartbeatIntervalMs)
          this.write(encodeDataHeader(this.sentEnd, 0));
        sinceYield = 0;
        continue;
      }
      const bytes = reader.read(this.sentEnd, transferBatchBytes, limit);
      if (bytes.length === 0)
        throw new Error(`offset ${this.sentEnd} of shard ${shard} is no longer on disk`);
      this.counter!.observe(this.sentEnd, bytes);
      const drained = this.write(
        Buffer.concat([encodeDataHeader(this.sentEnd, bytes.length), bytes]),
      );
      this.sentEnd += bytes.length;
      this.bytesSent += bytes.length;
      sinceYield += bytes.length;
      if (!drained) await this.drain();
      else if (sinceYield >= BYTES_PER_TURN) {
        sinceYield = 0;
        await yieldTurn();
      }
    }
  }

  private write(bytes: Buffer): boolean {
    this.lastWriteMs = Date.now();
    return this.socket.write(bytes);
  }

  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  private checkIdle(): void {
    if (Date.now() - this.lastReadMs > this.view.housekeepingMs)
      this.close(`no report from the slave for ${this.view.housekeepingMs} ms`);
  }
}
