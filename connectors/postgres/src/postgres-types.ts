/**
 * PostgreSQL types -> core DataTypes, and text values (what pgoutput sends, and what the snapshot's binary COPY
 * sends for types it has no decoder for) -> core's lossless in-memory values. Sessions run with DateStyle ISO,
 * IntervalStyle iso_8601, TimeZone UTC and extra_float_digits 3, so the text forms parsed here are the only ones
 * that can arrive.
 */
import { DataTypes, MAX_SOURCE_DECIMAL_PRECISION, withNullability, type DataType, type Logger } from '@cdc/core';
import { FieldKind } from './copy-binary.js';

/** A pg_type row, enough to map a type: domains to their base type, arrays to their element type. */
export interface PgTypeInfo {
  readonly oid: number;
  readonly name: string;
  /** b base, e enum, d domain, c composite, r range, m multirange, p pseudo */
  readonly typtype: string;
  readonly category: string;
  readonly baseOid: number;
  readonly baseTypmod: number;
  readonly elemOid: number;
  readonly delim: string;
}

export type TypeLookup = (oid: number) => PgTypeInfo | undefined;

export type Converter = (text: string) => unknown;

export interface MappedType {
  readonly type: DataType;
  readonly convert: Converter;
  /** How the snapshot's binary COPY decoder reads the column (FORMATTED: through `convert`, from its text). */
  readonly kind: FieldKind;
}

/** Reports a value that has no lossless form in the column's type (NaN in numeric(p,s), infinite dates ...). */
export type Unrepresentable = (what: string) => void;

const identity: Converter = (s) => s;

/** int8 text -> bigint; up to 15 characters the number is exact as a double, and BigInt(number) is cheaper. */
const toBigInt: Converter = (s) => (s.length < 16 ? BigInt(Number(s)) : BigInt(s));

/** numeric typmod -> precision / scale (PostgreSQL 15 allows scales below 0 and above the precision). */
function numericTypmod(typmod: number): { precision: number; scale: number } | undefined {
  if (typmod < 4) return undefined;
  const t = typmod - 4;
  const precision = (t >> 16) & 0xffff;
  const scale = (((t & 0x7ff) ^ 1024) - 1024) | 0;
  return { precision, scale };
}

function decodeHex(text: string): Uint8Array {
  // bytea_output = hex: \x0a0b...; escape format (older servers) is decoded too
  if (text.startsWith('\\x')) return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      if (text[i + 1] === '\\') {
        out.push(92);
        i++;
      } else {
        out.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else out.push(c);
  }
  return new Uint8Array(out);
}

const TS_RE = /^(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,6})?)(\+00(?::00)?)?$/;

/** Maps a column type. `report` is called (once per column, by the caller's wrapper) for unrepresentable values. */
export function mapType(oid: number, typmod: number, nullable: boolean, lookup: TypeLookup, report: Unrepresentable): MappedType {
  const m = mapTypeInner(oid, typmod, lookup, report, 0);
  return { type: withNullability(m.type, nullable), convert: m.convert, kind: m.kind };
}

function mapTypeInner(oid: number, typmod: number, lookup: TypeLookup, report: Unrepresentable, depth: number): MappedType {
  const info = lookup(oid);
  if (!info) return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.FORMATTED };
  if (info.typtype === 'd' && depth < 10) return mapTypeInner(info.baseOid, typmod >= 0 ? typmod : info.baseTypmod, lookup, report, depth + 1);
  if (info.typtype === 'e') return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.TEXT };
  if (info.category === 'A' && info.elemOid !== 0 && depth < 10) {
    const el = mapTypeInner(info.elemOid, typmod, lookup, report, depth + 1);
    const delim = info.delim || ',';
    return { type: DataTypes.ARRAY(el.type), convert: (s) => mapArray(parseArray(s, delim), el.convert), kind: FieldKind.FORMATTED };
  }
  switch (info.name) {
    case 'bool':
      return { type: DataTypes.BOOLEAN(), convert: (s) => s === 't' || s === 'true', kind: FieldKind.BOOL };
    case 'int2':
      return { type: DataTypes.SMALLINT(), convert: Number, kind: FieldKind.INT2 };
    case 'int4':
      return { type: DataTypes.INT(), convert: Number, kind: FieldKind.INT4 };
    case 'int8':
      return { type: DataTypes.BIGINT(), convert: toBigInt, kind: FieldKind.INT8 };
    case 'oid':
    case 'xid':
    case 'cid':
      return { type: DataTypes.BIGINT(), convert: toBigInt, kind: FieldKind.UINT4 };
    case 'float4':
      // as text: the double nearest to float4's shortest text is what the stream gives, not the float's own value
      return { type: DataTypes.FLOAT(), convert: Number, kind: FieldKind.FORMATTED };
    case 'float8':
      return { type: DataTypes.DOUBLE(), convert: Number, kind: FieldKind.FLOAT8 };
    case 'numeric': {
      const ps = numericTypmod(typmod);
      // unbounded numeric holds any scale, NaN and +-Infinity: only its text is lossless
      if (!ps || ps.precision > MAX_SOURCE_DECIMAL_PRECISION) return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.NUMERIC };
      const scale = Math.max(0, ps.scale);
      const precision = Math.max(ps.precision - Math.min(0, ps.scale), scale, 1);
      return {
        type: DataTypes.DECIMAL(precision, scale),
        kind: FieldKind.NUMERIC,
        convert: (s) => {
          if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') {
            report(`numeric value ${s}`);
            return null;
          }
          return s;
        },
      };
    }
    case 'bpchar':
      return { type: typmod >= 5 ? DataTypes.CHAR(typmod - 4) : DataTypes.STRING(), convert: identity, kind: FieldKind.TEXT };
    case 'varchar':
      return { type: typmod >= 5 ? DataTypes.VARCHAR(typmod - 4) : DataTypes.STRING(), convert: identity, kind: FieldKind.TEXT };
    case 'bytea':
      return { type: DataTypes.BYTES(), convert: decodeHex, kind: FieldKind.BYTEA };
    case 'date':
      return {
        type: DataTypes.DATE(),
        kind: FieldKind.DATE,
        convert: (s) => {
          if (/^\d{4}-\d\d-\d\d$/.test(s)) return s;
          report(`date ${s}`);
          return null;
        },
      };
    case 'uuid':
      return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.UUID };
    case 'time':
      return { type: DataTypes.TIME(typmod >= 0 ? typmod : 6), convert: identity, kind: FieldKind.TIME };
    case 'timestamp':
      return {
        type: DataTypes.TIMESTAMP(typmod >= 0 ? typmod : 6),
        kind: FieldKind.TIMESTAMP,
        convert: (s) => {
          // fast path: 'YYYY-MM-DD HH:MM:SS[.ffffff]'
          if (s.length >= 19 && s.length <= 26 && s.charCodeAt(10) === 32 && s.charCodeAt(4) === 45 && s.charCodeAt(18) !== 43 && s.indexOf('+', 19) < 0 && s.indexOf(' ', 11) < 0) {
            return `${s.slice(0, 10)}T${s.slice(11)}`;
          }
          const m = TS_RE.exec(s);
          if (m && !m[5]) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}`;
          report(`timestamp ${s}`);
          return null;
        },
      };
    case 'timestamptz':
      return {
        type: DataTypes.TIMESTAMP_LTZ(typmod >= 0 ? typmod : 6),
        kind: FieldKind.TIMESTAMPTZ,
        convert: (s) => {
          // fast path: 'YYYY-MM-DD HH:MM:SS[.ffffff]+00' (the session time zone is UTC)
          const n = s.length;
          if (n >= 22 && n <= 29 && s.charCodeAt(10) === 32 && s.charCodeAt(4) === 45 && s.charCodeAt(n - 3) === 43 && s.charCodeAt(n - 2) === 48 && s.charCodeAt(n - 1) === 48) {
            return `${s.slice(0, 10)}T${s.slice(11, n - 3)}Z`;
          }
          const m = TS_RE.exec(s);
          if (m && m[5]) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`;
          report(`timestamptz ${s}`);
          return null;
        },
      };
    case 'text':
    case 'name':
    case 'json':
      return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.TEXT };
    case 'jsonb':
      return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.JSONB };
    default:
      // "char", xml, interval (ISO 8601), timetz, inet, cidr, macaddr, money, bit, varbit, tsvector, geometric,
      // range and composite types: their exact text
      return { type: DataTypes.STRING(), convert: identity, kind: FieldKind.FORMATTED };
  }
}

type ArrayItem = string | null | ArrayItem[];

/** Parses an array literal: `{1,2,NULL,"a \"b\""}`, nested `{{1,2},{3,4}}`, with `[1:2]=` dimension decoration. */
export function parseArray(text: string, delim = ','): ArrayItem[] {
  let i = 0;
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    i = eq + 1;
  }
  const parse = (): ArrayItem[] => {
    if (text[i] !== '{') throw new TypeError(`malformed array literal: ${text}`);
    i++;
    const out: ArrayItem[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      const c = text[i];
      if (c === '{') out.push(parse());
      else if (c === '"') {
        i++;
        let s = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i++];
        }
        i++;
        out.push(s);
      } else {
        let s = '';
        while (i < text.length && text[i] !== delim && text[i] !== '}') {
          if (text[i] === '\\') i++;
          s += text[i++];
        }
        const t = s.trim();
        out.push(t === 'NULL' ? null : t);
      }
      if (text[i] === delim) {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      throw new TypeError(`malformed array literal: ${text}`);
    }
  };
  return parse();
}

function mapArray(items: ArrayItem[], convert: Converter): unknown[] {
  return items.map((x) => (x === null ? null : Array.isArray(x) ? mapArray(x, convert) : convert(x)));
}

/** A warn-once reporter per column, for values that cannot be represented in the column's type. */
export function columnReporter(logger: Logger, table: string, column: string): Unrepresentable {
  let told = false;
  return (what) => {
    if (told) return;
    told = true;
    logger.warn(`${table}.${column}: ${what} has no value in the column's type and is sent as NULL (further ones are not reported)`);
  };
}

/** Built-in types, so that tables of only built-in types need no pg_type lookup. */
export const BUILTIN_TYPES: ReadonlyMap<number, PgTypeInfo> = new Map(
  (
    [
      [16, 'bool'], [17, 'bytea'], [18, 'char'], [19, 'name'], [20, 'int8'], [21, 'int2'], [23, 'int4'], [25, 'text'], [26, 'oid'],
      [114, 'json'], [142, 'xml'], [700, 'float4'], [701, 'float8'], [790, 'money'], [829, 'macaddr'], [869, 'inet'], [650, 'cidr'],
      [1042, 'bpchar'], [1043, 'varchar'], [1082, 'date'], [1083, 'time'], [1114, 'timestamp'], [1184, 'timestamptz'], [1186, 'interval'],
      [1266, 'timetz'], [1560, 'bit'], [1562, 'varbit'], [1700, 'numeric'], [2950, 'uuid'], [3802, 'jsonb'],
    ] as const
  ).map(([oid, name]) => [oid, { oid, name, typtype: 'b', category: '', baseOid: 0, baseTypmod: -1, elemOid: 0, delim: ',' }]),
);
