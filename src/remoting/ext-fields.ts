/**
 * Typed reads of a request's extFields, with Java's parsing rules (protocol/REMOTING.md 3):
 * Integer.parseInt / Long.parseLong accept an optional sign and decimal digits only, and
 * Boolean.parseBoolean is "true" in any case, anything else false. Values are strings after
 * decoding (frame-codec stringifies numbers and booleans).
 */
import type { RemotingCommand } from './command.ts';
import { HeaderFieldError } from './errors.ts';

export { HeaderFieldError } from './errors.ts';

const INTEGER_TEXT = /^[+-]?\d+$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function rawField(command: RemotingCommand, name: string): string | undefined {
  const fields = command.extFields;
  if (fields === undefined || fields === null) return undefined;
  // A non-string (e.g. an inherited Object.prototype member) counts as absent.
  const value: unknown = fields[name];
  return typeof value === 'string' ? value : undefined;
}

function missing(name: string): HeaderFieldError {
  return new HeaderFieldError(name, `the custom field ${name} is null`);
}

function invalid(name: string, kind: 'int' | 'long', value: string): HeaderFieldError {
  return new HeaderFieldError(name, `the custom field ${name} is not a valid ${kind}: ${value}`);
}

function parseInt32(name: string, value: string): number {
  if (INTEGER_TEXT.test(value)) {
    const parsed = Number(value);
    if (parsed >= INT32_MIN && parsed <= INT32_MAX) return parsed;
  }
  throw invalid(name, 'int', value);
}

function parseLong(name: string, value: string): number {
  if (INTEGER_TEXT.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw invalid(name, 'long', value);
}

export function requireString(command: RemotingCommand, name: string): string {
  const value = rawField(command, name);
  if (value === undefined) throw missing(name);
  return value;
}

/** A 32-bit signed integer field. */
export function requireInt(command: RemotingCommand, name: string): number {
  return parseInt32(name, requireString(command, name));
}

/** A 64-bit field as a number; values beyond 2^53 are refused rather than rounded. */
export function requireLong(command: RemotingCommand, name: string): number {
  return parseLong(name, requireString(command, name));
}

export function optionalString(command: RemotingCommand, name: string): string | undefined {
  return rawField(command, name);
}

export function optionalInt(command: RemotingCommand, name: string): number | undefined {
  const value = rawField(command, name);
  return value === undefined ? undefined : parseInt32(name, value);
}

export function optionalLong(command: RemotingCommand, name: string): number | undefined {
  const value = rawField(command, name);
  return value === undefined ? undefined : parseLong(name, value);
}

/** Java's Boolean.parseBoolean when present, `fallback` when absent. */
export function optionalBool(command: RemotingCommand, name: string, fallback: boolean): boolean {
  const value = rawField(command, name);
  if (value === undefined) return fallback;
  return value.length === 4 && value.toLowerCase() === 'true';
}
