/**
 * The remoting client: one lazily opened connection per "host:port", shared by every call to
 * that address (concurrent first calls share one connect), reopened on the next call after it
 * closes. Requests the server sends on it (NOTIFY_CONSUMER_IDS_CHANGED, …) go to onRequest.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { RemotingCommand } from './command.ts';
import { DEFAULT_MAX_INFLIGHT_REQUESTS, RemotingConnection } from './connection.ts';
import type { RequestHandler } from './connection.ts';
import { RemotingError } from './errors.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.ts';

export interface RemotingClientOptions {
  logger: Logger;
  /** Default 3000. */
  connectTimeoutMs?: number;
  /** Default 16 MiB. */
  maxFrameBytes?: number;
  /** Server-initiated requests; without it they are answered REQUEST_CODE_NOT_SUPPORTED. */
  onRequest?: RequestHandler;
  /** Close a connection without reads or writes for this long; default 120000, 0 disables. */
  idleTimeoutMs?: number;
  /** Per connection, default 64 MiB. */
  maxPendingWriteBytes?: number;
  /** Calls awaiting a response per connection; default 65536. */
  maxInflightRequests?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

/** Splits "host:port" or "[v6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RemotingError('REMOTING_CONNECT', `invalid address "${address}", want host:port`);
  }
  return { host, port };
}

export class RemotingClient {
  readonly #options: RemotingClientOptions;
  readonly #log: Logger;
  readonly #connections = new Map<string, RemotingConnection>();
  readonly #connecting = new Map<string, Promise<RemotingConnection>>();
  readonly #handlerFor: (code: number) => RequestHandler | undefined;
  #closed = false;

  constructor(options: RemotingClientOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'remoting-client' });
    const onRequest = options.onRequest;
    this.#handlerFor = () => onRequest;
  }

  invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const open = this.#connections.get(address);
    if (open !== undefined && !open.closed) return open.invoke(request, timeoutMs);
    return this.#invokeAfterConnect(address, request, timeoutMs);
  }

  /** Resolves once the request is written to the socket. */
  async invokeOneway(address: string, request: RemotingCommand): Promise<void> {
    const connection = await this.#connection(address);
    await connection.sendOneway(request);
  }

  /** Closes every connection; pending and later calls fail with REMOTING_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#connecting.values()]);
    const closing = [...this.#connections.values()].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.onClose(() => resolve());
          connection.close();
        }),
    );
    this.#connections.clear();
    await Promise.all(closing);
  }

  async #invokeAfterConnect(
    address: string,
    request: RemotingCommand,
    timeoutMs: number,
  ): Promise<RemotingCommand> {
    const startMs = Date.now();
    const connection = await this.#connection(address);
    const remainingMs = timeoutMs - (Date.now() - startMs);
    if (remainingMs <= 0) {
      throw new RemotingError(
        'REMOTING_TIMEOUT',
        `request code ${request.code} to ${address} timed out after ${timeoutMs} ms while connecting`,
      );
    }
    return connection.invoke(request, remainingMs);
  }

  #connection(address: string): Promise<RemotingConnection> {
    if (this.#closed) {
      return Promise.reject(new RemotingError('REMOTING_CLOSED', 'the remoting client is closed'));
    }
    const open = this.#connections.get(address);
    if (open !== undefined && !open.closed) return Promise.resolve(open);
    let pending = this.#connecting.get(address);
    if (pending === undefined) {
      pending = this.#open(address).finally(() => this.#connecting.delete(address));
      this.#connecting.set(address, pending);
    }
    return pending;
  }

  #open(address: string): Promise<RemotingConnection> {
    let target: { host: string; port: number };
    try {
      target = parseAddress(address);
    } catch (error) {
      return Promise.reject(error);
    }
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise<RemotingConnection>((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, noDelay: true });
      const fail = (message: string, cause?: unknown): void => {
        clearTimeout(timer);
        socket.destroy();
        const text = `cannot connect to ${address}: ${message}`;
        reject(new RemotingError('REMOTING_CONNECT', text, { cause }));
      };
      // fail() runs only from later events, after timer is set.
      const timer = setTimeout(
        () => fail(`no answer within ${connectTimeoutMs} ms`),
        connectTimeoutMs,
      );
      socket.once('error', (error) => fail(error.message, error));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        if (this.#closed) {
          socket.destroy();
          reject(new RemotingError('REMOTING_CLOSED', 'the remoting client is closed'));
          return;
        }
        const connection = this.#wrap(socket, address);
        resolve(connection);
      });
    });
  }

  #wrap(socket: Socket, address: string): RemotingConnection {
    const options = this.#options;
    const connection = new RemotingConnection(socket, {
      logger: this.#log,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxPendingWriteBytes: options.maxPendingWriteBytes ?? DEFAULT_MAX_PENDING_WRITE_BYTES,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxInflightRequests: options.maxInflightRequests ?? DEFAULT_MAX_INFLIGHT_REQUESTS,
      handlerFor: this.#handlerFor,
    });
    this.#connections.set(address, connection);
    this.#log.debug({ address, connection: connection.id }, 'connected');
    connection.onClose(() => {
      if (this.#connections.get(address) === connection) this.#connections.delete(address);
      this.#log.debug({ address, connection: connection.id }, 'connection closed');
    });
    return connection;
  }
}
