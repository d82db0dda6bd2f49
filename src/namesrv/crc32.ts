/**
 * CRC-32 (IEEE, as java.util.zip.CRC32) of a register-broker body, checked against the broker's
 * `bodyCrc32` header (protocol/REMOTING.md 10). RocketMQ's UtilAll.crc32 clears the top bit
 * (`getValue() & 0x7FFFFFFF`) while the protocol notes describe the plain signed int, so both
 * forms are accepted. zlib.crc32 is there on every Node the package supports (>= 20.15).
 */
import { crc32 } from 'node:zlib';

/** The value a Java broker sends: UtilAll.crc32, the CRC with its top bit cleared. */
export function javaBodyCrc32(data: Uint8Array): number {
  return crc32(data) & 0x7fffffff;
}

/** True when expected (the header value, 0 = unchecked) matches body in either form. */
export function bodyCrc32Matches(expected: number, body: Uint8Array): boolean {
  if (expected === 0) return true;
  const unsigned = crc32(body) >>> 0;
  return expected === (unsigned & 0x7fffffff) || expected === (unsigned | 0);
}
