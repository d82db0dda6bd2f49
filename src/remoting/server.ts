/**
 * The remoting server: accepts connections, routes requests by code to handlers and answers
 * per protocol/REMOTING.md 5 (see connection.ts for the per-connection rules). Two servers may
 * share one handler table: the broker serves the same codes on listenPort and listenPort - 2.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_INFLIGHT_REQUESTS,
  PartialFrameBudget,
  RemotingConnection,
} from './connection.ts';
import type { RequestHandler, ServedLimits } from './connection.ts';
import { RemotingError } from './errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.ts';
import { LimitCounters } from './limit-counters.ts';

/** What peers may hold (server-limits-config.ts names the config key of each). */
export interface RemotingServerLimits {
  /** Default 10000; connections beyond it are closed on accept. */
  maxConnections?: number;
  /** Default 1000 per peer IP address; beyond it the address's new connections are closed. */
  maxConnectionsPerAddress?: number;
  /** Per connection, default 4 MiB of queued responses; beyond it the socket is not read. */
  maxQueuedResponseBytes?: number;
  /** Per connection, default 64 MiB; beyond it the connection is closed as a slow reader. */
  maxPendingWriteBytes?: number;
  /** Default 10000: queued responses over maxQueuedResponseBytes this long close the peer. */
  backpressureTimeoutMs?: number;
  /** Per connection, default 256 requests received and unanswered; beyond it, not read. */
  maxServedInflight?: number;
  /** Per connection, default 16 MiB of those requests' frames (and reserve()s); beyond it, not read. */
  maxServedInflightBytes?: number;
  /** Default 30000: a frame must be whole this long after its first byte. */
  frameTimeoutMs?: number;
  /** Default 256 MiB of partial frames across the server's connections. */
  maxPartialFrameBytes?: number;
  /** Per connection, default 32 requests served per event-loop turn; the rest wait a turn. */
  requestsPerTurn?: number;
}

export interface RemotingServerOptions extends RemotingServerLimits {
  port: number;
  /** Default '0.0.0.0'. */
  host?: string;
  /** Default 16 MiB, as Java's frameMaxLength. */
  maxFrameBytes?: number;
  /** Close a connection without reads or writes for this long; default 120000, 0 disables. */
  idleTimeoutMs?: number;
  /** Server-to-client invoke() calls in flight per connection; default 65536. */
  maxInflightRequests?: number;
  logger: Logger;
  /** Names the server in logs, e.g. 'broker' or 'broker-vip'. */
  name?: string;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1000;
export const DEFAULT_MAX_QUEUED_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_BACKPRESSURE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_SERVED_INFLIGHT = 256;
export const DEFAULT_MAX_SERVED_INFLIGHT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_PARTIAL_FRAME_BYTES = 256 * 1024 * 1024;
export const DEFAULT_REQUESTS_PER_TURN = 32;
/** How long close() lets connections flush before it destroys them. */
const CLOSE_DRAIN_MS = 3000;

export class RemotingServer {
  readonly handlers: Map<number, RequestHandler>;
  readonly #options: Required<Omit<RemotingServerOptions, 'logger'>>;
  readonly #log: Logger;
  readonly #connections = new Set<RemotingConnection>();
  /** Open connections per peer address; an address leaves the map with its last one. */
  readonly #perAddress = new Map<string, number>();
  readonly #served: ServedLimits;
  readonly counters: LimitCounters;
  readonly #closeListeners: Array<(connection: RemotingConnection) => void> = [];
  readonly #handlerFor = (code: number): RequestHandler | undefined => this.handlers.get(code);
  #server: Server | undefined;
  #port = 0;
  #closing = false;

  constructor(options: RemotingServerOptions, handlers?: Map<number, RequestHandler>) {
    this.#options = {
      port: checkInteger('port', options.port, 0, 65535),
      host: options.host ?? '0.0.0.0',
      maxFrameBytes: checkInteger(
        'maxFrameBytes',
        options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        8,
        0x7fffffff,
      ),
      idleTimeoutMs: checkInteger(
        'idleTimeoutMs',
        options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      ),
      maxConnections: checkInteger(
        'maxConnections',
        options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
        1,
      ),
      maxPendingWriteBytes: checkInteger(
        'maxPendingWriteBytes',
        options.maxPendingWriteBytes ?? DEFAULT_MAX_PENDING_WRITE_BYTES,
        1,
      ),
      maxInflightRequests: checkInteger(
        'maxInflightRequests',
        options.maxInflightRequests ?? DEFAULT_MAX_INFLIGHT_REQUESTS,
        1,
      ),
      maxConnectionsPerAddress: checkInteger(
        'maxConnectionsPerAddress',
        options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        1,
      ),
      maxQueuedResponseBytes: checkInteger(
        'maxQueuedResponseBytes',
        options.maxQueuedResponseBytes ?? DEFAULT_MAX_QUEUED_RESPONSE_BYTES,
        1,
      ),
      backpressureTimeoutMs: checkInteger(
        'backpressureTimeoutMs',
        options.backpressureTimeoutMs ?? DEFAULT_BACKPRESSURE_TIMEOUT_MS,
        1,
      ),
      maxServedInflight: checkInteger(
        'maxServedInflight',
        options.maxServedInflight ?? DEFAULT_MAX_SERVED_INFLIGHT,
        1,
      ),
      maxServedInflightBytes: checkInteger(
        'maxServedInflightBytes',
        options.maxServedInflightBytes ?? DEFAULT_MAX_SERVED_INFLIGHT_BYTES,
        1,
      ),
      frameTimeoutMs: checkInteger(
        'frameTimeoutMs',
        options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
        1,
      ),
      maxPartialFrameBytes: checkInteger(
        'maxPartialFrameBytes',
        options.maxPartialFrameBytes ?? DEFAULT_MAX_PARTIAL_FRAME_BYTES,
        1,
      ),
      requestsPerTurn: checkInteger(
        'requestsPerTurn',
        options.requestsPerTurn ?? DEFAULT_REQUESTS_PER_TURN,
        1,
      ),
      name: options.name ?? 'remoting',
    };
    this.#log = options.logger.child({ component: 'remoting-server', server: this.#options.name });
    this.handlers = handlers ?? new Map();
    this.counters = new LimitCounters(this.#log);
    this.#served = {
      maxQueuedResponseBytes: this.#options.maxQueuedResponseBytes,
      backpressureTimeoutMs: this.#options.backpressureTimeoutMs,
      maxInflight: this.#options.maxServedInflight,
      maxInflightBytes: this.#options.maxServedInflightBytes,
      frameTimeoutMs: this.#options.frameTimeoutMs,
      requestsPerTurn: this.#options.requestsPerTurn,
      partialFrames: new PartialFrameBudget(this.#options.maxPartialFrameBytes),
      counters: this.counters,
    };
  }

  get name(): string {
    return this.#options.name;
  }

  /** Bytes of partly received frames held across this server's connections. */
  get partialFrameBytes(): number {
    return this.#served.partialFrames.used;
  }

  /** Connections not read right now because a per-connection cap was reached. */
  get pausedConnections(): number {
    let paused = 0;
    for (const connection of this.#connections) if (connection.paused) paused++;
    return paused;
  }

  registerHandler(code: number, handler: RequestHandler): void {
    this.handlers.set(code, handler);
  }

  /** Binds and resolves to the bound port (useful with port 0). */
  listen(): Promise<number> {
    if (this.#server !== undefined) {
      return Promise.reject(new Error(`server ${this.#options.name} is already listening`));
    }
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server = server;
    const { host, port } = this.#options;
    return new Promise<number>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.#server = undefined;
        reject(
          new RemotingError(
            'REMOTING_CONNECT',
            `cannot listen on ${host}:${port}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (error) => this.#log.error({ err: error }, 'server socket error'));
        const address = server.address();
        this.#port = typeof address === 'object' && address !== null ? address.port : port;
        this.#log.info({ host, port: this.#port }, 'listening');
        resolve(this.#port);
      });
    });
  }

  get port(): number {
    return this.#port;
  }

  onConnectionClose(listener: (connection: RemotingConnection) => void): void {
    this.#closeListeners.push(listener);
  }

  get connections(): ReadonlySet<RemotingConnection> {
    return this.#connections;
  }

  /** Stops accepting, flushes queued writes, ends every connection and waits for them. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const server = this.#server;
    const stopped =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    const closedAll = [...this.#connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.onClose(() => resolve());
          connection.close();
        }),
    );
    const drainTimer = setTimeout(() => {
      for (const connection of this.#connections) connection.destroy();
    }, CLOSE_DRAIN_MS);
    drainTimer.unref();
    await Promise.all([stopped, ...closedAll]);
    clearTimeout(drainTimer);
    this.#log.info({ port: this.#port }, 'closed');
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      this.#log.debug({ remote: socket.remoteAddress }, 'refusing a connection while closing');
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      this.counters.refuse(
        'max_connections',
        { remote: socket.remoteAddress, connections: this.#connections.size },
        `refusing a connection: ${this.#options.maxConnections} open (remotingMaxConnections)`,
      );
      socket.destroy();
      return;
    }
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (fromAddress >= this.#options.maxConnectionsPerAddress) {
      this.counters.refuse(
        'max_connections_per_address',
        { remote: address, connections: fromAddress },
        `refusing a connection: ${fromAddress} open from ${address} (remotingMaxConnectionsPerAddress)`,
      );
      socket.destroy();
      return;
    }
    this.#perAddress.set(address, fromAddress + 1);
    const connection = new RemotingConnection(socket, {
      logger: this.#log,
      maxFrameBytes: this.#options.maxFrameBytes,
      maxPendingWriteBytes: this.#options.maxPendingWriteBytes,
      idleTimeoutMs: this.#options.idleTimeoutMs,
      maxInflightRequests: this.#options.maxInflightRequests,
      handlerFor: this.#handlerFor,
      served: this.#served,
    });
    this.#connections.add(connection);
    this.#log.debug({ connection: connection.id, remote: connection.remoteEndpoint }, 'accepted');
    connection.onClose(() => this.#onConnectionClosed(connection, address));
  }

  #onConnectionClosed(connection: RemotingConnection, address: string): void {
    this.#connections.delete(connection);
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
    this.#log.debug({ connection: connection.id, remote: connection.remoteEndpoint }, 'closed');
    for (const listener of this.#closeListeners) {
      try {
        listener(connection);
      } catch (error) {
        this.#log.warn({ err: error }, 'connection close listener failed');
      }
    }
  }
}

function checkInteger(name: string, value: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`options.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}
