import { column, DataTypes as T, Events, schema, tableId, type DataChangeEvent, type DataType, type Event, type Schema } from '@cdc/core';
import { compileTransforms, type TransformOptions, type TransformRule } from '../../src/transform/index.js';

export const TABLE = tableId('mydb', 'orders');

/** A fixed clock: 2024-03-10T01:30:00.123Z. */
export const FIXED_NOW = new Date('2024-03-10T01:30:00.123Z');

export const BASE_SCHEMA: Schema = schema({
  columns: [
    column('id', T.BIGINT(false)),
    column('name', T.VARCHAR(20)),
    column('age', T.INT()),
    column('price', T.DECIMAL(10, 2)),
    column('score', T.DOUBLE()),
    column('created', T.TIMESTAMP(6)),
    column('birthday', T.DATE()),
    column('active', T.BOOLEAN()),
    column('updated', T.TIMESTAMP_LTZ(3)),
  ],
  primaryKeys: ['id'],
});

export type Row = Record<string, unknown>;

export function rowOf(s: Schema, r: Row): unknown[] {
  return s.columns.map((c) => (c.name in r ? r[c.name] : null));
}

/**
 * Evaluates one projection expression against one row of BASE_SCHEMA (or a given schema) and returns
 * the value and the column type.
 */
export function evaluate(expr: string, row: Row = {}, opts: TransformOptions & { schema?: Schema; meta?: Record<string, string>; op?: 'INSERT' | 'UPDATE' | 'DELETE' } = {}): { value: unknown; type: DataType } {
  const s = opts.schema ?? BASE_SCHEMA;
  const op = compileTransforms([{ sourceTable: 'mydb.orders', projection: `id, ${expr} AS v` }], { timeZone: 'UTC', now: () => FIXED_NOW, ...opts });
  const created = op.process(Events.createTable(TABLE, s));
  const type = (created[0] as { schema: Schema }).schema.columns[1].type;
  const r = rowOf(s, { id: 1n, ...row });
  const ev = opts.op === 'DELETE' ? Events.delete(TABLE, r, opts.meta) : opts.op === 'UPDATE' ? Events.update(TABLE, r, r, opts.meta) : Events.insert(TABLE, r, opts.meta);
  const out = op.process(ev) as DataChangeEvent[];
  const value = (opts.op === 'DELETE' ? out[0].before : out[0].after)![1];
  return { value, type };
}

export function value(expr: string, row: Row = {}, opts: Parameters<typeof evaluate>[2] = {}): unknown {
  return evaluate(expr, row, opts).value;
}

/** The message of the error `f` throws. */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

export function run(rules: TransformRule[], events: Event[], opts: TransformOptions = {}): Event[] {
  const op = compileTransforms(rules, { timeZone: 'UTC', now: () => FIXED_NOW, ...opts });
  return events.flatMap((e) => op.process(e));
}

export { T };
