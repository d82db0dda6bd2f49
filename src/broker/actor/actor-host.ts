/**
 * The coordinator's side of the queue actors: starts the worker threads, writes send and pull
 * records into their request rings, and dispatches acks, pull results and arrival events read
 * from their response rings. Records written during one event-loop turn are published with
 * one wake-up per actor.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import type { ShardStoreOptions } from './actor-worker-data.ts';
import type { RingReader, RingWriter } from '../../ring/index.ts';
import { RingReader as Reader, RingWriter as Writer, createRingChannel } from '../../ring/index.ts';
import type { ActorApi } from './actor-main.ts';
import { relayActorLogs } from './actor-log-relay.ts';
import { startWorker } from '../worker-entry.ts';
import type { ActorControl, ShardReport } from './actor-control.ts';
import {
  ACTOR_READY_DEADLINE_MS,
  CONTROL_DEADLINES_MS,
  Lifeline,
  withDeadlines,
} from './control-deadlines.ts';
import { SendStatus } from './ring-records.ts';
import { registerThreadErrors } from './thread-errors.ts';
import { decodeResponse } from './response-decoder.ts';
import type { PullResult } from './pull-result-record.ts';
import type { SendAck } from './send-ack-record.ts';
import type { RingUsage } from './ring-usage.ts';
import { encodePull, pullRecordBytes, type PullRequest } from './pull-record.ts';
import { encodeSend, sendRecordBytes, type SendRequest } from './send-record.ts';
import { DEFAULT_ADMISSION_UNITS, FairAdmission, pullUnits, sendUnits } from './fair-admission.ts';
import { WrittenPositions, createWrittenPositions } from '../ha/written-positions.ts';

export const SHARD_OFFSET_BASE = 2 ** 48;
/** Responses dispatched per turn: a ring full of large pull results is not one long turn. */
const MAX_DISPATCH_RECORDS = 1024;
const MAX_DISPATCH_BYTES = 1024 * 1024;
const TERMINATE_DEADLINE_MS = 10_000;

export interface ActorHostOptions {
  threads: number;
  shards: number;
  storeOptionsFor: (shard: number) => ShardStoreOptions;
  logger: Logger;
  logLevel: string;
  /** Threads of each actor's SQL92 filter pool. */
  filterThreads?: number;
  ringBytes?: number;
  /** Requests waiting for admission, per actor, before new ones are refused. */
  maxQueuedRequests?: number;
  /** Unread work in an actor's ring past which requests wait their turn (fair-admission.ts). */
  admissionUnits?: number;
  /** Control-call deadlines by method name (`default` for the rest); CONTROL_DEADLINES_MS. */
  controlDeadlinesMs?: Readonly<Record<string, number>>;
  /** How long an actor may take to open its shards; ACTOR_READY_DEADLINE_MS. */
  readyDeadlineMs?: number;
}

/** A control plane whose calls all have deadlines (control-deadlines.ts). */
export type ActorControlRemote = Comlink.Remote<ActorControl>;

/** Why an actor's thread is gone, reported once per actor to onActorDeath listeners. */
export interface ActorDeath {
  actor: number;
  shards: number[];
  error: Error;
}

interface Pending {
  shard: number;
  onAck?: (ack: SendAck) => void;
  onPull?: (result: PullResult) => void;
  /** A pull's offset, so that a pull its actor never answers can be told to retry there. */
  queueOffset?: number;
  /** False when nobody will send a pull's records on (its peer is gone or not reading). */
  wantsData?: () => boolean;
}

interface Actor {
  index: number;
  worker: Worker;
  api: Comlink.Remote<ActorApi>;
  lifeline: Lifeline;
  control: ActorControlRemote;
  shards: number[];
  writer: RingWriter;
  reader: RingReader;
  /** Requests waiting to be written into the ring, per flow. */
  admission: FairAdmission;
  dead: boolean;
}

type ArrivalListener = (topic: string, queueId: number, maxOffset: number) => void;

export class ActorHost {
  private readonly actors: Actor[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly arrivalListeners: ArrivalListener[] = [];
  private readonly options: ActorHostOptions;
  private nextRequestId = 1;
  private publishScheduled = false;
  private readonly dirty = new Set<Actor>();
  private closed = false;
  private ringBytes = 0;
  private started = false;
  /** Whether the pull of a response's request id wants its records copied out of the ring. */
  private readonly wantsData = (requestId: number): boolean =>
    this.pending.get(requestId)?.wantsData?.() ?? true;
  private readonly deathListeners: Array<(death: ActorDeath) => void> = [];
  private readonly deaths: ActorDeath[] = [];
  reports: ShardReport[] = [];
  /** Each shard's written commit-log end, published by its actor (replication reads it). */
  readonly positions: WrittenPositions;
  private readonly positionsBuffer: SharedArrayBuffer;

  private constructor(options: ActorHostOptions) {
    this.options = options;
    this.positionsBuffer = createWrittenPositions(options.shards);
    this.positions = new WrittenPositions(this.positionsBuffer);
  }

  static async start(options: ActorHostOptions): Promise<ActorHost> {
    registerThreadErrors();
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

  /** A queue grew other than by a send through the rings (a slave applying the master's log). */
  arrived(topic: string, queueId: number, maxOffset: number): void {
    for (const listener of this.arrivalListeners) listener(topic, queueId, maxOffset);
  }

  /**
   * Called once per actor whose thread exits or fails while the host runs (not while it
   * closes). Its sends and pulls in flight are answered first (SERVICE_NOT_AVAILABLE, retry).
   */
  onActorDeath(listener: (death: ActorDeath) => void): void {
    this.deathListeners.push(listener);
    // A death before anyone listened (between start and the broker's wiring) is not lost.
    for (const death of this.deaths) listener(death);
  }

  /** The control plane of the actor hosting shard; every call has a deadline. */
  control(shard: number): ActorControlRemote {
    return this.actorOf(shard).control;
  }

  /** Every actor's control plane, for work that spans shards. */
  controls(): ActorControlRemote[] {
    return this.actors.map((actor) => actor.control);
  }

  /** The thread of actor index, for tests that need an actor to die. */
  threadOf(index: number): Worker {
    const actor = this.actors[index];
    if (actor === undefined) throw new RangeError(`no queue actor ${index}`);
    return actor.worker;
  }

  ringUsage(): RingUsage[] {
    return this.actors.map((actor) => ({
      actor: actor.index,
      capacityBytes: this.ringBytes,
      requestBytes: this.ringBytes - 1 - actor.writer.freeBytes,
      responseBytes: actor.reader.usedBytes,
      queuedRequests: actor.admission.waiting,
      waitingFlows: actor.admission.waitingFlows,
      unreadUnits: actor.admission.unreadUnits,
      deferredRequests: actor.admission.deferred,
    }));
  }

  /**
   * Queues a send; false when the broker is too busy or closing (answer SYSTEM_BUSY). `flow`
   * names where it came from (a connection's id; 0 for the broker's own work): requests of
   * different flows are admitted to an actor in turn.
   */
  send(request: SendRequest, onAck: (ack: SendAck) => void, flow = 0): boolean {
    const requestId = this.takeRequestId();
    const size = sendRecordBytes(request);
    const accepted = this.enqueue(
      this.actorOf(request.shard),
      flow,
      size,
      sendUnits(request.messages.length, size),
      (bytes, view, offset) => encodeSend(bytes, view, offset, request, requestId),
    );
    if (accepted) this.pending.set(requestId, { shard: request.shard, onAck });
    return accepted;
  }

  /** Queues a pull, as send() does. */
  pull(
    request: PullRequest,
    onPull: (result: PullResult) => void,
    flow = 0,
    wantsData?: () => boolean,
  ): boolean {
    const requestId = this.takeRequestId();
    const accepted = this.enqueue(
      this.actorOf(request.shard),
      flow,
      pullRecordBytes(request),
      pullUnits(request.maxBytes),
      (bytes, view, offset) => encodePull(bytes, view, offset, request, requestId),
    );
    if (accepted)
      this.pending.set(requestId, {
        shard: request.shard,
        onPull,
        queueOffset: request.queueOffset,
        wantsData,
      });
    return accepted;
  }

  /**
   * Waits (bounded) for in-flight requests, then closes every shard and thread; each close
   * call has its deadline (control-deadlines.ts), and threads are terminated after it.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline && this.actors.some((a) => !a.dead)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(
      this.actors.map(async (actor) => {
        try {
          if (!actor.dead) await actor.control.close();
        } catch (error) {
          this.options.logger.error({ err: error, actor: actor.index }, 'closing actor failed');
        }
        actor.lifeline.end(new Error('the actor host closed'));
        actor.api[Comlink.releaseProxy]();
        actor.reader.interruptWait();
        actor.writer.interruptWait();
        // A thread stuck in a system call cannot be interrupted; close still returns.
        const terminated = await Promise.race([
          actor.worker.terminate().then(() => true),
          new Promise<false>((resolve) =>
            setTimeout(resolve, TERMINATE_DEADLINE_MS, false).unref(),
          ),
        ]);
        if (!terminated)
          this.options.logger.error(
            { actor: actor.index },
            `queue actor thread did not stop within ${TERMINATE_DEADLINE_MS} ms`,
          );
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
    flow: number,
    size: number,
    units: number,
    write: (bytes: Uint8Array, view: DataView, offset: number) => void,
  ): boolean {
    if (this.closed || actor.dead || size > actor.writer.maxPayloadBytes) return false;
    return actor.admission.offer(flow, size, units, write);
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

  private async startActors(): Promise<void> {
    const { threads, shards } = this.options;
    const ringBytes = this.options.ringBytes ?? 16 * 1024 * 1024;
    this.ringBytes = ringBytes;
    const deadlines = this.options.controlDeadlinesMs ?? CONTROL_DEADLINES_MS;
    for (let index = 0; index < Math.min(threads, shards); index++) {
      const requests = createRingChannel(ringBytes);
      const responses = createRingChannel(ringBytes);
      const hosted = [];
      for (let shard = index; shard < shards; shard += threads) {
        hosted.push({ shard, options: this.options.storeOptionsFor(shard) });
      }
      const logs = new MessageChannel();
      relayActorLogs(logs.port1, this.options.logger);
      const worker = startWorker('queue-actor', {
        workerData: {
          actorIndex: index,
          shards: hosted,
          requests,
          responses,
          logLevel: this.options.logLevel,
          filterThreads: this.options.filterThreads ?? 1,
          logPort: logs.port2,
          writtenPositions: this.positionsBuffer,
        },
        transferList: [logs.port2],
      });
      const api = Comlink.wrap<ActorApi>(nodeEndpoint(worker));
      const lifeline = new Lifeline(index);
      const writer = new Writer(requests);
      const actor: Actor = {
        index,
        worker,
        api,
        lifeline,
        control: withDeadlines<ActorControl>(
          api.control as unknown as Comlink.Remote<ActorControl>,
          lifeline,
          deadlines,
        ),
        shards: hosted.map(({ shard }) => shard),
        writer,
        reader: new Reader(responses),
        admission: new FairAdmission(writer, {
          maxUnreadUnits: this.options.admissionUnits ?? DEFAULT_ADMISSION_UNITS,
          maxWaiting: this.options.maxQueuedRequests ?? 100_000,
          onWritten: () => this.markDirty(actor),
          stopped: () => actor.dead,
        }),
        dead: false,
      };
      worker.on('error', (error) => this.actorGone(actor, error));
      worker.on('exit', (code) =>
        this.actorGone(actor, new Error(`its thread exited with code ${code}`)),
      );
      this.actors.push(actor);
    }
    const readyDeadlineMs = this.options.readyDeadlineMs ?? ACTOR_READY_DEADLINE_MS;
    const reports = await Promise.all(
      this.actors.map((actor) => readyOrFailed(actor, readyDeadlineMs)),
    );
    this.reports = reports.flat();
    this.started = true;
    for (const actor of this.actors) void this.readLoop(actor);
  }

  /**
   * An actor's thread failed or exited. Calls in flight reject (Lifeline); once started, and
   * unless the host is closing, the actor's sends and pulls in flight are answered and the
   * death is reported, so that the broker can stop instead of running half alive.
   */
  private actorGone(actor: Actor, error: Error): void {
    if (actor.dead) return;
    actor.dead = true;
    actor.lifeline.end(error);
    if (!this.started || this.closed) return;
    this.options.logger.error(
      { err: error, actor: actor.index, shards: actor.shards },
      'queue actor thread died',
    );
    this.answerOrphans(actor, error);
    const death = { actor: actor.index, shards: actor.shards, error };
    this.deaths.push(death);
    for (const listener of this.deathListeners) {
      try {
        listener(death);
      } catch (failure) {
        this.options.logger.error({ err: failure }, 'actor death listener failed');
      }
    }
  }

  /** Answers what a dead actor will never answer: what it wrote before dying, then the rest. */
  private answerOrphans(actor: Actor, error: Error): void {
    try {
      actor.reader.drain(Number.MAX_SAFE_INTEGER, (bytes, view, offset) =>
        this.dispatch(bytes, view, offset),
      );
    } catch (failure) {
      this.options.logger.error({ err: failure, actor: actor.index }, 'response dispatch failed');
    }
    actor.admission.clear();
    const remark = `queue actor ${actor.index} stopped: ${error.message}`;
    for (const [requestId, pending] of this.pending) {
      if (this.actorOf(pending.shard) !== actor) continue;
      this.pending.delete(requestId);
      try {
        pending.onAck?.({
          status: SendStatus.SERVICE_NOT_AVAILABLE,
          firstQueueOffset: -1,
          physicalOffsets: [],
          remark,
        });
        pending.onPull?.({
          status: 'MESSAGE_WAS_REMOVING',
          nextBeginOffset: pending.queueOffset ?? 0,
          minOffset: 0,
          maxOffset: 0,
          messageCount: 0,
          data: undefined,
        });
      } catch (failure) {
        this.options.logger.error({ err: failure, actor: actor.index }, 'response dispatch failed');
      }
    }
  }

  private dispatch(bytes: Uint8Array, view: DataView, offset: number): void {
    const response = decodeResponse(bytes, view, offset, this.wantsData);
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
  }

  private async readLoop(actor: Actor): Promise<void> {
    const visit = (bytes: Uint8Array, view: DataView, offset: number): void =>
      this.dispatch(bytes, view, offset);
    while (!actor.dead && !(this.closed && this.pending.size === 0)) {
      try {
        if (!actor.reader.hasData()) await actor.reader.waitForData(1000);
        actor.reader.drain(MAX_DISPATCH_RECORDS, visit, MAX_DISPATCH_BYTES);
      } catch (error) {
        this.options.logger.error({ err: error, actor: actor.index }, 'response dispatch failed');
      }
      // Sockets and timers run between drains, so a busy actor cannot starve the network.
      if (actor.reader.hasData()) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * The actor's start report, or a rejection if its thread fails or exits first or it does not
 * open its shards in time. The rejection keeps the actor's error fields (a StoreError's code
 * and option) and names the actor.
 */
async function readyOrFailed(
  actor: Actor,
  deadlineMs: number,
): Promise<Awaited<ReturnType<ActorApi['ready']>>> {
  try {
    return await actor.lifeline.call('ready', deadlineMs, () => actor.api.ready());
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw Object.assign(
      new Error(`queue actor ${actor.index} failed to start: ${cause.message}`, { cause }),
      pickFields(cause),
    );
  }
}

function pickFields(error: Error): Record<string, unknown> {
  const source = error as unknown as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const field of ['code', 'option', 'existing']) {
    if (source[field] !== undefined) fields[field] = source[field];
  }
  return fields;
}
