import { ConfigError, registerSecret } from './errors.js';

/** Option value types, as Flink's ConfigOptions know them. */
export type OptionType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'duration' | 'memory' | 'enum' | 'list' | 'map' | 'password';

export interface OptionSpec {
  readonly key: string;
  readonly type: OptionType;
  readonly required?: boolean;
  /** The value used when the key is absent (already in the parsed form: ms for durations, bytes for memory). */
  readonly default?: string | number | boolean | readonly string[];
  readonly description: string;
  /** For `enum`: the accepted values (matched case-insensitively, returned as written here). */
  readonly values?: readonly string[];
  /** Older names still accepted: a warning tells the user the new key. */
  readonly deprecatedKeys?: readonly string[];
  /** Never printed; registered for redaction. `password` options are secret by definition. */
  readonly secret?: boolean;
}

/** A prefix whose keys pass through unvalidated to the driver (`properties.`, `jdbc.properties.` ...). */
export interface PassThroughPrefix {
  readonly prefix: string;
  readonly description: string;
}

export type OptionValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;

export interface ValidationResult {
  readonly options: ResolvedOptions;
  readonly warnings: readonly string[];
}

/** Validated options with typed getters. Unset optional keys without default read as undefined. */
export class ResolvedOptions {
  constructor(
    readonly values: Readonly<Record<string, OptionValue>>,
    /** prefix -> (key without prefix -> value) */
    readonly passThrough: Readonly<Record<string, Readonly<Record<string, string>>>>,
  ) {}

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }
  get(key: string): OptionValue | undefined {
    return this.values[key];
  }
  string(key: string): string | undefined {
    const v = this.values[key];
    return v === undefined ? undefined : String(v);
  }
  requireString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw new ConfigError(`option "${key}" is required`);
    return v;
  }
  number(key: string): number | undefined {
    const v = this.values[key];
    return typeof v === 'number' ? v : undefined;
  }
  boolean(key: string): boolean | undefined {
    const v = this.values[key];
    return typeof v === 'boolean' ? v : undefined;
  }
  list(key: string): readonly string[] | undefined {
    const v = this.values[key];
    return Array.isArray(v) ? (v as readonly string[]) : undefined;
  }
  map(key: string): Readonly<Record<string, string>> | undefined {
    const v = this.values[key];
    return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? (v as Readonly<Record<string, string>>) : undefined;
  }
  /** Keys under a pass-through prefix, prefix removed. */
  prefixed(prefix: string): Readonly<Record<string, string>> {
    return this.passThrough[prefix] ?? {};
  }
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  nano: 1e-6,
  nanos: 1e-6,
  us: 1e-3,
  micro: 1e-3,
  micros: 1e-3,
  ms: 1,
  milli: 1,
  millis: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** `30s`, `5 min`, `100ms`, `1h`; a bare number is milliseconds (Flink's convention). */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = m[2].toLowerCase() || 'ms';
  const factor = DURATION_UNITS[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

const MEMORY_UNITS: Record<string, number> = { b: 1, bytes: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** `10mb`, `1 gb`, `512k`; a bare number is bytes. */
export function parseMemory(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return undefined;
  const factor = MEMORY_UNITS[(m[2] || 'b').toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

function parseInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function parseList(v: unknown): readonly string[] | undefined {
  if (Array.isArray(v)) return v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)) ? v.map(String) : undefined;
  if (typeof v === 'string') return v.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  return undefined;
}

/** Flink map options: `k1:v1,k2:v2` or a YAML mapping. */
function parseMap(v: unknown): Readonly<Record<string, string>> | undefined {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  }
  if (typeof v === 'string') {
    const out: Record<string, string> = {};
    for (const part of v.split(/[;,]/)) {
      if (!part.trim()) continue;
      const i = part.indexOf(':');
      if (i < 0) return undefined;
      out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
    return out;
  }
  return undefined;
}

const EXPECTED: Record<OptionType, string> = {
  string: 'a string',
  password: 'a string',
  int: 'an integer',
  long: 'an integer',
  double: 'a number',
  boolean: 'true or false',
  duration: 'a duration such as 500ms, 30s, 5min',
  memory: 'a size such as 512kb, 10mb, 1gb',
  enum: 'one of the listed values',
  list: 'a list (YAML list or comma-separated string)',
  map: 'a map (YAML mapping or k1:v1,k2:v2)',
};

function coerce(spec: OptionSpec, raw: unknown): OptionValue | undefined {
  switch (spec.type) {
    case 'string':
    case 'password':
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    case 'int':
    case 'long':
      return parseInteger(raw);
    case 'double': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
      return undefined;
    case 'duration':
      return parseDuration(raw);
    case 'memory':
      return parseMemory(raw);
    case 'enum': {
      const s = String(raw).trim().toLowerCase();
      return spec.values?.find((x) => x.toLowerCase() === s);
    }
    case 'list':
      return parseList(raw);
    case 'map':
      return parseMap(raw);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

export interface ValidateInput {
  /** Who the options are for, e.g. `mysql` or `pipeline`; appears in messages. */
  readonly owner: string;
  /** Where in the pipeline file, e.g. `source` or `sink`; appears in messages. */
  readonly section?: string;
  readonly specs: readonly OptionSpec[];
  readonly prefixes?: readonly PassThroughPrefix[];
  /** Keys handled elsewhere (e.g. `type`, `name`) and thus not unknown. */
  readonly ignoreKeys?: readonly string[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Validates raw options against their specs, before anything connects. Every problem is collected into one
 * ConfigError that names each bad key and lists the supported ones. Deprecated keys are mapped with a warning.
 */
export function validateOptions(input: ValidateInput): ValidationResult {
  const { owner, specs, raw } = input;
  const section = input.section ? `${input.section} (${owner})` : owner;
  const prefixes = input.prefixes ?? [];
  const byKey = new Map<string, OptionSpec>();
  const deprecated = new Map<string, OptionSpec>();
  for (const s of specs) {
    byKey.set(s.key, s);
    for (const d of s.deprecatedKeys ?? []) deprecated.set(d, s);
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const values: Record<string, OptionValue> = {};
  const passThrough: Record<string, Record<string, string>> = {};
  const seen = new Map<string, string>();
  const ignore = new Set(input.ignoreKeys ?? []);

  for (const [key, value] of Object.entries(raw)) {
    if (ignore.has(key)) continue;
    const prefix = prefixes.find((p) => key.startsWith(p.prefix) && key.length > p.prefix.length);
    let spec = byKey.get(key);
    if (!spec && prefix) {
      (passThrough[prefix.prefix] ??= {})[key.slice(prefix.prefix.length)] = value === null || value === undefined ? '' : String(value);
      if (/password|secret|sasl\.jaas/i.test(key) && typeof value === 'string') registerSecret(value);
      continue;
    }
    if (!spec) {
      spec = deprecated.get(key);
      if (spec) warnings.push(`${section}: option "${key}" is deprecated, use "${spec.key}" instead`);
    }
    if (!spec) {
      const suggestion = closestKey(key, [...byKey.keys()]);
      problems.push(`unknown option "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
      continue;
    }
    if (seen.has(spec.key)) {
      problems.push(`option "${spec.key}" is set twice (as "${seen.get(spec.key)}" and "${key}")`);
      continue;
    }
    seen.set(spec.key, key);
    if (value === null || value === undefined) {
      if (spec.required) problems.push(`option "${spec.key}" is required but empty`);
      continue;
    }
    if (spec.secret || spec.type === 'password') registerSecret(String(value));
    const parsed = coerce(spec, value);
    if (parsed === undefined) {
      const shown = spec.secret || spec.type === 'password' ? '******' : JSON.stringify(value);
      const expected = spec.type === 'enum' ? `one of ${spec.values?.join(', ')}` : EXPECTED[spec.type];
      problems.push(`option "${key}" has value ${shown}, expected ${expected}`);
      continue;
    }
    values[spec.key] = parsed;
  }
  for (const s of specs) {
    if (values[s.key] !== undefined) continue;
    if (s.required && !seen.has(s.key)) problems.push(`required option "${s.key}" is missing (${s.description})`);
    else if (s.default !== undefined) values[s.key] = s.default;
  }
  if (problems.length) {
    const supported = specs.map((s) => s.key).concat(prefixes.map((p) => `${p.prefix}*`));
    throw new ConfigError(`${section}: ${problems.join('; ')}`, {
      hint: `supported options: ${supported.join(', ')}`,
      connector: owner,
      details: { problems },
    });
  }
  return { options: new ResolvedOptions(values, passThrough), warnings };
}
