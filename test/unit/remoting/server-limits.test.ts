import { afterEach, describe, expect, it } from 'vitest';
import { RemotingClient } from '../../../src/remoting/client.ts';
import { createRequest, createResponse, SerializeType } from '../../../src/remoting/command.ts';
import type { RemotingCommand } from '../../../src/remoting/command.ts';
import { encodeCommand } from '../../../src/remoting/frame-codec.ts';
import { RemotingServer } from '../../../src/remoting/server.ts';
import type { RemotingServerOptions } from '../../../src/remoting/server.ts';
import { RawPeer, silentLogger, within } from './raw-peer.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startServer(options: Partial<RemotingServerOptions> = {}): Promise<RemotingServer> {
  const server = new RemotingServer({
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    ...options,
  });
  server.registerHandler(12, (request) => createResponse(request, 0, 'ok'));
  server.registerHandler(13, (request) =>
    createResponse(request, 0, undefined, undefined, Buffer.alloc(1024 * 1024, 1)),
  );
  await server.listen();
  cleanups.push(() => server.close());
  return server;
}

async function openPeer(server: RemotingServer): Promise<RawPeer> {
  const peer = await RawPeer.open(server.port);
  cleanups.push(() => peer.destroy());
  return peer;
}

function request(code: number, opaque: number, serializeType: RemotingCommand['serializeType']) {
  const command = createRequest(code, { topic: 'T' });
  command.opaque = opaque;
  command.serializeType = serializeType;
  return encodeCommand(command);
}

function header(json: string): Buffer {
  const bytes = Buffer.from(json);
  const frame = Buffer.alloc(8 + bytes.length);
  frame.writeInt32BE(4 + bytes.length, 0);
  frame.writeInt32BE(bytes.length, 4);
  bytes.copy(frame, 8);
  return frame;
}

describe('remoting server - serialization of responses', () => {
  it('answers a ROCKETMQ request in binary and a JSON request in JSON with high byte 0', async () => {
    const peer = await openPeer(await startServer());
    peer.send(request(12, 41, SerializeType.ROCKETMQ));
    const binary = await peer.next();
    expect(binary.bytes[0]).toBe(1);
    expect(binary.command).toMatchObject({ opaque: 41, flag: 1, remark: 'ok', version: 409 });
    peer.send(request(12, 42, SerializeType.JSON));
    const json = await peer.next();
    expect(json.bytes[0]).toBe(0);
    expect(json.bytes.readInt32BE(0)).toBeLessThan(0x1000000);
    expect(json.command).toMatchObject({ opaque: 42, flag: 1, remark: 'ok', language: 'JAVA' });
  });

  it('answers requests that arrive together in one chunk, in order', async () => {
    const peer = await openPeer(await startServer());
    peer.send(Buffer.concat(Array.from({ length: 50 }, (_, i) => request(12, i + 1, 0))));
    const opaques: number[] = [];
    for (let i = 0; i < 50; i++) opaques.push((await peer.next()).command.opaque);
    expect(opaques).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

describe('remoting server - bad peers', () => {
  it.each([
    ['an oversized length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0])],
    ['a length below 4', Buffer.from([0, 0, 0, 2, 0, 0])],
    ['a header length past the frame', Buffer.from([0, 0, 0, 8, 0, 0, 0, 9, 1, 2, 3, 4])],
    ['a header that is not JSON', header('{nope')],
    ['a header without opaque', header('{"code":12}')],
    ['an unknown serialize type', Buffer.from([0, 0, 0, 6, 7, 0, 0, 2, 0x7b, 0x7d])],
  ])('closes a connection sending %s and keeps serving others', async (_what, bytes) => {
    const server = await startServer({ maxFrameBytes: 1024 * 1024 });
    const client = new RemotingClient({ logger: silentLogger });
    cleanups.push(() => client.close());
    const address = `127.0.0.1:${server.port}`;
    expect((await client.invoke(address, createRequest(12), 2000)).remark).toBe('ok');
    const bad = await openPeer(server);
    bad.send(request(12, 1, 0));
    expect((await bad.next()).command.remark).toBe('ok');
    bad.send(bytes);
    await within(bad.closed, 2000, 'bad peer closed');
    expect((await client.invoke(address, createRequest(12), 2000)).remark).toBe('ok');
    expect(server.connections.size).toBe(1);
  });

  it('closes a slow reader whose write queue passes maxPendingWriteBytes', async () => {
    const server = await startServer({ maxPendingWriteBytes: 64 * 1024 });
    const peer = await openPeer(server);
    peer.send(request(13, 1, 0));
    await within(peer.closed, 2000, 'slow reader closed');
    expect(peer.queued).toBe(0);
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    const server = await startServer({ idleTimeoutMs: 300 });
    const idle = await openPeer(server);
    const started = Date.now();
    await within(idle.closed, 2000, 'idle peer closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('refuses connections past maxConnections', async () => {
    const server = await startServer({ maxConnections: 1 });
    const first = await openPeer(server);
    first.send(request(12, 1, 0));
    await first.next();
    const second = await openPeer(server);
    await within(second.closed, 2000, 'second peer closed');
    first.send(request(12, 2, 0));
    expect((await first.next()).command.opaque).toBe(2);
  });
});

describe('remoting server - close', () => {
  it('flushes responses queued in the same turn, then ends every connection', async () => {
    const server = new RemotingServer({ port: 0, host: '127.0.0.1', logger: silentLogger });
    server.registerHandler(12, (request) => createResponse(request, 0, 'first'));
    await server.listen();
    const peer = await openPeer(server);
    peer.send(request(12, 5, 0));
    expect((await peer.next()).command.remark).toBe('first');
    const [connection] = [...server.connections];
    const held = createRequest(12);
    held.opaque = 6;
    connection!.respond(held, createResponse(held, 0, 'queued'));
    await within(server.close(), 4000, 'server close');
    await within(peer.closed, 2000, 'peer closed');
    const last = await peer.next();
    expect([last.command.opaque, last.command.remark]).toEqual([6, 'queued']);
    expect(server.connections.size).toBe(0);
    expect(connection!.closed).toBe(true);
  });
});
