/** The DDL the Doris sink sends: CREATE DATABASE/TABLE (UNIQUE KEY merge-on-write or DUPLICATE KEY) and ALTERs. */
import type { Column, DataType, Schema, TableId } from '@cdc/core';
import { SchemaError } from '@cdc/core';
import { CONNECTOR } from './doris-options.js';
import { dorisType } from './doris-types.js';

export const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Doris database and table of a CDC table id: `db.table` (schema = database), or namespace when no schema. */
export function dorisName(id: TableId): { db: string; table: string } {
  const db = id.schema ?? id.namespace;
  if (!db) throw new SchemaError(`table ${id.table} has no database part; Doris tables are db.table`, { connector: CONNECTOR, hint: 'route it to <db>.<table> with a route rule' });
  return { db, table: id.table };
}

export function fullName(id: TableId): string {
  const n = dorisName(id);
  return `${q(n.db)}.${q(n.table)}`;
}

/** A column default as Doris accepts it; invalid zero dates become 1970-01-01 00:00:00 as in Flink CDC. */
function defaultClause(c: Column): string {
  if (c.defaultValue === undefined) return '';
  const v = c.defaultValue;
  if (/^null$/i.test(v)) return c.type.nullable ? ' DEFAULT NULL' : '';
  if ((c.type.type === 'TIMESTAMP' || c.type.type === 'TIMESTAMP_LTZ') && /^CURRENT_TIMESTAMP/i.test(v)) return ' DEFAULT CURRENT_TIMESTAMP';
  if ((c.type.type === 'TIMESTAMP' || c.type.type === 'TIMESTAMP_LTZ') && v.startsWith('0000-00-00 00:00:00')) return ` DEFAULT '1970-01-01 00:00:00'`;
  if (['STRING', 'BYTES', 'ARRAY', 'MAP', 'ROW'].includes(c.type.type) || dorisType(c.type) === 'STRING') return '';
  return ` DEFAULT ${lit(v.replace(/^'(.*)'$/s, '$1'))}`;
}

export function columnDef(c: Column, isKey: boolean): string {
  const nullable = c.type.nullable && !isKey ? 'NULL' : 'NOT NULL';
  const comment = c.comment ? ` COMMENT ${lit(c.comment)}` : '';
  return `${q(c.name)} ${dorisType(c.type, isKey)} ${nullable}${defaultClause(c)}${comment}`;
}

export interface CreateOptions {
  readonly properties: Readonly<Record<string, string>>;
  /** Doris 2.0+ supports BUCKETS AUTO; 1.2 gets a fixed count. */
  readonly autoBuckets: boolean;
}

/**
 * CREATE TABLE: a primary key gives a UNIQUE KEY table (merge-on-write, key columns first as Doris requires),
 * no primary key a DUPLICATE KEY table on the first column. Distributed by the key.
 */
export function createTableSql(id: TableId, s: Schema, o: CreateOptions): string {
  const pk = s.primaryKeys;
  const keys = pk.length ? [...pk] : s.columns.length ? [s.columns[0].name] : [];
  const byName = new Map(s.columns.map((c) => [c.name, c]));
  const ordered = [...keys.map((k) => byName.get(k)!), ...s.columns.filter((c) => !keys.includes(c.name))];
  const cols = ordered.map((c) => columnDef(c, keys.includes(c.name)));
  const props: Record<string, string> = {};
  if (pk.length) {
    props['enable_unique_key_merge_on_write'] = 'true';
    props['light_schema_change'] = 'true';
  }
  Object.assign(props, o.properties);
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${fullName(id)} (`,
    `  ${cols.join(',\n  ')}`,
    `) ${pk.length ? 'UNIQUE' : 'DUPLICATE'} KEY(${keys.map(q).join(', ')})`,
  ];
  if (s.comment) lines.push(`COMMENT ${lit(s.comment)}`);
  lines.push(`DISTRIBUTED BY HASH(${keys.map(q).join(', ')}) BUCKETS ${o.autoBuckets ? 'AUTO' : '10'}`);
  const entries = Object.entries(props);
  if (entries.length) lines.push(`PROPERTIES (${entries.map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(', ')})`);
  return lines.join('\n');
}

/** ADD COLUMN, at the source's position when it is AFTER a column (FIRST/BEFORE would land among the keys: appended). */
export function addColumnSql(id: TableId, c: Column, after?: string): string {
  return `ALTER TABLE ${fullName(id)} ADD COLUMN ${columnDef(c, false)}${after ? ` AFTER ${q(after)}` : ''}`;
}

export function modifyColumnSql(id: TableId, name: string, type: DataType, comment?: string): string {
  return `ALTER TABLE ${fullName(id)} MODIFY COLUMN ${q(name)} ${dorisType(type)} ${type.nullable ? 'NULL' : 'NOT NULL'}${comment ? ` COMMENT ${lit(comment)}` : ''}`;
}
