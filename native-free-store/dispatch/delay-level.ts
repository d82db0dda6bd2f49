/** Reads the DELAY property (a delay level) from encoded properties without decoding them. */
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../src/protocol/properties.ts';

const DELAY_BYTES = Buffer.from('DELAY');
const ZERO = 0x30;
const NINE = 0x39;
/** Levels beyond this are clamped by the caller anyway; it keeps the parse in safe integers. */
const MAX_DIGITS = 9;

/**
 * The DELAY value in bytes[start, end) as a positive integer, or 0 when absent, empty, not a
 * decimal number or not positive. The last DELAY entry wins, as in a decoded map.
 */
export function delayLevelOf(bytes: Uint8Array, start: number, end: number): number {
  let level = 0;
  let entryStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && bytes[i] !== PROPERTY_SEPARATOR) continue;
    const separator = entryStart + DELAY_BYTES.length;
    if (
      separator < i &&
      bytes[separator] === NAME_VALUE_SEPARATOR &&
      isDelayName(bytes, entryStart)
    )
      level = parseLevel(bytes, separator + 1, i);
    entryStart = i + 1;
  }
  return level;
}

function isDelayName(bytes: Uint8Array, at: number): boolean {
  for (let k = 0; k < DELAY_BYTES.length; k++) if (bytes[at + k] !== DELAY_BYTES[k]) return false;
  return true;
}

function parseLevel(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > MAX_DIGITS) return 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte < ZERO || byte > NINE) return 0;
    value = value * 10 + (byte - ZERO);
  }
  return value;
}
