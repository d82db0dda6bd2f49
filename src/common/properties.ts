/**
 * Java .properties text, as RocketMQ's broker.properties and namesrv.properties are written:
 * `#`/`!` comments, `key=value`, `key: value` or `key value`, backslash line continuations and
 * the usual escapes. Later keys win, as in java.util.Properties.
 */
import { readFileSync } from 'node:fs';
import { ThrustMQError } from '../protocol/thrustmq-error.ts';
import { PropertiesErrorCode } from './config-error-codes.ts';

export class PropertiesError extends ThrustMQError {
  override readonly name = 'PropertiesError';
  declare readonly code: PropertiesErrorCode;
}

const MAX_PROPERTIES_BYTES = 1024 * 1024;

export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(line)) line = line.slice(0, -1);
    const { key, value } = splitEntry(line);
    result.set(unescape(key), unescape(value));
  }
  return result;
}

export function readPropertiesFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new PropertiesError(
      PropertiesErrorCode.UNREADABLE,
      `cannot read properties file ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (Buffer.byteLength(text) > MAX_PROPERTIES_BYTES)
    throw new PropertiesError(
      PropertiesErrorCode.TOO_LARGE,
      `properties file ${path} is larger than 1 MiB`,
    );
  return parseProperties(text);
}

/** key=value lines, escaped so parseProperties reads the same map back. */
export function formatProperties(entries: Iterable<[string, string]>): string {
  let out = '';
  for (const [key, value] of entries) out += `${escape(key, true)}=${escape(value, false)}\n`;
  return out;
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function splitEntry(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    i++;
  }
  const key = line.slice(0, i);
  let rest = line.slice(i).replace(/^[ \t\f]+/, '');
  if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]+/, '');
  return { key, value: rest };
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i]!;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}

function escape(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' || c === '=' || c === ':' || c === '#' || c === '!') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else out += c;
  }
  return out;
}
