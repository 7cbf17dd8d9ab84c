/**
 * Column values as JSON text, per data type, as Flink's JSON format (RowDataToJsonConverters) prints them:
 * numbers as numbers (BIGINT and DECIMAL exact, never through a JS number), bytes as base64, DATE as
 * `yyyy-MM-dd`, TIMESTAMP as `yyyy-MM-dd HH:mm:ss[.f]` (`SQL`, the default) or `yyyy-MM-ddTHH:mm:ss[.f]`
 * (`ISO-8601`), TIMESTAMP_LTZ the same in UTC with a trailing `Z`.
 */
import type { DataType } from '@cdc/core';
import { bigDecimalText, javaDoubleText, javaFloatText, jsonString, plainDecimalText } from './json-text.js';

export type TimestampStandard = 'SQL' | 'ISO-8601';

export interface EncodingOptions {
  readonly timestampStandard: TimestampStandard;
  /** `encode.decimal-as-plain-number`: `0.00000001` instead of Java's `1E-8`. */
  readonly decimalAsPlainNumber: boolean;
}

export const DEFAULT_ENCODING: EncodingOptions = { timestampStandard: 'SQL', decimalAsPlainNumber: false };

/** Writes one non-null value as JSON text. */
export type ValueEncoder = (v: unknown) => string;

/** `12:00:00.500000` -> `12:00:00.5`, `…:05.000` -> `…:05` (Java's fraction printing: as many digits as needed). */
function trimFraction(t: string): string {
  const dot = t.lastIndexOf('.');
  if (dot < 0) return t;
  let end = t.length;
  while (end > dot + 1 && t.charCodeAt(end - 1) === 48) end--;
  return t.slice(0, end === dot + 1 ? dot : end);
}

function timestampText(v: unknown, standard: TimestampStandard): string {
  let s = String(v);
  if (s.charCodeAt(s.length - 1) === 90 /* Z */) s = s.slice(0, -1);
  s = trimFraction(s);
  return standard === 'SQL' && s.charCodeAt(10) === 84 /* T */ ? `${s.slice(0, 10)} ${s.slice(11)}` : s;
}

function base64(v: unknown): string {
  return Buffer.from(v as Uint8Array).toString('base64');
}

/** JSON-text encoder for a column type. Non-finite FLOAT/DOUBLE become strings (`"NaN"`), as Jackson does. */
export function jsonEncoder(type: DataType, opts: EncodingOptions): ValueEncoder {
  switch (type.type) {
    case 'BOOLEAN':
      return (v) => (v ? 'true' : 'false');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return (v) => String(v);
    case 'BIGINT':
      return (v) => (typeof v === 'bigint' ? v.toString() : BigInt(v as string | number).toString());
    case 'FLOAT':
      return (v) => (Number.isFinite(v) ? javaFloatText(v as number) : jsonString(javaFloatText(v as number)));
    case 'DOUBLE':
      return (v) => (Number.isFinite(v) ? javaDoubleText(v as number) : jsonString(javaDoubleText(v as number)));
    case 'DECIMAL': {
      const scale = type.scale;
      return opts.decimalAsPlainNumber ? (v) => plainDecimalText(String(v), scale) : (v) => bigDecimalText(String(v), scale);
    }
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      return (v) => jsonString(v as string);
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return (v) => `"${base64(v)}"`;
    case 'DATE':
      return (v) => jsonString(String(v));
    case 'TIME':
      // Flink prints whole seconds only; we keep a non-zero fraction rather than drop it.
      return (v) => jsonString(trimFraction(String(v)));
    case 'TIMESTAMP':
      return (v) => jsonString(timestampText(v, opts.timestampStandard));
    case 'TIMESTAMP_LTZ':
      return (v) => jsonString(`${timestampText(v, opts.timestampStandard)}Z`);
    case 'ARRAY': {
      const el = jsonEncoder(type.element, opts);
      return (v) => `[${(v as unknown[]).map((x) => (x === null || x === undefined ? 'null' : el(x))).join(',')}]`;
    }
    case 'MAP': {
      const val = jsonEncoder(type.value, opts);
      return (v) =>
        `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${jsonString(String(k))}:${x === null || x === undefined ? 'null' : val(x)}`).join(',')}}`;
    }
    case 'ROW': {
      const fields = type.fields.map((f) => ({ prefix: `${jsonString(f.name)}:`, enc: jsonEncoder(f.type, opts) }));
      return (v) => {
        const row = v as unknown[];
        return `{${fields.map((f, i) => f.prefix + (row[i] === null || row[i] === undefined ? 'null' : f.enc(row[i]))).join(',')}}`;
      };
    }
  }
}

/** A row as a JSON object text with the given column encoders (Jackson's field order = column order). */
export function rowEncoder(columns: readonly { readonly name: string; readonly type: DataType }[], opts: EncodingOptions): (row: readonly unknown[]) => string {
  const parts = columns.map((c, i) => ({ prefix: `${i === 0 ? '' : ','}${jsonString(c.name)}:`, enc: jsonEncoder(c.type, opts) }));
  return (row) => {
    let out = '{';
    for (let i = 0; i < parts.length; i++) {
      const v = row[i];
      out += parts[i].prefix + (v === null || v === undefined ? 'null' : parts[i].enc(v));
    }
    return out + '}';
  };
}

/**
 * CSV text of one value, as Jackson's CsvGenerator quotes: strings longer than 24 characters, empty, or with a
 * character below `-` (space, quote, comma ...) are quoted with `"` doubled inside; numbers are bare; null is empty.
 */
export function csvEncoder(type: DataType, opts: EncodingOptions): (v: unknown) => string {
  const quote = (s: string): string => {
    let needs = s.length === 0 || s.length > 24 || s[0] === '#';
    if (!needs) for (let i = 0; i < s.length && !needs; i++) needs = s.charCodeAt(i) < 0x2d;
    return needs ? `"${s.replace(/"/g, '""')}"` : s;
  };
  switch (type.type) {
    case 'BOOLEAN':
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL': {
      const enc = jsonEncoder(type, { ...opts, decimalAsPlainNumber: true });
      return (v) => enc(v).replace(/^"|"$/g, '');
    }
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return (v) => quote(base64(v));
    case 'TIMESTAMP':
      return (v) => quote(timestampText(v, opts.timestampStandard));
    case 'TIMESTAMP_LTZ':
      return (v) => quote(`${timestampText(v, opts.timestampStandard)}Z`);
    case 'TIME':
      return (v) => quote(trimFraction(String(v)));
    default:
      return (v) => quote(typeof v === 'string' ? v : String(v));
  }
}
