/**
 * Rows -> Elasticsearch documents and bulk actions, as JSON text built directly (no intermediate objects: this
 * runs for every change event).
 *
 * Values: BIGINT as a JSON number with all its digits (exact; Elasticsearch `long` is 64-bit), DECIMAL as a JSON
 * string in plain notation (exact in _source; mapped `double` for queries), DATE / TIME / TIMESTAMP as ISO 8601
 * strings with the column's fraction digits (microseconds for TIMESTAMP(6)), TIMESTAMP_LTZ with a trailing Z,
 * binary as base64, NaN / Infinity (no JSON number) as null, ARRAY / MAP / ROW as JSON arrays / objects.
 *
 * Index: the table id lower-cased (`db.table`), plus `<separator><value>` for tables listed in
 * sharding.suffix.key. Document id: the primary key values joined with `_` (as Flink CDC does; a value containing
 * `_` can make two keys collide — give such tables a single-column key). A table without a primary key gets the
 * SHA-1 of the whole row as id, so replays stay idempotent (identical rows become one document).
 */
import { createHash } from 'node:crypto';
import { DataError, tableIdString, toJsonValue, type DataChangeEvent, type DataType, type RowData, type Schema, type TableId } from '@cdc/core';
import { CONNECTOR, type EsVersion } from './elasticsearch-options.js';

/** Serializes one value as JSON text. */
type ValueWriter = (v: unknown) => string;

function padFraction(text: string, precision: number): string {
  const dot = text.indexOf('.');
  if (precision <= 0) return text;
  const z = text.endsWith('Z') ? 'Z' : '';
  const core = z ? text.slice(0, -1) : text;
  if (dot < 0) return `${core}.${'0'.repeat(precision)}${z}`;
  const digits = core.length - dot - 1;
  return digits >= precision ? text : `${core}${'0'.repeat(precision - digits)}${z}`;
}

export function valueWriter(type: DataType): ValueWriter {
  switch (type.type) {
    case 'BOOLEAN':
      return (v) => (v ? 'true' : 'false');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return (v) => String(v);
    case 'FLOAT':
    case 'DOUBLE':
      return (v) => (Number.isFinite(v as number) ? String(v) : 'null');
    case 'DECIMAL':
    case 'DATE':
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      return (v) => JSON.stringify(v);
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const p = type.precision;
      return (v) => JSON.stringify(padFraction(String(v), p));
    }
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return (v) => `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
    default:
      return (v) => JSON.stringify(toJsonValue(type, v));
  }
}

/** Text of a key value inside a document id. */
function idPart(type: DataType, v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (type.type === 'TIME' || type.type === 'TIMESTAMP' || type.type === 'TIMESTAMP_LTZ') return padFraction(String(v), type.precision);
  return String(v);
}

export function indexName(base: string): string {
  return base.toLowerCase();
}

/** One bulk action: the metadata line and (for index) the document line, each ending in \n. */
export interface BulkAction {
  readonly index: string;
  readonly id: string;
  readonly table: TableId;
  readonly op: 'index' | 'delete';
  readonly text: string;
  readonly bytes: number;
}

/** Everything needed to turn one table's rows into bulk actions; rebuilt on each schema change. */
export class TableSerializer {
  readonly baseIndex: string;
  private readonly writers: ValueWriter[];
  private readonly names: string[];
  private readonly keyIdx: number[];
  private readonly shardIdx: number;
  private readonly typeField: string;

  constructor(
    readonly table: TableId,
    readonly schema: Schema,
    version: EsVersion,
    shardingColumn: string | undefined,
    private readonly separator: string,
  ) {
    this.baseIndex = indexName(tableIdString(table));
    this.writers = schema.columns.map((c) => valueWriter(c.type));
    this.names = schema.columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
    this.keyIdx = schema.primaryKeys.map((k) => schema.columns.findIndex((c) => c.name === k));
    this.shardIdx = shardingColumn === undefined ? -1 : schema.columns.findIndex((c) => c.name === shardingColumn);
    if (shardingColumn !== undefined && this.shardIdx < 0) {
      throw new DataError(`sharding.suffix.key names column "${shardingColumn}" of ${tableIdString(table)}, which has no such column`, {
        connector: CONNECTOR,
        hint: `use one of: ${schema.columns.map((c) => c.name).join(', ')}`,
      });
    }
    this.typeField = version === 6 ? ',"_type":"_doc"' : '';
  }

  /** The index a row goes to. */
  indexFor(row: RowData): string {
    if (this.shardIdx < 0) return this.baseIndex;
    const v = row[this.shardIdx];
    return indexName(`${this.baseIndex}${this.separator}${v === null || v === undefined ? 'null' : idPart(this.schema.columns[this.shardIdx].type, v)}`);
  }

  documentJson(row: RowData): string {
    let out = '';
    for (let i = 0; i < this.writers.length; i++) {
      const v = row[i];
      out += this.names[i] + (v === null || v === undefined ? 'null' : this.writers[i](v));
    }
    return this.writers.length === 0 ? '{}' : `${out}}`;
  }

  idFor(row: RowData): string {
    if (this.keyIdx.length === 0) return createHash('sha1').update(this.documentJson(row)).digest('hex');
    if (this.keyIdx.length === 1) {
      const i = this.keyIdx[0];
      return idPart(this.schema.columns[i].type, row[i]);
    }
    return this.keyIdx.map((i) => idPart(this.schema.columns[i].type, row[i])).join('_');
  }

  /** A before image may be partial (sources without full row images); only one with its key names a document. */
  private hasKey(row: RowData): boolean {
    return this.keyIdx.every((i) => row[i] !== null && row[i] !== undefined);
  }

  private meta(op: 'index' | 'delete', index: string, id: string): string {
    return `{"${op}":{"_index":${JSON.stringify(index)}${this.typeField},"_id":${JSON.stringify(id)}}}\n`;
  }

  indexAction(row: RowData): BulkAction {
    const index = this.indexFor(row);
    const id = this.idFor(row);
    const text = `${this.meta('index', index, id)}${this.documentJson(row)}\n`;
    return { index, id, table: this.table, op: 'index', text, bytes: Buffer.byteLength(text) };
  }

  deleteAction(row: RowData): BulkAction {
    const index = this.indexFor(row);
    const id = this.idFor(row);
    const text = this.meta('delete', index, id);
    return { index, id, table: this.table, op: 'delete', text, bytes: Buffer.byteLength(text) };
  }

  /**
   * The actions for one change: INSERT / UPDATE / REPLACE index the after image, DELETE deletes the before image's
   * document. An UPDATE that moves the row to another document (key or sharding value changed) also deletes the
   * old one.
   */
  actions(e: DataChangeEvent): BulkAction[] {
    if (e.op === 'DELETE') {
      if (!e.before || (this.keyIdx.length > 0 && !this.hasKey(e.before))) {
        throw new DataError(`DELETE on ${tableIdString(e.tableId)} without the primary key in its before image`, { connector: CONNECTOR, hint: 'the source must send the key columns of deleted rows' });
      }
      return [this.deleteAction(e.before)];
    }
    if (!e.after) throw new DataError(`${e.op} on ${tableIdString(e.tableId)} without an after image`, { connector: CONNECTOR });
    const put = this.indexAction(e.after);
    if (e.op === 'UPDATE' && e.before && this.keyIdx.length > 0 && this.hasKey(e.before)) {
      const old = this.deleteAction(e.before);
      if (old.id !== put.id || old.index !== put.index) return [old, put];
    }
    return [put];
  }
}
