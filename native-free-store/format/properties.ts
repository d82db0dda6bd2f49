/**
 * RocketMQ message properties: `name 0x01 value 0x02 name 0x01 value`, no trailing 0x02
 * (protocol/REMOTING.md 13.2). The store only needs a few of them (TAGS, KEYS, UNIQ_KEY), so it
 * scans the encoded bytes in place instead of building a map.
 */
export const NAME_VALUE_SEPARATOR = 0x01;
export const PROPERTY_SEPARATOR = 0x02;

export const PropertyName = {
  TAGS: 'TAGS',
  KEYS: 'KEYS',
  UNIQ_KEY: 'UNIQ_KEY',
  DELAY: 'DELAY',
  WAIT: 'WAIT',
} as const;

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

const TAGS_BYTES = Buffer.from(PropertyName.TAGS);
const KEYS_BYTES = Buffer.from(PropertyName.KEYS);
const UNIQ_KEY_BYTES = Buffer.from(PropertyName.UNIQ_KEY);

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

/** Encodes a map the way Java clients do; entries with empty names or values are left out. */
export function encodeProperties(properties: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (name.length === 0 || value.length === 0) continue;
    parts.push(`${name}\u0001${value}`);
  }
  return parts.join('\u0002');
}

/** Decodes as Java does: split on 0x02, split each entry at its first 0x01, drop empties. */
export function decodeProperties(encoded: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const entry of encoded.split('\u0002')) {
    if (entry.length < 3) continue;
    const separator = entry.indexOf('\u0001');
    if (separator <= 0 || separator === entry.length - 1) continue;
    properties[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return properties;
}
