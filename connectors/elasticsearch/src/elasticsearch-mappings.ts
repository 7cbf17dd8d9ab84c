/**
 * Explicit field mappings for the column types whose dynamic mapping would be wrong: DECIMAL is sent as a string
 * (dynamic mapping would make it text), binary as base64 (text), TIME as a string (text or a date guess),
 * DATE / TIMESTAMP as ISO strings (mapped `date` explicitly so that the first value cannot decide otherwise).
 * Other types (numbers, booleans, strings, nested values) keep Elasticsearch's dynamic mapping: long, double,
 * boolean, text with a .keyword sub-field, objects.
 */
import { formatType, type Column, type DataType, type Schema } from '@cdc/core';
import type { EsVersion } from './elasticsearch-options.js';

export type FieldMapping = Readonly<Record<string, string | boolean | number>>;

export function fieldMapping(type: DataType): FieldMapping | undefined {
  switch (type.type) {
    case 'DECIMAL':
      return { type: 'double' };
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return { type: 'binary' };
    case 'TIME':
      return { type: 'keyword' };
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      // ISO 8601 with up to nanosecond fractions; the index keeps milliseconds, _source keeps every digit.
      return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    default:
      return undefined;
  }
}

export function properties(columns: readonly Column[]): Record<string, FieldMapping> {
  const out: Record<string, FieldMapping> = {};
  for (const c of columns) {
    const m = fieldMapping(c.type);
    if (m) out[c.name] = m;
  }
  return out;
}

/**
 * The table's schema as the sink last wrote it, kept in the mapping's `_meta.cdc` (Elasticsearch has no column
 * types of its own for several of ours: INT and BIGINT are both `long`, DECIMAL is `double`).
 */
export interface SchemaMeta {
  readonly table: string;
  readonly columns: readonly (readonly [name: string, type: string])[];
  readonly primaryKeys: readonly string[];
}

export function schemaMeta(table: string, schema: Schema): SchemaMeta {
  return { table, columns: schema.columns.map((c) => [c.name, formatType(c.type)] as const), primaryKeys: schema.primaryKeys };
}

function mapping(props: Record<string, FieldMapping>, meta: SchemaMeta): Record<string, unknown> {
  return { _meta: { cdc: meta }, properties: props };
}

/** Body of PUT /<index>/_mapping (6.x needs the type name in the path instead: see mappingPath). */
export function mappingBody(props: Record<string, FieldMapping>, meta: SchemaMeta): string {
  return JSON.stringify(mapping(props, meta));
}

/** Body of PUT /<index> creating it with these mappings. */
export function createIndexBody(props: Record<string, FieldMapping>, meta: SchemaMeta, version: EsVersion): string {
  return JSON.stringify({ mappings: version === 6 ? { _doc: mapping(props, meta) } : mapping(props, meta) });
}

export function mappingPath(index: string, version: EsVersion): string {
  return version === 6 ? `/${encodeURIComponent(index)}/_mapping/_doc` : `/${encodeURIComponent(index)}/_mapping`;
}
