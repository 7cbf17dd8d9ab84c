/**
 * The jsonfile sink. The writer keeps the changes since the last flush per table (the last image per key) and
 * merges them into the table files on a flush or checkpoint, so `prepareCommit` resolves only once every
 * change is in a file on disk: at-least-once, and replays are harmless because rows are upserted by key.
 * Schema changes are applied to the files by the metadata applier (the runtime flushes the writer first).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applySchemaChange,
  defineSink,
  fromJsonValue,
  makeCaster,
  SinkError,
  tableIdString,
  toJsonValue,
  type DataChangeEvent,
  type Event,
  type MetadataApplier,
  type RowData,
  type Schema,
  type SchemaChangeEvent,
  type SinkWriter,
  type TableId,
} from '@cdc/core';
import { JSONFILE_OPTIONS } from './jsonfile-options.js';
import { deleteTableFile, readTableFile, rowKey, writeTableFile, type JsonRow } from './table-file.js';

function toJsonRow(s: Schema, row: RowData): JsonRow {
  return Object.fromEntries(s.columns.map((c, i) => [c.name, toJsonValue(c.type, row[i])]));
}

function applier(dir: string, pretty: boolean): MetadataApplier {
  return {
    supportedSchemaChanges: ['create.table', 'add.column', 'drop.column', 'rename.column', 'alter.column.type', 'truncate.table', 'drop.table'],
    async applySchemaChange(e: SchemaChangeEvent) {
      const current = readTableFile(dir, e.tableId);
      if (e.kind === 'create.table') {
        // a restart replays create.table: keep the rows already there
        writeTableFile(dir, e.tableId, { schema: current ? applySchemaChange(current.schema, e) : e.schema, rows: current?.rows ?? new Map() }, pretty);
        return;
      }
      if (e.kind === 'drop.table') {
        deleteTableFile(dir, e.tableId);
        return;
      }
      if (!current) throw new SinkError(`${e.kind} on ${tableIdString(e.tableId)}: the table has no file in ${dir} — was it deleted by hand?`);
      const next = applySchemaChange(current.schema, e);
      let rows = [...current.rows.values()];
      if (e.kind === 'truncate.table') rows = [];
      if (e.kind === 'drop.column') rows = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !e.droppedColumnNames.includes(k))));
      if (e.kind === 'rename.column') rows = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [e.nameMapping[k] ?? k, v])));
      if (e.kind === 'alter.column.type') {
        const before = readRowsAs(current.schema, rows);
        rows = before.map((r) => toJsonRow(next, next.columns.map((c, i) => (e.typeMapping[c.name] ? makeCaster(current.schema.columns[i].type, c.type)(r[i]) : r[i]))));
      }
      writeTableFile(dir, e.tableId, { schema: next, rows: new Map(rows.map((r) => [rowKey(next, r), r])) }, pretty);
    },
  };
}

/** JSON rows back to in-memory rows in schema order (for type changes). */
function readRowsAs(s: Schema, rows: JsonRow[]): unknown[][] {
  return rows.map((r) => s.columns.map((c) => fromJsonValue(c.type, r[c.name] ?? null)));
}

function writer(dir: string, pretty: boolean): SinkWriter {
  const schemas = new Map<string, { id: TableId; schema: Schema }>();
  /** table -> key -> row (null = deleted), in arrival order */
  const pending = new Map<string, Map<string, JsonRow | null>>();

  const record = (e: DataChangeEvent) => {
    const key = tableIdString(e.tableId);
    const t = schemas.get(key);
    if (!t) throw new SinkError(`a ${e.op} for ${key} arrived before its create.table — this is a bug in the source or runtime`);
    let changes = pending.get(key);
    if (!changes) pending.set(key, (changes = new Map()));
    if (e.before && e.op !== 'INSERT') {
      const before = toJsonRow(t.schema, e.before);
      if (e.op === 'DELETE' || !e.after || rowKey(t.schema, before) !== rowKey(t.schema, toJsonRow(t.schema, e.after))) changes.set(rowKey(t.schema, before), null);
    }
    if (e.after && e.op !== 'DELETE') {
      const after = toJsonRow(t.schema, e.after);
      changes.set(rowKey(t.schema, after), after);
    }
  };

  const flush = () => {
    for (const [key, changes] of pending) {
      const { id, schema } = schemas.get(key)!;
      const file = readTableFile(dir, id) ?? { schema, rows: new Map<string, JsonRow>() };
      for (const [k, row] of changes) {
        if (row === null) file.rows.delete(k);
        else file.rows.set(k, row);
      }
      writeTableFile(dir, id, file, pretty);
    }
    pending.clear();
  };

  return {
    async write(events: readonly Event[]) {
      for (const e of events) {
        if (e.kind === 'data') record(e);
        else if (e.kind === 'flush') flush();
        else {
          flush();
          const key = tableIdString(e.tableId);
          if (e.kind === 'drop.table') schemas.delete(key);
          else schemas.set(key, { id: e.tableId, schema: e.kind === 'create.table' ? e.schema : applySchemaChange(schemas.get(key)?.schema, e) });
        }
      }
    },
    async prepareCommit() {
      flush();
      return undefined;
    },
    async close() {
      pending.clear();
    },
  };
}

export const jsonFileSink = defineSink({
  identifier: 'jsonfile',
  description: 'One JSON file per table, upserted by primary key at every checkpoint (example third-party connector)',
  options: JSONFILE_OPTIONS,
  create(ctx) {
    const dir = resolve(ctx.options.requireString('path'));
    const pretty = ctx.options.boolean('pretty') ?? false;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new SinkError(`cannot create the jsonfile directory ${dir}: ${(e as Error).message} — set "path" to a writable directory`);
    }
    return {
      metadataApplier: () => applier(dir, pretty),
      createWriter: () => writer(dir, pretty),
      async check() {
        return { system: 'jsonfile', version: '1', problems: [] };
      },
    };
  },
});
