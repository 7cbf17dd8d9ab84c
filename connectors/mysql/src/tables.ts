/** Per-table runtime: core schema, value converters, key positions. */
import { column as makeColumn, schema as makeSchema, tableId, type Logger, type Schema, type TableId } from '@cdc/core';
import type { ColumnHint } from './binlog/rows.js';
import { columnHint, makeConverter, nativeShape, snapshotConverter, toDataType, type Converter, type MysqlColumn } from './mysql-types.js';
import type { MysqlTable } from './snapshot/discovery.js';
import type { SnapshotColumn } from './snapshot/row-decoder.js';

export interface TableRuntime {
  readonly def: MysqlTable;
  readonly id: TableId;
  readonly key: string;
  readonly schema: Schema;
  readonly hints: ColumnHint[];
  /** native -> core per column */
  readonly converters: Converter[];
  /** per column, when its native value passes through its converter unchanged (see `convertNativeRow`) */
  readonly nativeShapes: Uint8Array;
  /** snapshot text -> core per column */
  readonly snapshotConverters: Converter[];
  /** The same, with each column's definition and core type, for the snapshot's row decoder. */
  readonly snapshotColumns: SnapshotColumn[];
  /** Column indexes of the chunk/merge key (primary key or configured key column). */
  readonly keyIdx: number[];
  readonly keyCols: MysqlColumn[];
  readonly keyKinds: KeyKind[];
}

export interface RuntimeOptions {
  readonly includeComments: boolean;
  readonly tinyInt1isBit: boolean;
  readonly chunkKeyColumn?: string;
  readonly logger?: Logger;
}

export function tableKey(db: string, table: string): string {
  return `${db}.${table}`;
}

export function buildRuntime(def: MysqlTable, opts: RuntimeOptions): TableRuntime {
  const id = tableId(def.db, def.name);
  const types = def.columns.map((c) => toDataType(c, { tinyInt1isBit: opts.tinyInt1isBit }));
  const columns = def.columns.map((c, i) =>
    makeColumn(c.name, types[i], {
      ...(opts.includeComments && c.comment ? { comment: c.comment } : {}),
      ...(c.defaultValue !== null && c.defaultValue !== undefined ? { defaultValue: c.defaultValue } : {}),
    }),
  );
  const schema = makeSchema({
    columns,
    primaryKeys: def.primaryKey,
    ...(opts.includeComments && def.comment ? { comment: def.comment } : {}),
  });
  const converters = def.columns.map((c, i) => makeConverter(c, schema.columns[i].type, { logger: opts.logger, table: tableKey(def.db, def.name) }));
  const snapshotConverters = def.columns.map((c, i) => snapshotConverter(c, schema.columns[i].type, { logger: opts.logger, table: tableKey(def.db, def.name) }));
  const keyNames = def.primaryKey.length ? def.primaryKey : opts.chunkKeyColumn ? [opts.chunkKeyColumn] : [];
  const keyIdx = keyNames.map((k) => def.columns.findIndex((c) => c.name === k));
  return {
    def,
    id,
    key: tableKey(def.db, def.name),
    schema,
    hints: def.columns.map(columnHint),
    converters,
    nativeShapes: Uint8Array.from(def.columns.map((c, i) => nativeShape(c, schema.columns[i].type))),
    snapshotConverters,
    snapshotColumns: def.columns.map((c, i) => ({ column: c, type: schema.columns[i].type, convert: snapshotConverters[i] })),
    keyIdx: keyIdx.filter((i) => i >= 0),
    keyCols: keyIdx.filter((i) => i >= 0).map((i) => def.columns[i]),
    keyKinds: keyIdx.filter((i) => i >= 0).map((i) => keyKind(def.columns[i])),
  };
}

/** A key of core values as a map key. */
export function keyString(row: readonly unknown[], idx: readonly number[]): string {
  if (idx.length === 1) return keyPart(row[idx[0]]);
  let s = '';
  for (const i of idx) s += keyPart(row[i]) + '\u0001';
  return s;
}

function keyPart(v: unknown): string {
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v).toString('base64');
  if (typeof v === 'string') return 's' + v;
  return 'n' + String(v);
}

export type KeyKind = 'number' | 'decimal' | 'exact' | 'collated' | 'bytes';

export function keyKind(c: MysqlColumn): KeyKind {
  const t = c.dataType;
  if (['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year', 'float', 'double', 'real', 'bit'].includes(t)) return t === 'bit' ? 'bytes' : 'number';
  if (['decimal', 'numeric', 'fixed'].includes(t)) return 'decimal';
  if (['date', 'datetime', 'timestamp'].includes(t)) return 'exact';
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(t) || c.charset === 'binary') return 'bytes';
  // _bin collations order by code point like JS; others (case/accent-insensitive) are not certain here
  return 'collated';
}

function compareDecimal(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const [ai, af = ''] = (na ? a.slice(1) : a).split('.');
  const [bi, bf = ''] = (nb ? b.slice(1) : b).split('.');
  const ia = ai.replace(/^0+(?=\d)/, '');
  const ib = bi.replace(/^0+(?=\d)/, '');
  let c = ia.length - ib.length || (ia < ib ? -1 : ia > ib ? 1 : 0);
  if (c === 0) {
    const n = Math.max(af.length, bf.length);
    const fa = af.padEnd(n, '0');
    const fb = bf.padEnd(n, '0');
    c = fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return na ? -c : c;
}

/**
 * Compares two key values (core form) the way MySQL orders them. `undefined` when the order is not certain
 * (strings in a collation that is not binary): callers then take the safe side.
 */
export function compareKeyValues(a: unknown, b: unknown, kind: KeyKind): number | undefined {
  if (a === null || a === undefined || b === null || b === undefined) return undefined;
  switch (kind) {
    case 'number':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'decimal':
      return compareDecimal(String(a), String(b));
    case 'exact':
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    case 'bytes':
      return a instanceof Uint8Array && b instanceof Uint8Array ? Buffer.compare(Buffer.from(a), Buffer.from(b)) : undefined;
    default:
      return a === b ? 0 : undefined;
  }
}

export function compareKeys(a: readonly unknown[], b: readonly unknown[], kinds: readonly KeyKind[]): number | undefined {
  for (let i = 0; i < a.length; i++) {
    const c = compareKeyValues(a[i], b[i], kinds[i]);
    if (c === undefined) return undefined;
    if (c !== 0) return c;
  }
  return 0;
}
