/**
 * One table as one JSON file: its schema (types as Flink CDC type strings) and its rows as objects, values in
 * their exact JSON form (BIGINT and DECIMAL as strings, bytes as base64). Files are replaced atomically, so a
 * crash leaves the previous content.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  column,
  formatType,
  fromJsonValue,
  parseType,
  schema,
  SinkError,
  tableIdParts,
  tableIdString,
  writeFileAtomically,
  type Schema,
  type TableId,
} from '@cdc/core';

export type JsonRow = Record<string, unknown>;

export interface TableFile {
  readonly schema: Schema;
  /** Rows by primary key (or by the whole row for tables without one). */
  readonly rows: Map<string, JsonRow>;
}

interface StoredTable {
  table: string;
  schema: { columns: { name: string; type: string; comment?: string }[]; primaryKeys: string[] };
  rows: JsonRow[];
}

export function tableFilePath(dir: string, id: TableId): string {
  return join(dir, `${tableIdParts(id).map(encodeURIComponent).join('.')}.json`);
}

export function rowKey(s: Schema, row: JsonRow): string {
  const cols = s.primaryKeys.length ? s.primaryKeys : s.columns.map((c) => c.name);
  return JSON.stringify(cols.map((c) => row[c] ?? null));
}

export function readTableFile(dir: string, id: TableId): TableFile | undefined {
  const file = tableFilePath(dir, id);
  if (!existsSync(file)) return undefined;
  let stored: StoredTable;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredTable;
  } catch (e) {
    throw new SinkError(`table file ${file} is not valid JSON (${(e as Error).message}) — restore it or delete it to rewrite the table`);
  }
  const s = schema({
    columns: stored.schema.columns.map((c) => column(c.name, parseType(c.type), c.comment === undefined ? {} : { comment: c.comment })),
    primaryKeys: stored.schema.primaryKeys,
  });
  return { schema: s, rows: new Map(stored.rows.map((r) => [rowKey(s, r), r])) };
}

export function writeTableFile(dir: string, id: TableId, t: TableFile, pretty: boolean): void {
  const stored: StoredTable = {
    table: tableIdString(id),
    schema: {
      columns: t.schema.columns.map((c) => ({ name: c.name, type: formatType(c.type), ...(c.comment === undefined ? {} : { comment: c.comment }) })),
      primaryKeys: [...t.schema.primaryKeys],
    },
    rows: [...t.rows.values()],
  };
  writeFileAtomically(tableFilePath(dir, id), JSON.stringify(stored, null, pretty ? 2 : undefined) + '\n');
}

export function deleteTableFile(dir: string, id: TableId): void {
  rmSync(tableFilePath(dir, id), { force: true });
}

/** Rows with values in cdc's in-memory representation (what the testkit compares), every column present. */
export function readRows(dir: string, id: TableId): Record<string, unknown>[] {
  const t = readTableFile(dir, id);
  if (!t) return [];
  return [...t.rows.values()].map((r) => Object.fromEntries(t.schema.columns.map((c) => [c.name, fromJsonValue(c.type, r[c.name] ?? null)])));
}
