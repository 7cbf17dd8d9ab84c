/** The DDL the StarRocks sink sends: CREATE DATABASE/TABLE (PRIMARY KEY, key columns first) and ALTERs. */
import { SchemaError, type Column, type DataType, type Schema, type TableId } from '@cdc/core';
import { CONNECTOR } from './starrocks-options.js';
import { starRocksType } from './starrocks-types.js';

export const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function srName(id: TableId): { db: string; table: string } {
  const db = id.schema ?? id.namespace;
  if (!db) throw new SchemaError(`table ${id.table} has no database part; StarRocks tables are db.table`, { connector: CONNECTOR, hint: 'route it to <db>.<table> with a route rule' });
  return { db, table: id.table };
}

export const fullName = (id: TableId): string => `${q(srName(id).db)}.${q(srName(id).table)}`;

function defaultClause(c: Column, type: string): string {
  if (c.defaultValue === undefined) return '';
  const v = c.defaultValue;
  if (/^null$/i.test(v)) return c.type.nullable ? ' DEFAULT NULL' : '';
  if (type === 'DATETIME' && /^CURRENT_TIMESTAMP/i.test(v)) return ' DEFAULT CURRENT_TIMESTAMP';
  if (type === 'DATETIME' && v.startsWith('0000-00-00 00:00:00')) return ` DEFAULT '1970-01-01 00:00:00'`;
  if (/^(JSON|VARBINARY)/.test(type)) return '';
  return ` DEFAULT ${lit(v.replace(/^'(.*)'$/s, '$1'))}`;
}

export function columnDef(c: Column, isKey: boolean, charBytes: number): string {
  const type = starRocksType(c.type, isKey, charBytes);
  const comment = c.comment ? ` COMMENT ${lit(c.comment)}` : '';
  return `${q(c.name)} ${type} ${c.type.nullable && !isKey ? 'NULL' : 'NOT NULL'}${defaultClause(c, type)}${comment}`;
}

export interface CreateOptions {
  readonly properties: Readonly<Record<string, string>>;
  readonly numBuckets?: number;
  readonly charBytes: number;
}

/** CREATE TABLE as Flink CDC's StarRocksUtils.toStarRocksTable: PRIMARY KEY tables only, keys first, hashed by the key. */
export function createTableSql(id: TableId, s: Schema, o: CreateOptions): string {
  if (!s.primaryKeys.length) {
    throw new SchemaError(`Only support StarRocks primary key table, but the source table ${srName(id).db}.${id.table} has no primary keys`, {
      connector: CONNECTOR,
      hint: 'give the source table a primary key, or set one with a transform (primary-keys: ...)',
    });
  }
  const byName = new Map(s.columns.map((c) => [c.name, c]));
  const ordered = [...s.primaryKeys.map((k) => byName.get(k)!), ...s.columns.filter((c) => !s.primaryKeys.includes(c.name))];
  const cols = ordered.map((c) => columnDef(c, s.primaryKeys.includes(c.name), o.charBytes));
  const keys = s.primaryKeys.map(q).join(', ');
  const lines = [`CREATE TABLE IF NOT EXISTS ${fullName(id)} (`, `  ${cols.join(',\n  ')}`, `) PRIMARY KEY(${keys})`];
  if (s.comment) lines.push(`COMMENT ${lit(s.comment)}`);
  lines.push(`DISTRIBUTED BY HASH(${keys})${o.numBuckets ? ` BUCKETS ${o.numBuckets}` : ''}`);
  const props = Object.entries(o.properties);
  if (props.length) lines.push(`PROPERTIES (${props.map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(', ')})`);
  return lines.join('\n');
}

export function addColumnSql(id: TableId, c: Column, charBytes: number, after?: string): string {
  return `ALTER TABLE ${fullName(id)} ADD COLUMN ${columnDef(c, false, charBytes)}${after ? ` AFTER ${q(after)}` : ''}`;
}

export function modifyColumnSql(id: TableId, name: string, type: DataType, charBytes: number): string {
  return `ALTER TABLE ${fullName(id)} MODIFY COLUMN ${q(name)} ${starRocksType(type, false, charBytes)} ${type.nullable ? 'NULL' : 'NOT NULL'}`;
}
