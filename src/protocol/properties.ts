/**
 * RocketMQ message properties: `name 0x01 value 0x02 name 0x01 value`, no trailing 0x02
 * (protocol/REMOTING.md 13.2). The SDK encodes them on send and decodes them on pull, the broker
 * rewrites them for retries and delays, and the store scans the encoded bytes in place for the
 * few it indexes (TAGS, KEYS, UNIQ_KEY) instead of building a map.
 */
import { MessageProperty } from './property-names.ts';

export const NAME_VALUE_SEPARATOR = 0x01;
export const PROPERTY_SEPARATOR = 0x02;
const NAME_VALUE = '\u0001';
const ENTRY = '\u0002';

/** Encodes a map the way Java clients do; entries with empty names or values are left out. */
export function encodeProperties(properties: Readonly<Record<string, string>>): string {
  let out = '';
  for (const name in properties) {
    const value = properties[name];
    if (value === undefined || value === '' || name === '') continue;
    if (out.length > 0) out += ENTRY;
    out += name + NAME_VALUE + value;
  }
  return out;
}

/** Decodes as Java does: split on 0x02, split each entry at its first 0x01, drop empties. */
export function decodeProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  if (text.length === 0) return properties;
  for (const entry of text.split(ENTRY)) {
    if (entry.length < 3) continue;
    const at = entry.indexOf(NAME_VALUE);
    if (at <= 0 || at === entry.length - 1) continue;
    properties[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return properties;
}

/** text with one more entry: what the SDK builds a message's properties with, entry by entry. */
export function appendProperty(text: string, name: string, value: string): string {
  return text.length === 0 ? name + NAME_VALUE + value : text + ENTRY + name + NAME_VALUE + value;
}

/** True when text holds a separator, so it cannot be a property name or value. */
export function hasPropertySeparator(text: string): boolean {
  return text.includes(NAME_VALUE) || text.includes(ENTRY);
}

/**
 * Where TAGS, KEYS and UNIQ_KEY values lie in the scanned bytes: [start, end), -1 when absent.
 * Mutable and reusable, so scanning a record allocates nothing.
 */
export interface ScannedProperties {
  tagsStart: number;
  tagsEnd: number;
  keysStart: number;
  keysEnd: number;
  uniqueKeyStart: number;
  uniqueKeyEnd: number;
}

export function emptyScan(): ScannedProperties {
  return {
    tagsStart: -1,
    tagsEnd: -1,
    keysStart: -1,
    keysEnd: -1,
    uniqueKeyStart: -1,
    uniqueKeyEnd: -1,
  };
}

const TAGS_BYTES = Buffer.from(MessageProperty.TAGS);
const KEYS_BYTES = Buffer.from(MessageProperty.KEYS);
const UNIQ_KEY_BYTES = Buffer.from(MessageProperty.UNIQ_KEY);

function nameEquals(bytes: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false;
  return true;
}

function record(
  found: ScannedProperties,
  bytes: Uint8Array,
  nameStart: number,
  separator: number,
  valueEnd: number,
): void {
  if (separator <= nameStart || valueEnd <= separator + 1) return;
  if (nameEquals(bytes, nameStart, separator, TAGS_BYTES)) {
    found.tagsStart = separator + 1;
    found.tagsEnd = valueEnd;
  } else if (nameEquals(bytes, nameStart, separator, KEYS_BYTES)) {
    found.keysStart = separator + 1;
    found.keysEnd = valueEnd;
  } else if (nameEquals(bytes, nameStart, separator, UNIQ_KEY_BYTES)) {
    found.uniqueKeyStart = separator + 1;
    found.uniqueKeyEnd = valueEnd;
  }
}

/**
 * Finds TAGS, KEYS and UNIQ_KEY in bytes[start, end) in one pass that never reads past end
 * (the bytes after a record in a write buffer are not its own). Entries without 0x01 are skipped.
 */
export function scanProperties(
  bytes: Uint8Array,
  start: number,
  end: number,
  into: ScannedProperties = emptyScan(),
): ScannedProperties {
  into.tagsStart =
    into.tagsEnd =
    into.keysStart =
    into.keysEnd =
    into.uniqueKeyStart =
    into.uniqueKeyEnd =
      -1;
  let entryStart = start;
  let separator = -1;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte === NAME_VALUE_SEPARATOR) {
      if (separator < 0) separator = i;
    } else if (byte === PROPERTY_SEPARATOR) {
      record(into, bytes, entryStart, separator, i);
      entryStart = i + 1;
      separator = -1;
    }
  }
  if (entryStart < end) record(into, bytes, entryStart, separator, end);
  return into;
}
