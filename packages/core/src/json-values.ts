/**
 * Type-directed conversion between in-memory values and JSON. Exact: BIGINT and DECIMAL travel as JSON
 * strings (a JSON number cannot hold 18446744073709551615 or DECIMAL(38, 10) in every reader), bytes as
 * base64, temporal values as their ISO text.
 */
import { DataError, isCdcError } from './errors.js';
import type { RowData } from './events.js';
import type { Schema } from './schema.js';
import type { DataType } from './types/data-type.js';
import { makeCaster, toDecimalString } from './types/type-compat.js';
import { DataTypes } from './types/data-type.js';

export type JsonScalar = null | boolean | number | string;
export type JsonOut = JsonScalar | JsonOut[] | { [k: string]: JsonOut };

export function toJsonValue(type: DataType, v: unknown): JsonOut {
  if (v === null || v === undefined) return null;
  switch (type.type) {
    case 'BIGINT':
    case 'DECIMAL':
      return String(v);
    case 'FLOAT':
    case 'DOUBLE':
      // JSON has no NaN/Infinity: keep them as text
      return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (v as number);
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'ARRAY':
      return (v as unknown[]).map((x) => toJsonValue(type.element, x));
    case 'MAP': {
      const out: Record<string, JsonOut> = {};
      for (const [k, x] of v as Map<unknown, unknown>) out[String(k)] = toJsonValue(type.value, x);
      return out;
    }
    case 'ROW': {
      const out: Record<string, JsonOut> = {};
      type.fields.forEach((f, i) => (out[f.name] = toJsonValue(f.type, (v as unknown[])[i])));
      return out;
    }
    default:
      return v as JsonScalar;
  }
}

const STRING = DataTypes.STRING();

export function fromJsonValue(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.type) {
    case 'BIGINT':
      if (typeof v === 'number' && !Number.isSafeInteger(v)) {
        throw new DataError(`BIGINT value ${v} is beyond 2^53 as a JSON number and may have been rounded`, { hint: 'write large BIGINT values as JSON strings' });
      }
      return makeCaster(STRING, type)(typeof v === 'number' ? String(v) : v);
    case 'DECIMAL':
      return toDecimalString(v);
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      if (typeof v !== 'string') throw new DataError('binary values are written as base64 strings in JSON');
      return new Uint8Array(Buffer.from(v, 'base64'));
    case 'FLOAT':
    case 'DOUBLE':
    case 'BOOLEAN':
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return typeof v === 'string' ? makeCaster(STRING, type)(v) : v;
    case 'ARRAY':
      if (!Array.isArray(v)) throw new DataError('ARRAY values are written as JSON arrays');
      return v.map((x) => fromJsonValue(type.element, x));
    case 'MAP': {
      if (typeof v !== 'object') throw new DataError('MAP values are written as JSON objects');
      const key = type.key;
      return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [fromJsonValue(key, k), fromJsonValue(type.value, x)]));
    }
    case 'ROW':
      if (Array.isArray(v)) return type.fields.map((f, i) => fromJsonValue(f.type, v[i]));
      return type.fields.map((f) => fromJsonValue(f.type, (v as Record<string, unknown>)[f.name]));
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

/** A row as a JSON object keyed by column name. */
export function rowToJson(schema: Schema, row: RowData): Record<string, JsonOut> {
  const out: Record<string, JsonOut> = {};
  schema.columns.forEach((c, i) => (out[c.name] = toJsonValue(c.type, row[i])));
  return out;
}

/** A row from a JSON object (by column name; missing keys are null) or a JSON array (by position). */
export function rowFromJson(schema: Schema, json: unknown): unknown[] {
  if (Array.isArray(json)) {
    if (json.length !== schema.columns.length) {
      throw new DataError(`row has ${json.length} values but the table has ${schema.columns.length} columns`);
    }
    return schema.columns.map((c, i) => convert(c.name, c.type, json[i]));
  }
  if (json === null || typeof json !== 'object') throw new DataError('a row is a JSON object or array');
  const obj = json as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!schema.columns.some((c) => c.name === k)) throw new DataError(`row has unknown column "${k}"`);
  }
  return schema.columns.map((c) => convert(c.name, c.type, obj[c.name]));
}

function convert(name: string, type: DataType, v: unknown): unknown {
  try {
    return fromJsonValue(type, v);
  } catch (e) {
    throw new DataError(`column "${name}": ${isCdcError(e) ? e.reason : (e as Error).message}`, { cause: e });
  }
}

/**
 * Self-describing JSON encoding for state files and transport (no schema at hand): bigint, Uint8Array and Map
 * are tagged. `JSON.parse(text, reviveTagged)` restores them.
 */
export function replaceTagged(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (v instanceof Map) return { $map: [...v.entries()] };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  return v;
}

export function reviveTagged(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      if (Array.isArray(o.$map)) return new Map(o.$map as [unknown, unknown][]);
      if (typeof o.$number === 'string') return Number(o.$number);
    }
  }
  return v;
}

export function encodeTagged(v: unknown): string {
  return JSON.stringify(v, function (this: unknown, key: string, value: unknown) {
    // JSON.stringify calls toJSON first; Buffer has one, so read the raw property
    const raw = (this as Record<string, unknown>)[key];
    return replaceTagged(key, raw instanceof Uint8Array ? raw : value);
  });
}

export function decodeTagged(text: string): unknown {
  return JSON.parse(text, reviveTagged);
}
