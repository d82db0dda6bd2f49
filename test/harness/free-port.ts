import { createServer } from 'node:net';
import type { Server } from 'node:net';

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address bound');
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A port that was free on 127.0.0.1 a moment ago. Prefer letting a process bind port 0 and
 * report it; use this only where a port must be chosen before a process starts.
 */
export async function freePort(): Promise<number> {
  const server = await listenOnAnyPort();
  const port = portOf(server);
  await close(server);
  return port;
}

/**
 * count distinct free ports, held together while they are chosen so none repeats. For a broker
 * whose ports derive from one another (listenPort, listenPort - 2, listenPort + 1) this is not
 * enough: use freePortRun.
 */
export async function freePorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new RangeError(`count must be an integer in [1, 64], got ${count}`);
  }
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAnyPort());
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(close));
  }
}

function tryListen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * The first port p of `length` consecutive ports p .. p+length-1 that were all free, for a
 * broker's listenPort - 2 (VIP channel), listenPort and listenPort + 1 (HA). Tries at most 50
 * random starts.
 */
export async function freePortRun(length: number): Promise<number> {
  if (!Number.isInteger(length) || length < 1 || length > 16) {
    throw new RangeError(`length must be an integer in [1, 16], got ${length}`);
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20_000 + Math.floor(Math.random() * 30_000);
    const held: Server[] = [];
    for (let i = 0; i < length; i++) {
      const server = await tryListen(start + i);
      if (server === undefined) break;
      held.push(server);
    }
    await Promise.all(held.map(close));
    if (held.length === length) return start;
  }
  throw new Error(`no run of ${length} free ports found on 127.0.0.1 after 50 attempts`);
}
