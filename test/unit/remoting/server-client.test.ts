import { afterEach, describe, expect, it } from 'vitest';
import { RemotingClient } from '../../../src/remoting/client.ts';
import { createRequest, createResponse } from '../../../src/remoting/command.ts';
import type { RemotingCommand } from '../../../src/remoting/command.ts';
import type { RemotingConnection, RequestHandler } from '../../../src/remoting/connection.ts';
import { RemotingError } from '../../../src/remoting/errors.ts';
import { requireInt } from '../../../src/remoting/ext-fields.ts';
import { RemotingServer } from '../../../src/remoting/server.ts';
import type { RemotingServerOptions } from '../../../src/remoting/server.ts';
import { delay, silentLogger, within } from './raw-peer.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startServer(
  handlers: Record<number, RequestHandler>,
  options: Partial<RemotingServerOptions> = {},
): Promise<{ server: RemotingServer; address: string }> {
  const server = new RemotingServer({
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    ...options,
  });
  for (const [code, handler] of Object.entries(handlers))
    server.registerHandler(Number(code), handler);
  const port = await server.listen();
  cleanups.push(() => server.close());
  return { server, address: `127.0.0.1:${port}` };
}

function newClient(onRequest?: RequestHandler): RemotingClient {
  const client = new RemotingClient({ logger: silentLogger, onRequest });
  cleanups.push(() => client.close());
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<RemotingError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RemotingError) return error;
    throw error;
  }
  throw new Error('expected a RemotingError');
}

describe('remoting server and client - request and response', () => {
  it('correlates many requests in flight answered out of order', async () => {
    const count = 200;
    const answerOrder: number[] = [];
    const { address } = await startServer({
      100: async (request) => {
        const n = requireInt(request, 'n');
        await delay((count - n) % 50); // later requests tend to be answered first
        answerOrder.push(n);
        return createResponse(request, 0, undefined, { n: String(n), square: String(n * n) });
      },
    });
    const client = newClient();
    const responses = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        client.invoke(address, createRequest(100, { n: String(n) }), 5000),
      ),
    );
    responses.forEach((response, n) => {
      expect(response.code).toBe(0);
      expect(response.extFields).toEqual({ n: String(n), square: String(n * n) });
    });
    expect(answerOrder).not.toEqual([...answerOrder].sort((a, b) => a - b));
  });

  it('answers an unknown code with 3 and the Java remark', async () => {
    const { address } = await startServer({});
    const response = await newClient().invoke(address, createRequest(999), 2000);
    expect(response.code).toBe(3);
    expect(response.remark).toBe(' request type 999 not supported');
  });

  it('answers a throwing or rejecting handler with 1 and the error message', async () => {
    const { address } = await startServer({
      1: () => {
        throw new Error('disk on fire');
      },
      2: () => Promise.reject(new Error('later fire')),
      3: (request) => createResponse(request, 0, String(requireInt(request, 'queueId'))),
    });
    const client = newClient();
    const thrown = await client.invoke(address, createRequest(1), 2000);
    expect([thrown.code, thrown.remark]).toEqual([1, 'disk on fire']);
    const rejected = await client.invoke(address, createRequest(2), 2000);
    expect([rejected.code, rejected.remark]).toEqual([1, 'later fire']);
    const missing = await client.invoke(address, createRequest(3), 2000);
    expect([missing.code, missing.remark]).toEqual([1, 'the custom field queueId is null']);
    const fine = await client.invoke(address, createRequest(3, { queueId: '7' }), 2000);
    expect([fine.code, fine.remark]).toEqual([0, '7']);
  });

  it('lets a handler answer later through connection.respond', async () => {
    const held: Array<{ request: RemotingCommand; connection: RemotingConnection }> = [];
    const { address } = await startServer({
      11: (request, connection) => {
        held.push({ request, connection });
        return undefined;
      },
    });
    const client = newClient();
    const answer = client.invoke(address, createRequest(11), 3000);
    for (let i = 0; i < 100 && held.length === 0; i++) await delay(10);
    expect(held).toHaveLength(1);
    const { request, connection } = held[0]!;
    connection.respond(request, createResponse(request, 19, 'no new message'));
    const response = await answer;
    expect([response.code, response.remark]).toEqual([19, 'no new message']);
  });

  it('never answers a one-way request, even when its handler fails', async () => {
    const seen: number[] = [];
    const { address } = await startServer({
      15: (request) => {
        seen.push(request.code);
        return createResponse(request);
      },
      16: () => {
        seen.push(16);
        throw new Error('ignored');
      },
      17: (request) => createResponse(request, 0, 'sync'),
    });
    const client = newClient();
    await client.invokeOneway(address, createRequest(15));
    await client.invokeOneway(address, createRequest(16));
    await client.invokeOneway(address, createRequest(999));
    const response = await client.invoke(address, createRequest(17), 2000);
    expect(response.remark).toBe('sync');
    expect(seen).toEqual([15, 16]);
  });

  it('rejects an unanswered invoke with REMOTING_TIMEOUT promptly', async () => {
    const { address } = await startServer({ 11: () => undefined });
    const client = newClient();
    await client.invoke(address, createRequest(999), 2000); // connect first
    const started = Date.now();
    const error = await rejection(client.invoke(address, createRequest(11), 300));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('REMOTING_TIMEOUT');
    expect(error.message).toMatch(/request code 11 .* timed out after 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
  });

  it('lets the server invoke the client on its connection, and time out when unanswered', async () => {
    const { server, address } = await startServer({});
    const client = newClient((request) =>
      request.code === 307 ? createResponse(request, 0, 'running', { id: 'c1' }) : undefined,
    );
    await client.invoke(address, createRequest(999), 2000);
    expect(server.connections.size).toBe(1);
    const [connection] = [...server.connections];
    const response = await connection!.invoke(createRequest(307), 2000);
    expect([response.code, response.remark, response.extFields]).toEqual([
      0,
      'running',
      { id: 'c1' },
    ]);
    const silent = await rejection(connection!.invoke(createRequest(40), 200));
    expect(silent.code).toBe('REMOTING_TIMEOUT');
    connection!.invokeOneway(createRequest(40));
  });

  it('fails pending calls with REMOTING_CLOSED when the connection drops, then reconnects', async () => {
    const { server, address } = await startServer({
      11: () => undefined,
      12: (r) => createResponse(r),
    });
    const client = newClient();
    const pending = client.invoke(address, createRequest(11), 5000);
    for (let i = 0; i < 100 && server.connections.size === 0; i++) await delay(10);
    const closedConnections: number[] = [];
    server.onConnectionClose((connection) => closedConnections.push(connection.id));
    const [connection] = [...server.connections];
    connection!.close();
    const error = await within(rejection(pending), 2000, 'pending call');
    expect(error.code).toBe('REMOTING_CLOSED');
    for (let i = 0; i < 100 && closedConnections.length === 0; i++) await delay(10);
    expect(closedConnections).toEqual([connection!.id]);
    const again = await client.invoke(address, createRequest(12), 2000);
    expect(again.code).toBe(0);
    expect([...server.connections][0]!.id).not.toBe(connection!.id);
  });

  it('shares one connect among concurrent first calls', async () => {
    const { server, address } = await startServer({ 12: (r) => createResponse(r) });
    const client = newClient();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.invoke(address, createRequest(12), 2000)),
    );
    expect(responses.every((response) => response.code === 0)).toBe(true);
    expect(server.connections.size).toBe(1);
  });

  it('reports REMOTING_CONNECT for a refused or invalid address', async () => {
    const { server, address } = await startServer({});
    await server.close();
    const client = newClient();
    expect((await rejection(client.invoke(address, createRequest(1), 2000))).code).toBe(
      'REMOTING_CONNECT',
    );
    expect((await rejection(client.invoke('nohost', createRequest(1), 2000))).code).toBe(
      'REMOTING_CONNECT',
    );
  });

  it('refuses calls after close with REMOTING_CLOSED', async () => {
    const { address } = await startServer({ 12: (r) => createResponse(r) });
    const client = newClient();
    await client.invoke(address, createRequest(12), 2000);
    await client.close();
    expect((await rejection(client.invoke(address, createRequest(12), 2000))).code).toBe(
      'REMOTING_CLOSED',
    );
  });

  it('serves one handler table from two servers', async () => {
    const first = await startServer({ 12: (r) => createResponse(r, 0, 'shared') });
    const second = new RemotingServer(
      { port: 0, host: '127.0.0.1', logger: silentLogger, name: 'vip' },
      first.server.handlers,
    );
    const port = await second.listen();
    cleanups.push(() => second.close());
    const response = await newClient().invoke(`127.0.0.1:${port}`, createRequest(12), 2000);
    expect(response.remark).toBe('shared');
  });
});
