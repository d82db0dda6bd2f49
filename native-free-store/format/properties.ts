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

/** A value's position inside an encoded properties buffer. */
export interface PropertySpan {
  start: number;
  end: number;
}

/** What dispatch needs from a record's properties; positions index the buffer scanned. */
export interface ScannedProperties {
  tags: PropertySpan | undefined;
  keys: PropertySpan | undefined;
  uniqueKey: PropertySpan | undefined;
}

const TAGS_BYTES = Buffer.from(PropertyName.TAGS);
const KEYS_BYTES = Buffer.from(PropertyName.KEYS);
const UNIQ_KEY_BYTES = Buffer.from(PropertyName.UNIQ_KEY);

function nameEquals(bytes: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false;
  return true;
}

/** Finds TAGS, KEYS and UNIQ_KEY in bytes[start, end). Entries without a 0x01 are skipped. */
export function scanProperties(bytes: Uint8Array, start: number, end: number): ScannedProperties {
  const found: ScannedProperties = { tags: undefined, keys: undefined, uniqueKey: undefined };
  let entryStart = start;
  while (entryStart < end) {
    let entryEnd = bytes.indexOf(PROPERTY_SEPARATOR, entryStart);
    if (entryEnd < 0 || entryEnd > end) entryEnd = end;
    const separator = bytes.indexOf(NAME_VALUE_SEPARATOR, entryStart);
    if (separator > entryStart && separator < entryEnd) {
      const value = { start: separator + 1, end: entryEnd };
      if (value.end > value.start) {
        if (nameEquals(bytes, entryStart, separator, TAGS_BYTES)) found.tags = value;
        else if (nameEquals(bytes, entryStart, separator, KEYS_BYTES)) found.keys = value;
        else if (nameEquals(bytes, entryStart, separator, UNIQ_KEY_BYTES)) found.uniqueKey = value;
      }
    }
    entryStart = entryEnd + 1;
  }
  return found;
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
