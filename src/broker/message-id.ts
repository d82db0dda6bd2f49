/**
 * Where a broker's offset message ids point (the ids themselves: src/protocol/message-id.ts).
 * ThrustMQ's physical offsets carry the store shard above bit 48; shards stay below 32 so every
 * offset is an exact JavaScript number.
 */
import { SHARD_OFFSET_BASE } from './actor/actor-host.ts';

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
