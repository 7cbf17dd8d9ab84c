/**
 * MySQL column definitions (information_schema) -> @cdc/core data types, following Flink CDC's
 * `MySqlTypeUtils` (pipeline connector) except where Flink would lose precision (see README "Type mapping"),
 * and the value conversions from the connector's native values (binlog decoder / snapshot text) to core's
 * in-memory representations.
 */
import { DataTypes, withNullability, type DataType, type Logger } from '@cdc/core';
import { geometryToJson } from './geometry.js';
import type { ColumnHint } from './binlog/rows.js';
import { float32ToNumber } from './binlog/rows.js';

export interface MysqlColumn {
  readonly name: string;
  /** 1-based position in the table. */
  readonly position: number;
  /** `int`, `varchar`, `enum`, ... (lower case) */
  readonly dataType: string;
  /** Full type: `int(10) unsigned`, `enum('a','b')`, `decimal(65,30)` */
  readonly columnType: string;
  readonly unsigned: boolean;
  readonly nullable: boolean;
  readonly defaultValue: string | null;
  readonly comment: string;
  readonly charset: string | null;
  /** CHAR/VARCHAR/BINARY length in characters/bytes. */
  readonly length: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  /** Fractional seconds precision of TIME/DATETIME/TIMESTAMP. */
  readonly fsp: number | null;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  readonly generated: boolean;
}

/** `enum('a','b''c')` -> ['a', "b'c"] */
export function parseEnumValues(columnType: string): string[] {
  const m = /^(?:enum|set)\s*\((.*)\)\s*$/is.exec(columnType.trim());
  if (!m) return [];
  const out: string[] = [];
  const s = m[1];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ',' || s[i] === ' ')) i++;
    if (s[i] !== "'") break;
    i++;
    let v = '';
    for (;;) {
      if (i >= s.length) break;
      if (s[i] === "'" && s[i + 1] === "'") {
        v += "'";
        i += 2;
      } else if (s[i] === "'") {
        i++;
        break;
      } else if (s[i] === '\\' && i + 1 < s.length) {
        v += s[i + 1];
        i += 2;
      } else {
        v += s[i++];
      }
    }
    out.push(v);
  }
  return out;
}

/** Length in the type text: `tinyint(1)` -> 1, `bit(10)` -> 10, `float(7,2)` -> 7. */
function typeLength(columnType: string): number | undefined {
  const m = /^\w+\s*\(\s*(\d+)/.exec(columnType);
  return m ? Number(m[1]) : undefined;
}

export interface TypeMappingOptions {
  /** jdbc.properties.tinyInt1isBit (default true): TINYINT(1) -> BOOLEAN. */
  readonly tinyInt1isBit?: boolean;
}

/** The core type of a MySQL column. */
export function toDataType(c: MysqlColumn, opts: TypeMappingOptions = {}): DataType {
  const t = c.dataType.toLowerCase();
  const len = typeLength(c.columnType);
  let dt: DataType;
  switch (t) {
    case 'bit':
      dt = (len ?? 1) === 1 ? DataTypes.BOOLEAN() : DataTypes.BINARY(((len ?? 1) + 7) >> 3);
      break;
    case 'bool':
    case 'boolean':
      dt = DataTypes.BOOLEAN();
      break;
    case 'tinyint':
      dt = c.unsigned ? DataTypes.SMALLINT() : len === 1 && opts.tinyInt1isBit !== false ? DataTypes.BOOLEAN() : DataTypes.TINYINT();
      break;
    case 'smallint':
      dt = c.unsigned ? DataTypes.INT() : DataTypes.SMALLINT();
      break;
    case 'mediumint':
    case 'year':
      dt = DataTypes.INT();
      break;
    case 'int':
    case 'integer':
      dt = c.unsigned ? DataTypes.BIGINT() : DataTypes.INT();
      break;
    case 'bigint':
      dt = c.unsigned ? DataTypes.DECIMAL(20, 0) : DataTypes.BIGINT();
      break;
    case 'float':
      // FLOAT(p) / FLOAT(m,d) is treated like DOUBLE (Flink does the same)
      dt = /^float\s*\(/i.test(c.columnType) ? DataTypes.DOUBLE() : DataTypes.FLOAT();
      break;
    case 'double':
    case 'real':
    case 'double precision':
      dt = DataTypes.DOUBLE();
      break;
    case 'decimal':
    case 'numeric':
    case 'fixed':
      // Flink maps precision > 38 to STRING; core keeps DECIMAL up to 65 digits, exactly
      dt = DataTypes.DECIMAL(c.precision ?? 10, c.scale ?? 0);
      break;
    case 'date':
      dt = DataTypes.DATE();
      break;
    case 'time':
      dt = DataTypes.TIME(c.fsp ?? 0);
      break;
    case 'datetime':
      dt = DataTypes.TIMESTAMP(c.fsp ?? 0);
      break;
    case 'timestamp':
      dt = DataTypes.TIMESTAMP_LTZ(c.fsp ?? 0);
      break;
    case 'char':
      dt = DataTypes.CHAR(Math.max(1, c.length ?? 1));
      break;
    case 'varchar':
      dt = DataTypes.VARCHAR(Math.max(1, c.length ?? 1));
      break;
    case 'binary':
      dt = DataTypes.BINARY(Math.max(1, c.length ?? 1));
      break;
    case 'varbinary':
      dt = DataTypes.VARBINARY(Math.max(1, c.length ?? 1));
      break;
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      dt = DataTypes.BYTES();
      break;
    case 'set':
      dt = DataTypes.ARRAY(DataTypes.STRING());
      break;
    default:
      // tinytext/text/mediumtext/longtext, json, enum, geometry types, inet6/uuid (MariaDB) ...
      dt = DataTypes.STRING();
  }
  return withNullability(dt, c.nullable);
}

/** What the binlog decoder needs to know about a column. */
export function columnHint(c: MysqlColumn): ColumnHint {
  return {
    name: c.name,
    unsigned: c.unsigned,
    charset: isBinaryType(c) ? 'binary' : c.charset ?? undefined,
    enumValues: c.enumValues,
    setValues: c.setValues,
  };
}

function isBinaryType(c: MysqlColumn): boolean {
  return ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'].includes(c.dataType.toLowerCase()) || c.charset === 'binary';
}

export type Converter = (v: unknown) => unknown;

export interface ConverterOptions {
  readonly logger?: Logger;
  readonly table?: string;
}

const ZERO = 48;
const SPACE = 32;
/** '0000-..', 'yyyy-00-..', 'yyyy-mm-00..' (char codes: no substring per value on the snapshot path). */
const isZeroDate = (s: string): boolean =>
  (s.charCodeAt(0) === ZERO && s.charCodeAt(1) === ZERO && s.charCodeAt(2) === ZERO && s.charCodeAt(3) === ZERO) ||
  (s.charCodeAt(5) === ZERO && s.charCodeAt(6) === ZERO) ||
  (s.charCodeAt(8) === ZERO && s.charCodeAt(9) === ZERO);

/**
 * Converts a native value (binlog decoder output; snapshot values go through `textToNative` first) into core's
 * representation for the column's mapped type. Zero and partly-zero dates ('0000-00-00', '2020-00-15') become
 * null for nullable columns and the epoch ('1970-01-01', '1970-01-01T00:00:00[Z]') for NOT NULL ones, as
 * Debezium (and thus Flink CDC) does; a warning is logged once per column.
 */
export function makeConverter(c: MysqlColumn, type: DataType, opts: ConverterOptions = {}): Converter {
  const t = c.dataType.toLowerCase();
  let warned = false;
  const zero = (epoch: string) => (): unknown => {
    if (!warned) {
      warned = true;
      opts.logger?.warn(`zero date in ${opts.table ?? 'a table'}.${c.name} replaced by ${c.nullable ? 'null' : epoch}`, { column: c.name });
    }
    return c.nullable ? null : epoch;
  };
  const nn = (f: Converter): Converter => (v) => (v === null || v === undefined ? v : f(v));
  switch (type.type) {
    case 'BOOLEAN':
      return nn((v) => (v instanceof Uint8Array ? v.some((b) => b !== 0) : typeof v === 'bigint' ? v !== 0n : Number(v) !== 0));
    case 'SMALLINT':
    case 'INT':
    case 'TINYINT':
      return nn((v) => (typeof v === 'number' ? v : Number(v)));
    case 'BIGINT':
      return nn((v) => (typeof v === 'bigint' ? v : BigInt(v as number)));
    case 'DECIMAL':
      return nn((v) => (typeof v === 'string' ? v : String(v)));
    case 'FLOAT':
    case 'DOUBLE':
      return nn((v) => (typeof v === 'number' ? v : Number(v)));
    case 'DATE': {
      const z = zero('1970-01-01');
      return nn((v) => (isZeroDate(v as string) ? z() : v));
    }
    case 'TIMESTAMP': {
      const z = zero('1970-01-01T00:00:00');
      return nn((v) => (isZeroDate(v as string) ? z() : v));
    }
    case 'TIMESTAMP_LTZ': {
      const z = zero('1970-01-01T00:00:00Z');
      return nn((v) => (isZeroDate(v as string) ? z() : v));
    }
    case 'BINARY': {
      const n = type.length;
      return nn((v) => {
        const b = v as Uint8Array;
        if (b.length >= n) return b;
        // the binlog strips BINARY(n)'s trailing zero bytes; the column value has all n bytes
        const out = new Uint8Array(n);
        out.set(b);
        return out;
      });
    }
    case 'ARRAY':
      return nn((v) => (v === '' ? [] : String(v).split(',')));
    case 'STRING':
      if (GEOMETRY.has(t)) {
        return nn((v) => geometryToJson(v as Uint8Array));
      }
      if (t === 'enum') return nn((v) => (typeof v === 'number' ? String(c.enumValues?.[v - 1] ?? '') : v));
      return nn((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
    default:
      return (v) => v;
  }
}

/**
 * What a column's binlog value looks like when `makeConverter` would return it unchanged. The binlog decoder gives
 * nearly every value in its final form already, so the row loop (`convertNativeRow`) checks the shape inline and
 * calls the converter only for the rest: one call site over a table's ten converter closures is megamorphic, and
 * those calls were about 15% of the binlog source's time.
 */
export const NativeShape = { CONVERT: 0, KEEP: 1, NUMBER: 2, BIGINT: 3, STRING: 4, DATE_STRING: 5 } as const;
export type NativeShape = (typeof NativeShape)[keyof typeof NativeShape];

const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

/** The shape of `makeConverter(c, type)`'s pass-through values (its switch, case by case). */
export function nativeShape(c: MysqlColumn, type: DataType): NativeShape {
  switch (type.type) {
    case 'SMALLINT':
    case 'INT':
    case 'TINYINT':
    case 'FLOAT':
    case 'DOUBLE':
      return NativeShape.NUMBER;
    case 'BIGINT':
      return NativeShape.BIGINT;
    case 'DECIMAL':
      return NativeShape.STRING;
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return NativeShape.DATE_STRING;
    case 'STRING':
      return GEOMETRY.has(c.dataType.toLowerCase()) ? NativeShape.CONVERT : NativeShape.STRING;
    case 'BOOLEAN':
    case 'BINARY':
    case 'ARRAY':
      return NativeShape.CONVERT;
    default:
      return NativeShape.KEEP;
  }
}

/** Converts a binlog row in place (the decoder's arrays are fresh and used once); null and undefined stay. */
export function convertNativeRow(shapes: Uint8Array, converters: readonly Converter[], row: unknown[]): unknown[] {
  for (let i = 0; i < shapes.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) continue;
    switch (shapes[i]) {
      case NativeShape.KEEP:
        continue;
      case NativeShape.NUMBER:
        if (typeof v === 'number') continue;
        break;
      case NativeShape.BIGINT:
        if (typeof v === 'bigint') continue;
        // INT UNSIGNED (a BIGINT in core) comes as a number: the converter's BigInt(v), without the call
        if (typeof v === 'number') {
          row[i] = BigInt(v);
          continue;
        }
        break;
      case NativeShape.STRING:
        if (typeof v === 'string') continue;
        break;
      case NativeShape.DATE_STRING:
        if (typeof v === 'string' && !isZeroDate(v)) continue;
        break;
    }
    row[i] = converters[i](v);
  }
  return row;
}

/**
 * Snapshot values: mysql2 gives every column as text (or a Buffer for binary columns); this returns the native
 * value the binlog decoder would give for the same column, so `makeConverter` applies to both.
 */
export function textToNative(c: MysqlColumn): Converter {
  const t = c.dataType.toLowerCase();
  const nn = (f: Converter): Converter => (v) => (v === null || v === undefined ? null : f(v));
  switch (t) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'year':
      return nn((v) => Number(v));
    case 'bigint':
      return nn((v) => BigInt(v as string));
    case 'float':
      return nn((v) => float32ToNumber(Math.fround(Number(v))));
    case 'double':
    case 'real':
      return nn((v) => Number(v));
    case 'datetime':
      return nn((v) => (v as string).replace(' ', 'T'));
    case 'timestamp':
      // snapshot sessions run with time_zone '+00:00': the text is UTC
      return nn((v) => {
        const s = v as string;
        return isZeroDate(s) ? s.replace(' ', 'T') + 'Z' : s.replace(' ', 'T') + 'Z';
      });
    case 'bit':
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
    case 'geomcollection':
      return nn((v) => (v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(Buffer.from(String(v), 'utf8'))));
    default:
      return nn((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
  }
}

/**
 * Snapshot text (mysql2 value) -> core value in one step for the common column types (the snapshot's hot path:
 * one closure per column, no intermediate native value); other types compose `textToNative` and `makeConverter`.
 */
export function snapshotConverter(c: MysqlColumn, type: DataType, opts: ConverterOptions = {}): Converter {
  const t = c.dataType.toLowerCase();
  const slow = makeConverter(c, type, opts);
  const text = textToNative(c);
  const composed: Converter = (v) => slow(text(v));
  switch (type.type) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      // mysql2 parses these integer columns to numbers already
      return t === 'bit' || t === 'bigint' ? composed : (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v));
    case 'BIGINT':
      return t === 'bigint' ? (v) => (v === null || v === undefined ? null : BigInt(v as string)) : composed;
    case 'DECIMAL':
    case 'VARCHAR':
    case 'CHAR':
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : composed(v));
    case 'STRING':
      return t === 'enum' || t === 'json' || t.endsWith('text') ? (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : composed(v)) : composed;
    case 'DOUBLE':
      return t === 'double' || t === 'real' ? (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)) : composed;
    case 'BOOLEAN':
      return t === 'tinyint' ? (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v !== 0 : composed(v)) : composed;
    // chunk reads get DATETIME / TIMESTAMP already in ISO form from the server (see snapshotSelect), chunk
    // boundaries (key values) in MySQL's form: both are accepted
    case 'TIMESTAMP':
      if (t !== 'datetime') return composed;
      return (v) => {
        if (v === null || v === undefined) return null;
        const s = v as string;
        if (isZeroDate(s)) return composed(s.replace('T', ' '));
        return s.charCodeAt(10) === SPACE ? s.slice(0, 10) + 'T' + s.slice(11) : s;
      };
    case 'TIMESTAMP_LTZ':
      if (t !== 'timestamp') return composed;
      return (v) => {
        if (v === null || v === undefined) return null;
        const s = v as string;
        if (isZeroDate(s)) return composed(s.replace('T', ' ').replace('Z', ''));
        return s.charCodeAt(10) === SPACE ? s.slice(0, 10) + 'T' + s.slice(11) + 'Z' : s;
      };
    case 'DATE':
      return (v) => (v === null || v === undefined ? null : isZeroDate(v as string) ? composed(v) : v);
    default:
      return composed;
  }
}

/**
 * The select-list expression of a column in snapshot chunk reads: DATETIME and TIMESTAMP come formatted by the
 * server in core's ISO form ('T', and 'Z' for TIMESTAMP, the session being UTC), so no string is rebuilt per
 * value in JS (a large share of the snapshot's time and garbage otherwise).
 */
export function snapshotSelect(c: MysqlColumn, quoted: string): string {
  switch (c.dataType.toLowerCase()) {
    case 'datetime':
      return `REPLACE(CAST(${quoted} AS CHAR), ' ', 'T')`;
    case 'timestamp':
      return `CONCAT(REPLACE(CAST(${quoted} AS CHAR), ' ', 'T'), 'Z')`;
    default:
      return quoted;
  }
}
