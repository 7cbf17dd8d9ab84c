/**
 * The in-memory database the values sink writes to, like Flink CDC's ValuesDatabase: tables with a schema and
 * rows. Rows are upserted by primary key (so replaying events is idempotent) or, without one, appended and
 * removed by equality. A schema change transforms schema and stored rows together, once, whichever writer sees
 * it: that is why the metadata applier, not the writers, applies it.
 *
 * Instances are named (`sink.id`) and kept on globalThis, so a test and a pipeline that loaded the connector
 * through another module path (two copies of the package) still see the same database.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  writeFileAtomically,
  applySchemaChange as applyToSchema,
  DataError,
  decodeTagged,
  encodeTagged,
  isCdcError,
  makeCaster,
  rowToJson,
  SchemaError,
  SinkError,
  StateError,
  tableIdString,
  typeEquals,
  type Caster,
  type DataChangeEvent,
  type DataType,
  type JsonOut,
  type RowData,
  type Schema,
  type SchemaChangeEvent,
  type TableId,
} from '@cdc/core';
import { CONNECTOR } from './options.js';

/** A table's content: schema and rows (in schema column order, sorted by primary key, else by all columns). */
export interface TableContent {
  readonly tableId: TableId;
  readonly schema: Schema;
  readonly rows: readonly (readonly unknown[])[];
}

interface StoredTable {
  readonly id: TableId;
  schema: Schema;
  /** key text -> row, when the table has a primary key */
  keyed: Map<string, unknown[]> | undefined;
  /** rows of a table without primary key, in arrival order */
  list: unknown[][];
  /** writers' row layouts -> converter to this schema; a writer's view is usually the same schema as another object */
  converters: WeakMap<Schema, (r: unknown[]) => unknown[]>;
}

export type FailureCounter = 'write' | 'prepare-commit';

const REGISTRY = Symbol.for('@cdc/connector-values/databases');
function registry(): Map<string, ValuesDatabase> {
  const g = globalThis as unknown as Record<symbol, Map<string, ValuesDatabase> | undefined>;
  return (g[REGISTRY] ??= new Map());
}

export class ValuesDatabase {
  private readonly store = new Map<string, StoredTable>();
  private readonly counters: Record<FailureCounter, number> = { write: 0, 'prepare-commit': 0 };

  private constructor(readonly id: string) {}

  /** The database named `id` (created empty on first use). The sink's `sink.id` picks it. */
  static instance(id = 'default'): ValuesDatabase {
    const all = registry();
    let db = all.get(id);
    if (!db) {
      db = new ValuesDatabase(id);
      all.set(id, db);
    }
    return db;
  }

  /** Names of the databases created so far. */
  static instanceIds(): string[] {
    return [...registry().keys()].sort();
  }

  /** Empties every database (tests). */
  static resetAll(): void {
    for (const db of registry().values()) db.reset();
  }

  /** Drops every table and restarts the failure-injection counters. */
  reset(): void {
    this.store.clear();
    this.counters.write = 0;
    this.counters['prepare-commit'] = 0;
  }

  /** Table ids, sorted by their printed form. */
  tables(): TableId[] {
    return [...this.store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t.id);
  }

  hasTable(id: TableId): boolean {
    return this.store.has(tableIdString(id));
  }

  /** The table's schema, undefined when the table does not exist. */
  schema(id: TableId): Schema | undefined {
    return this.store.get(tableIdString(id))?.schema;
  }

  /** Rows as arrays in the schema's column order, sorted by primary key (else by all columns). Copies. */
  rows(id: TableId): unknown[][] {
    const t = this.require(id);
    return sortedRows(t).map((r) => [...r]);
  }

  /** Rows as JSON objects by column name (BIGINT/DECIMAL as strings, bytes as base64), in the order of rows(). */
  rowsAsJson(id: TableId): Record<string, JsonOut>[] {
    const t = this.require(id);
    return sortedRows(t).map((r) => rowToJson(t.schema, r));
  }

  /** Rows as objects by column name with in-memory values (bigint, decimal text, Uint8Array ...). */
  rowsAsObjects(id: TableId): Record<string, unknown>[] {
    const t = this.require(id);
    return sortedRows(t).map((r) => Object.fromEntries(t.schema.columns.map((c, i) => [c.name, r[i]])));
  }

  /** Every table with its schema and sorted rows. */
  content(): TableContent[] {
    return this.tables().map((id) => {
      const t = this.require(id);
      return { tableId: t.id, schema: t.schema, rows: sortedRows(t).map((r) => [...r]) };
    });
  }

  /** Replaces the whole content (restoring from an output file). */
  load(content: readonly TableContent[]): void {
    this.store.clear();
    for (const c of content) {
      const t = newTable(c.tableId, c.schema);
      for (const r of c.rows) putRow(t, [...r], null);
      this.store.set(tableIdString(c.tableId), t);
    }
  }

  /**
   * Applies a schema change to the schema and the stored rows. Replays are tolerated the way DDL with IF [NOT]
   * EXISTS is: create.table of an existing table, add.column of a column already there with the same type,
   * drop.column of a missing column, rename.column already done, truncate/drop of a missing table are no-ops.
   * This matters after a restart that loaded an output file written just before the crash: the source replays
   * events the file already contains.
   */
  applySchemaChange(event: SchemaChangeEvent): void {
    const key = tableIdString(event.tableId);
    const t = this.store.get(key);
    switch (event.kind) {
      case 'create.table':
        if (!t) this.store.set(key, newTable(event.tableId, event.schema));
        return;
      case 'drop.table':
        this.store.delete(key);
        return;
      case 'truncate.table':
        if (t) rebuild(t, t.schema, []);
        return;
    }
    if (!t) {
      throw new SchemaError(`${event.kind} on ${key}: the table does not exist in values database "${this.id}"`, {
        connector: CONNECTOR,
        hint: 'a table is created by its create.table event first',
      });
    }
    const effective = replayFiltered(t.schema, event, key);
    if (!effective) return;
    const next = applyToSchema(t.schema, effective);
    const convert = rowConverter(t.schema, next, effective.kind === 'rename.column' ? effective.nameMapping : {}, key);
    rebuild(t, next, allRows(t).map(convert));
  }

  /**
   * Applies a data change. `rowSchema` is the schema the event's rows are aligned to (the writer's view); when it
   * differs from the table's, values are moved by column name and cast.
   */
  applyDataChange(event: DataChangeEvent, rowSchema?: Schema): void {
    const key = tableIdString(event.tableId);
    const t = this.store.get(key);
    if (!t) {
      throw new SinkError(`${event.op} for table ${key}, which does not exist in values database "${this.id}"`, {
        connector: CONNECTOR,
        hint: 'the table is created by its create.table event (through the metadata applier or the writer) first',
      });
    }
    const from = rowSchema ?? t.schema;
    let convert = t.converters.get(from);
    if (!convert) {
      convert = sameLayout(from, t.schema) ? identityRow : rowConverter(from, t.schema, {}, key);
      t.converters.set(from, convert);
    }
    const toStored = convert;
    const check = (r: RowData, what: string): unknown[] => {
      if (r.length !== from.columns.length) {
        throw new DataError(`${event.op} on ${key}: the ${what} row has ${r.length} values but the table has ${from.columns.length} columns`, { connector: CONNECTOR });
      }
      return toStored([...r]);
    };
    const before = event.before ? check(event.before, 'before') : null;
    if (event.op === 'DELETE') {
      if (before) removeRow(t, before);
      return;
    }
    if (!event.after) throw new DataError(`${event.op} on ${key} has no after row`, { connector: CONNECTOR });
    putRow(t, check(event.after, 'after'), event.op === 'UPDATE' ? before : null);
  }

  /** Counts a call for failure injection (`sink.failure.at`) and returns its number, from 1. */
  countCall(counter: FailureCounter): number {
    return ++this.counters[counter];
  }

  /** Writes every table atomically to `path` (see `sink.output.file`). */
  writeOutputFile(path: string, checkpointId: number): void {
    const data: OutputFileData = {
      format: OUTPUT_FORMAT,
      sinkId: this.id,
      checkpointId,
      time: new Date().toISOString(),
      tables: this.content().map((c) => ({ tableId: c.tableId, schema: c.schema, rows: c.rows })),
    };
    writeFileAtomically(path, encodeTagged(data));
  }

  /** Replaces the content with an output file's, when the file exists. Returns whether it did. */
  loadOutputFile(path: string): boolean {
    if (!existsSync(path)) return false;
    const out = readOutputFile(path);
    this.load(Object.values(out.tables));
    return true;
  }

  private require(id: TableId): StoredTable {
    const t = this.store.get(tableIdString(id));
    if (!t) {
      const names = [...this.store.keys()].sort();
      throw new SchemaError(`table ${tableIdString(id)} does not exist in values database "${this.id}" (tables: ${names.length ? names.join(', ') : 'none'})`, {
        connector: CONNECTOR,
      });
    }
    return t;
  }
}

// ---------------------------------------------------------------------------------------------
// Table storage

function newTable(id: TableId, schema: Schema): StoredTable {
  return { id, schema, keyed: schema.primaryKeys.length ? new Map() : undefined, list: [], converters: new WeakMap() };
}

function sameLayout(a: Schema, b: Schema): boolean {
  return a.columns.length === b.columns.length && a.columns.every((c, i) => c.name === b.columns[i].name && typeEquals(c.type, b.columns[i].type));
}

function keyOf(s: Schema, row: readonly unknown[]): string {
  return encodeTagged(s.primaryKeys.map((k) => row[s.columns.findIndex((c) => c.name === k)] ?? null));
}

const rowText = (row: readonly unknown[]): string => encodeTagged(row);

function allRows(t: StoredTable): unknown[][] {
  return t.keyed ? [...t.keyed.values()] : t.list;
}

/** Stores a row: upsert by key; without a key, an update replaces the first row equal to `before`. */
function putRow(t: StoredTable, row: unknown[], before: unknown[] | null): void {
  if (t.keyed) {
    if (before) {
      // a key change: the old key goes away (its before image must carry the key)
      const old = keyOf(t.schema, before);
      if (old !== keyOf(t.schema, row)) t.keyed.delete(old);
    }
    t.keyed.set(keyOf(t.schema, row), row);
    return;
  }
  if (before) {
    const text = rowText(before);
    const i = t.list.findIndex((r) => rowText(r) === text);
    if (i >= 0) {
      t.list[i] = row;
      return;
    }
  }
  t.list.push(row);
}

function removeRow(t: StoredTable, before: unknown[]): void {
  if (t.keyed) {
    t.keyed.delete(keyOf(t.schema, before));
    return;
  }
  const text = rowText(before);
  const i = t.list.findIndex((r) => rowText(r) === text);
  if (i >= 0) t.list.splice(i, 1);
}

function rebuild(t: StoredTable, schema: Schema, rows: unknown[][]): void {
  t.schema = schema;
  t.converters = new WeakMap();
  t.keyed = schema.primaryKeys.length ? new Map() : undefined;
  t.list = [];
  for (const r of rows) putRow(t, r, null);
}

const identityRow = (r: unknown[]): unknown[] => r;

/**
 * Moves values from rows of `from` to rows of `to` by column name (`renamed`: old -> new), casting when a type
 * changed; a column `to` has and `from` has not is null.
 */
function rowConverter(from: Schema, to: Schema, renamed: Readonly<Record<string, string>>, where: string): (r: unknown[]) => unknown[] {
  const newToOld = new Map<string, string>();
  for (const c of from.columns) newToOld.set(renamed[c.name] ?? c.name, c.name);
  const plan = to.columns.map((c) => {
    const oldName = newToOld.get(c.name);
    const index = oldName === undefined ? -1 : from.columns.findIndex((x) => x.name === oldName);
    const fromType: DataType | undefined = index >= 0 ? from.columns[index].type : undefined;
    const cast: Caster | undefined = fromType && !typeEquals(fromType, c.type) ? makeCaster(fromType, c.type) : undefined;
    return { index, cast, name: c.name };
  });
  return (r) =>
    plan.map(({ index, cast, name }) => {
      if (index < 0) return null;
      const v = r[index];
      if (!cast) return v;
      try {
        return cast(v);
      } catch (e) {
        throw new DataError(`${where}: column "${name}": ${isCdcError(e) ? e.reason : (e as Error).message}`, { connector: CONNECTOR, cause: e });
      }
    });
}

/** The part of a change not already in place (see applySchemaChange); undefined when nothing is left to do. */
function replayFiltered(s: Schema, event: SchemaChangeEvent, where: string): SchemaChangeEvent | undefined {
  const has = (n: string) => s.columns.some((c) => c.name === n);
  switch (event.kind) {
    case 'add.column': {
      const columns = event.columns.filter((a) => {
        const existing = s.columns.find((c) => c.name === a.column.name);
        if (!existing) return true;
        if (!typeEquals(existing.type, a.column.type)) {
          throw new SchemaError(`add.column on ${where}: column "${a.column.name}" already exists with another type`, { connector: CONNECTOR });
        }
        return false;
      });
      return columns.length ? { ...event, columns } : undefined;
    }
    case 'drop.column': {
      const names = event.droppedColumnNames.filter(has);
      return names.length ? { ...event, droppedColumnNames: names } : undefined;
    }
    case 'rename.column': {
      const mapping = Object.fromEntries(Object.entries(event.nameMapping).filter(([from, to]) => !(from !== to && !has(from) && has(to))));
      return Object.keys(mapping).length ? { ...event, nameMapping: mapping } : undefined;
    }
    default:
      return event;
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic order

function decimalParts(s: string): { neg: boolean; int: string; frac: string } {
  const neg = s.trim().startsWith('-');
  const [i = '', f = ''] = s.trim().replace(/^[+-]/, '').split('.');
  const int = i.replace(/^0+/, '');
  const frac = f.replace(/0+$/, '');
  return { neg: neg && (int !== '' || frac !== ''), int, frac };
}

function compareDecimal(a: string, b: string): number {
  const x = decimalParts(a);
  const y = decimalParts(b);
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  let m = x.int.length - y.int.length;
  if (m === 0) m = x.int < y.int ? -1 : x.int > y.int ? 1 : 0;
  if (m === 0) {
    const len = Math.max(x.frac.length, y.frac.length);
    const fa = x.frac.padEnd(len, '0');
    const fb = y.frac.padEnd(len, '0');
    m = fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return x.neg ? -m : m;
}

function compareValues(type: DataType, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (type.type === 'DECIMAL' && typeof a === 'string' && typeof b === 'string') return compareDecimal(a, b);
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }
  const x = encodeTagged(a);
  const y = encodeTagged(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortedRows(t: StoredTable): unknown[][] {
  const s = t.schema;
  const order = (s.primaryKeys.length ? s.primaryKeys.map((k) => s.columns.findIndex((c) => c.name === k)) : s.columns.map((_, i) => i)).map((i) => ({
    i,
    type: s.columns[i].type,
  }));
  return [...allRows(t)].sort((x, y) => {
    for (const { i, type } of order) {
      const c = compareValues(type, x[i], y[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Output file (sink.output.file)

const OUTPUT_FORMAT = 1;

interface OutputFileData {
  readonly format: typeof OUTPUT_FORMAT;
  readonly sinkId: string;
  readonly checkpointId: number;
  readonly time: string;
  readonly tables: readonly TableContent[];
}

/** One table of an output file. */
export interface OutputTable extends TableContent {
  /** The rows as JSON objects by column name (BIGINT/DECIMAL as strings), as rowsAsJson returns them. */
  readonly rowsAsJson: readonly Record<string, JsonOut>[];
}

/** What `sink.output.file` holds: the sink's content as of its last prepareCommit. */
export interface ValuesOutput {
  readonly sinkId: string;
  /** The checkpoint whose prepareCommit wrote the file. */
  readonly checkpointId: number;
  /** ISO time the file was written. */
  readonly time: string;
  /** Tables by their printed id (`db.table`). */
  readonly tables: Readonly<Record<string, OutputTable>>;
}

function isSchemaLike(v: unknown): v is Schema {
  const s = v as Partial<Schema> | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    Array.isArray(s.columns) &&
    s.columns.every((c) => c !== null && typeof c === 'object' && typeof c.name === 'string' && typeof c.type === 'object' && c.type !== null) &&
    Array.isArray(s.primaryKeys) &&
    Array.isArray(s.partitionKeys)
  );
}

/** Reads a `sink.output.file`. A file that is not one throws a StateError naming the problem. */
export function readOutputFile(path: string): ValuesOutput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new StateError(`cannot read values output file ${path}: ${(e as Error).message}`, { connector: CONNECTOR, cause: e });
  }
  const corrupted = (why: string, cause?: unknown): never => {
    throw new StateError(`values output file ${path} is corrupted: ${why}`, {
      connector: CONNECTOR,
      hint: 'delete it to start with an empty database (and the pipeline state dir, so both start over)',
      ...(cause === undefined ? {} : { cause }),
    });
  };
  let data: unknown;
  try {
    data = decodeTagged(text);
  } catch (e) {
    return corrupted(`not JSON (${(e as Error).message})`, e);
  }
  const d = data as Partial<OutputFileData> | null;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) return corrupted('not a JSON object');
  if (d.format !== OUTPUT_FORMAT) return corrupted(`unknown format ${JSON.stringify(d.format)} (expected ${OUTPUT_FORMAT})`);
  if (typeof d.checkpointId !== 'number' || typeof d.sinkId !== 'string' || !Array.isArray(d.tables)) return corrupted('sinkId, checkpointId or tables missing');
  const tables: Record<string, OutputTable> = {};
  d.tables.forEach((t, i) => {
    const tt = t as Partial<TableContent> | null;
    if (!tt || typeof tt.tableId?.table !== 'string' || !isSchemaLike(tt.schema) || !Array.isArray(tt.rows) || !tt.rows.every(Array.isArray)) {
      corrupted(`tables[${i}] is not {tableId, schema, rows}`);
    }
    const content = tt as TableContent;
    const bad = content.rows.findIndex((r) => r.length !== content.schema.columns.length);
    if (bad >= 0) corrupted(`table ${tableIdString(content.tableId)}: row ${bad} does not match its schema`);
    tables[tableIdString(content.tableId)] = { ...content, rowsAsJson: content.rows.map((r) => rowToJson(content.schema, r)) };
  });
  return { sinkId: d.sinkId, checkpointId: d.checkpointId, time: typeof d.time === 'string' ? d.time : '', tables };
}
