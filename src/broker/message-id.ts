/**
 * RocketMQ offset message ids (protocol/REMOTING.md 13.5): store host IPv4 + port + physical
 * offset as upper-case hex. ThrustMQ's physical offsets carry the store shard above bit 48;
 * shards stay below 32 so every offset is an exact JavaScript number.
 */
import { SHARD_OFFSET_BASE } from './actor/actor-host.ts';

const TWO_POW_32 = 2 ** 32;

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

export class MessageIdCodec {
  private readonly hostHex: string;

  constructor(ipv4: readonly number[], port: number) {
    const host = Buffer.alloc(8);
    for (let i = 0; i < 4; i++) host[i] = ipv4[i] ?? 0;
    host.writeInt32BE(port, 4);
    this.hostHex = host.toString('hex').toUpperCase();
  }

  offsetId(physicalOffset: number): string {
    // Two 32-bit halves format faster than one 64-bit double.
    const high = Math.floor(physicalOffset / TWO_POW_32);
    const low = physicalOffset - high * TWO_POW_32;
    return this.hostHex + hex8(high) + hex8(low);
  }
}

/** The physical offset in an offset message id, or undefined when it is not one. */
export function decodeOffsetId(
  id: string,
): { address: string; physicalOffset: number } | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(id)) return undefined;
  const bytes = Buffer.from(id, 'hex');
  const offset = Number(bytes.readBigInt64BE(8));
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  return {
    address: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${bytes.readInt32BE(4)}`,
    physicalOffset: offset,
  };
}

export function splitPhysicalOffset(physicalOffset: number): { shard: number; local: number } {
  const shard = Math.floor(physicalOffset / SHARD_OFFSET_BASE);
  return { shard, local: physicalOffset - shard * SHARD_OFFSET_BASE };
}

/** IPv4 bytes of a socket address; IPv4-mapped IPv6 unwrapped, other IPv6 as 0.0.0.0. */
export function ipv4Bytes(address: string): [number, number, number, number] {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  const parts = plain.split('.');
  if (parts.length !== 4) return [0, 0, 0, 0];
  const bytes = parts.map((part) => Number(part) & 0xff);
  return [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
}
