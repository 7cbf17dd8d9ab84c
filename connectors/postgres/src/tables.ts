/**
 * Captured tables: discovery from the catalog (columns, primary key, replica identity), the type registry
 * (pg_type rows for domains, enums and arrays), and the runtime view of a table (core schema + converters).
 */
import type pg from 'pg';
import { column, compileTableSelector, schema as makeSchema, type Logger, type Schema, type TableId, type TableSelector } from '@cdc/core';
import type { FieldKind } from './copy-binary.js';
import { BUILTIN_TYPES, columnReporter, mapType, type Converter, type PgTypeInfo } from './postgres-types.js';

export interface PgColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  readonly notNull: boolean;
  /** Attribute number in pg_attribute (tells a rename from a drop + add). */
  readonly attnum: number;
  readonly defaultValue?: string;
  readonly comment?: string;
}

/** A captured table as kept in the state (plain JSON). */
export interface PgTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly PgColumn[];
  readonly primaryKey: readonly string[];
  /** d default, f full, i index, n nothing */
  readonly replicaIdentity: string;
  /** A partitioned table (its changes are published under its name only with publish_via_partition_root). */
  readonly partitioned?: boolean;
  readonly comment?: string;
}

export const tableKey = (schema: string, name: string): string => `${schema}.${name}`;

export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export const qualified = (t: { schema: string; name: string }): string => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

/** database.schema.table selectors (the `tables` / `tables.exclude` options) over one database. */
export class TableFilter {
  private readonly include: TableSelector;
  private readonly exclude: TableSelector | undefined;
  constructor(
    readonly database: string,
    tables: string,
    tablesExclude: string | undefined,
  ) {
    this.include = compileTableSelector(tables, { where: 'option tables' });
    this.exclude = tablesExclude ? compileTableSelector(tablesExclude, { where: 'option tables.exclude' }) : undefined;
  }
  matches(schema: string, table: string): boolean {
    const id: TableId = { namespace: this.database, schema, table };
    return this.include.matches(id) && !this.exclude?.matches(id);
  }
  /** The `tables` patterns that match none of `found` (a misspelled name among several would otherwise be silent). */
  unmatched(found: readonly { schema: string; name: string }[]): string[] {
    return this.include.unmatched(found.map((t) => ({ namespace: this.database, schema: t.schema, table: t.name })));
  }
}

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;

/** Tables (ordinary and partitioned) matching the filter, with columns and keys, read in the transaction of `c`. */
export async function discoverTables(c: pg.Client, filter: TableFilter, includeComments: boolean, only?: { schema: string; name: string }): Promise<PgTable[]> {
  const rel = await c.query<{ oid: number; nspname: string; relname: string; relreplident: string; relkind: string; comment: string | null }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname, c.relreplident, c.relkind, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%'
        ${only ? 'AND n.nspname = $1 AND c.relname = $2' : ''}
      ORDER BY n.nspname, c.relname`,
    only ? [only.schema, only.name] : [],
  );
  const picked = rel.rows.filter((r) => filter.matches(r.nspname, r.relname));
  if (!picked.length) return [];
  const oids = picked.map((r) => r.oid);
  const cols = await c.query<{ attrelid: number; attnum: number; attname: string; atttypid: number; atttypmod: number; attnotnull: boolean; def: string | null; comment: string | null }>(
    `SELECT a.attrelid::int AS attrelid, a.attnum, a.attname, a.atttypid::int AS atttypid, a.atttypmod, a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid) AS def, col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const pks = await c.query<{ indrelid: number; attname: string }>(
    `SELECT i.indrelid::int AS indrelid, a.attname
       FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = ANY($1::oid[]) AND i.indisprimary
      ORDER BY i.indrelid, k.ord`,
    [oids],
  );
  return picked.map((r) => ({
    oid: r.oid,
    schema: r.nspname,
    name: r.relname,
    replicaIdentity: r.relreplident,
    ...(r.relkind === 'p' ? { partitioned: true } : {}),
    ...(includeComments && r.comment ? { comment: r.comment } : {}),
    columns: cols.rows
      .filter((x) => x.attrelid === r.oid)
      .map((x) => ({
        name: x.attname,
        typeOid: x.atttypid,
        typmod: x.atttypmod,
        notNull: x.attnotnull,
        attnum: x.attnum,
        ...(x.def !== null ? { defaultValue: x.def } : {}),
        ...(includeComments && x.comment ? { comment: x.comment } : {}),
      })),
    primaryKey: pks.rows.filter((x) => x.indrelid === r.oid).map((x) => x.attname),
  }));
}

/** pg_type rows by OID, fetched once; built-in scalar types need no query. */
export class TypeRegistry {
  private readonly types = new Map<number, PgTypeInfo>(BUILTIN_TYPES);

  get(oid: number): PgTypeInfo | undefined {
    return this.types.get(oid);
  }

  /** Loads the given OIDs and everything they refer to (domain bases, array elements). */
  async load(c: pg.Client, oids: Iterable<number>): Promise<void> {
    let todo = [...new Set(oids)].filter((o) => !this.types.has(o));
    for (let round = 0; todo.length && round < 5; round++) {
      const r = await c.query<{ oid: number; typname: string; typtype: string; typcategory: string; typbasetype: number; typtypmod: number; typelem: number; typdelim: string }>(
        `SELECT oid::int AS oid, typname, typtype, typcategory, typbasetype::int AS typbasetype, typtypmod, typelem::int AS typelem, typdelim
           FROM pg_type WHERE oid = ANY($1::oid[])`,
        [todo],
      );
      const next: number[] = [];
      for (const t of r.rows) {
        this.types.set(t.oid, { oid: t.oid, name: t.typname, typtype: t.typtype, category: t.typcategory, baseOid: t.typbasetype, baseTypmod: t.typtypmod, elemOid: t.typelem, delim: t.typdelim });
        for (const o of [t.typbasetype, t.typelem]) if (o && !this.types.has(o)) next.push(o);
      }
      todo = next;
    }
  }
}

/** A captured table ready to convert rows: core id and schema, one converter per column, key positions. */
export interface TableRuntime {
  readonly key: string;
  readonly id: TableId;
  readonly def: PgTable;
  readonly schema: Schema;
  readonly converters: readonly Converter[];
  /** How the snapshot's binary COPY decoder reads each column. */
  readonly kinds: readonly FieldKind[];
  /** Positions of the primary key (or chunk key) columns. */
  readonly keyIdx: readonly number[];
  /** Names of the key columns used to split the snapshot into chunks (empty: one chunk). */
  readonly chunkKey: readonly string[];
}

export function buildRuntime(def: PgTable, types: TypeRegistry, logger: Logger, chunkKeyColumn?: string): TableRuntime {
  const key = tableKey(def.schema, def.name);
  const mapped = def.columns.map((c) => mapType(c.typeOid, c.typmod, !c.notNull, (oid) => types.get(oid), columnReporter(logger, key, c.name)));
  const cols = def.columns.map((c, i) =>
    column(c.name, mapped[i].type, { ...(c.defaultValue !== undefined ? { defaultValue: c.defaultValue } : {}), ...(c.comment ? { comment: c.comment } : {}) }),
  );
  const schema = makeSchema({ columns: cols, primaryKeys: def.primaryKey, ...(def.comment ? { comment: def.comment } : {}) });
  const chunkKey = def.primaryKey.length ? def.primaryKey : chunkKeyColumn && def.columns.some((c) => c.name === chunkKeyColumn) ? [chunkKeyColumn] : [];
  const names = def.columns.map((c) => c.name);
  return {
    key,
    id: { schema: def.schema, table: def.name },
    def,
    schema,
    converters: mapped.map((m) => m.convert),
    kinds: mapped.map((m) => m.kind),
    keyIdx: def.primaryKey.map((k) => names.indexOf(k)),
    chunkKey,
  };
}
