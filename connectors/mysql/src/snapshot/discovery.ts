/** Table discovery from information_schema: columns, types, keys, comments. */
import type mysql from 'mysql2';
import { query } from '../binlog/client.js';
import { parseEnumValues, type MysqlColumn } from '../mysql-types.js';
import type { TableFilter } from '../table-filter.js';

export interface MysqlTable {
  readonly db: string;
  readonly name: string;
  readonly columns: readonly MysqlColumn[];
  readonly primaryKey: readonly string[];
  readonly comment: string;
  /** information_schema's estimate. */
  readonly rowsEstimate: number;
}

const SYSTEM_DBS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

interface ColumnRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  ORDINAL_POSITION: number | string;
  COLUMN_DEFAULT: string | null;
  IS_NULLABLE: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  CHARACTER_MAXIMUM_LENGTH: number | string | null;
  NUMERIC_PRECISION: number | string | null;
  NUMERIC_SCALE: number | string | null;
  DATETIME_PRECISION: number | string | null;
  CHARACTER_SET_NAME: string | null;
  EXTRA: string;
  COLUMN_COMMENT: string;
}

const num = (v: number | string | null): number | null => (v === null || v === undefined ? null : Number(v));

export function columnFromRow(r: ColumnRow): MysqlColumn {
  const dataType = r.DATA_TYPE.toLowerCase();
  const columnType = r.COLUMN_TYPE;
  const col: MysqlColumn = {
    name: r.COLUMN_NAME,
    position: Number(r.ORDINAL_POSITION),
    dataType,
    columnType,
    unsigned: /\bunsigned\b/i.test(columnType),
    nullable: r.IS_NULLABLE === 'YES',
    defaultValue: r.COLUMN_DEFAULT,
    comment: r.COLUMN_COMMENT ?? '',
    charset: r.CHARACTER_SET_NAME,
    length: num(r.CHARACTER_MAXIMUM_LENGTH),
    precision: num(r.NUMERIC_PRECISION),
    scale: num(r.NUMERIC_SCALE),
    fsp: num(r.DATETIME_PRECISION),
    generated: /GENERATED/i.test(r.EXTRA ?? ''),
    ...(dataType === 'enum' ? { enumValues: parseEnumValues(columnType) } : {}),
    ...(dataType === 'set' ? { setValues: parseEnumValues(columnType) } : {}),
  };
  return col;
}

/** Lists the tables matching the filter, with their columns and primary keys. */
export async function discoverTables(conn: mysql.Connection, filter: TableFilter, only?: { db: string; table: string }): Promise<MysqlTable[]> {
  const dbs = (await query<{ SCHEMA_NAME: string }[]>(conn, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA'))
    .map((r) => r.SCHEMA_NAME)
    .filter((d) => !SYSTEM_DBS.has(d) && filter.databaseMayMatch(d) && (!only || only.db === d));
  if (!dbs.length) return [];
  const tables = (
    await query<{ TABLE_SCHEMA: string; TABLE_NAME: string; TABLE_COMMENT: string; TABLE_ROWS: number | null }[]>(
      conn,
      `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COMMENT, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?)${only ? ' AND TABLE_NAME = ?' : ''} ORDER BY TABLE_SCHEMA, TABLE_NAME`,
      only ? [dbs, only.table] : [dbs],
    )
  ).filter((t) => filter.matches(t.TABLE_SCHEMA, t.TABLE_NAME));
  if (!tables.length) return [];
  const wanted = new Set(tables.map((t) => `${t.TABLE_SCHEMA}\u0000${t.TABLE_NAME}`));
  const cols = await query<ColumnRow[]>(
    conn,
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE,
            CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, EXTRA, COLUMN_COMMENT
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [[...new Set(tables.map((t) => t.TABLE_SCHEMA))]],
  );
  const keys = await query<{ TABLE_SCHEMA: string; TABLE_NAME: string; COLUMN_NAME: string }[]>(
    conn,
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
      WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [[...new Set(tables.map((t) => t.TABLE_SCHEMA))]],
  );
  const byTable = new Map<string, { columns: MysqlColumn[]; pk: string[] }>();
  for (const k of wanted) byTable.set(k, { columns: [], pk: [] });
  for (const r of cols) byTable.get(`${r.TABLE_SCHEMA}\u0000${r.TABLE_NAME}`)?.columns.push(columnFromRow(r));
  for (const r of keys) byTable.get(`${r.TABLE_SCHEMA}\u0000${r.TABLE_NAME}`)?.pk.push(r.COLUMN_NAME);
  return tables.map((t) => {
    const e = byTable.get(`${t.TABLE_SCHEMA}\u0000${t.TABLE_NAME}`)!;
    return { db: t.TABLE_SCHEMA, name: t.TABLE_NAME, columns: e.columns, primaryKey: e.pk, comment: t.TABLE_COMMENT ?? '', rowsEstimate: Number(t.TABLE_ROWS ?? 0) };
  });
}

export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function qualified(t: { db: string; name: string }): string {
  return `${quoteId(t.db)}.${quoteId(t.name)}`;
}
