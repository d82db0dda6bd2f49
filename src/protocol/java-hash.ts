/**
 * Java's String.hashCode over UTF-16 code units, in 32-bit signed arithmetic. RocketMQ uses it
 * for the consume-queue tagsCode and a subscription's codeSet (protocol/REMOTING.md 13.6), for
 * index keys (STORE.md 5) and SelectMessageQueueByHash, so broker, store and SDK must agree.
 */
export function javaStringHash(value: string, seed = 0): number {
  let hash = seed | 0;
  for (let i = 0; i < value.length; i++) {
    hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  }
  return hash;
}

/** Java's Long.hashCode: the two 32-bit halves xor-ed (SelectMessageQueueByHash of a Long). */
export function javaLongHash(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

/**
 * The same hash computed over UTF-8 bytes when they are all ASCII (one code unit per byte);
 * returns undefined otherwise so the caller can decode and hash the string. The store hashes
 * tags and keys in place this way without building a string.
 */
export function javaAsciiHash(
  bytes: Uint8Array,
  start: number,
  end: number,
  seed = 0,
): number | undefined {
  let hash = seed | 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return undefined;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  return hash;
}
