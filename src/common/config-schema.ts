/**
 * Typed configuration from RocketMQ-style properties: each key declares its type, default and
 * what it means, so one table drives parsing, validation, `-p` printing and the docs.
 */
export type FieldSpec =
  | { type: 'string'; default: string; doc: string; pattern?: RegExp; allowed?: string }
  | { type: 'int'; default: number; doc: string; min?: number; max?: number }
  | { type: 'bool'; default: boolean; doc: string }
  | { type: 'enum'; default: string; doc: string; values: readonly string[] };

export type Schema = Record<string, FieldSpec>;

export type ConfigOf<S extends Schema> = {
  -readonly [K in keyof S]: S[K] extends { type: 'int' }
    ? number
    : S[K] extends { type: 'bool' }
      ? boolean
      : string;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

export interface ParseConfigResult<S extends Schema> {
  config: ConfigOf<S>;
  warnings: string[];
}

export function defaultsOf<S extends Schema>(schema: S): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) config[key] = spec.default;
  return config as ConfigOf<S>;
}

/**
 * Merges text values (from a properties file, then the environment, then flags: later sources
 * win) over the defaults. Unknown keys become warnings naming the closest known key; an
 * invalid value throws a ConfigError naming the key, the value and what is allowed.
 */
export function parseConfig<S extends Schema>(
  schema: S,
  sources: Iterable<[string, string]>,
  ignoredKeys: ReadonlySet<string> = new Set(),
): ParseConfigResult<S> {
  const config = defaultsOf(schema) as Record<string, unknown>;
  const warnings: string[] = [];
  for (const [key, raw] of sources) {
    const spec = schema[key];
    if (!spec) {
      if (!ignoredKeys.has(key)) warnings.push(unknownKeyWarning(key, Object.keys(schema)));
      continue;
    }
    config[key] = parseValue(key, raw.trim(), spec);
  }
  return { config: config as ConfigOf<S>, warnings };
}

/** Checks values set programmatically (embedding) with the same rules as text values. */
export function validateConfig<S extends Schema>(schema: S, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    const spec = schema[key];
    if (!spec || value === undefined) continue;
    parseValue(key, String(value), spec);
  }
}

export function formatConfig<S extends Schema>(schema: S, config: ConfigOf<S>): string {
  return Object.keys(schema)
    .map((key) => `${key}=${String((config as Record<string, unknown>)[key])}`)
    .join('\n');
}

function parseValue(key: string, raw: string, spec: FieldSpec): string | number | boolean {
  const fail = (allowed: string): never => {
    throw new ConfigError(key, `invalid value for ${key}: '${raw}' (allowed: ${allowed})`);
  };
  switch (spec.type) {
    case 'string':
      if (spec.pattern && !spec.pattern.test(raw)) fail(spec.allowed ?? String(spec.pattern));
      return raw;
    case 'bool': {
      const lower = raw.toLowerCase();
      if (lower !== 'true' && lower !== 'false') fail('true or false');
      return lower === 'true';
    }
    case 'enum':
      if (!spec.values.includes(raw)) fail(spec.values.join(', '));
      return raw;
    case 'int': {
      const min = spec.min ?? Number.MIN_SAFE_INTEGER;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        fail(`an integer in [${min}, ${max}]`);
      }
      return value;
    }
  }
}

function unknownKeyWarning(key: string, known: string[]): string {
  const best = closestKey(key, known);
  return `unknown config key ${key} (ignored)${best === undefined ? '' : `; did you mean ${best}?`}`;
}

/** The known key nearest to a misspelt one, or undefined when none is near enough to suggest. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase().slice(0, 200), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, key.length / 3) ? best : undefined;
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
