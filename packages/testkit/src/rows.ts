/**
 * Comparing rows a connector produced with the rows a test expects. Two steps:
 * 1. representation: each value must be in core's in-memory form for its type (BIGINT a bigint, DECIMAL a
 *    string, TIMESTAMP ISO text ...), so a sink that hands back a rounded JS number fails even if it prints alike;
 * 2. value: compared in a canonical text that ignores spellings that mean the same value: trailing zeros of a
 *    DECIMAL (`1.50` = `1.5`, as a server returns a DECIMAL(38, 10) padded to its scale) or of fractional seconds
 *    (`10:00:00.120000` = `10:00:00.12`).
 */
import { formatType, type DataType, type Schema } from '@cdc/core';

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATE_RE = /^-?\d{4,}-\d{2}-\d{2}$/;
const TIME_RE = /^-?\d{1,3}:\d{2}:\d{2}(\.\d{1,9})?$/;
const TS_RE = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const TS_LTZ_RE = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `bytes(${Buffer.from(v).toString('base64')})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

/** Why `v` is not in core's in-memory representation of `type`; undefined when it is. Null is always fine. */
export function representationProblem(type: DataType, v: unknown): string | undefined {
  if (v === null) return undefined;
  const want = (ok: boolean, what: string) => (ok ? undefined : `${describeValue(v)} is not ${what} (the in-memory form of ${formatType(type)})`);
  switch (type.type) {
    case 'BOOLEAN':
      return want(typeof v === 'boolean', 'a boolean');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return want(typeof v === 'number' && Number.isInteger(v), 'an integer number');
    case 'BIGINT':
      return want(typeof v === 'bigint', 'a bigint');
    case 'FLOAT':
    case 'DOUBLE':
      return want(typeof v === 'number', 'a number');
    case 'DECIMAL':
      return want(typeof v === 'string' && DECIMAL_RE.test(v), 'a decimal string');
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      return want(typeof v === 'string', 'a string');
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return want(v instanceof Uint8Array, 'a Uint8Array');
    case 'DATE':
      return want(typeof v === 'string' && DATE_RE.test(v), "a 'YYYY-MM-DD' string");
    case 'TIME':
      return want(typeof v === 'string' && TIME_RE.test(v), "an 'HH:MM:SS[.ffffff]' string");
    case 'TIMESTAMP':
      return want(typeof v === 'string' && TS_RE.test(v), "a 'YYYY-MM-DDTHH:MM:SS[.ffffff]' string");
    case 'TIMESTAMP_LTZ':
      return want(typeof v === 'string' && TS_LTZ_RE.test(v), "a 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' string");
    case 'ARRAY':
    case 'ROW':
      return want(Array.isArray(v), 'an array');
    case 'MAP':
      return want(v instanceof Map, 'a Map');
  }
}

function canonicalDecimal(s: string): string {
  const neg = s.trim().startsWith('-');
  const [i = '', f = ''] = s.trim().replace(/^[+-]/, '').split('.');
  const int = i.replace(/^0+/, '') || '0';
  const frac = f.replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return neg && body !== '0' ? `-${body}` : body;
}

const trimFraction = (s: string): string => s.replace(/(\.\d*?)0+(?=Z?$)/, '$1').replace(/\.(?=Z?$)/, '');

/** Text that is equal for two values exactly when they are the same value of `type`. */
export function canonicalValue(type: DataType, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (type.type) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? BigInt(v).toString() : describeValue(v);
    case 'DECIMAL':
      return typeof v === 'string' && DECIMAL_RE.test(v.trim()) ? canonicalDecimal(v) : describeValue(v);
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return typeof v === 'string' ? trimFraction(v.replace(' ', 'T')) : describeValue(v);
    case 'TIME':
      return typeof v === 'string' ? trimFraction(v) : describeValue(v);
    default:
      return describeValue(v);
  }
}

/** A row object as one line, columns in schema order: `{id: 1n, name: "a"}`. */
export function describeRow(schema: Schema, row: Readonly<Record<string, unknown>>): string {
  return `{${schema.columns.map((c) => `${c.name}: ${describeValue(row[c.name])}`).join(', ')}}`;
}

/**
 * Differences between the rows a connector produced and the expected ones (as multisets), each a sentence; empty
 * when they match. `actualSchema` is the schema the connector reports the rows in (for the representation check);
 * it defaults to `schema`. `strictColumns`: the actual rows must have exactly the schema's columns.
 */
export function diffRows(
  schema: Schema,
  expected: readonly Readonly<Record<string, unknown>>[],
  actual: readonly Readonly<Record<string, unknown>>[],
  opts: { actualSchema?: Schema; strictColumns?: boolean; limit?: number } = {},
): string[] {
  const problems: string[] = [];
  const limit = opts.limit ?? 10;
  const names = schema.columns.map((c) => c.name);
  const actualTypes = new Map((opts.actualSchema ?? schema).columns.map((c) => [c.name, c.type]));
  actual.forEach((row, i) => {
    if (row === null || typeof row !== 'object') {
      problems.push(`row ${i} is ${describeValue(row)}, not an object by column name`);
      return;
    }
    const keys = Object.keys(row);
    const missing = names.filter((n) => !(n in row));
    if (missing.length) problems.push(`row ${i} has no column ${missing.join(', ')}: ${describeValue(row)}`);
    if (opts.strictColumns !== false) {
      const extra = keys.filter((k) => !names.includes(k));
      if (extra.length) problems.push(`row ${i} has columns the table does not have: ${extra.join(', ')}`);
    }
    for (const n of names) {
      const t = actualTypes.get(n);
      const p = t && n in row ? representationProblem(t, row[n]) : undefined;
      if (p) problems.push(`row ${i}, column ${n}: ${p}`);
    }
  });
  const text = (row: Readonly<Record<string, unknown>>) => JSON.stringify(schema.columns.map((c) => canonicalValue(c.type, row?.[c.name])));
  const want = new Map<string, { n: number; row: Readonly<Record<string, unknown>> }>();
  for (const r of expected) {
    const k = text(r);
    const e = want.get(k);
    if (e) e.n++;
    else want.set(k, { n: 1, row: r });
  }
  const unexpected: string[] = [];
  for (const r of actual) {
    const k = text(r);
    const e = want.get(k);
    if (e && e.n > 0) e.n--;
    else unexpected.push(describeRow(schema, r));
  }
  const lost = [...want.values()].flatMap((e) => Array.from({ length: e.n }, () => describeRow(schema, e.row)));
  for (const r of lost.slice(0, limit)) problems.push(`missing row ${r}`);
  if (lost.length > limit) problems.push(`... and ${lost.length - limit} more missing rows`);
  for (const r of unexpected.slice(0, limit)) problems.push(`unexpected row ${r}`);
  if (unexpected.length > limit) problems.push(`... and ${unexpected.length - limit} more unexpected rows`);
  if (expected.length !== actual.length) problems.push(`expected ${expected.length} rows, got ${actual.length}`);
  return problems;
}
