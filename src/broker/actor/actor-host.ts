/**
 * The coordinator's side of the queue actors: starts the worker threads, writes send and pull
 * records into their request rings, and dispatches acks, pull results and arrival events read
 * from their response rings. Records written during one event-loop turn are published with
 * one wake-up per actor.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import type { ShardStoreOptions } from './actor-worker-data.ts';
import type { RingReader, RingWriter } from '../ring/index.ts';
import { RingReader as Reader, RingWriter as Writer, createRingChannel } from '../ring/index.ts';
import type { ActorApi } from './actor-main.ts';
import { relayActorLogs } from './actor-log-relay.ts';
import { workerExecArgv } from '../worker-exec-argv.ts';
import type { ShardReport } from './actor-control.ts';
import { decodeResponse } from './response-decoder.ts';
import type { PullResult, SendAck } from './response-decoder.ts';
import { encodePull, encodeSend, pullRecordBytes, sendRecordBytes } from './request-encoder.ts';
import type { PullRequest, SendRequest } from './request-encoder.ts';

export const SHARD_OFFSET_BASE = 2 ** 48;

export interface ActorHostOptions {
  threads: number;
  shards: number;
  storeOptionsFor: (shard: number) => ShardStoreOptions;
  logger: Logger;
  logLevel: string;
  ringBytes?: number;
  /** Requests waiting for ring space, per actor, before new ones are refused. */
  maxQueuedRequests?: number;
}

/** One actor's rings as the coordinator sees them now, for /metrics. */
export interface RingUsage {
  actor: number;
  capacityBytes: number;
  /** Written (published or not) and not yet released by the actor. */
  requestBytes: number;
  /** Published by the actor and not yet read here. */
  responseBytes: number;
  /** Requests waiting for request-ring space. */
  queuedRequests: number;
}

interface Pending {
  shard: number;
  onAck?: (ack: SendAck) => void;
  onPull?: (result: PullResult) => void;
}

interface Actor {
  index: number;
  worker: Worker;
  api: Comlink.Remote<ActorApi>;
  writer: RingWriter;
  reader: RingReader;
  /** Encoded-later requests waiting for ring space, in arrival order. */
  overflow: Array<{
    size: number;
    write: (bytes: Uint8Array, view: DataView, offset: number) => void;
  }>;
  waitingForSpace: boolean;
  dead: boolean;
}

export class ActorHost {
  private readonly actors: Actor[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly arrivalListeners: Array<
    (topic: string, queueId: number, maxOffset: number) => void
  > = [];
  private readonly options: ActorHostOptions;
  private nextRequestId = 1;
  private publishScheduled = false;
  private readonly dirty = new Set<Actor>();
  private closed = false;
  private ringBytes = 0;
  reports: ShardReport[] = [];

  private constructor(options: ActorHostOptions) {
    this.options = options;
  }

  static async start(options: ActorHostOptions): Promise<ActorHost> {
    const host = new ActorHost(options);
    try {
      await host.startActors();
    } catch (error) {
      await host.close();
      throw error;
    }
    return host;
  }

  get actorCount(): number {
    return this.actors.length;
  }

  get maxRecordBytes(): number {
    return this.actors[0]?.writer.maxPayloadBytes ?? 0;
  }

  get inflight(): number {
    return this.pending.size;
  }

  onArrival(listener: (topic: string, queueId: number, maxOffset: number) => void): void {
    this.arrivalListeners.push(listener);
  }

  /** The control plane of the actor hosting shard. */
  control(shard: number): Comlink.Remote<ActorApi>['control'] {
    return this.actorOf(shard).api.control;
  }

  /** Every actor's control plane, for work that spans shards. */
  controls(): Array<Comlink.Remote<ActorApi>['control']> {
    return this.actors.map((actor) => actor.api.control);
  }

  ringUsage(): RingUsage[] {
    return this.actors.map((actor) => ({
      actor: actor.index,
      capacityBytes: this.ringBytes,
      requestBytes: this.ringBytes - 1 - actor.writer.freeBytes,
      responseBytes: actor.reader.usedBytes,
      queuedRequests: actor.overflow.length,
    }));
  }

  /** Queues a send; false when the broker is too busy or closing (answer SYSTEM_BUSY). */
  send(request: SendRequest, onAck: (ack: SendAck) => void): boolean {
    const requestId = this.takeRequestId();
    const size = sendRecordBytes(request);
    const accepted = this.enqueue(this.actorOf(request.shard), size, (bytes, view, offset) =>
      encodeSend(bytes, view, offset, request, requestId),
    );
    if (accepted) this.pending.set(requestId, { shard: request.shard, onAck });
    return accepted;
  }

  pull(request: PullRequest, onPull: (result: PullResult) => void): boolean {
    const requestId = this.takeRequestId();
    const accepted = this.enqueue(
      this.actorOf(request.shard),
      pullRecordBytes(request),
      (bytes, view, offset) => encodePull(bytes, view, offset, request, requestId),
    );
    if (accepted) this.pending.set(requestId, { shard: request.shard, onPull });
    return accepted;
  }

  /** Waits (bounded) for in-flight requests, then closes every shard and thread. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(
      this.actors.map(async (actor) => {
        try {
          if (!actor.dead) await actor.api.control.close();
        } catch (error) {
          this.options.logger.error({ err: error, actor: actor.index }, 'closing actor failed');
        }
        actor.api[Comlink.releaseProxy]();
        actor.reader.interruptWait();
        actor.writer.interruptWait();
        await actor.worker.terminate();
      }),
    );
  }

  private actorOf(shard: number): Actor {
    return this.actors[shard % this.actors.length]!;
  }

  private takeRequestId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = id >= 0xfffffff0 ? 1 : id + 1;
    return id;
  }

  private enqueue(
    actor: Actor,
    size: number,
    write: (bytes: Uint8Array, view: DataView, offset: number) => void,
  ): boolean {
    if (this.closed || actor.dead || size > actor.writer.maxPayloadBytes) return false;
    if (actor.overflow.length === 0 && actor.writer.tryWrite(size, write)) {
      this.markDirty(actor);
      return true;
    }
    if (actor.overflow.length >= (this.options.maxQueuedRequests ?? 100_000)) return false;
    actor.overflow.push({ size, write });
    this.waitForSpace(actor);
    return true;
  }

  private markDirty(actor: Actor): void {
    this.dirty.add(actor);
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    process.nextTick(() => {
      this.publishScheduled = false;
      for (const dirty of this.dirty) dirty.writer.publish();
      this.dirty.clear();
    });
  }

  private waitForSpace(actor: Actor): void {
    if (actor.waitingForSpace) return;
    actor.waitingForSpace = true;
    const retry = (): void => {
      let written = 0;
      for (const next of actor.overflow) {
        if (!actor.writer.tryWrite(next.size, next.write)) break;
        written++;
      }
      actor.overflow.splice(0, written);
      if (written > 0) actor.writer.publish();
      if (actor.overflow.length === 0 || this.closed) {
        actor.waitingForSpace = false;
        return;
      }
      actor.writer.waitForSpace().then(retry, () => (actor.waitingForSpace = false));
    };
    actor.writer.waitForSpace().then(retry, () => (actor.waitingForSpace = false));
  }

  private async startActors(): Promise<void> {
    const { threads, shards } = this.options;
    const ringBytes = this.options.ringBytes ?? 16 * 1024 * 1024;
    this.ringBytes = ringBytes;
    for (let index = 0; index < Math.min(threads, shards); index++) {
      const requests = createRingChannel(ringBytes);
      const responses = createRingChannel(ringBytes);
      const hosted = [];
      for (let shard = index; shard < shards; shard += threads) {
        hosted.push({ shard, options: this.options.storeOptionsFor(shard) });
      }
      const logs = new MessageChannel();
      relayActorLogs(logs.port1, this.options.logger);
      const worker = new Worker(new URL('../../../workers/queue-actor.mjs', import.meta.url), {
        workerData: {
          actorIndex: index,
          shards: hosted,
          requests,
          responses,
          logLevel: this.options.logLevel,
          logPort: logs.port2,
        },
        transferList: [logs.port2],
        execArgv: workerExecArgv(),
      });
      const actor: Actor = {
        index,
        worker,
        api: Comlink.wrap<ActorApi>(nodeEndpoint(worker)),
        writer: new Writer(requests),
        reader: new Reader(responses),
        overflow: [],
        waitingForSpace: false,
        dead: false,
      };
      worker.on('error', (error) => {
        actor.dead = true;
        this.options.logger.error({ err: error, actor: index }, 'queue actor thread failed');
      });
      worker.on('exit', () => {
        actor.dead = true;
      });
      this.actors.push(actor);
    }
    const reports = await Promise.all(this.actors.map((actor) => readyOrFailed(actor)));
    this.reports = reports.flat();
    for (const actor of this.actors) void this.readLoop(actor);
  }

  private async readLoop(actor: Actor): Promise<void> {
    const visit = (bytes: Uint8Array, view: DataView, offset: number): void => {
      const response = decodeResponse(bytes, view, offset);
      if (response.kind === 'arrival') {
        for (const listener of this.arrivalListeners)
          listener(response.topic, response.queueId, response.maxOffset);
        return;
      }
      const pending = this.pending.get(response.requestId);
      if (!pending) return;
      this.pending.delete(response.requestId);
      if (response.kind === 'ack') {
        const base = pending.shard * SHARD_OFFSET_BASE;
        const offsets = response.ack.physicalOffsets;
        for (let i = 0; i < offsets.length; i++) offsets[i] = offsets[i]! + base;
        pending.onAck?.(response.ack);
      } else pending.onPull?.(response.result);
    };
    while (!actor.dead && !(this.closed && this.pending.size === 0)) {
      try {
        if (!actor.reader.hasData()) await actor.reader.waitForData(1000);
        actor.reader.drain(1024, visit);
      } catch (error) {
        this.options.logger.error({ err: error, actor: actor.index }, 'response dispatch failed');
      }
      // Sockets and timers run between drains, so a busy actor cannot starve the network.
      if (actor.reader.hasData()) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** The actor's start report, or a rejection if its thread fails or exits first. */
function readyOrFailed(actor: Actor): ReturnType<ActorApi['ready']> {
  return new Promise((resolve, reject) => {
    const failed = (error: unknown): void =>
      reject(
        new Error(
          `queue actor ${actor.index} failed to start: ${String((error as Error)?.message ?? error)}`,
        ),
      );
    const exited = (code: number): void => failed(new Error(`its thread exited with code ${code}`));
    actor.worker.once('error', failed);
    actor.worker.once('exit', exited);
    actor.api.ready().then((report) => {
      actor.worker.off('error', failed);
      actor.worker.off('exit', exited);
      resolve(report);
    }, failed);
  });
}
