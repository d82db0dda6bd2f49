/**
 * CRC-32 (IEEE, as java.util.zip.CRC32) of a register-broker body, checked against the broker's
 * `bodyCrc32` header (protocol/REMOTING.md 10). RocketMQ's UtilAll.crc32 clears the top bit
 * (`getValue() & 0x7FFFFFFF`) while the protocol notes describe the plain signed int, so both
 * forms are accepted. Node has zlib.crc32 from 20.15 / 22.2; older 20.x releases get a table.
 */
import * as zlib from 'node:zlib';

type Crc32Function = (data: Uint8Array) => number;

const nativeCrc32 = (zlib as unknown as { crc32?: Crc32Function }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The table-driven CRC-32, exported so tests can compare it with zlib's. */
export function crc32ByTable(data: Uint8Array): number {
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function crc32(data: Uint8Array): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data) >>> 0 : crc32ByTable(data);
}

/** The value a Java broker sends: UtilAll.crc32, the CRC with its top bit cleared. */
export function javaBodyCrc32(data: Uint8Array): number {
  return crc32(data) & 0x7fffffff;
}

/** True when expected (the header value, 0 = unchecked) matches body in either form. */
export function bodyCrc32Matches(expected: number, body: Uint8Array): boolean {
  if (expected === 0) return true;
  const unsigned = crc32(body);
  return expected === (unsigned & 0x7fffffff) || expected === (unsigned | 0);
}
