/**
 * Request schemas: what each request code's extFields and body may hold, checked before its
 * handler runs, so a handler only ever sees well-formed values and a hostile header is refused
 * without touching state. Parsing follows Java's rules (ext-fields.ts): Integer.parseInt and
 * Long.parseLong accept an optional sign and decimal digits only.
 *
 * A violation answers SYSTEM_ERROR (what RocketMQ's decodeCommandCustomHeader failures answer)
 * with a remark that names the field.
 */
import { createResponse } from './command.ts';
import type { RemotingCommand } from './command.ts';
import { ResponseCode } from './codes.ts';
import { MAX_GROUP_LENGTH, MAX_TOPIC_LENGTH } from '../protocol/limits.ts';
import { NAME_PATTERN } from '../protocol/topic-names.ts';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Longs beyond 2^53 are refused rather than rounded. */
const LONG_MIN = Number.MIN_SAFE_INTEGER;
const LONG_MAX = Number.MAX_SAFE_INTEGER;
/** Any string field without its own maxLength: far above real values, far below a frame. */
export const DEFAULT_MAX_FIELD_LENGTH = 32 * 1024;

interface Presence {
  /** Default false. */
  required?: boolean;
}

export type FieldRule =
  | (Presence & { type: 'string'; maxLength?: number })
  | (Presence & { type: 'int'; min?: number; max?: number })
  | (Presence & { type: 'long'; min?: number; max?: number })
  /** Java's Boolean.parseBoolean: any text is a value; only its length is bounded. */
  | (Presence & { type: 'bool' })
  | (Presence & { type: 'enum'; values: readonly string[] })
  /** A topic name by TopicValidator's rules. */
  | (Presence & { type: 'topic' })
  /** A consumer or producer group name: the same characters, up to 255 long. */
  | (Presence & { type: 'group' });

export interface RequestSchema {
  /** extFields keys and their rules; keys not listed are ignored, as Java ignores them. */
  fields?: Readonly<Record<string, FieldRule>>;
  /** Default: a body is allowed, not required, bounded only by the frame limit. */
  body?: { required?: boolean; maxBytes?: number };
}

export interface SchemaViolation {
  /** The extFields key at fault, or 'body'. */
  field: string;
  remark: string;
}

/** A schema flattened for the per-request check: one array walk, no key enumeration. */
export interface CompiledSchema {
  readonly fields: ReadonlyArray<readonly [string, FieldRule]>;
  readonly bodyRequired: boolean;
  readonly maxBodyBytes: number;
}

export function compileSchema(schema: RequestSchema): CompiledSchema {
  const fields = Object.entries(schema.fields ?? {});
  for (const [name, rule] of fields) {
    if (rule.type === 'enum' && rule.values.length === 0) {
      throw new Error(`schema field ${name}: an enum needs values`);
    }
  }
  return {
    fields,
    bodyRequired: schema.body?.required ?? false,
    maxBodyBytes: schema.body?.maxBytes ?? Number.MAX_SAFE_INTEGER,
  };
}

/** Java's wording for a header field it could not decode. */
function invalid(field: string, why: string): SchemaViolation {
  return { field, remark: `the custom field ${field} ${why}` };
}

/**
 * Integer.parseInt / Long.parseLong syntax: an optional sign, then 1-20 decimal digits. A char
 * loop, not a regex: this runs for most fields of every send.
 */
function integerValue(value: string): number {
  const length = value.length;
  if (length === 0 || length > 21) return Number.NaN;
  let i = 0;
  const first = value.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) i = 1; // + or -
  if (i === length) return Number.NaN;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return Number.NaN;
  }
  return Number(value);
}

function checkInteger(
  field: string,
  value: string,
  kind: 'int' | 'long',
  min: number | undefined,
  max: number | undefined,
): SchemaViolation | undefined {
  const parsed = integerValue(value);
  const lowest = kind === 'int' ? INT32_MIN : LONG_MIN;
  const highest = kind === 'int' ? INT32_MAX : LONG_MAX;
  if (!(parsed >= lowest && parsed <= highest)) {
    return invalid(field, `is not a valid ${kind}: ${clip(value)}`);
  }
  if (min !== undefined && parsed < min) return invalid(field, `must be >= ${min}, got ${value}`);
  if (max !== undefined && parsed > max) return invalid(field, `must be <= ${max}, got ${value}`);
  return undefined;
}

/** Names already found valid: the same few topics and groups recur in every request. */
const MAX_REMEMBERED_NAMES = 10_000;
const validNames = { topic: new Set<string>(), group: new Set<string>() };

/** Why `name` is not a usable topic or group name, in TopicValidator's words. */
export function nameProblem(kind: 'topic' | 'group', name: string): string | undefined {
  const maxLength = kind === 'topic' ? MAX_TOPIC_LENGTH : MAX_GROUP_LENGTH;
  if (name.trim() === '') return `The specified ${kind} is blank.`;
  if (name.length > maxLength)
    return `The specified ${kind} is longer than ${kind} max length ${maxLength}.`;
  if (!NAME_PATTERN.test(name))
    return `The specified ${kind}[${clip(name)}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  return undefined;
}

function checkField(field: string, rule: FieldRule, value: string): SchemaViolation | undefined {
  switch (rule.type) {
    case 'int':
    case 'long':
      return checkInteger(field, value, rule.type, rule.min, rule.max);
    case 'string':
      if (value.length > (rule.maxLength ?? DEFAULT_MAX_FIELD_LENGTH))
        return invalid(
          field,
          `is ${value.length} characters, at most ${rule.maxLength ?? DEFAULT_MAX_FIELD_LENGTH}`,
        );
      return undefined;
    case 'bool':
      return value.length > 16 ? invalid(field, `is not a boolean: ${clip(value)}`) : undefined;
    case 'enum':
      return rule.values.includes(value)
        ? undefined
        : invalid(field, `must be one of ${rule.values.join(', ')}, got ${clip(value)}`);
    case 'topic':
    case 'group': {
      const known = validNames[rule.type];
      if (known.has(value)) return undefined;
      const problem = nameProblem(rule.type, value);
      if (problem !== undefined) return { field, remark: `${field}: ${problem}` };
      if (known.size < MAX_REMEMBERED_NAMES) known.add(value);
      return undefined;
    }
  }
}

/** The first violation of `schema` in `request`, or undefined when it conforms. */
export function checkRequest(
  schema: CompiledSchema,
  request: RemotingCommand,
): SchemaViolation | undefined {
  const ext = request.extFields;
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]![0];
    const rule = fields[i]![1];
    // Only a string is a value: what "__proto__" or "constructor" inherit from Object.prototype
    // (an object, a function) counts as absent, as in ext-fields.ts.
    const raw: unknown = ext !== undefined && ext !== null ? ext[field] : undefined;
    if (typeof raw !== 'string') {
      if (rule.required) return invalid(field, 'is null');
      continue;
    }
    const violation = checkField(field, rule, raw);
    if (violation !== undefined) return violation;
  }
  const bodyBytes = request.body?.length ?? 0;
  if (schema.bodyRequired && bodyBytes === 0) return { field: 'body', remark: 'the body is empty' };
  if (bodyBytes > schema.maxBodyBytes)
    return {
      field: 'body',
      remark: `the body is ${bodyBytes} bytes, at most ${schema.maxBodyBytes}`,
    };
  return undefined;
}

/** SYSTEM_ERROR naming the violation when `request` breaks the schema, else undefined. */
export function schemaViolation(
  compiled: CompiledSchema,
  request: RemotingCommand,
): RemotingCommand | undefined {
  const violation = checkRequest(compiled, request);
  if (violation === undefined) return undefined;
  return createResponse(request, ResponseCode.SYSTEM_ERROR, violation.remark);
}

/**
 * `handler` behind `schema`: a request that breaks the schema is answered SYSTEM_ERROR with
 * the violation's remark and never reaches the handler.
 */
export function guardHandler<C, R>(
  schema: RequestSchema,
  handler: (request: RemotingCommand, connection: C) => R,
): (request: RemotingCommand, connection: C) => R | RemotingCommand {
  const compiled = compileSchema(schema);
  return (request, connection) =>
    schemaViolation(compiled, request) ?? handler(request, connection);
}

/** Hostile values go back in remarks and logs: keep them short. */
function clip(value: string): string {
  return value.length <= 64 ? value : `${value.slice(0, 64)}... (${value.length} characters)`;
}
