/**
 * A slave's replication of one shard: connects to the master's haListenPort, says where its log
 * ends (and its epochs), cuts what the master says was never its own, then applies the master's
 * frames through the shard's actor and reports each new end. While an apply runs, frames queue
 * (bounded; the socket pauses past that) and the next apply takes them all in one write.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  ByteQueue,
  DATA_HEADER_BYTES,
  HA_PROTOCOL,
  HA_PROTOCOL_VERSION,
  HaProtocolError,
  MAX_DATA_FRAME_BYTES,
  encodeHandshake,
  encodeReport,
  parseWelcome,
  takeHandshake,
} from './ha-wire.ts';
import type { EpochEntry, SlaveHello } from './ha-wire.ts';

/** Frames held while an apply runs before the socket pauses. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3000;

export interface ShardReplicaApi {
  state(shard: number): Promise<{ end: number; epochs: EpochEntry[] }>;
  truncate(shard: number, offset: number): Promise<void>;
  /** Applies bytes at offset; resolves with the new end (partial trailing record included). */
  apply(shard: number, offset: number, bytes: Buffer): Promise<number>;
}

export interface HaSlaveLinkOptions {
  shard: number;
  hello: Omit<SlaveHello, 'shard' | 'end' | 'epochs'>;
  replica: ShardReplicaApi;
  heartbeatIntervalMs: number;
  housekeepingMs: number;
  logger: Logger;
}

export class HaSlaveLink {
  readonly shard: number;
  masterAddr = '';
  /** Where this shard's log ends here, as last applied. */
  end = 0;
  connected = false;
  bytesReceived = 0;
  lastReadMs = 0;
  lastWriteMs = 0;
  masterEpoch = 0;
  private readonly options: HaSlaveLinkOptions;
  private socket: Socket | undefined;
  private readonly queue = new ByteQueue();
  private phase: 'hello' | 'stream' = 'hello';
  /** The offset the next frame must carry. */
  private expected = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingOffset = 0;
  private applying = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HaSlaveLinkOptions) {
    this.options = options;
    this.shard = options.shard;
  }

  /** Resolves when the connection ends (for any reason); the caller reconnects. */
  async run(masterAddr: string): Promise<void> {
    this.masterAddr = masterAddr;
    const { replica, shard } = this.options;
    const state = await replica.state(shard);
    this.end = state.end;
    const socket = await openSocket(masterAddr);
    this.socket = socket;
    this.connected = true;
    this.phase = 'hello';
    this.lastReadMs = Date.now();
    const hello: SlaveHello = {
      ...this.options.hello,
      shard,
      end: state.end,
      epochs: state.epochs,
    };
    socket.write(encodeHandshake(hello));
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', () => socket.destroy());
      socket.on('close', () => resolve());
    });
    this.stop();
  }

  stop(reason?: string): void {
    if (reason) this.options.logger.warn({ shard: this.shard, master: this.masterAddr }, reason);
    clearInterval(this.timer);
    this.connected = false;
    this.socket?.destroy();
    this.pending = [];
    this.pendingBytes = 0;
  }

  private onData(chunk: Buffer): void {
    this.lastReadMs = Date.now();
    this.bytesReceived += chunk.length;
    this.queue.push(chunk);
    try {
      if (this.phase === 'hello') {
        const message = takeHandshake(this.queue);
        if (message === undefined) return;
        this.socket!.pause();
        void this.accept(message).then(
          () => this.socket?.resume(),
          (error: unknown) =>
            this.stop(`replication handshake failed: ${(error as Error).message}`),
        );
        return;
      }
      this.takeFrames();
    } catch (error) {
      this.stop(`replication stream from the master broke: ${(error as Error).message}`);
    }
  }

  private async accept(message: unknown): Promise<void> {
    const welcome = parseWelcome(message);
    if (!welcome.ok) throw new HaProtocolError(`${welcome.code}: ${welcome.message}`);
    if (welcome.truncateTo !== undefined && welcome.truncateTo < this.end) {
      this.options.logger.warn(
        { shard: this.shard, from: this.end, to: welcome.truncateTo },
        'cutting the tail the master never had before following it',
      );
      await this.options.replica.truncate(this.shard, welcome.truncateTo);
      this.end = welcome.truncateTo;
    }
    this.masterEpoch = welcome.masterEpoch;
    this.expected = welcome.startOffset;
    this.phase = 'stream';
    this.report();
    this.takeFrames();
  }

  private takeFrames(): void {
    while (this.queue.length >= DATA_HEADER_BYTES) {
      const header = this.queue.peek(DATA_HEADER_BYTES);
      const offset = Number(header.readBigInt64BE(0));
      const length = header.readInt32BE(8);
      if (length < 0 || length > MAX_DATA_FRAME_BYTES)
        throw new HaProtocolError(`frame of ${length} bytes`);
      if (this.queue.length < DATA_HEADER_BYTES + length) break;
      if (offset !== this.expected)
        throw new HaProtocolError(`frame at ${offset}, expected ${this.expected}`);
      this.queue.take(DATA_HEADER_BYTES);
      if (length === 0) continue;
      const data = this.queue.take(length);
      if (this.pendingBytes === 0) this.pendingOffset = offset;
      this.pending.push(data);
      this.pendingBytes += length;
      this.expected += length;
    }
    if (this.pendingBytes >= MAX_QUEUED_BYTES) this.socket?.pause();
    this.applyNext();
  }

  private applyNext(): void {
    if (this.applying || this.pendingBytes === 0) return;
    const bytes = Buffer.allocUnsafeSlow(this.pendingBytes);
    let at = 0;
    for (const part of this.pending) at += part.copy(bytes, at);
    const offset = this.pendingOffset;
    this.pending = [];
    this.pendingBytes = 0;
    this.applying = true;
    this.socket?.resume();
    this.options.replica.apply(this.shard, offset, bytes).then(
      (end) => {
        this.applying = false;
        this.end = end;
        this.report();
        this.applyNext();
      },
      (error: unknown) => {
        this.applying = false;
        this.stop(`applying replicated bytes failed: ${(error as Error).message}`);
      },
    );
  }

  private report(): void {
    if (!this.connected || !this.socket) return;
    this.lastWriteMs = Date.now();
    this.socket.write(encodeReport(this.end));
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastReadMs > this.options.housekeepingMs) {
      this.stop(`nothing from the master for ${this.options.housekeepingMs} ms; reconnecting`);
      return;
    }
    if (this.phase === 'stream' && now - this.lastWriteMs >= this.options.heartbeatIntervalMs)
      this.report();
  }
}

function openSocket(address: string): Promise<Socket> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to ${address} timed out after ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const HELLO_BASE = { protocol: HA_PROTOCOL, version: HA_PROTOCOL_VERSION } as const;
