/**
 * Applies a parsed DDL statement to the captured tables' definitions and derives core schema change events.
 */
import { Events, tableId, type SchemaChangeEvent, type Logger } from '@cdc/core';
import type { MysqlColumn } from '../mysql-types.js';
import { toDataType } from '../mysql-types.js';
import type { MysqlTable } from '../snapshot/discovery.js';
import type { TableFilter } from '../table-filter.js';
import { tableKey } from '../tables.js';
import { parseDdl, type DdlStatement } from './parser.js';

export interface DdlResult {
  /** Table definitions after the statement (a new map when anything changed). */
  readonly tables: ReadonlyMap<string, MysqlTable>;
  readonly events: SchemaChangeEvent[];
  /** Tables whose definition changed (decoders must be recompiled). */
  readonly touched: string[];
  /** Captured tables the statement concerns but could not be understood. */
  readonly unknown?: { statement: string; reason: string; tables: string[] };
}

export interface DdlContext {
  readonly filter: TableFilter;
  readonly tinyInt1isBit: boolean;
  readonly includeComments: boolean;
  readonly logger: Logger;
}

function renumber(cols: MysqlColumn[]): MysqlColumn[] {
  return cols.map((c, i) => (c.position === i + 1 ? c : { ...c, position: i + 1 }));
}

function column(c: MysqlColumn, ctx: DdlContext) {
  const type = toDataType(c, { tinyInt1isBit: ctx.tinyInt1isBit });
  return {
    name: c.name,
    type,
    ...(ctx.includeComments && c.comment ? { comment: c.comment } : {}),
    ...(c.defaultValue !== null ? { defaultValue: c.defaultValue } : {}),
  };
}

function tableCharset(t: MysqlTable | undefined): string {
  return t?.columns.find((c) => c.charset && c.charset !== 'binary')?.charset ?? 'utf8mb4';
}

/** Interprets `sql` run in database `db`. Statements about tables not captured change nothing. */
export function applyDdl(sql: string, db: string, tables: ReadonlyMap<string, MysqlTable>, ctx: DdlContext): DdlResult {
  // the charset default for new columns: the table's, known after parsing the table name; parse twice cheaply
  let stmt: DdlStatement = parseDdl(sql);
  if (stmt.kind === 'alter-table') {
    const t = tables.get(tableKey(stmt.table.db ?? db, stmt.table.table));
    if (t) stmt = parseDdl(sql, tableCharset(t));
  }
  const out = new Map(tables);
  const events: SchemaChangeEvent[] = [];
  const touched: string[] = [];
  const name = (t: { db: string | undefined; table: string }) => ({ db: t.db ?? db, table: t.table });
  switch (stmt.kind) {
    case 'ignored':
      return { tables, events, touched };
    case 'unknown': {
      // which captured tables does it mention?
      const mentioned = [...tables.keys()].filter((k) => sql.includes(k.split('.')[1]));
      return { tables, events, touched, unknown: mentioned.length ? { statement: sql, reason: stmt.reason, tables: mentioned } : undefined };
    }
    case 'create-table': {
      const n = name(stmt.table);
      if (!ctx.filter.matches(n.db, n.table)) return { tables, events, touched };
      const key = tableKey(n.db, n.table);
      if (stmt.ifNotExists && tables.has(key)) return { tables, events, touched };
      let def: MysqlTable;
      if (stmt.like) {
        const src = tables.get(tableKey(stmt.like.db ?? db, stmt.like.table));
        if (!src) return { tables, events, touched, unknown: { statement: sql, reason: `CREATE TABLE LIKE of a table that is not captured`, tables: [key] } };
        def = { ...src, db: n.db, name: n.table };
      } else {
        def = { db: n.db, name: n.table, columns: renumber(stmt.columns), primaryKey: stmt.primaryKey, comment: stmt.comment, rowsEstimate: 0 };
      }
      out.set(key, def);
      touched.push(key);
      events.push(
        Events.createTable(tableId(n.db, n.table), {
          columns: def.columns.map((c) => column(c, ctx)).map((c) => (def.primaryKey.includes(c.name) ? { ...c, type: { ...c.type, nullable: false } } : c)),
          primaryKeys: def.primaryKey,
          partitionKeys: [],
          options: {},
          ...(ctx.includeComments && def.comment ? { comment: def.comment } : {}),
        }),
      );
      return { tables: out, events, touched };
    }
    case 'truncate': {
      const n = name(stmt.table);
      const key = tableKey(n.db, n.table);
      if (!tables.has(key)) return { tables, events, touched };
      events.push(Events.truncateTable(tableId(n.db, n.table)));
      return { tables, events, touched };
    }
    case 'drop-table': {
      for (const t of stmt.tables) {
        const n = name(t);
        const key = tableKey(n.db, n.table);
        if (!out.has(key)) continue;
        out.delete(key);
        touched.push(key);
        events.push(Events.dropTable(tableId(n.db, n.table)));
      }
      return { tables: touched.length ? out : tables, events, touched };
    }
    case 'rename-table': {
      for (const r of stmt.renames) {
        const from = name(r.from);
        const to = name(r.to);
        const fromKey = tableKey(from.db, from.table);
        const def = out.get(fromKey);
        if (def) {
          out.delete(fromKey);
          touched.push(fromKey);
          events.push(Events.dropTable(tableId(from.db, from.table)));
        }
        if (def && ctx.filter.matches(to.db, to.table)) {
          const nd = { ...def, db: to.db, name: to.table };
          out.set(tableKey(to.db, to.table), nd);
          touched.push(tableKey(to.db, to.table));
          events.push(Events.createTable(tableId(to.db, to.table), { columns: nd.columns.map((c) => column(c, ctx)), primaryKeys: nd.primaryKey, partitionKeys: [], options: {} }));
        }
      }
      return { tables: touched.length ? out : tables, events, touched };
    }
    case 'alter-table': {
      const n = name(stmt.table);
      const key = tableKey(n.db, n.table);
      let def = out.get(key);
      if (!def) return { tables, events, touched };
      const id = tableId(n.db, n.table);
      let cols = [...def.columns];
      let pk = [...def.primaryKey];
      for (const op of stmt.ops) {
        switch (op.op) {
          case 'add': {
            const at = op.position.kind === 'FIRST' ? 0 : op.position.kind === 'AFTER' ? cols.findIndex((c) => c.name === (op.position as { column: string }).column) + 1 : cols.length;
            cols.splice(at, 0, op.column);
            if (op.primaryKey) pk = [op.column.name];
            const existing = op.position.kind === 'AFTER' ? op.position.column : undefined;
            events.push(Events.addColumn(id, [{ column: column(op.column, ctx), position: op.position.kind, ...(existing ? { existingColumn: existing } : {}) }]));
            break;
          }
          case 'drop':
            cols = cols.filter((c) => c.name !== op.name);
            pk = pk.filter((k) => k !== op.name);
            events.push(Events.dropColumn(id, [op.name]));
            break;
          case 'rename-column':
            cols = cols.map((c) => (c.name === op.from ? { ...c, name: op.to } : c));
            pk = pk.map((k) => (k === op.from ? op.to : k));
            events.push(Events.renameColumn(id, { [op.from]: op.to }));
            break;
          case 'modify': {
            const i = cols.findIndex((c) => c.name === op.oldName);
            if (i < 0) break;
            const old = cols[i];
            if (old.name !== op.column.name) {
              events.push(Events.renameColumn(id, { [old.name]: op.column.name }));
              pk = pk.map((k) => (k === old.name ? op.column.name : k));
            }
            const oldType = toDataType(old, { tinyInt1isBit: ctx.tinyInt1isBit });
            const newType = toDataType(op.column, { tinyInt1isBit: ctx.tinyInt1isBit });
            if (JSON.stringify(oldType) !== JSON.stringify(newType)) {
              events.push(Events.alterColumnType(id, { [op.column.name]: newType }, { [op.column.name]: oldType }));
            }
            cols.splice(i, 1);
            if (op.position) {
              // a moved column: drop + add at the new place is the only way core expresses it
              const at = op.position.kind === 'FIRST' ? 0 : cols.findIndex((c) => c.name === (op.position as { column: string }).column) + 1;
              cols.splice(at, 0, op.column);
              ctx.logger.warn(`column ${op.column.name} of ${key} moved (${op.position.kind}); sinks keep their column order`, { table: key });
            } else {
              cols.splice(i, 0, op.column);
            }
            break;
          }
          case 'rename-table': {
            const to = name(op.to);
            out.delete(key);
            events.push(Events.dropTable(id));
            touched.push(key);
            def = { ...def, db: to.db, name: to.table, columns: renumber(cols), primaryKey: pk };
            if (ctx.filter.matches(to.db, to.table)) {
              out.set(tableKey(to.db, to.table), def);
              touched.push(tableKey(to.db, to.table));
              events.push(Events.createTable(tableId(to.db, to.table), { columns: def.columns.map((c) => column(c, ctx)), primaryKeys: pk, partitionKeys: [], options: {} }));
            }
            return { tables: out, events, touched };
          }
          case 'primary-key':
            pk = op.columns;
            break;
          case 'drop-primary-key':
            pk = [];
            break;
          case 'other':
            break;
        }
      }
      out.set(key, { ...def, columns: renumber(cols), primaryKey: pk });
      touched.push(key);
      return { tables: out, events, touched };
    }
  }
}
