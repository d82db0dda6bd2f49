/**
 * A bare TCP peer for remoting tests: sends any bytes, and reads back frames with the codec
 * under test, so tests can speak malformed or hand-built frames to a real server.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import pino from 'pino';
import type { RemotingCommand } from '../../../src/remoting/command.ts';
import { decodeCommand, FrameDecoder } from '../../../src/remoting/frame-codec.ts';

export const silentLogger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

export interface ReceivedFrame {
  /** The frame after its length field. */
  bytes: Buffer;
  command: RemotingCommand;
}

export class RawPeer {
  readonly socket: Socket;
  /** Settles when the server closes the connection. */
  readonly closed: Promise<void>;
  readonly #decoder = new FrameDecoder(64 * 1024 * 1024);
  readonly #received: ReceivedFrame[] = [];
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of this.#decoder.push(chunk)) {
        this.#received.push({ bytes, command: decodeCommand(bytes) });
      }
      this.#wake?.();
    });
  }

  static open(port: number, localAddress?: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next frame from the server, or an error after timeoutMs. */
  async next(timeoutMs = 2000): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#received.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return this.#received.shift()!;
  }

  /** Frames received and not yet taken by next(). */
  get queued(): number {
    return this.#received.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Rejects if `promise` does not settle within ms. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
