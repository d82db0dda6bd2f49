/**
 * The per-connection limits of a server's connections (ServedLimits in connection.ts) and the
 * server's per-address limit, on a real RemotingServer over loopback with raw peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRequest, createResponse } from '../../../src/remoting/command.ts';
import type { RemotingCommand } from '../../../src/remoting/command.ts';
import type { RemotingConnection } from '../../../src/remoting/connection.ts';
import { encodeCommand } from '../../../src/remoting/frame-codec.ts';
import { RemotingServer } from '../../../src/remoting/server.ts';
import type { RemotingServerOptions } from '../../../src/remoting/server.ts';
import { delay, RawPeer, silentLogger, within } from './raw-peer.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const ANSWER = 12;
const HOLD = 13;
const BIG = 14;
const RESERVE = 15;
const HUGE = 16;
const RECORD = 17;

interface Held {
  request: RemotingCommand;
  connection: RemotingConnection;
}

async function startServer(options: Partial<RemotingServerOptions> = {}) {
  const held: Held[] = [];
  const server = new RemotingServer({
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    ...options,
  });
  server.registerHandler(ANSWER, (request) => createResponse(request, 0, 'ok'));
  server.registerHandler(HOLD, (request, connection) => {
    held.push({ request, connection });
    return undefined;
  });
  server.registerHandler(BIG, (request) =>
    createResponse(request, 0, undefined, undefined, Buffer.alloc(256 * 1024, 1)),
  );
  server.registerHandler(HUGE, (request) =>
    createResponse(request, 0, undefined, undefined, Buffer.alloc(1024 * 1024, 1)),
  );
  server.registerHandler(RESERVE, (request, connection) => {
    connection.reserve(request, 1024 * 1024);
    held.push({ request, connection });
    return undefined;
  });
  await server.listen();
  cleanups.push(() => server.close());
  return { server, held };
}

async function openPeer(port: number): Promise<RawPeer> {
  const peer = await RawPeer.open(port);
  cleanups.push(() => peer.destroy());
  return peer;
}

function frame(code: number, opaque: number): Buffer {
  const command = createRequest(code);
  command.opaque = opaque;
  return encodeCommand(command);
}

function only(server: RemotingServer): RemotingConnection {
  const connections = [...server.connections];
  expect(connections).toHaveLength(1);
  return connections[0]!;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await delay(10);
  }
}

describe('served limits - requests in flight', () => {
  it('stops reading at maxServedInflight and serves the rest, in order, once answered', async () => {
    const { server, held } = await startServer({ maxServedInflight: 4 });
    const peer = await openPeer(server.port);
    peer.send(Buffer.concat([1, 2, 3, 4].map((i) => frame(HOLD, i))));
    peer.send(Buffer.concat([5, 6, 7].map((i) => frame(ANSWER, i))));
    await until(() => held.length === 4, 2000, 'four requests held');
    const connection = only(server);
    await delay(100);
    expect(connection.paused).toBe(true);
    expect(connection.servedInflight).toBe(4);
    expect(peer.queued).toBe(0); // the answers wait behind the pause
    expect(server.counters.paused).toBe(1);
    // Below half the cap (2 of 4) reading resumes.
    for (const { request, connection: c } of held.splice(0, 2))
      c.respond(request, createResponse(request, 0, 'held'));
    const opaques: number[] = [];
    for (let i = 0; i < 5; i++) opaques.push((await peer.next()).command.opaque);
    expect(opaques).toEqual([1, 2, 5, 6, 7]);
    expect(connection.paused).toBe(false);
    expect(connection.servedInflight).toBe(2);
  });

  it('counts reserved bytes and lets a parked request out of the count', async () => {
    const { server, held } = await startServer({ maxServedInflightBytes: 2 * 1024 * 1024 });
    const peer = await openPeer(server.port);
    peer.send(Buffer.concat([frame(RESERVE, 1), frame(RESERVE, 2), frame(RESERVE, 3)]));
    peer.send(frame(ANSWER, 4));
    // Two reservations of 1 MiB and their frames pass 2 MiB: the third waits.
    await until(() => held.length === 2, 2000, 'two reservations');
    const connection = only(server);
    await delay(100);
    expect(held).toHaveLength(2);
    expect(connection.paused).toBe(true);
    expect(peer.queued).toBe(0);
    for (const { request } of [...held]) connection.park(request);
    expect((await peer.next()).command.opaque).toBe(4);
    expect(held).toHaveLength(3);
    expect(connection.servedInflight).toBe(1);
    // A parked request is still answered.
    connection.respond(held[0]!.request, createResponse(held[0]!.request, 0, 'late'));
    expect((await peer.next()).command.remark).toBe('late');
  });

  it('forgets what a closed connection had in flight', async () => {
    const { server, held } = await startServer({ maxServedInflight: 2 });
    const peer = await openPeer(server.port);
    peer.send(Buffer.concat([frame(HOLD, 1), frame(HOLD, 2)]));
    await until(() => held.length === 2, 2000, 'two held');
    const connection = only(server);
    peer.destroy();
    await until(() => connection.closed, 2000, 'closed');
    expect(connection.servedInflight).toBe(0);
    connection.respond(held[0]!.request, createResponse(held[0]!.request));
  });
});

describe('served limits - requests per turn', () => {
  it("serves another connection's request between turns of one connection's burst", async () => {
    const order: Array<[number, number]> = [];
    const { server } = await startServer({ requestsPerTurn: 8 });
    server.registerHandler(RECORD, (request, connection) => {
      order.push([connection.id, request.opaque]);
      return createResponse(request, 0, 'ok');
    });
    const flood = await openPeer(server.port);
    const normal = await openPeer(server.port);
    await until(() => server.connections.size === 2, 2000, 'both accepted');
    const burst = 2000;
    flood.send(Buffer.concat(Array.from({ length: burst }, (_, i) => frame(RECORD, i + 1))));
    normal.send(frame(RECORD, 1));
    expect((await normal.next(5000)).command.opaque).toBe(1);
    for (let i = 1; i <= burst; i++) expect((await flood.next(5000)).command.opaque).toBe(i);
    const ids = [...new Set(order.map(([id]) => id))];
    const normalAt = order.findIndex(([id, opaque]) => id !== order[0]![0] && opaque === 1);
    expect(ids).toHaveLength(2);
    // Served long before the burst's end, and the burst kept its order.
    expect(normalAt).toBeGreaterThanOrEqual(0);
    expect(normalAt).toBeLessThan(burst / 2);
    const floodOpaques = order.filter(([id]) => id === order[0]![0]).map(([, opaque]) => opaque);
    expect(floodOpaques).toEqual(Array.from({ length: burst }, (_, i) => i + 1));
  });

  it('keeps the order of a burst that also hits the in-flight cap', async () => {
    const { server, held } = await startServer({ requestsPerTurn: 3, maxServedInflight: 4 });
    const peer = await openPeer(server.port);
    const frames: Buffer[] = [];
    for (let i = 1; i <= 40; i++) frames.push(frame(i % 5 === 0 ? HOLD : ANSWER, i));
    peer.send(Buffer.concat(frames));
    const seen: number[] = [];
    for (let round = 0; round < 200 && seen.length < 40; round++) {
      while (peer.queued > 0) seen.push((await peer.next()).command.opaque);
      for (const { request, connection } of held.splice(0))
        connection.respond(request, createResponse(request, 0, 'held'));
      await delay(5);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

describe('served limits - queued responses', () => {
  it('pauses a peer that does not read and resumes when it reads again', async () => {
    const { server } = await startServer({
      maxQueuedResponseBytes: 512 * 1024,
      backpressureTimeoutMs: 60_000,
    });
    const peer = await openPeer(server.port);
    peer.socket.pause();
    const count = 200; // 50 MiB of answers, far past what the kernel buffers
    for (let i = 1; i <= count; i++) peer.send(frame(BIG, i));
    const connection = await (async () => {
      await until(() => server.connections.size === 1, 2000, 'accepted');
      return only(server);
    })();
    await until(() => connection.paused, 5000, 'paused');
    expect(connection.backlogged).toBe(true);
    peer.socket.resume();
    for (let i = 1; i <= count; i++) expect((await peer.next(5000)).command.opaque).toBe(i);
    expect(connection.paused).toBe(false);
    expect(connection.closed).toBe(false);
  });

  it('closes a peer whose responses stay over the cap past backpressureTimeoutMs', async () => {
    const { server } = await startServer({
      maxQueuedResponseBytes: 256 * 1024,
      backpressureTimeoutMs: 400,
    });
    const peer = await openPeer(server.port);
    peer.socket.pause();
    // 200 MiB of answers: more than the kernel buffers of both ends hold.
    for (let i = 1; i <= 200; i++) peer.send(frame(HUGE, i));
    await until(() => server.connections.size === 1, 2000, 'accepted');
    const connection = only(server);
    await until(() => connection.backlogged, 5000, 'backlogged');
    const overAt = Date.now();
    // The peer, not reading, sees the close only once it reads; the server's side is what counts.
    await until(() => connection.closed, 5000, 'closed as a slow reader');
    expect(Date.now() - overAt).toBeGreaterThanOrEqual(300);
    expect(server.counters.refused.backpressure_timeout).toBe(1);
  });
});

describe('served limits - frames', () => {
  it('closes a connection whose frame is not whole frameTimeoutMs after its first byte', async () => {
    const { server } = await startServer({ frameTimeoutMs: 300 });
    const slow = await openPeer(server.port);
    const steady = await openPeer(server.port);
    const started = Date.now();
    slow.send(Buffer.from([0, 0, 0, 100, 0]));
    const trickle = setInterval(() => slow.socket.write(Buffer.from([0])), 50);
    cleanups.push(() => clearInterval(trickle));
    for (let i = 1; i <= 4; i++) {
      steady.send(frame(ANSWER, i));
      expect((await steady.next()).command.opaque).toBe(i);
      await delay(150);
    }
    await within(slow.closed, 2000, 'trickling peer closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.counters.refused.frame_timeout).toBe(1);
    expect(server.connections.size).toBe(1);
  });

  it('does not run the frame clock while the server itself is not reading', async () => {
    const { server, held } = await startServer({ frameTimeoutMs: 300, maxServedInflight: 1 });
    const peer = await openPeer(server.port);
    const next = frame(ANSWER, 2);
    peer.send(Buffer.concat([frame(HOLD, 1), next.subarray(0, 5)]));
    await until(() => held.length === 1, 2000, 'held');
    await delay(600);
    const connection = only(server);
    expect(connection.closed).toBe(false);
    connection.respond(held[0]!.request, createResponse(held[0]!.request));
    peer.send(next.subarray(5));
    expect((await peer.next()).command.opaque).toBe(1);
    expect((await peer.next()).command.opaque).toBe(2);
  });

  it('closes the connection whose partial frame would pass maxPartialFrameBytes', async () => {
    const { server } = await startServer({ maxPartialFrameBytes: 1024 * 1024 });
    const first = await openPeer(server.port);
    const second = await openPeer(server.port);
    const part = Buffer.alloc(600 * 1024);
    part.writeUInt32BE(900 * 1024);
    first.send(part);
    await until(() => server.partialFrameBytes >= 600 * 1024, 2000, 'first partial held');
    second.send(part);
    await within(second.closed, 2000, 'second closed');
    expect(first.socket.destroyed).toBe(false);
    expect(server.counters.refused.partial_frame_bytes).toBe(1);
    expect(server.partialFrameBytes).toBe(600 * 1024);
    first.destroy();
    await until(() => server.partialFrameBytes === 0, 2000, 'budget returned');
  });
});

describe('served limits - connections per address', () => {
  it('refuses an address past maxConnectionsPerAddress and accepts another', async () => {
    const { server } = await startServer({ maxConnectionsPerAddress: 2 });
    await until(() => server.connections.size === 0, 2000, 'probe closed');
    const a = [
      await RawPeer.open(server.port, '127.0.0.2'),
      await RawPeer.open(server.port, '127.0.0.2'),
    ];
    for (const peer of a) cleanups.push(() => peer.destroy());
    const refused = await RawPeer.open(server.port, '127.0.0.2');
    cleanups.push(() => refused.destroy());
    await within(refused.closed, 2000, 'third from 127.0.0.2 closed');
    const other = await RawPeer.open(server.port, '127.0.0.3');
    cleanups.push(() => other.destroy());
    other.send(frame(ANSWER, 1));
    expect((await other.next()).command.opaque).toBe(1);
    expect(server.counters.refused.max_connections_per_address).toBe(1);
    a[0]!.destroy();
    await until(() => server.connections.size === 2, 2000, 'slot freed');
    const again = await RawPeer.open(server.port, '127.0.0.2');
    cleanups.push(() => again.destroy());
    again.send(frame(ANSWER, 2));
    expect((await again.next()).command.opaque).toBe(2);
  });
});
