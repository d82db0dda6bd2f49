/**
 * Typed configuration from RocketMQ-style properties. A ConfigTable declares each key (type,
 * default, limits, meaning, group, environment variable), the keys accepted without effect and
 * the relations between keys, so that one table drives parsing, validation, `-p` printing,
 * `--help-keys` and the README's key list (config-docs.ts) for the broker and the name server.
 */
import { ThrustMQError } from '../protocol/thrustmq-error.ts';
import { ConfigErrorCode } from './config-error-codes.ts';

interface SpecCommon {
  doc: string;
  /** Heading the key is listed under in help and the README (tables list keys in order). */
  group?: string;
  /** Environment variable that sets the key, between the properties file and the flags. */
  env?: string;
  /** Field of the typed config when it differs from the properties key (a unit suffix). */
  field?: string;
  /** The default as documented, when the real one depends on the machine (a home directory). */
  shownDefault?: string;
}

export type FieldSpec = SpecCommon &
  (
    | {
        type: 'string';
        default: string;
        pattern?: RegExp;
        allowed?: string;
        /** A check richer than a pattern: returns what is allowed when the value is refused. */
        check?: (value: string) => string | undefined;
      }
    | { type: 'int'; default: number; min?: number; max?: number }
    | { type: 'bool'; default: boolean }
    | { type: 'enum'; default: string; values: readonly string[] }
  );

export type Schema = Record<string, FieldSpec>;

type ValueOf<F> = F extends { type: 'int' }
  ? number
  : F extends { type: 'bool' }
    ? boolean
    : string;
type FieldName<K, F> = F extends { field: infer N extends string } ? N : K;

export type ConfigOf<S extends Schema> = {
  -readonly [K in keyof S as FieldName<K, S[K]>]: ValueOf<S[K]>;
};

/**
 * A check between keys, run once every key has its value. `atLeast`/`atMost` compare two
 * integer keys (plus a fixed headroom); `check` covers the rest and returns the key to blame
 * and what is allowed. Keys are properties keys.
 */
export type Relation =
  | { key: string; atLeast: string; plus?: number; why: string }
  | { key: string; atMost: string; why: string }
  | {
      keys: readonly string[];
      doc: string;
      check: (values: Readonly<Record<string, unknown>>) => { key: string; allowed: string } | void;
    };

/** How a component words its errors (tests and operators' scripts match these lines). */
export interface ConfigMessages {
  /** A text value (file, environment, flag) that is refused; source names where it came from. */
  invalidText(key: string, raw: string, allowed: string, source: string | undefined): string;
  /** A typed value (embedding options, a relation) that is refused. */
  invalidValue(key: string, shown: string, allowed: string): string;
  unknownKey(key: string, suggestion: string | undefined, source: string | undefined): string;
  /** Always name the closest key, however far, rather than only a near one. */
  alwaysSuggest?: boolean;
}

export interface ConfigTable<S extends Schema = Schema> {
  /** The command the keys belong to (`broker`, `namesrv`): README markers, help headings. */
  readonly component: string;
  readonly keys: S;
  /** RocketMQ keys read without a warning though they change nothing here. */
  readonly acceptedWithoutEffect: readonly string[];
  readonly relations: readonly Relation[];
  readonly messages: ConfigMessages;
  /** Builds the error thrown (a component may keep its own ConfigError subclass). */
  readonly error?: (key: string, message: string) => ConfigError;
}

export class ConfigError extends ThrustMQError {
  override readonly name: string = 'ConfigError';
  declare readonly code: ConfigErrorCode;
  readonly key: string;
  constructor(key: string, message: string, code: ConfigErrorCode = ConfigErrorCode.INVALID_VALUE) {
    super(code, message);
    this.key = key;
  }
}

/** The broker's wording: `invalid value for KEY: 'VALUE' (allowed: ...)`. */
export const INVALID_VALUE_MESSAGES: ConfigMessages = {
  invalidText: (key, raw, allowed) => `invalid value for ${key}: '${raw}' (allowed: ${allowed})`,
  invalidValue: (key, shown, allowed) =>
    `invalid value for ${key}: '${shown}' (allowed: ${allowed})`,
  unknownKey: (key, suggestion) =>
    `unknown config key ${key} (ignored)${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`,
};

export interface ParseConfigResult<C> {
  config: C;
  warnings: string[];
}

/** Where values come from, for messages (a file name, "the command line"). */
export interface ParseOptions {
  source?: string;
}

export function fieldOf(key: string, spec: FieldSpec): string {
  return spec.field ?? key;
}

export function defaultsOf<S extends Schema>(table: ConfigTable<S>): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table.keys)) config[fieldOf(key, spec)] = spec.default;
  return config as ConfigOf<S>;
}

/**
 * Text values (properties file, then environment, then flags: later wins), parsed and checked
 * key by key, as a partial config: only the keys given. Unknown keys become warnings naming the
 * closest known key; an invalid value throws a ConfigError naming key, value and what is allowed.
 */
export function parseEntries<S extends Schema>(
  table: ConfigTable<S>,
  sources: Iterable<[string, string]>,
  options: ParseOptions = {},
): ParseConfigResult<Partial<ConfigOf<S>>> {
  const values: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const [key, raw] of sources) {
    const spec = Object.hasOwn(table.keys, key) ? table.keys[key] : undefined;
    if (spec === undefined) {
      if (!table.acceptedWithoutEffect.includes(key))
        warnings.push(table.messages.unknownKey(key, suggestKey(table, key), options.source));
      continue;
    }
    const text = raw.trim();
    const parsed = parseValue(text, spec);
    if (!parsed.ok)
      throw fail(table, key, table.messages.invalidText(key, text, parsed.allowed, options.source));
    values[fieldOf(key, spec)] = parsed.value;
  }
  return { config: values as Partial<ConfigOf<S>>, warnings };
}

/** parseEntries over the defaults: a whole config, before the relations are checked. */
export function parseConfig<S extends Schema>(
  table: ConfigTable<S>,
  sources: Iterable<[string, string]>,
  options: ParseOptions = {},
): ParseConfigResult<ConfigOf<S>> {
  const { config, warnings } = parseEntries(table, sources, options);
  return { config: { ...defaultsOf(table), ...config }, warnings };
}

/** parseConfig, then the relations: what a daemon does with its file and flags. */
export function loadConfig<S extends Schema>(
  table: ConfigTable<S>,
  sources: Iterable<[string, string]>,
  options: ParseOptions = {},
): ParseConfigResult<ConfigOf<S>> {
  const loaded = parseConfig(table, sources, options);
  checkRelations(table, loaded.config);
  return loaded;
}

/**
 * Typed values set programmatically (embedding), keyed by field, checked with the same rules
 * as text and merged over the defaults; the relations are the caller's next step.
 */
export function configFromValues<S extends Schema>(
  table: ConfigTable<S>,
  values: Readonly<Record<string, unknown>>,
): ConfigOf<S> {
  const config = defaultsOf(table) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(table.keys)) {
    const field = fieldOf(key, spec);
    const value = values[field];
    if (value === undefined) continue;
    config[field] = checkedValue(table, field, spec, value);
  }
  return config as ConfigOf<S>;
}

/**
 * What a whole config needs beyond each key's type, range and pattern (which parsing and
 * configFromValues apply): the keys' richer checks and the relations between keys.
 */
export function checkConfig<S extends Schema>(
  table: ConfigTable<S>,
  config: Readonly<Record<string, unknown>>,
): void {
  for (const [key, spec] of Object.entries(table.keys)) {
    const value = config[fieldOf(key, spec)];
    if (spec.type !== 'string' || spec.check === undefined || typeof value !== 'string') continue;
    const allowed = spec.check(value);
    if (allowed !== undefined)
      throw fail(table, key, table.messages.invalidValue(key, value, allowed));
  }
  checkRelations(table, config);
}

export function checkRelations<S extends Schema>(
  table: ConfigTable<S>,
  config: Readonly<Record<string, unknown>>,
): void {
  const byKey: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table.keys)) byKey[key] = config[fieldOf(key, spec)];
  for (const relation of table.relations) {
    const failed = relationFailure(relation, byKey);
    if (failed === undefined) continue;
    const shown = String(byKey[failed.key]);
    throw fail(table, failed.key, table.messages.invalidValue(failed.key, shown, failed.allowed));
  }
}

function relationFailure(
  relation: Relation,
  byKey: Readonly<Record<string, unknown>>,
): { key: string; allowed: string } | undefined {
  if ('check' in relation) return relation.check(byKey) ?? undefined;
  const value = byKey[relation.key] as number;
  if ('atMost' in relation) {
    const limit = byKey[relation.atMost] as number;
    if (value <= limit) return undefined;
    return { key: relation.key, allowed: `at most ${relation.atMost}=${limit}: ${relation.why}` };
  }
  const other = byKey[relation.atLeast] as number;
  const plus = relation.plus ?? 0;
  if (value >= other + plus) return undefined;
  const allowed =
    plus === 0
      ? `at least ${relation.atLeast}=${other}: ${relation.why}`
      : `at least ${relation.atLeast} + ${plus}, ${other + plus} with ${relation.atLeast}=${other}: ${relation.why}`;
  return { key: relation.key, allowed };
}

/** The effective config as properties entries, in table order (what `-p` prints). */
export function configEntries<S extends Schema>(
  table: ConfigTable<S>,
  config: ConfigOf<S>,
): Array<[string, string]> {
  const values = config as Record<string, unknown>;
  return Object.entries(table.keys).map(([key, spec]) => [key, String(values[fieldOf(key, spec)])]);
}

export function formatConfig<S extends Schema>(table: ConfigTable<S>, config: ConfigOf<S>): string {
  return configEntries(table, config)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

/** What a key allows, in the words of error messages, help and the README. */
export function allowedText(spec: FieldSpec): string {
  switch (spec.type) {
    case 'string':
      return spec.allowed ?? (spec.pattern ? String(spec.pattern) : 'any text');
    case 'bool':
      return "'true' or 'false'";
    case 'enum':
      return spec.values.join(', ');
    case 'int':
      return `an integer in [${spec.min ?? Number.MIN_SAFE_INTEGER}, ${spec.max ?? Number.MAX_SAFE_INTEGER}]`;
  }
}

type Parsed = { ok: true; value: string | number | boolean } | { ok: false; allowed: string };

function parseValue(raw: string, spec: FieldSpec): Parsed {
  const refused: Parsed = { ok: false, allowed: allowedText(spec) };
  switch (spec.type) {
    case 'string': {
      if (spec.pattern && !spec.pattern.test(raw)) return refused;
      const allowed = spec.check?.(raw);
      return allowed === undefined ? { ok: true, value: raw } : { ok: false, allowed };
    }
    case 'bool': {
      const lower = raw.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return refused;
      return { ok: true, value: lower === 'true' };
    }
    case 'enum':
      return spec.values.includes(raw) ? { ok: true, value: raw } : refused;
    case 'int': {
      const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      const inRange =
        Number.isSafeInteger(value) &&
        value >= (spec.min ?? Number.MIN_SAFE_INTEGER) &&
        value <= (spec.max ?? Number.MAX_SAFE_INTEGER);
      return inRange ? { ok: true, value } : refused;
    }
  }
}

/** A typed value passes the rules its text would, and is stored as its text would parse. */
function checkedValue(
  table: ConfigTable,
  field: string,
  spec: FieldSpec,
  value: unknown,
): string | number | boolean {
  // Text is read as a file's value would be (embedders may pass strings from the environment).
  const typeOk =
    typeof value === 'string' ||
    (spec.type === 'int' && typeof value === 'number') ||
    (spec.type === 'bool' && typeof value === 'boolean');
  const parsed: Parsed = typeOk
    ? parseValue(String(value), spec)
    : { ok: false, allowed: allowedText(spec) };
  if (parsed.ok) return parsed.value;
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  throw fail(table, field, table.messages.invalidValue(field, shown, parsed.allowed));
}

function fail(table: ConfigTable, key: string, message: string): ConfigError {
  return table.error ? table.error(key, message) : new ConfigError(key, message);
}

/** The known key (properties key or field) nearest to a misspelt one, as a properties key. */
function suggestKey(table: ConfigTable, key: string): string | undefined {
  const keyOfName = new Map<string, string>();
  for (const [known, spec] of Object.entries(table.keys)) {
    keyOfName.set(known, known);
    keyOfName.set(fieldOf(known, spec), known);
  }
  const best = closestKey(key, [...keyOfName.keys()], table.messages.alwaysSuggest);
  return best === undefined ? undefined : keyOfName.get(best);
}

/** The known key nearest to a misspelt one, or undefined when none is near enough to suggest. */
export function closestKey(
  key: string,
  known: readonly string[],
  always = false,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase().slice(0, 200), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return always || bestDistance <= Math.max(2, key.length / 3) ? best : undefined;
}

/** Levenshtein distance; callers clip hostile keys, so the quadratic table stays small. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Sets the group of every key of a part of a schema (the keys keep their types). */
export function inGroup<const S extends Schema>(group: string, keys: S): S {
  const grouped: Record<string, FieldSpec> = {};
  for (const [key, spec] of Object.entries(keys)) grouped[key] = { ...spec, group };
  return grouped as S;
}
