/**
 * RocketMQ's UtilAll.crc32: CRC-32 (zlib polynomial, as java.util.zip.CRC32) with the top bit
 * cleared. A stored message's bodyCRC and a register-broker request's bodyCrc32 both use it.
 * zlib.crc32 is there on every Node the package supports (>= 20.15).
 */
import { crc32 } from 'node:zlib';

export function javaCrc32(data: Uint8Array): number {
  return crc32(data) & 0x7fffffff;
}
