/**
 * Whether a listen address belongs to this machine, checked before binding: a server told to
 * listen on another host's address fails deep in listen() with EADDRNOTAVAIL, and an operator
 * should hear which key is wrong instead.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Names are resolved with this deadline; a resolver that hangs must not hang startup. */
const LOOKUP_DEADLINE_MS = 5000;
const MAX_ADDRESSES = 64;

/** Addresses any interface of this machine has, plus the wildcard and loopback ranges. */
export function isLocalAddress(address: string): boolean {
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const family = isIP(bare);
  if (family === 0) return false;
  if (bare === '0.0.0.0' || bare === '::' || bare === '::1') return true;
  // Linux routes all of 127.0.0.0/8 to lo, so any of it can be bound.
  if (family === 4 && bare.startsWith('127.')) return true;
  if (bare.startsWith('::ffff:')) return isLocalAddress(bare.slice(7));
  for (const addresses of Object.values(networkInterfaces())) {
    for (const entry of addresses ?? []) {
      if (entry.address.replace(/%.*$/, '').toLowerCase() === bare) return true;
    }
  }
  return false;
}

/**
 * Why host cannot be listened on here (not an address of this machine, or a name that does
 * not resolve to one), or undefined when it can. Empty means every interface.
 */
export async function nonLocalListenReason(host: string): Promise<string | undefined> {
  if (host === '') return undefined;
  if (isIP(host.replace(/%.*$/, '')) !== 0) {
    return isLocalAddress(host) ? undefined : 'not an address of this machine';
  }
  let addresses: string[];
  try {
    const resolved = await withDeadline(lookup(host, { all: true }), LOOKUP_DEADLINE_MS);
    addresses = resolved.slice(0, MAX_ADDRESSES).map((entry) => entry.address);
  } catch (error) {
    return `cannot resolve it: ${(error as Error).message}`;
  }
  if (addresses.length === 0) return 'it resolves to no address';
  // listen() binds the first address a name resolves to.
  if (isLocalAddress(addresses[0]!)) return undefined;
  return `it resolves to ${addresses.join(', ')}, not an address of this machine`;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
