/**
 * What the suites hand a connector: validated options, a pipeline description, a logger that keeps lines, and
 * helpers for fresh table names and time limits.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { isCdcError, validateOptions, type Factory, type FactoryContext, type Logger, type PipelineInfo, type TableId } from '@cdc/core';

/** A Logger that keeps every line (level and message), so a failing test can show what the connector said. */
export interface TestLogger extends Logger {
  readonly lines: string[];
  /** The messages logged as warn or error, as they were given (no level, no fields). */
  readonly warnings: string[];
}

export function createTestLogger(): TestLogger {
  const lines: string[] = [];
  const warnings: string[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      if (level === 'warn' || level === 'error') warnings.push(message);
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}` : '';
      lines.push(`${level.toUpperCase()} ${message}${extra}`);
    };
  return { lines, warnings, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The pipeline every suite runs in: one writer/reader, UTC, lenient schema evolution. */
export const TEST_PIPELINE: PipelineInfo = Object.freeze({
  name: 'cdc-testkit',
  parallelism: 1,
  localTimeZone: 'UTC',
  schemaChangeBehavior: 'lenient',
});

/** Validates raw options with the factory's own specs (as the runtime does) and builds its FactoryContext. */
export function factoryContext(factory: Factory, raw: Readonly<Record<string, unknown>>, logger: Logger = createTestLogger()): FactoryContext {
  const { options } = validateOptions({
    owner: factory.identifier,
    section: factory.kind,
    specs: factory.options,
    ...(factory.passThroughPrefixes ? { prefixes: factory.passThroughPrefixes } : {}),
    raw,
  });
  return { identifier: factory.identifier, options, pipeline: TEST_PIPELINE, logger };
}

/** `prefix` + a random suffix: every test works on its own table. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function makeTableId(name: string, database: string | undefined, namespace: string | undefined): TableId {
  if (namespace !== undefined) return { namespace, schema: database ?? 'public', table: name };
  return database === undefined ? { table: name } : { schema: database, table: name };
}

/** Merges overrides onto options; an override set to undefined removes the key (to test a missing option). */
export function mergeOptions(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Rejects with a message saying what was awaited when `p` takes longer than `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A value any wrong type of option rejects, per option type. */
export function wrongValueFor(type: string): unknown {
  switch (type) {
    case 'int':
    case 'long':
    case 'double':
      return 'not-a-number';
    case 'boolean':
      return 'not-a-boolean';
    case 'duration':
      return 'soon';
    case 'memory':
      return 'lots';
    case 'enum':
      return '__not_one_of_the_values__';
    case 'list':
      return { not: 'a list' };
    case 'map':
      return ['not', 'a', 'map'];
    default:
      return { not: 'a string' };
  }
}

/** Expects `fn` to throw a ConfigError whose message names `key`. */
export function expectConfigError(fn: () => unknown, key: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `validation should fail for "${key}"`).toBeDefined();
  expect(isCdcError(error) && error.code, `the error for "${key}" should be a ConfigError: ${String(error)}`).toBe('CONFIG');
  expect((error as Error).message, 'the message names the key').toContain(`"${key}"`);
}
