/**
 * RocketMQ offset message ids (protocol/REMOTING.md 13.5): the store host (address and port, as
 * stored) and the commit-log offset, as upper-case hex. The broker answers sends with them, the
 * SDK derives them from pulled records and turns them back into a VIEW_MESSAGE_BY_ID request.
 */
const TWO_POW_32 = 2 ** 32;
const OFFSET_ID_PATTERN = /^[0-9A-Fa-f]{32}$/;

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** The offset in 16 hex digits, two's complement like Java's long. */
function offsetHex(physicalOffset: number): string {
  // Two 32-bit halves format faster than one 64-bit value.
  const high = Math.floor(physicalOffset / TWO_POW_32);
  const low = physicalOffset - high * TWO_POW_32;
  return hex8(high >>> 0) + hex8(low);
}

/** The id of the record at physicalOffset; storeHost is its 8 (IPv4) or 20 (IPv6) host bytes. */
export function offsetMessageId(storeHost: Uint8Array, physicalOffset: number): string {
  return Buffer.from(storeHost.buffer, storeHost.byteOffset, storeHost.byteLength)
    .toString('hex')
    .toUpperCase()
    .concat(offsetHex(physicalOffset));
}

/** Ids for one store host: its hex is computed once, as a broker answers every send with one. */
export class MessageIdCodec {
  private readonly hostHex: string;

  constructor(ipv4: readonly number[], port: number) {
    const host = Buffer.alloc(8);
    for (let i = 0; i < 4; i++) host[i] = ipv4[i] ?? 0;
    host.writeInt32BE(port, 4);
    this.hostHex = host.toString('hex').toUpperCase();
  }

  offsetId(physicalOffset: number): string {
    return this.hostHex + offsetHex(physicalOffset);
  }
}

/** host:port and physical offset of an IPv4 offset message id, or undefined if it is not one. */
export function decodeOffsetMessageId(
  id: string,
): { address: string; physicalOffset: number } | undefined {
  if (!OFFSET_ID_PATTERN.test(id)) return undefined;
  const bytes = Buffer.from(id, 'hex');
  const port = bytes.readUInt32BE(4);
  const physicalOffset = Number(bytes.readBigInt64BE(8));
  if (port === 0 || port > 65535 || physicalOffset < 0 || !Number.isSafeInteger(physicalOffset))
    return undefined;
  return { address: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${port}`, physicalOffset };
}
