/**
 * Event specs: the plain-data form of events the values source reads (inline YAML, JSON lines, built-in sets).
 *
 * Row values are converted with core's rowFromJson against the schema the table has at that point of the list,
 * so every value is typed by its column. Numbers are kept as their source text until then: a JSON or YAML number
 * such as 9223372036854775807 or 12345678901234567890.123456789 stays exact in a BIGINT or DECIMAL column
 * instead of passing through a float.
 */
import {
  applySchemaChange,
  type CdcError,
  ConfigError,
  DataError,
  Events,
  formatType,
  isCdcError,
  parseTableId,
  parseType,
  rowFromJson,
  rowToJson,
  schema as buildSchema,
  tableIdString,
  type AddedColumn,
  type Column,
  type ColumnPosition,
  type DataType,
  type Event,
  type JsonOut,
  type Schema,
  type SchemaChangeEvent,
  type TableId,
} from '@cdc/core';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { CONNECTOR, type EventSetId } from './options.js';

// ---------------------------------------------------------------------------------------------
// The spec shapes (what a user writes)

/** A row: an object by column name (missing columns are null) or an array in column order. */
export type RowSpec = Readonly<Record<string, unknown>> | readonly unknown[];

export interface ColumnSpec {
  readonly name: string;
  /** A type string such as `BIGINT NOT NULL`, `DECIMAL(38, 10)`, `TIMESTAMP(6)`. */
  readonly type: string;
  readonly comment?: string;
  /** Default value expression as text. */
  readonly default?: string;
}

export interface SchemaSpec {
  readonly columns: readonly ColumnSpec[];
  readonly primaryKeys?: readonly string[] | string;
  readonly partitionKeys?: readonly string[] | string;
  readonly options?: Readonly<Record<string, string>>;
  readonly comment?: string;
}

export interface AddColumnSpec extends ColumnSpec {
  readonly position?: ColumnPosition;
  /** The column BEFORE/AFTER refer to. */
  readonly existing?: string;
}

type Meta = Readonly<Record<string, string>>;

export type EventSpec =
  | { readonly op: 'create'; readonly table: string; readonly schema: SchemaSpec }
  | { readonly op: 'insert' | 'replace'; readonly table: string; readonly after: RowSpec; readonly meta?: Meta }
  | { readonly op: 'update'; readonly table: string; readonly before?: RowSpec | null; readonly after: RowSpec; readonly meta?: Meta }
  | { readonly op: 'delete'; readonly table: string; readonly before: RowSpec; readonly meta?: Meta }
  | { readonly op: 'add.column'; readonly table: string; readonly columns: readonly AddColumnSpec[] }
  | { readonly op: 'drop.column'; readonly table: string; readonly columns: readonly string[] }
  | { readonly op: 'rename.column'; readonly table: string; readonly mapping: Readonly<Record<string, string>> }
  | { readonly op: 'alter.column.type'; readonly table: string; readonly types: Readonly<Record<string, string>> }
  | { readonly op: 'truncate.table' | 'drop.table'; readonly table: string };

export type EventOp = EventSpec['op'];

const OP_KEYS: Readonly<Record<EventOp, readonly string[]>> = {
  create: ['schema'],
  insert: ['after', 'meta'],
  replace: ['after', 'meta'],
  update: ['before', 'after', 'meta'],
  delete: ['before', 'meta'],
  'add.column': ['columns'],
  'drop.column': ['columns'],
  'rename.column': ['mapping'],
  'alter.column.type': ['types'],
  'truncate.table': [],
  'drop.table': [],
};
const OPS = Object.keys(OP_KEYS) as EventOp[];
const OP_ALIASES: Readonly<Record<string, EventOp>> = { 'create.table': 'create' };

/** One spec as read, with where it came from (for messages). */
export interface SpecItem {
  readonly value: unknown;
  /** e.g. `events[3] (line 4)`, `/tmp/e.jsonl:4 (event 3)`. */
  readonly where: string;
}

// ---------------------------------------------------------------------------------------------
// Reading specs from text

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Replaces every number scalar of a YAML document by its source text (see the file comment). */
function numbersAsText(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Scalar(_key, node) {
      const v = node.value;
      if (typeof v !== 'number' && typeof v !== 'bigint') return;
      const src = typeof node.source === 'string' ? node.source.trim() : '';
      // hex/octal literals (bigint with intAsBigInt) become plain decimal text; .inf/.nan stay numbers
      if (DECIMAL_TEXT.test(src)) node.value = src;
      else if (typeof v === 'bigint') node.value = v.toString();
    },
  });
}

function yamlError(label: string, doc: ReturnType<typeof parseDocument>, lc: LineCounter): CdcError {
  const e = doc.errors[0];
  const line = e.linePos?.[0].line ?? lc.linePos(e.pos[0]).line;
  const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
  return new ConfigError(`${label}${line ? ` line ${line}` : ''}: not a valid YAML/JSON list of event specs: ${reason}`, {
    connector: CONNECTOR,
    hint: 'write a YAML list (- {op: insert, table: db.t, after: {id: 1}}), a JSON array, or one JSON object per line',
  });
}

/**
 * Reads the `events` option: a YAML or JSON list of specs, or JSON lines. The text usually comes from a block
 * scalar in the pipeline file (`events: |`), so line numbers are relative to that block.
 */
export function parseEventsText(text: string, label = 'events'): SpecItem[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
  // several top-level JSON objects, one per line: JSON lines, not a YAML document
  if (lines.length > 1 && lines.every((l) => l.trim().startsWith('{'))) return parseJsonLines(text, label);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) throw yamlError(label, doc, lc);
  numbersAsText(doc);
  const root = doc.contents as Node | null;
  if (isMap(root)) {
    // one spec on its own is accepted as a list of one
    return [{ value: doc.toJS({ maxAliasCount: 100 }) as unknown, where: `${label}[0] (line ${lc.linePos(root.range?.[0] ?? 0).line})` }];
  }
  if (!isSeq(root)) {
    throw new ConfigError(`${label}: expected a list of event specs, got ${isScalar(root) ? JSON.stringify(root.value) : 'nothing'}`, {
      connector: CONNECTOR,
      hint: 'write a YAML list (- {op: insert, table: db.t, after: {id: 1}}), a JSON array, or one JSON object per line',
    });
  }
  return root.items.map((item, i) => {
    const node = item as Node;
    const line = node.range ? lc.linePos(node.range[0]).line : 0;
    return { value: node.toJSON() as unknown, where: `${label}[${i}] (line ${line})` };
  });
}

/** True when JSON.parse may have rounded a number: any non-integer or unsafe integer. */
function mayHaveRounded(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isSafeInteger(v);
  if (Array.isArray(v)) return v.some(mayHaveRounded);
  if (v !== null && typeof v === 'object') return Object.values(v).some(mayHaveRounded);
  return false;
}

function safeNumbersAsText(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(safeNumbersAsText);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, safeNumbersAsText(x)]));
  return v;
}

/**
 * JSON lines: one spec per line, blank lines skipped. `firstLine`/`firstIndex` continue numbering when a file is
 * followed as it grows.
 */
export function parseJsonLines(text: string, label: string, firstLine = 1, firstIndex = 0): SpecItem[] {
  const out: SpecItem[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    out.push(parseJsonLine(raw, `${label}:${firstLine + i} (event ${firstIndex + out.length})`));
  });
  return out;
}

/** One JSON line (already known not to be blank). */
export function parseJsonLine(raw: string, where: string): SpecItem {
  const line = raw.trim();
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new ConfigError(`${where}: invalid JSON: ${(e as Error).message}`, { connector: CONNECTOR, hint: 'each line of an events file is one JSON object' });
  }
  if (mayHaveRounded(value)) {
    // re-read the line keeping every number's text, so a long DECIMAL or BIGINT is not rounded
    const doc = parseDocument(line, { intAsBigInt: true, uniqueKeys: true });
    if (doc.errors.length) throw new ConfigError(`${where}: ${doc.errors[0].message.split('\n')[0]}`, { connector: CONNECTOR });
    numbersAsText(doc);
    value = doc.toJS();
  } else {
    value = safeNumbersAsText(value);
  }
  return { value, where };
}

// ---------------------------------------------------------------------------------------------
// Compiling specs into events

type SpecProblem = { readonly kind: 'config' | 'data'; readonly message: string };
class SpecFailure extends Error {
  constructor(readonly problem: SpecProblem) {
    super(problem.message);
  }
}
const bad = (message: string): never => {
  throw new SpecFailure({ kind: 'config', message });
};
const badData = (message: string): never => {
  throw new SpecFailure({ kind: 'data', message });
};

/** The reason of an error, without `[cdc] [connector] ` prefixes that a nested message may still carry. */
function reasonOf(e: unknown): string {
  const text = isCdcError(e) ? e.reason : (e as Error).message;
  return text.replace(/\[cdc\] (\[[a-z0-9-]+\] )?/g, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

function objectField(o: Record<string, unknown>, key: string, what: string): Record<string, unknown> {
  const v = o[key];
  if (!isObject(v)) return bad(`"${key}" must be ${what}, got ${v === undefined ? 'nothing' : show(v)}`);
  return v;
}

function stringField(o: Record<string, unknown>, key: string, required: true): string;
function stringField(o: Record<string, unknown>, key: string, required: false): string | undefined;
function stringField(o: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return required ? bad(`"${key}" is missing`) : undefined;
  if (typeof v !== 'string' || (required && !v.trim())) return bad(`"${key}" must be a non-empty string, got ${show(v)}`);
  return v;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) bad(`unknown key "${k}" in ${what} (allowed: ${allowed.join(', ')})`);
  }
}

function nameList(v: unknown, key: string): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) return bad(`"${key}" must be a list of column names, got ${show(v)}`);
  return list as string[];
}

function stringMap(v: unknown, key: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return bad(`"${key}" must be a mapping, got ${show(v)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || typeof x === 'object') bad(`"${key}.${k}" must be a scalar, got ${show(x)}`);
    out[k] = String(x);
  }
  return out;
}

function typeOf(text: unknown, where: string): DataType {
  if (typeof text !== 'string' || !text.trim()) return bad(`${where}: "type" must be a type string such as BIGINT NOT NULL, got ${show(text)}`);
  try {
    return parseType(text);
  } catch (e) {
    return bad(`${where}: ${reasonOf(e)}`);
  }
}

function columnOf(v: unknown, i: number, extraKeys: readonly string[]): Column {
  if (!isObject(v)) return bad(`columns[${i}] must be a mapping {name, type}, got ${show(v)}`);
  onlyKeys(v, ['name', 'type', 'comment', 'default', ...extraKeys], `columns[${i}]`);
  const name = stringField(v, 'name', true);
  const type = typeOf(v.type, `column "${name}"`);
  const comment = v.comment === undefined || v.comment === null ? undefined : String(v.comment);
  const def = v.default === undefined || v.default === null ? undefined : String(v.default);
  return { name, type, ...(comment === undefined ? {} : { comment }), ...(def === undefined ? {} : { defaultValue: def }) };
}

const TIMESTAMP_TEXT = /^(-?\d{4,}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z)?$/;

/**
 * Checks that a converted value has the in-memory representation of its type (rowFromJson converts but does not
 * refuse, e.g. `true` for an INT) and normalises temporal text: `2024-01-01 10:00:00` -> `2024-01-01T10:00:00`.
 */
function checkValue(type: DataType, v: unknown): unknown {
  if (v === null) return v;
  const fail = (what: string): never => badData(`${show(v)} is not ${what}`);
  switch (type.type) {
    case 'BOOLEAN':
      return typeof v === 'boolean' ? v : fail('a BOOLEAN');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return typeof v === 'number' && Number.isInteger(v) ? v : fail(`an ${type.type}`);
    case 'BIGINT':
      return typeof v === 'bigint' ? v : fail('a BIGINT');
    case 'FLOAT':
    case 'DOUBLE':
      return typeof v === 'number' ? v : fail(`a ${type.type}`);
    case 'DECIMAL': {
      if (typeof v !== 'string') return fail('a DECIMAL');
      const [int = '', frac = ''] = v.replace(/^[+-]/, '').split('.');
      const digits = int.replace(/^0+/, '').length;
      if (frac.replace(/0+$/, '').length > type.scale) return badData(`${v} has more than ${type.scale} decimal places for DECIMAL(${type.precision}, ${type.scale})`);
      if (digits > type.precision - type.scale) return badData(`${v} does not fit DECIMAL(${type.precision}, ${type.scale})`);
      return v;
    }
    case 'CHAR':
    case 'VARCHAR':
      if (typeof v !== 'string') return fail(`a ${type.type}`);
      if ([...v].length > type.length) return badData(`${show(v)} is longer than ${type.type}(${type.length})`);
      return v;
    case 'STRING':
      return typeof v === 'string' ? v : fail('a STRING');
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return v instanceof Uint8Array ? v : fail('binary (write it as base64 text)');
    case 'DATE':
      return typeof v === 'string' && /^-?\d{4,}-\d{2}-\d{2}$/.test(v) ? v : fail('a DATE (YYYY-MM-DD)');
    case 'TIME':
      return typeof v === 'string' && /^-?\d{1,3}:\d{2}:\d{2}(\.\d{1,9})?$/.test(v) ? v : fail('a TIME (HH:MM:SS[.ffffff])');
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const m = typeof v === 'string' ? TIMESTAMP_TEXT.exec(v) : null;
      if (!m) return fail(`a ${type.type} (YYYY-MM-DDTHH:MM:SS[.ffffff]${type.type === 'TIMESTAMP_LTZ' ? ' in UTC, Z optional' : ''})`);
      const [, date, time, frac, zone] = m;
      if (zone && type.type === 'TIMESTAMP') return badData(`${show(v)} has a zone but TIMESTAMP has none (use TIMESTAMP_LTZ)`);
      // never round: more fractional digits than the precision keeps is an error
      if (frac && frac.replace(/0+$/, '').length > type.precision) return badData(`${show(v)} has more fractional digits than ${type.type}(${type.precision}) keeps`);
      return `${date}T${time}${frac ? `.${frac}` : ''}${type.type === 'TIMESTAMP_LTZ' ? 'Z' : ''}`;
    }
    case 'ARRAY':
      return Array.isArray(v) ? v : fail('an ARRAY');
    case 'MAP':
      return v instanceof Map ? v : fail('a MAP');
    case 'ROW':
      return Array.isArray(v) ? v : fail('a ROW');
  }
}

function rowOf(s: Schema, v: unknown, field: string, full: boolean): unknown[] {
  if (v === undefined || v === null) return bad(`"${field}" is missing`);
  if (!Array.isArray(v) && !isObject(v)) return bad(`"${field}" must be an object by column name or an array in column order, got ${show(v)}`);
  let row: unknown[];
  try {
    row = rowFromJson(s, v);
  } catch (e) {
    return badData(`${field}: ${reasonOf(e)}`);
  }
  return row.map((x, i) => {
    const c = s.columns[i];
    let out: unknown;
    try {
      out = checkValue(c.type, x);
    } catch (e) {
      if (e instanceof SpecFailure) badData(`${field}: column "${c.name}": ${e.message}`);
      throw e;
    }
    if (out === null && full && !c.type.nullable) badData(`${field}: column "${c.name}" is NOT NULL but has no value`);
    // a before image may be partial, but without its key the row cannot be found
    if (out === null && !full && s.primaryKeys.includes(c.name)) badData(`${field}: primary key column "${c.name}" has no value`);
    return out;
  });
}

interface KnownTable {
  readonly id: TableId;
  schema: Schema;
}

/**
 * Turns specs into events in order, tracking each table's schema the way the source's database would, so that
 * rows are read against the schema they belong to. Errors name the spec (index, line) and the problem.
 */
export class EventCompiler {
  private readonly known = new Map<string, KnownTable>();

  /** Tables that exist after the specs compiled so far, with their current schemas. */
  tables(): { readonly id: TableId; readonly schema: Schema }[] {
    return [...this.known.values()].map((t) => ({ id: t.id, schema: t.schema }));
  }

  compile(item: SpecItem): Event {
    try {
      return this.compileValue(item.value);
    } catch (e) {
      if (e instanceof SpecFailure) {
        const Err = e.problem.kind === 'data' ? DataError : ConfigError;
        throw new Err(`${item.where}: ${e.message}`, {
          connector: CONNECTOR,
          hint: e.problem.kind === 'data' ? 'write BIGINT and DECIMAL values as strings or plain numbers, temporal values as ISO text, binary as base64' : 'see the event spec format in the README of @cdc/connector-values',
        });
      }
      throw e;
    }
  }

  compileAll(items: readonly SpecItem[]): Event[] {
    return items.map((i) => this.compile(i));
  }

  private compileValue(v: unknown): Event {
    if (!isObject(v)) return bad(`an event spec is a mapping with "op" and "table", got ${show(v)}`);
    const rawOp = stringField(v, 'op', true);
    const lower = rawOp.toLowerCase();
    const op = OP_ALIASES[lower] ?? (OPS as readonly string[]).find((o) => o === lower);
    if (!op) return bad(`unknown op "${rawOp}" (use ${OPS.join(', ')})`);
    onlyKeys(v, ['op', 'table', ...OP_KEYS[op as EventOp]], `a ${op} spec`);
    const tableText = stringField(v, 'table', true);
    let id: TableId;
    try {
      id = parseTableId(tableText.trim());
    } catch {
      return bad(`table "${tableText}" must be table, db.table or namespace.db.table`);
    }
    const key = tableIdString(id);
    if (op === 'create') {
      const s = this.schemaOf(objectField(v, 'schema', 'a mapping {columns, primaryKeys}'));
      this.known.set(key, { id, schema: s });
      return Events.createTable(id, s);
    }
    const table = this.known.get(key);
    if (!table) {
      return bad(`${op} on table ${key}, which has no create event before it${this.known.size ? ` (known tables: ${[...this.known.keys()].join(', ')})` : ''}`);
    }
    const current = table.schema;
    const meta = (): Meta => stringMap(v.meta, 'meta');
    switch (op as EventOp) {
      case 'insert':
        return Events.insert(id, rowOf(current, v.after, 'after', true), meta());
      case 'replace':
        return Events.replace(id, rowOf(current, v.after, 'after', true), meta());
      case 'update': {
        const before = v.before === undefined || v.before === null ? null : rowOf(current, v.before, 'before', false);
        return Events.update(id, before, rowOf(current, v.after, 'after', true), meta());
      }
      case 'delete':
        return Events.delete(id, rowOf(current, v.before, 'before', false), meta());
      case 'add.column': {
        const list = v.columns;
        if (!Array.isArray(list) || list.length === 0) return bad(`"columns" must be a non-empty list of {name, type, position?, existing?}`);
        const added: AddedColumn[] = list.map((c, i) => {
          const column = columnOf(c, i, ['position', 'existing']);
          const o = c as Record<string, unknown>;
          const pos = o.position === undefined || o.position === null ? 'LAST' : String(o.position).toUpperCase();
          if (!['FIRST', 'LAST', 'BEFORE', 'AFTER'].includes(pos)) bad(`columns[${i}].position must be FIRST, LAST, BEFORE or AFTER, got ${show(o.position)}`);
          const existing = stringField(o, 'existing', false);
          if ((pos === 'BEFORE' || pos === 'AFTER') && existing === undefined) bad(`columns[${i}]: position ${pos} needs "existing" (the column it refers to)`);
          return { column, position: pos as ColumnPosition, ...(existing === undefined ? {} : { existingColumn: existing }) };
        });
        return this.evolve(table, Events.addColumn(id, added));
      }
      case 'drop.column': {
        const names = nameList(v.columns, 'columns');
        if (!names.length) return bad('"columns" must list the columns to drop');
        return this.evolve(table, Events.dropColumn(id, names));
      }
      case 'rename.column': {
        const mapping = stringMap(v.mapping, 'mapping');
        if (!Object.keys(mapping).length) return bad('"mapping" must map old column names to new ones');
        return this.evolve(table, Events.renameColumn(id, mapping));
      }
      case 'alter.column.type': {
        const types = objectField(v, 'types', 'a mapping of column name to type');
        const typeMapping: Record<string, DataType> = {};
        const oldTypeMapping: Record<string, DataType> = {};
        for (const [name, t] of Object.entries(types)) {
          typeMapping[name] = typeOf(t, `types.${name}`);
          const old = current.columns.find((c) => c.name === name);
          if (old) oldTypeMapping[name] = old.type;
        }
        if (!Object.keys(typeMapping).length) return bad('"types" must map column names to types');
        return this.evolve(table, Events.alterColumnType(id, typeMapping, oldTypeMapping));
      }
      case 'truncate.table':
        return Events.truncateTable(id);
      case 'drop.table':
        this.known.delete(key);
        return Events.dropTable(id);
      case 'create':
        return bad('unreachable');
    }
  }

  private evolve(table: KnownTable, event: SchemaChangeEvent): Event {
    try {
      table.schema = applySchemaChange(table.schema, event);
    } catch (e) {
      return bad(reasonOf(e));
    }
    return event;
  }

  private schemaOf(o: Record<string, unknown>): Schema {
    onlyKeys(o, ['columns', 'primaryKeys', 'partitionKeys', 'options', 'comment'], 'schema');
    const cols = o.columns;
    if (!Array.isArray(cols) || cols.length === 0) return bad('schema.columns must be a non-empty list of {name, type}');
    const columns = cols.map((c, i) => columnOf(c, i, []));
    try {
      return buildSchema({
        columns,
        primaryKeys: nameList(o.primaryKeys, 'primaryKeys'),
        partitionKeys: nameList(o.partitionKeys, 'partitionKeys'),
        options: stringMap(o.options, 'options'),
        ...(typeof o.comment === 'string' ? { comment: o.comment } : {}),
      });
    } catch (e) {
      return bad(`schema: ${reasonOf(e)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// From events back to specs (to write events files from code: tests, the testkit driver)

function schemaSpec(s: Schema): SchemaSpec {
  return {
    columns: s.columns.map((c) => ({
      name: c.name,
      type: formatType(c.type),
      ...(c.comment === undefined ? {} : { comment: c.comment }),
      ...(c.defaultValue === undefined ? {} : { default: c.defaultValue }),
    })),
    primaryKeys: [...s.primaryKeys],
    ...(s.partitionKeys.length ? { partitionKeys: [...s.partitionKeys] } : {}),
    ...(Object.keys(s.options).length ? { options: { ...s.options } } : {}),
    ...(s.comment === undefined ? {} : { comment: s.comment }),
  };
}

/**
 * The spec of an event. `schema` is the table's schema when the event happens (needed for data events: rows
 * become JSON objects by column name, BIGINT/DECIMAL as strings so they stay exact).
 */
export function toEventSpec(event: Exclude<Event, { kind: 'flush' }>, schema?: Schema): EventSpec {
  const table = tableIdString(event.tableId);
  const need = (): Schema => {
    if (!schema) throw new TypeError(`toEventSpec: a ${event.kind} event of ${table} needs the table's schema`);
    return schema;
  };
  const meta = (m: Meta) => (Object.keys(m).length ? { meta: { ...m } } : {});
  switch (event.kind) {
    case 'data': {
      const s = need();
      const row = (r: readonly unknown[]): Record<string, JsonOut> => rowToJson(s, r);
      switch (event.op) {
        case 'INSERT':
          return { op: 'insert', table, after: row(event.after!), ...meta(event.meta) };
        case 'REPLACE':
          return { op: 'replace', table, after: row(event.after!), ...meta(event.meta) };
        case 'UPDATE':
          return { op: 'update', table, before: event.before ? row(event.before) : null, after: row(event.after!), ...meta(event.meta) };
        case 'DELETE':
          return { op: 'delete', table, before: row(event.before!), ...meta(event.meta) };
      }
      break;
    }
    case 'create.table':
      return { op: 'create', table, schema: schemaSpec(event.schema) };
    case 'add.column':
      return {
        op: 'add.column',
        table,
        columns: event.columns.map((a) => ({
          ...schemaSpec({ columns: [a.column], primaryKeys: [], partitionKeys: [], options: {} }).columns[0],
          position: a.position,
          ...(a.existingColumn === undefined ? {} : { existing: a.existingColumn }),
        })),
      };
    case 'drop.column':
      return { op: 'drop.column', table, columns: [...event.droppedColumnNames] };
    case 'rename.column':
      return { op: 'rename.column', table, mapping: { ...event.nameMapping } };
    case 'alter.column.type':
      return { op: 'alter.column.type', table, types: Object.fromEntries(Object.entries(event.typeMapping).map(([k, t]) => [k, formatType(t)])) };
    case 'truncate.table':
      return { op: 'truncate.table', table };
    case 'drop.table':
      return { op: 'drop.table', table };
  }
  throw new TypeError(`toEventSpec: unknown event ${show(event)}`);
}

/** One JSON line for an events file (bigint written as a string, so nothing is rounded). */
export function eventSpecToJsonLine(spec: EventSpec): string {
  return JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

// ---------------------------------------------------------------------------------------------
// Built-in event sets, modelled on Flink CDC's ValuesDataSourceHelper (same tables, columns and changes)

const TABLE_1 = 'default_namespace.default_schema.table1';
const TABLE_2 = 'default_namespace.default_schema.table2';
const TWO_STRINGS: SchemaSpec = {
  columns: [
    { name: 'col1', type: 'STRING' },
    { name: 'col2', type: 'STRING' },
  ],
  primaryKeys: ['col1'],
};

const ins = (table: string, ...after: string[]): EventSpec => ({ op: 'insert', table, after });

export const EVENT_SETS: Readonly<Record<EventSetId, readonly EventSpec[]>> = {
  SINGLE_SPLIT_SINGLE_TABLE: [
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    ins(TABLE_1, '1', '1'),
    ins(TABLE_1, '2', '2'),
    ins(TABLE_1, '3', '3'),
    { op: 'add.column', table: TABLE_1, columns: [{ name: 'col3', type: 'STRING' }] },
    { op: 'rename.column', table: TABLE_1, mapping: { col2: 'newCol2', col3: 'newCol3' } },
    { op: 'drop.column', table: TABLE_1, columns: ['newCol2'] },
    { op: 'delete', table: TABLE_1, before: ['1', '1'] },
    { op: 'update', table: TABLE_1, before: ['2', ''], after: ['2', 'x'] },
  ],
  SINGLE_SPLIT_MULTI_TABLES: [
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    { op: 'create', table: TABLE_2, schema: TWO_STRINGS },
    ins(TABLE_1, '1', '1'),
    ins(TABLE_1, '2', '2'),
    ins(TABLE_1, '3', '3'),
    { op: 'add.column', table: TABLE_1, columns: [{ name: 'col3', type: 'STRING' }] },
    ins(TABLE_2, '1', '1'),
    ins(TABLE_2, '2', '2'),
    ins(TABLE_2, '3', '3'),
    { op: 'rename.column', table: TABLE_1, mapping: { col2: 'newCol2', col3: 'newCol3' } },
    { op: 'drop.column', table: TABLE_1, columns: ['newCol2'] },
    { op: 'delete', table: TABLE_2, before: ['1', '1'] },
    { op: 'update', table: TABLE_2, before: ['2', '2'], after: ['2', 'x'] },
  ],
  // Flink runs four splits of one table; one reader reads them in order, each split starting with create.table
  MULTI_SPLITS_SINGLE_TABLE: [
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    ins(TABLE_1, '1', '1'),
    ins(TABLE_1, '2', '2'),
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    ins(TABLE_1, '3', '3'),
    ins(TABLE_1, '4', '4'),
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    ins(TABLE_1, '5', '5'),
    ins(TABLE_1, '6', '6'),
    { op: 'create', table: TABLE_1, schema: TWO_STRINGS },
    { op: 'delete', table: TABLE_1, before: ['2', '2'] },
    { op: 'delete', table: TABLE_1, before: ['4', '4'] },
    { op: 'delete', table: TABLE_1, before: ['6', '6'] },
    { op: 'add.column', table: TABLE_1, columns: [{ name: 'col3', type: 'STRING' }] },
    { op: 'update', table: TABLE_1, before: ['1', '1', ''], after: ['1', '1', 'x'] },
    { op: 'update', table: TABLE_1, before: ['3', '3', ''], after: ['3', '3', 'x'] },
  ],
};

export function eventSetItems(id: EventSetId): SpecItem[] {
  return EVENT_SETS[id].map((value, i) => ({ value, where: `event-set.id ${id}, event ${i}` }));
}
