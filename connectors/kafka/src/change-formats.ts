/**
 * debezium-json and canal-json values, json and csv keys: the message shapes of Flink CDC's Kafka pipeline sink
 * (DebeziumJsonSerializationSchema, CanalJsonSerializationSchema, JsonSerializationSchema,
 * CsvSerializationSchema), field for field and in the same order, with the Debezium / Canal fields Flink CDC
 * leaves out appended after them (debezium: `source.ts_ms`, `ts_ms`; canal: `es`, `ts`, `isDdl`, `mysqlType`,
 * `sqlType`).
 */
import { primaryKeyIndexes, tableIdString, type DataChangeEvent, type DataType, type Schema, type TableId } from '@cdc/core';
import { debeziumSchemaText } from './debezium-schema.js';
import { jsonString } from './json-text.js';
import { csvEncoder, jsonEncoder, rowEncoder, type EncodingOptions } from './value-encoding.js';

export type ValueFormat = 'debezium-json' | 'canal-json';
export type KeyFormat = 'json' | 'csv';

/** Serializes the data changes of one table in its current schema. */
export interface TableCodec {
  value(e: DataChangeEvent, nowMs: number): string;
  key(e: DataChangeEvent): string;
}

const opTs = (e: DataChangeEvent): string => {
  const t = e.meta.op_ts;
  return t !== undefined && /^\d+$/.test(t) ? t : '0';
};

function debeziumCodec(id: TableId, schema: Schema, enc: EncodingOptions, includeSchema: boolean): (e: DataChangeEvent, nowMs: number) => string {
  const row = rowEncoder(schema.columns, enc);
  const source = `"source":{"db":${id.schema === undefined ? 'null' : jsonString(id.schema)},"table":${jsonString(id.table)},"ts_ms":`;
  const head = includeSchema ? `{"schema":${debeziumSchemaText(schema)},"payload":` : '';
  const tail = includeSchema ? '}' : '';
  return (e, nowMs) => {
    let before = 'null';
    let after = 'null';
    let op: string;
    switch (e.op) {
      case 'INSERT':
        after = row(e.after!);
        op = e.meta.snapshot === 'true' ? 'r' : 'c';
        break;
      case 'DELETE':
        before = row(e.before!);
        op = 'd';
        break;
      case 'UPDATE':
        before = e.before ? row(e.before) : 'null';
        after = row(e.after!);
        op = 'u';
        break;
      case 'REPLACE':
        // an upsert without a before image reads as an insert of the new row
        before = e.before ? row(e.before) : 'null';
        after = row(e.after!);
        op = e.before ? 'u' : 'c';
        break;
    }
    return `${head}{"before":${before},"after":${after},"op":"${op}",${source}${opTs(e)}},"ts_ms":${nowMs}}${tail}`;
  };
}

/** MySQL column type text (canal's `mysqlType`) for a pipeline type. */
function mysqlTypeName(t: DataType): string {
  switch (t.type) {
    case 'BOOLEAN':
      return 'tinyint(1)';
    case 'TINYINT':
      return 'tinyint';
    case 'SMALLINT':
      return 'smallint';
    case 'INT':
      return 'int';
    case 'BIGINT':
      return 'bigint';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'DECIMAL':
      return `decimal(${t.precision},${t.scale})`;
    case 'CHAR':
      return `char(${t.length})`;
    case 'VARCHAR':
      return `varchar(${t.length})`;
    case 'STRING':
      return 'longtext';
    case 'BINARY':
      return `binary(${t.length})`;
    case 'VARBINARY':
      return `varbinary(${t.length})`;
    case 'BYTES':
      return 'longblob';
    case 'DATE':
      return 'date';
    case 'TIME':
      return t.precision ? `time(${t.precision})` : 'time';
    case 'TIMESTAMP':
      return t.precision ? `datetime(${t.precision})` : 'datetime';
    case 'TIMESTAMP_LTZ':
      return t.precision ? `timestamp(${t.precision})` : 'timestamp';
    default:
      return 'json';
  }
}

/** java.sql.Types code (canal's `sqlType`). */
function sqlTypeCode(t: DataType): number {
  const codes: Record<string, number> = {
    BOOLEAN: -7, TINYINT: -6, SMALLINT: 5, INT: 4, BIGINT: -5, FLOAT: 7, DOUBLE: 8, DECIMAL: 3, CHAR: 1, VARCHAR: 12, STRING: -1,
    BINARY: -2, VARBINARY: -3, BYTES: 2004, DATE: 91, TIME: 92, TIMESTAMP: 93, TIMESTAMP_LTZ: 93,
  };
  return codes[t.type] ?? 12;
}

function canalCodec(id: TableId, schema: Schema, enc: EncodingOptions): (e: DataChangeEvent, nowMs: number) => string {
  const row = rowEncoder(schema.columns, enc);
  const meta =
    `"database":${id.schema === undefined ? 'null' : jsonString(id.schema)},"table":${jsonString(id.table)},` +
    `"pkNames":[${schema.primaryKeys.map(jsonString).join(',')}]`;
  const types =
    `"isDdl":false,"mysqlType":{${schema.columns.map((c) => `${jsonString(c.name)}:${jsonString(mysqlTypeName(c.type))}`).join(',')}},` +
    `"sqlType":{${schema.columns.map((c) => `${jsonString(c.name)}:${sqlTypeCode(c.type)}`).join(',')}}`;
  return (e, nowMs) => {
    let old = 'null';
    let data: string;
    let type: string;
    switch (e.op) {
      case 'INSERT':
        data = `[${row(e.after!)}]`;
        type = 'INSERT';
        break;
      case 'DELETE':
        data = `[${row(e.before!)}]`;
        type = 'DELETE';
        break;
      default:
        if (e.op === 'REPLACE' && !e.before) {
          data = `[${row(e.after!)}]`;
          type = 'INSERT';
        } else {
          old = e.before ? `[${row(e.before)}]` : 'null';
          data = `[${row(e.after!)}]`;
          type = 'UPDATE';
        }
    }
    return `{"old":${old},"data":${data},"type":"${type}",${meta},"es":${opTs(e)},"ts":${nowMs},${types}}`;
  };
}

/** Key of a change: `{"TableId":"db.t","<pk>":v,...}` (json) or `"db.t",v,...` (csv), from the primary key columns. */
function keyCodec(id: TableId, schema: Schema, format: KeyFormat, enc: EncodingOptions): (e: DataChangeEvent) => string {
  const idText = tableIdString(id);
  const pk = primaryKeyIndexes(schema);
  const rowOf = (e: DataChangeEvent) => (e.op === 'DELETE' ? e.before! : (e.after ?? e.before!));
  if (format === 'json') {
    const parts = pk.map((i) => ({ i, prefix: `,${jsonString(schema.columns[i].name)}:`, enc: jsonEncoder(schema.columns[i].type, enc) }));
    const head = `{"TableId":${jsonString(idText)}`;
    return (e) => {
      const r = rowOf(e);
      let out = head;
      for (const p of parts) out += p.prefix + (r[p.i] === null || r[p.i] === undefined ? 'null' : p.enc(r[p.i]));
      return out + '}';
    };
  }
  const tableCell = csvEncoder({ type: 'STRING', nullable: false }, enc)(idText);
  const parts = pk.map((i) => ({ i, enc: csvEncoder(schema.columns[i].type, enc) }));
  return (e) => {
    const r = rowOf(e);
    let out = tableCell;
    for (const p of parts) out += ',' + (r[p.i] === null || r[p.i] === undefined ? '' : p.enc(r[p.i]));
    return out;
  };
}

export interface CodecOptions {
  readonly valueFormat: ValueFormat;
  readonly keyFormat: KeyFormat;
  readonly valueEncoding: EncodingOptions;
  readonly keyEncoding: EncodingOptions;
  readonly includeSchema: boolean;
}

export function tableCodec(id: TableId, schema: Schema, opts: CodecOptions): TableCodec {
  const value = opts.valueFormat === 'debezium-json' ? debeziumCodec(id, schema, opts.valueEncoding, opts.includeSchema) : canalCodec(id, schema, opts.valueEncoding);
  return { value, key: keyCodec(id, schema, opts.keyFormat, opts.keyEncoding) };
}
