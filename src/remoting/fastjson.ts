/**
 * JSON as fastjson 1.x writes and reads it (protocol/REMOTING.md 7).
 *
 * toFastJson writes the default form: object keys sorted, null members omitted, no spaces,
 * raw UTF-8, number-keyed maps with bare keys ({0:"a"}) and object-keyed maps with the key
 * object itself as key ({{"queueId":0,...}:1}). The standard form (route data for clients at
 * 4.9.4 and later) quotes every key, sorts map entries, escapes non-ASCII as \uXXXX and quotes
 * integers outside +-(2^53-1).
 *
 * parseLenientJson reads both, plus bare identifier keys. A bare number key becomes its text,
 * an object key becomes that object's compact, key-sorted JSON text. Integers beyond 2^53 come
 * back as bigint so offsets written by Java are not rounded.
 */
import { RemotingError } from './errors.ts';

export interface FastJsonOptions {
  /** fastjson's BrowserCompatible/QuoteFieldNames/MapSortField form. */
  standard?: boolean;
}

const MAX_DEPTH = 64;

export function toFastJson(value: unknown, options?: FastJsonOptions): string {
  return write(value, options?.standard === true, 0) ?? 'null';
}

function tooDeep(): RemotingError {
  return new RemotingError('REMOTING_MALFORMED', `JSON nesting deeper than ${MAX_DEPTH}`);
}

const NON_ASCII = /[\u0080-\uffff]/g;

function quote(text: string, standard: boolean): string {
  const json = JSON.stringify(text);
  if (!standard) return json;
  return json.replace(NON_ASCII, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function writeNumber(value: number, standard: boolean): string {
  if (!Number.isFinite(value)) return 'null';
  if (Number.isInteger(value)) {
    const digits = Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
    return standard && !Number.isSafeInteger(value) ? '"' + digits + '"' : digits;
  }
  return String(value);
}

function writeBigInt(value: bigint, standard: boolean): string {
  const digits = value.toString();
  const unsafe =
    value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER);
  return standard && unsafe ? '"' + digits + '"' : digits;
}

/** undefined means "omit this member". */
function write(value: unknown, standard: boolean, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value, standard);
    case 'number':
      return writeNumber(value, standard);
    case 'bigint':
      return writeBigInt(value, standard);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return undefined;
      if (depth >= MAX_DEPTH) throw tooDeep();
      return writeObject(value, standard, depth + 1);
    default:
      return undefined;
  }
}

function writeObject(value: object, standard: boolean, depth: number): string {
  if (Array.isArray(value)) return writeArray(value, standard, depth);
  if (value instanceof Set) return writeArray([...value], standard, depth);
  if (value instanceof Map) return writeMap(value, standard, depth);
  if (value instanceof Date) return String(value.getTime());
  if (value instanceof Uint8Array) return '"' + Buffer.from(value).toString('base64') + '"';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const member = write(record[key], standard, depth);
    if (member === undefined) continue;
    if (text.length > 1) text += ',';
    text += quote(key, standard) + ':' + member;
  }
  return text + '}';
}

function writeArray(values: readonly unknown[], standard: boolean, depth: number): string {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    text += write(values[i], standard, depth) ?? 'null';
  }
  return text + ']';
}

interface MapEntry {
  key: string;
  /** Numeric keys sort by value, others by their text. */
  order: number | bigint | string;
  value: string;
}

function writeMap(map: Map<unknown, unknown>, standard: boolean, depth: number): string {
  const entries: MapEntry[] = [];
  for (const [rawKey, rawValue] of map) {
    const value = write(rawValue, standard, depth);
    if (value === undefined || rawKey === null || rawKey === undefined) continue;
    let key: string;
    let order: number | bigint | string;
    if (typeof rawKey === 'number' || typeof rawKey === 'bigint') {
      order = rawKey;
      const digits =
        typeof rawKey === 'number' ? writeNumber(rawKey, false) : writeBigInt(rawKey, false);
      key = standard ? '"' + digits + '"' : digits;
    } else if (typeof rawKey === 'object') {
      const keyText = write(rawKey, standard, depth)!;
      order = keyText;
      key = standard ? quote(keyText, true) : keyText;
    } else {
      order = String(rawKey);
      key = quote(order, standard);
    }
    entries.push({ key, order, value });
  }
  entries.sort(compareEntries);
  let text = '{';
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) text += ',';
    text += entries[i]!.key + ':' + entries[i]!.value;
  }
  return text + '}';
}

function compareEntries(a: MapEntry, b: MapEntry): number {
  const aText = typeof a.order === 'string';
  const bText = typeof b.order === 'string';
  if (aText !== bText) return aText ? 1 : -1;
  return a.order < b.order ? -1 : a.order > b.order ? 1 : 0;
}

/** Parses standard JSON and fastjson's bare-number, bare-identifier and object keys. */
export function parseLenientJson(text: string): unknown {
  const parser = new LenientParser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.position !== text.length) throw parser.fail('unexpected text after the value');
  return value;
}

const INTEGER_KEY = /-?\d+/y;
const IDENTIFIER_KEY = /[A-Za-z_$][\w$]*/y;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class LenientParser {
  position = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  fail(what: string): RemotingError {
    return new RemotingError('REMOTING_MALFORMED', `lenient JSON: ${what} at ${this.position}`);
  }

  skipSpace(): void {
    const text = this.#text;
    let position = this.position;
    while (position < text.length) {
      const c = text.charCodeAt(position);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      position++;
    }
    this.position = position;
  }

  value(depth: number): unknown {
    const c = this.#text[this.position];
    if (c === '{') return this.#object(depth + 1);
    if (c === '[') return this.#array(depth + 1);
    if (c === '"' || c === "'") return this.#string(c);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    if (this.#literal('true')) return true;
    if (this.#literal('false')) return false;
    if (this.#literal('null')) return null;
    throw this.fail(c === undefined ? 'unexpected end' : `unexpected character ${c}`);
  }

  #literal(word: string): boolean {
    if (!this.#text.startsWith(word, this.position)) return false;
    this.position += word.length;
    return true;
  }

  #object(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.position++;
    const result: Record<string, unknown> = {};
    this.skipSpace();
    if (this.#text[this.position] === '}') {
      this.position++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      const key = this.#key(depth);
      this.skipSpace();
      if (this.#text[this.position] !== ':') throw this.fail('expected :');
      this.position++;
      this.skipSpace();
      const member = this.value(depth);
      // defineProperty keeps a "__proto__" key an ordinary member.
      Object.defineProperty(result, key, {
        value: member,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const next = this.#text[this.position++];
      if (next === '}') return result;
      if (next !== ',') throw this.fail('expected , or }');
    }
  }

  #key(depth: number): string {
    const c = this.#text[this.position];
    if (c === '"' || c === "'") return this.#string(c);
    if (c === '{') return toFastJson(this.#object(depth + 1));
    const key = this.#match(INTEGER_KEY) ?? this.#match(IDENTIFIER_KEY);
    if (key === undefined) throw this.fail('expected a key');
    return key;
  }

  #match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const match = pattern.exec(this.#text);
    if (match === null) return undefined;
    this.position += match[0].length;
    return match[0];
  }

  #array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.position++;
    const result: unknown[] = [];
    this.skipSpace();
    if (this.#text[this.position] === ']') {
      this.position++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      result.push(this.value(depth));
      this.skipSpace();
      const next = this.#text[this.position++];
      if (next === ']') return result;
      if (next !== ',') throw this.fail('expected , or ]');
    }
  }

  #string(quoteChar: string): string {
    const text = this.#text;
    const quoteCode = quoteChar.charCodeAt(0);
    let position = this.position + 1;
    let start = position;
    let out = '';
    while (position < text.length) {
      const c = text.charCodeAt(position);
      if (c === quoteCode) {
        this.position = position + 1;
        return out + text.slice(start, position);
      }
      if (c !== 92) {
        position++;
        continue;
      }
      out += text.slice(start, position);
      const escape = text[position + 1];
      if (escape === 'u') {
        const hex = text.slice(position + 2, position + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.position = position;
          throw this.fail('bad \\u escape');
        }
        out += String.fromCharCode(parseInt(hex, 16));
        position += 6;
      } else {
        const replacement = escape === undefined ? undefined : ESCAPES[escape];
        if (replacement === undefined) {
          this.position = position;
          throw this.fail('bad escape');
        }
        out += replacement;
        position += 2;
      }
      start = position;
    }
    this.position = position;
    throw this.fail('unterminated string');
  }

  #number(): number | bigint {
    const text = this.#match(NUMBER);
    if (text === undefined) throw this.fail('bad number');
    const value = Number(text);
    if (Number.isInteger(value) && !Number.isSafeInteger(value) && /^-?\d+$/.test(text)) {
      return BigInt(text);
    }
    return value;
  }
}
