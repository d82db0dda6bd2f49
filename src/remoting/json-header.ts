/**
 * The JSON command header (serialize type 0, protocol/REMOTING.md 3).
 *
 * Reading is lenient as peers differ: ali-ons sends extFields numbers and booleans as JSON
 * numbers and booleans (clients/ali-ons.md 2), Go omits serializeTypeCurrentRPC, C++ always
 * sends remark. Missing language/version/flag take Java's field defaults (JAVA, 0, 0); code and
 * opaque are required 32-bit integers.
 *
 * Writing builds the text directly, keys in the alphabetical order Java emits, extFields
 * values always JSON strings, remark and extFields omitted when absent.
 */
import { SerializeType } from './command.ts';
import type { RemotingCommand } from './command.ts';
import { RemotingError } from './errors.ts';

function malformed(message: string, cause?: unknown): RemotingError {
  return new RemotingError('REMOTING_MALFORMED', message, { cause });
}

function isInt32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value;
}

/** Stringifies in place any value that is not a string; drops null members. */
function normalizeExtFields(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw malformed('JSON header extFields is not an object');
  }
  const fields = raw as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'string') continue;
    if (value === null || value === undefined) delete fields[key];
    else if (typeof value === 'object') fields[key] = JSON.stringify(value);
    else fields[key] = String(value);
  }
  return fields as Record<string, string>;
}

/** Decodes the header bytes frame[start, end) and attaches `body`. */
export function decodeJsonHeader(
  frame: Buffer,
  start: number,
  end: number,
  body: Buffer | undefined,
): RemotingCommand {
  let header: unknown;
  try {
    header = JSON.parse(frame.toString('utf8', start, end));
  } catch (cause) {
    throw malformed(`JSON header is not valid JSON: ${(cause as Error).message}`, cause);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw malformed('JSON header is not an object');
  }
  const fields = header as Record<string, unknown>;
  const { code, opaque, flag, version, language, remark } = fields;
  if (!isInt32(code)) throw malformed(`JSON header code is not a 32-bit integer: ${String(code)}`);
  if (!isInt32(opaque)) {
    throw malformed(`JSON header opaque is not a 32-bit integer: ${String(opaque)}`);
  }
  if (flag !== undefined && flag !== null && !isInt32(flag)) {
    throw malformed(`JSON header flag is not a 32-bit integer: ${String(flag)}`);
  }
  return {
    code,
    language: typeof language === 'string' ? language : 'JAVA',
    version: isInt32(version) ? version : 0,
    opaque,
    flag: isInt32(flag) ? flag : 0,
    remark: typeof remark === 'string' ? remark : undefined,
    extFields: normalizeExtFields(fields['extFields']),
    body,
    serializeType: SerializeType.JSON,
  };
}

/**
 * JSON.stringify(text), with the quotes added directly when nothing needs escaping (quote,
 * backslash, control characters, surrogates): header values are short and plain, and
 * JSON.stringify per key and value was most of the cost of encoding a send response.
 */
function quoteJson(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      return JSON.stringify(text);
    }
  }
  return '"' + text + '"';
}

/** The same few extFields keys recur in every command: quote each once (at most 1,024 kept). */
const MAX_QUOTED_KEYS = 1024;
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function encodeExtFields(fields: Record<string, string>): string {
  let text = '{';
  let first = true;
  for (const key in fields) {
    const value: unknown = fields[key];
    if (value === undefined || value === null) continue;
    if (!first) text += ',';
    text += quoteKey(key) + ':' + quoteJson(typeof value === 'string' ? value : String(value));
    first = false;
  }
  return text + '}';
}

const QUOTED_JAVA = '"JAVA"';

/** The header text; the caller measures and writes it. */
export function encodeJsonHeader(command: RemotingCommand): string {
  let text = '{"code":' + (command.code | 0);
  if (command.extFields !== undefined && command.extFields !== null) {
    text += ',"extFields":' + encodeExtFields(command.extFields);
  }
  text += ',"flag":' + (command.flag | 0);
  text +=
    ',"language":' +
    (command.language === 'JAVA' ? QUOTED_JAVA : JSON.stringify(String(command.language)));
  text += ',"opaque":' + (command.opaque | 0);
  if (command.remark !== undefined && command.remark !== null) {
    text += ',"remark":' + JSON.stringify(String(command.remark));
  }
  return text + ',"serializeTypeCurrentRPC":"JSON","version":' + (command.version | 0) + '}';
}
