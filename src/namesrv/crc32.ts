/**
 * CRC-32 (IEEE, as java.util.zip.CRC32) of a register-broker body, checked against the broker's
 * `bodyCrc32` header (protocol/REMOTING.md 10). A Java broker sends RocketMQ's UtilAll.crc32
 * (src/protocol/java-crc.ts, the top bit cleared) while the protocol notes describe the plain
 * signed int, so both forms are accepted.
 */
import { crc32 } from 'node:zlib';

/** True when expected (the header value, 0 = unchecked) matches body in either form. */
export function bodyCrc32Matches(expected: number, body: Uint8Array): boolean {
  if (expected === 0) return true;
  const unsigned = crc32(body) >>> 0;
  return expected === (unsigned & 0x7fffffff) || expected === (unsigned | 0);
}
