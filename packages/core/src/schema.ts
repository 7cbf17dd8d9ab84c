import { SchemaError } from './errors.js';
import { typeEquals, withNullability, type DataType } from './types/data-type.js';
import { formatType } from './types/type-string.js';

export interface Column {
  readonly name: string;
  readonly type: DataType;
  readonly comment?: string;
  /** Default value expression as text, as the source database reports it. */
  readonly defaultValue?: string;
  /** A metadata column (e.g. op_ts) rather than a physical one. */
  readonly metadataKey?: string;
}

export interface Schema {
  readonly columns: readonly Column[];
  readonly primaryKeys: readonly string[];
  readonly partitionKeys: readonly string[];
  readonly options: Readonly<Record<string, string>>;
  readonly comment?: string;
}

export function column(name: string, type: DataType, extra: Omit<Column, 'name' | 'type'> = {}): Column {
  return { name, type, ...extra };
}

export interface SchemaInit {
  columns: readonly Column[];
  primaryKeys?: readonly string[];
  partitionKeys?: readonly string[];
  options?: Readonly<Record<string, string>>;
  comment?: string;
}

/** Builds and checks a schema: unique column names, keys that exist; primary key columns become NOT NULL. */
export function schema(init: SchemaInit): Schema {
  const names = new Set<string>();
  for (const c of init.columns) {
    if (names.has(c.name)) throw new SchemaError(`duplicate column "${c.name}"`);
    names.add(c.name);
  }
  const primaryKeys = init.primaryKeys ?? [];
  const partitionKeys = init.partitionKeys ?? [];
  for (const k of [...primaryKeys, ...partitionKeys]) {
    if (!names.has(k)) throw new SchemaError(`key column "${k}" is not a column (columns: ${[...names].join(', ')})`);
  }
  const pk = new Set(primaryKeys);
  const columns = init.columns.map((c) => (pk.has(c.name) && c.type.nullable ? { ...c, type: withNullability(c.type, false) } : c));
  const out: Schema = { columns, primaryKeys, partitionKeys, options: init.options ?? {} };
  return init.comment === undefined ? out : { ...out, comment: init.comment };
}

export function columnNames(s: Schema): string[] {
  return s.columns.map((c) => c.name);
}

export function columnIndex(s: Schema, name: string): number {
  return s.columns.findIndex((c) => c.name === name);
}

export function findColumn(s: Schema, name: string): Column | undefined {
  return s.columns.find((c) => c.name === name);
}

/** Indexes of the primary key columns in a row. */
export function primaryKeyIndexes(s: Schema): number[] {
  return s.primaryKeys.map((k) => columnIndex(s, k));
}

export function columnEquals(a: Column, b: Column): boolean {
  return a.name === b.name && typeEquals(a.type, b.type) && a.comment === b.comment && a.defaultValue === b.defaultValue;
}

export function schemaEquals(a: Schema, b: Schema): boolean {
  return (
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => columnEquals(c, b.columns[i])) &&
    a.primaryKeys.join('\u0000') === b.primaryKeys.join('\u0000') &&
    a.partitionKeys.join('\u0000') === b.partitionKeys.join('\u0000')
  );
}

/** `id BIGINT NOT NULL, name VARCHAR(10)`; PRIMARY KEY (id) */
export function formatSchema(s: Schema): string {
  const cols = s.columns.map((c) => `${c.name} ${formatType(c.type)}`).join(', ');
  const pk = s.primaryKeys.length ? `, PRIMARY KEY (${s.primaryKeys.join(', ')})` : '';
  return `(${cols}${pk})`;
}
