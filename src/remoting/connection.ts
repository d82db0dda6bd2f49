/**
 * One remoting connection, used by both the server and the client: both sides may send
 * requests on it (protocol/REMOTING.md 1, 5.8). Incoming frames are decoded in the 'data'
 * callback; requests go to a handler, responses settle the invoke() with the same opaque.
 *
 * Writes are batched per event-loop turn: the first write of a turn corks the socket and a
 * process.nextTick uncorks it, so a burst of responses leaves in one writev. Call timeouts and
 * the idle check ride the shared coarse timer (sweeper.ts).
 *
 * A frame that cannot be decoded closes this connection only; nothing thrown by a peer's bytes
 * or by a handler escapes into the event loop.
 *
 * A server's connection also has the limits of served-gate.ts: backpressure on queued responses
 * and requests in flight, the frame deadline and the server's partial-frame budget.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { createResponse, FLAG_ONEWAY, FLAG_RESPONSE, isOneway, isResponse } from './command.ts';
import type { RemotingCommand } from './command.ts';
import { ResponseCode } from './codes.ts';
import { RemotingError } from './errors.ts';
import { decodeCommand, encodeFrameParts, FrameDecoder } from './frame-codec.ts';
import { scheduleReclaim } from './reclaim.ts';
import { ServedGate } from './served-gate.ts';
import type { ServedLimits } from './served-gate.ts';

export { PartialFrameBudget } from './served-gate.ts';
export type { ServedLimits } from './served-gate.ts';
import { unwatch, watch } from './sweeper.ts';
import type { Sweepable } from './sweeper.ts';

export type RequestHandler = (
  request: RemotingCommand,
  connection: RemotingConnection,
) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;

export interface ConnectionOptions {
  logger: Logger;
  maxFrameBytes: number;
  /** Bytes queued in the socket beyond which the peer is closed as a slow reader. */
  maxPendingWriteBytes: number;
  /** Close after this long without a read or a write; 0 disables. */
  idleTimeoutMs: number;
  /** invoke() calls awaiting a response, at most. */
  maxInflightRequests: number;
  /** The handler for a request code; undefined answers REQUEST_CODE_NOT_SUPPORTED. */
  handlerFor: (code: number) => RequestHandler | undefined;
  /** Limits of a server's connection; a client's connection has none. */
  served?: ServedLimits;
}

export const DEFAULT_MAX_INFLIGHT_REQUESTS = 65_536;
const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** How long close() waits for queued bytes to drain before dropping them. */
const CLOSE_FLUSH_MS = 2000;

interface PendingCall {
  resolve: (response: RemotingCommand) => void;
  reject: (error: RemotingError) => void;
  deadlineMs: number;
  timeoutMs: number;
  code: number;
}

let nextConnectionId = 1;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RemotingConnection implements Sweepable {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  /** "ip:port" of the peer, as RocketMQ names a channel. */
  readonly remoteEndpoint: string;
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #options: ConnectionOptions;
  readonly #log: Logger;
  readonly #pending = new Map<number, PendingCall>();
  readonly #closeListeners: Array<(connection: RemotingConnection) => void> = [];
  #nextOpaque = 1;
  #closed = false;
  #closeEmitted = false;
  #corked = false;
  #active = true;
  #lastActiveMs = Date.now();
  readonly #gate: ServedGate | undefined;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.id = nextConnectionId++;
    this.#socket = socket;
    this.#options = options;
    this.#log = options.logger;
    this.#decoder = new FrameDecoder(options.maxFrameBytes);
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    this.remoteEndpoint = `${this.remoteAddress}:${this.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#onSocketError(error));
    socket.on('close', () => this.#onSocketClose());
    this.#gate =
      options.served === undefined
        ? undefined
        : new ServedGate(
            options.served,
            socket,
            {
              id: this.id,
              remoteEndpoint: this.remoteEndpoint,
              isClosed: () => this.#closed,
              serveDeferred: (frames) => this.#serveFrames(frames, 0),
              destroy: () => this.destroy(),
            },
            this.#log,
          );
    watch(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** invoke() calls awaiting their response. */
  get inflightRequests(): number {
    return this.#pending.size;
  }

  /** Requests from the peer received and not yet answered. */
  get servedInflight(): number {
    return this.#gate?.inflight ?? 0;
  }

  /**
   * True while responses queued to the peer are over maxQueuedResponseBytes: a handler whose
   * answer may be large (a pull) should answer small instead, or what it adds only waits.
   */
  get backlogged(): boolean {
    return this.#gate?.backlogged ?? false;
  }

  /** True while the socket is not read because a per-connection cap was reached. */
  get paused(): boolean {
    return this.#gate?.paused ?? false;
  }

  /**
   * Counts `bytes` more against the in-flight bytes of `request` until it is answered: a
   * handler whose answer may be large (a pull) reserves its size, so one connection cannot
   * queue more such work than the cap allows.
   */
  reserve(request: RemotingCommand, bytes: number): void {
    this.#gate?.reserve(request, bytes);
  }

  /**
   * Takes an unanswered request out of the in-flight count while it is parked (a long-polling
   * pull): it costs no work until woken, and bounding it is its holder's job.
   */
  park(request: RemotingCommand): void {
    this.#gate?.answered(request);
  }

  /** Calls `listener` once the socket has closed (at once if it already has). */
  onClose(listener: (connection: RemotingConnection) => void): void {
    if (this.#closeEmitted) queueMicrotask(() => listener(this));
    else this.#closeListeners.push(listener);
  }

  /** Sends `response` to `request`; nothing for a one-way request or a closed connection. */
  respond(request: RemotingCommand, response: RemotingCommand): void {
    if (this.#closed || isOneway(request)) {
      this.#gate?.answered(request);
      return;
    }
    response.opaque = request.opaque;
    response.flag |= FLAG_RESPONSE;
    response.serializeType = request.serializeType;
    let parts: Buffer[];
    try {
      parts = encodeFrameParts(response);
    } catch (error) {
      this.#log.warn({ err: error, code: request.code }, 'response could not be encoded');
      const remark = `response could not be encoded: ${errorMessage(error)}`;
      parts = encodeFrameParts(createResponse(request, ResponseCode.SYSTEM_ERROR, remark));
    }
    this.#write(parts);
    this.#gate?.answered(request);
  }

  /** A request to the peer; settles with its response or REMOTING_TIMEOUT/CLOSED/SEND. */
  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#pending.size >= this.#options.maxInflightRequests) {
      return Promise.reject(
        new RemotingError(
          'REMOTING_SEND',
          `${this.#pending.size} requests already in flight to ${this.remoteEndpoint}`,
        ),
      );
    }
    const opaque = this.#takeOpaque();
    request.opaque = opaque;
    request.flag &= ~(FLAG_RESPONSE | FLAG_ONEWAY);
    let parts: Buffer[];
    try {
      parts = encodeFrameParts(request);
    } catch (error) {
      return Promise.reject(sendError(error));
    }
    // NaN or negative times out at the next sweep; nothing waits longer than MAX_TIMEOUT_MS.
    const boundedMs = timeoutMs > 0 ? Math.min(timeoutMs, MAX_TIMEOUT_MS) : 0;
    return new Promise<RemotingCommand>((resolve, reject) => {
      const deadlineMs = Date.now() + boundedMs;
      this.#pending.set(opaque, { resolve, reject, deadlineMs, timeoutMs, code: request.code });
      this.#write(parts);
    });
  }

  /** A one-way request: no response is expected or matched. Dropped when closed. */
  invokeOneway(request: RemotingCommand): void {
    if (this.#closed) return;
    this.#write(this.#encodeOneway(request));
  }

  /** invokeOneway that settles once the bytes are handed to the kernel. */
  sendOneway(request: RemotingCommand): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    let parts: Buffer[];
    try {
      parts = this.#encodeOneway(request);
    } catch (error) {
      return Promise.reject(sendError(error));
    }
    return new Promise<void>((resolve, reject) => {
      this.#write(parts, (error) => {
        if (error) reject(new RemotingError('REMOTING_SEND', error.message, { cause: error }));
        else resolve();
      });
    });
  }

  /** Flushes what is queued, then closes; pending calls fail with REMOTING_CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending();
    this.#gate?.release();
    this.#uncork();
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.destroySoon();
    setTimeout(() => socket.destroy(), CLOSE_FLUSH_MS).unref();
  }

  /** Closes at once, dropping queued bytes. */
  destroy(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#failPending();
      this.#gate?.release();
    }
    this.#socket.destroy();
  }

  sweep(nowMs: number): void {
    if (this.#active) {
      this.#active = false;
      this.#lastActiveMs = nowMs;
    } else if (
      this.#options.idleTimeoutMs > 0 &&
      nowMs - this.#lastActiveMs >= this.#options.idleTimeoutMs &&
      !this.#closed
    ) {
      this.#log.debug({ connection: this.id, remote: this.remoteEndpoint }, 'closing idle');
      this.close();
      return;
    }
    if (this.#gate !== undefined && !this.#closed && this.#gate.sweep(nowMs)) return;
    if (this.#pending.size === 0) return;
    for (const [opaque, call] of this.#pending) {
      if (call.deadlineMs > nowMs) continue;
      this.#pending.delete(opaque);
      call.reject(
        new RemotingError(
          'REMOTING_TIMEOUT',
          `request code ${call.code} to ${this.remoteEndpoint} timed out after ${call.timeoutMs} ms`,
        ),
      );
    }
  }

  #encodeOneway(request: RemotingCommand): Buffer[] {
    request.opaque = this.#takeOpaque();
    request.flag = (request.flag & ~FLAG_RESPONSE) | FLAG_ONEWAY;
    return encodeFrameParts(request);
  }

  /** Positive 31-bit opaques: the C++ client masks the sign bit, ali-ons never expects 0. */
  #takeOpaque(): number {
    let opaque = this.#nextOpaque;
    while (this.#pending.has(opaque)) opaque = opaque === 0x7fffffff ? 1 : opaque + 1;
    this.#nextOpaque = opaque === 0x7fffffff ? 1 : opaque + 1;
    return opaque;
  }

  #write(parts: Buffer[], onWritten?: (error?: Error | null) => void): void {
    const socket = this.#socket;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(this.#uncorkTick);
    }
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) socket.write(parts[i]!);
    if (onWritten === undefined) socket.write(parts[last]!);
    else socket.write(parts[last]!, onWritten);
    this.#active = true;
    if (socket.writableLength > this.#options.maxPendingWriteBytes) {
      const detail = { queuedBytes: socket.writableLength };
      if (this.#gate === undefined) {
        this.#log.warn(
          { connection: this.id, remote: this.remoteEndpoint, ...detail },
          'closing a slow reader: write queue over its limit',
        );
        this.destroy();
      } else {
        this.#gate.refuse(
          'queued_response_bytes',
          detail,
          `closing a slow reader: queued responses over ${this.#options.maxPendingWriteBytes} bytes (remotingCloseQueuedResponseBytes)`,
        );
      }
      return;
    }
    this.#gate?.afterWrite();
  }

  readonly #uncorkTick = (): void => this.#uncork();

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#active = true;
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#protocolError(error);
      return;
    }
    const gate = this.#gate;
    if (gate !== undefined) {
      if (!gate.trackPartial(this.#decoder.bufferedBytes, frames.length)) return;
      if (gate.holding) {
        gate.defer(frames, 0);
        return;
      }
    }
    this.#serveFrames(frames, 0);
  }

  /** Serves frames from `start` on; the rest wait for the resume (a cap) or the next turn. */
  #serveFrames(frames: Buffer[], start: number): void {
    const gate = this.#gate;
    const end = Math.min(frames.length, start + (gate?.requestsPerTurn ?? frames.length));
    for (let i = start; i < end; i++) {
      const frame = frames[i]!;
      let command: RemotingCommand;
      try {
        command = decodeCommand(frame);
      } catch (error) {
        this.#protocolError(error);
        return;
      }
      if (isResponse(command)) this.#onResponse(command);
      else this.#onRequest(command, frame.length);
      if (this.#closed) return;
      if (gate !== undefined) {
        gate.maybePause();
        if (gate.paused) {
          gate.defer(frames, i + 1);
          return;
        }
      }
    }
    if (end < frames.length) gate!.yieldTurn(frames, end);
  }

  #protocolError(error: unknown): void {
    this.#log.warn(
      { connection: this.id, remote: this.remoteEndpoint, err: error },
      `closing connection: ${errorMessage(error)}`,
    );
    this.destroy();
  }

  #onResponse(response: RemotingCommand): void {
    const call = this.#pending.get(response.opaque);
    if (call === undefined) return; // late (timed out) or unknown: dropped, as Java does
    this.#pending.delete(response.opaque);
    call.resolve(response);
  }

  #onRequest(request: RemotingCommand, frameBytes: number): void {
    this.#gate?.track(request, frameBytes);
    const handler = this.#options.handlerFor(request.code);
    if (handler === undefined) {
      const remark = ` request type ${request.code} not supported`;
      this.respond(
        request,
        createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, remark),
      );
      return;
    }
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(request, this);
    } catch (error) {
      this.#handlerFailed(request, error);
      return;
    }
    if (result === undefined) {
      // A request handler returning nothing answers later; a one-way request is done.
      if (isOneway(request)) this.#gate?.answered(request);
      return;
    }
    if (typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<RemotingCommand | undefined>).then(
        (response) => {
          if (response !== undefined) this.respond(request, response);
          else this.#gate?.answered(request);
        },
        (error: unknown) => this.#handlerFailed(request, error),
      );
      return;
    }
    this.respond(request, result as RemotingCommand);
  }

  #handlerFailed(request: RemotingCommand, error: unknown): void {
    if (error instanceof RemotingError) {
      this.#log.debug({ code: request.code, err: error }, 'request handler refused a request');
    } else {
      this.#log.warn({ code: request.code, err: error }, 'request handler failed');
    }
    const remark = errorMessage(error);
    this.respond(request, createResponse(request, ResponseCode.SYSTEM_ERROR, remark));
  }

  #closedError(): RemotingError {
    return new RemotingError('REMOTING_CLOSED', `connection to ${this.remoteEndpoint} is closed`);
  }

  #failPending(): void {
    if (this.#pending.size === 0) return;
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of calls) call.reject(this.#closedError());
  }

  #onSocketError(error: Error): void {
    this.#log.debug({ connection: this.id, remote: this.remoteEndpoint, err: error }, 'socket');
  }

  #onSocketClose(): void {
    // What a peer over its caps leaves behind is worth a collection (reclaim.ts).
    if (this.#gate?.wasOverCaps === true) scheduleReclaim();
    this.#closed = true;
    this.#corked = false;
    this.#failPending();
    this.#gate?.release();
    unwatch(this);
    this.#closeEmitted = true;
    const listeners = this.#closeListeners.splice(0);
    for (const listener of listeners) {
      try {
        listener(this);
      } catch (error) {
        this.#log.warn({ err: error }, 'connection close listener failed');
      }
    }
  }
}

function sendError(error: unknown): RemotingError {
  if (error instanceof RemotingError) return error;
  return new RemotingError('REMOTING_SEND', errorMessage(error), { cause: error });
}
