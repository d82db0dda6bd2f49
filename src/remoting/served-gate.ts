/**
 * The limits of a server's connection (see connection.ts): requests received and not yet
 * answered, responses queued, the partial frame and its deadline. Past a cap on queued response
 * bytes, requests in flight or their bytes, the socket is paused, so the peer's sends back up
 * into TCP instead of into our memory; reading resumes below half of every cap. A peer that
 * leaves responses queued over the cap too long, lets a frame trickle in past the frame
 * deadline, or would take the server's partial frames past their budget is closed.
 *
 * A connection also serves at most requestsPerTurn requests of what it has read in one
 * event-loop turn: the rest wait for the next turn with the socket not read meanwhile, so a
 * peer that pipelines hundreds of requests cannot make every other connection wait for all of
 * them to be handled first.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { RemotingCommand } from './command.ts';
import type { LimitCounters, RefusalReason } from './limit-counters.ts';

/** Memory held by partial frames, shared by every connection of one server. */
export class PartialFrameBudget {
  readonly limit: number;
  used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }
}

export interface ServedLimits {
  /** Queued response bytes past which the socket is paused. */
  maxQueuedResponseBytes: number;
  /** Close when queued bytes stay over maxQueuedResponseBytes this long. */
  backpressureTimeoutMs: number;
  /** Requests received and not yet answered past which the socket is paused. */
  maxInflight: number;
  /** Frame bytes of those requests (and reserve()s) past which the socket is paused. */
  maxInflightBytes: number;
  /** A frame must be whole this long after its first byte arrived. */
  frameTimeoutMs: number;
  /** Requests served per event-loop turn before the rest wait for the next one. */
  requestsPerTurn: number;
  partialFrames: PartialFrameBudget;
  counters: LimitCounters;
}

/** What the gate needs of its connection. */
export interface GatedConnection {
  readonly id: number;
  readonly remoteEndpoint: string;
  isClosed(): boolean;
  /** Serves frames decoded while paused; they may pause the gate again. */
  serveDeferred(frames: Buffer[]): void;
  destroy(): void;
}

export class ServedGate {
  readonly #limits: ServedLimits;
  readonly #socket: Socket;
  readonly #connection: GatedConnection;
  readonly #log: Logger;
  /** Requests received and not yet answered, with their frame (and reserved) bytes. */
  readonly #served = new Map<RemotingCommand, number>();
  #servedBytes = 0;
  /** Frames decoded while paused, served on resume (at most one socket read's worth). */
  #deferred: Buffer[] = [];
  #paused = false;
  #pausedAtMs = 0;
  /** Frames wait for the next turn (yieldTurn); the socket is not read meanwhile. */
  #yielded = false;
  /** When queued response bytes went over the cap; 0 while under it. */
  #queueOverSinceMs = 0;
  /** When the partial frame in the decoder got its first byte; 0 when there is none. */
  #partialSinceMs = 0;
  /** Bytes of this connection counted in the server's partial-frame budget. */
  #partialBytes = 0;
  /** Closed by one of these limits. */
  #limitClosed = false;

  constructor(limits: ServedLimits, socket: Socket, connection: GatedConnection, log: Logger) {
    this.#limits = limits;
    this.#socket = socket;
    this.#connection = connection;
    this.#log = log;
    socket.on('drain', () => {
      this.#checkQueue(Date.now());
      this.#maybeResume();
    });
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Frames decoded now must wait: the socket is paused or this turn's share is used. */
  get holding(): boolean {
    return this.#paused || this.#yielded;
  }

  get requestsPerTurn(): number {
    return this.#limits.requestsPerTurn;
  }

  /**
   * This turn's share of requests is served: frames from `from` on wait for the next turn
   * (setImmediate, after the other connections' reads and the actors' answers).
   */
  yieldTurn(frames: Buffer[], from: number): void {
    this.defer(frames, from);
    if (this.#yielded) return;
    this.#yielded = true;
    this.#limits.counters.turnYields++;
    this.#socket.pause();
    setImmediate(this.#nextTurn);
  }

  readonly #nextTurn = (): void => {
    this.#yielded = false;
    if (this.#connection.isClosed() || this.#paused) return;
    const deferred = this.#deferred;
    this.#deferred = [];
    this.#connection.serveDeferred(deferred);
    if (!this.#paused && !this.#yielded && !this.#connection.isClosed()) this.#socket.resume();
  };

  get inflight(): number {
    return this.#served.size;
  }

  get backlogged(): boolean {
    return this.#socket.writableLength > this.#limits.maxQueuedResponseBytes;
  }

  /** Paused, over the queue cap or closed by a limit: it held buffers worth reclaiming. */
  get wasOverCaps(): boolean {
    return this.#paused || this.#queueOverSinceMs > 0 || this.#limitClosed;
  }

  /** A request arrived: in flight until answered. */
  track(request: RemotingCommand, frameBytes: number): void {
    this.#served.set(request, frameBytes);
    this.#servedBytes += frameBytes;
  }

  reserve(request: RemotingCommand, bytes: number): void {
    const held = this.#served.get(request);
    if (held === undefined || !(bytes > 0)) return;
    this.#served.set(request, held + bytes);
    this.#servedBytes += bytes;
    this.maybePause();
  }

  /** A request leaves the in-flight count once answered (or parked, or one-way). */
  answered(request: RemotingCommand): void {
    const bytes = this.#served.get(request);
    if (bytes === undefined) return;
    this.#served.delete(request);
    this.#servedBytes -= bytes;
    if (this.#paused) this.#maybeResume();
  }

  /** Frames decoded while paused wait for the resume. */
  defer(frames: Buffer[], from: number): void {
    for (let i = from; i < frames.length; i++) this.#deferred.push(frames[i]!);
  }

  /** The connection closed: forget what it held. */
  release(): void {
    this.#served.clear();
    this.#servedBytes = 0;
    this.#deferred = [];
    this.#releasePartial();
  }

  /** A response was queued. */
  afterWrite(): void {
    this.#checkQueue(Date.now());
    this.maybePause();
  }

  /** Closes the connection for `reason`. */
  refuse(reason: RefusalReason, detail: Record<string, unknown>, message: string): void {
    this.#limits.counters.refuse(
      reason,
      { connection: this.#connection.id, remote: this.#connection.remoteEndpoint, ...detail },
      message,
    );
    this.#limitClosed = true;
    this.#connection.destroy();
  }

  /** Frame deadline, backpressure deadline and resume; true when it closed the connection. */
  sweep(nowMs: number): boolean {
    const limits = this.#limits;
    if (
      this.#partialSinceMs > 0 &&
      !this.#paused &&
      nowMs - this.#partialSinceMs >= limits.frameTimeoutMs
    ) {
      this.refuse(
        'frame_timeout',
        { bufferedBytes: this.#partialBytes },
        `closing a connection: a frame not whole ${limits.frameTimeoutMs} ms after its first byte (remotingFrameTimeoutMs)`,
      );
      return true;
    }
    this.#checkQueue(nowMs);
    if (
      this.#queueOverSinceMs > 0 &&
      nowMs - this.#queueOverSinceMs >= limits.backpressureTimeoutMs
    ) {
      this.refuse(
        'backpressure_timeout',
        { queuedBytes: this.#socket.writableLength },
        `closing a slow reader: responses queued over remotingMaxQueuedResponseBytes for ${limits.backpressureTimeoutMs} ms (remotingBackpressureTimeoutMs)`,
      );
      return true;
    }
    this.#maybeResume();
    return false;
  }

  /** Accounts the decoder's partial frame after a push; false when that closed us. */
  trackPartial(buffered: number, completedFrames: number): boolean {
    const budget = this.#limits.partialFrames;
    if (buffered === 0) {
      this.#releasePartial();
      return true;
    }
    // A completed frame means the partial one now held began in this chunk.
    if (this.#partialSinceMs === 0 || completedFrames > 0) this.#partialSinceMs = Date.now();
    budget.used += buffered - this.#partialBytes;
    this.#partialBytes = buffered;
    if (budget.used <= budget.limit) return true;
    this.refuse(
      'partial_frame_bytes',
      { bufferedBytes: buffered, serverPartialBytes: budget.used },
      `closing a connection: partial frames would pass ${budget.limit} bytes (remotingMaxPartialFrameBytes)`,
    );
    return false;
  }

  maybePause(): void {
    if (this.#paused || this.#connection.isClosed() || !this.#overCap()) return;
    this.#paused = true;
    this.#pausedAtMs = Date.now();
    this.#limits.counters.paused++;
    this.#socket.pause();
    this.#log.debug(
      {
        connection: this.#connection.id,
        remote: this.#connection.remoteEndpoint,
        queuedBytes: this.#socket.writableLength,
        inflight: this.#served.size,
        inflightBytes: this.#servedBytes,
      },
      'backpressure: not reading a peer over its caps',
    );
  }

  /** Starts or stops the backpressure clock from the bytes queued now. */
  #checkQueue(nowMs: number): void {
    if (!this.backlogged) this.#queueOverSinceMs = 0;
    else if (this.#queueOverSinceMs === 0) this.#queueOverSinceMs = nowMs;
  }

  #overCap(): boolean {
    const limits = this.#limits;
    return (
      this.#socket.writableLength > limits.maxQueuedResponseBytes ||
      this.#served.size >= limits.maxInflight ||
      this.#servedBytes > limits.maxInflightBytes
    );
  }

  #belowLowWater(): boolean {
    const limits = this.#limits;
    return (
      this.#socket.writableLength <= limits.maxQueuedResponseBytes / 2 &&
      this.#served.size <= limits.maxInflight / 2 &&
      this.#servedBytes <= limits.maxInflightBytes / 2
    );
  }

  #maybeResume(): void {
    if (!this.#paused || this.#connection.isClosed() || !this.#belowLowWater()) return;
    this.#paused = false;
    // The frame clock does not run while we are the ones not reading.
    if (this.#partialSinceMs > 0) this.#partialSinceMs += Date.now() - this.#pausedAtMs;
    // A turn already yielded serves what waits, in order, when it comes.
    if (this.#yielded) return;
    const deferred = this.#deferred;
    this.#deferred = [];
    this.#connection.serveDeferred(deferred);
    if (!this.#paused && !this.#yielded && !this.#connection.isClosed()) this.#socket.resume();
  }

  #releasePartial(): void {
    if (this.#partialBytes === 0) return;
    this.#limits.partialFrames.used -= this.#partialBytes;
    this.#partialBytes = 0;
    this.#partialSinceMs = 0;
  }
}
