import { DataError } from '../errors.js';
import {
  DataTypes,
  INTEGER_DIGITS,
  MAX_LENGTH,
  typeEquals,
  typeFamily,
  withNullability,
  type DataType,
  type DecimalType,
  type LengthType,
  type PrecisionType,
} from './data-type.js';
import { formatType } from './type-string.js';

const INTEGER_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };

function lengthOf(t: DataType): number {
  return t.type === 'STRING' || t.type === 'BYTES' ? MAX_LENGTH : (t as LengthType).length;
}

/**
 * True when every value of `from` fits `to` without loss: the only type changes that `lenient` forwards.
 * NOT NULL -> NULL is widening; NULL -> NOT NULL is not.
 */
export function isWidening(from: DataType, to: DataType): boolean {
  if (!to.nullable && from.nullable) return false;
  const a = withNullability(from, true);
  const b = withNullability(to, true);
  if (typeEquals(a, b)) return true;
  const fa = typeFamily(a);
  const fb = typeFamily(b);
  if (fa === 'integer' && fb === 'integer') return INTEGER_RANK[a.type] <= INTEGER_RANK[b.type];
  if (fa === 'integer' && fb === 'decimal') {
    const d = b as DecimalType;
    return d.precision - d.scale >= INTEGER_DIGITS[a.type];
  }
  if (fa === 'integer' && fb === 'approximate') {
    // a float holds 24 bits of mantissa, a double 53
    return b.type === 'DOUBLE' ? a.type !== 'BIGINT' : a.type === 'TINYINT' || a.type === 'SMALLINT';
  }
  if (fa === 'approximate' && fb === 'approximate') return a.type === 'FLOAT' || b.type === 'DOUBLE';
  if (fa === 'decimal' && fb === 'decimal') {
    const x = a as DecimalType;
    const y = b as DecimalType;
    return y.scale >= x.scale && y.precision - y.scale >= x.precision - x.scale;
  }
  if (fa === 'character' && fb === 'character') {
    if (b.type === 'CHAR') return a.type === 'CHAR' && lengthOf(a) === lengthOf(b);
    return lengthOf(b) >= lengthOf(a);
  }
  if (fa === 'binary' && fb === 'binary') {
    if (b.type === 'BINARY') return a.type === 'BINARY' && lengthOf(a) === lengthOf(b);
    return lengthOf(b) >= lengthOf(a);
  }
  if ((fa === 'time' && fb === 'time') || (a.type === 'TIMESTAMP' && b.type === 'TIMESTAMP') || (a.type === 'TIMESTAMP_LTZ' && b.type === 'TIMESTAMP_LTZ')) {
    return (b as PrecisionType).precision >= (a as PrecisionType).precision;
  }
  if (a.type === 'ARRAY' && b.type === 'ARRAY') return isWidening(a.element, b.element);
  if (a.type === 'MAP' && b.type === 'MAP') return typeEquals(a.key, b.key) && isWidening(a.value, b.value);
  if (a.type === 'ROW' && b.type === 'ROW') {
    return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i].name && isWidening(f.type, b.fields[i].type));
  }
  return false;
}

/**
 * The narrowest type both values fit: used to merge the schemas of sharded tables routed into one sink
 * table, and by `lenient` when a column changes to a type that is not wider. Falls back to STRING, the way
 * Flink CDC's schema merging does.
 */
export function mergeTypes(a: DataType, b: DataType): DataType {
  const nullable = a.nullable || b.nullable;
  if (isWidening(a, withNullability(b, nullable))) return withNullability(b, nullable);
  if (isWidening(b, withNullability(a, nullable))) return withNullability(a, nullable);
  const fa = typeFamily(a);
  const fb = typeFamily(b);
  let merged: DataType;
  if ((fa === 'integer' || fa === 'decimal') && (fb === 'integer' || fb === 'decimal')) {
    const ps = (t: DataType): [number, number] =>
      t.type === 'DECIMAL' ? [t.precision - t.scale, t.scale] : [INTEGER_DIGITS[t.type], 0];
    const [ia, sa] = ps(a);
    const [ib, sb] = ps(b);
    const scale = Math.max(sa, sb);
    const precision = Math.max(ia, ib) + scale;
    merged = precision <= 65 ? DataTypes.DECIMAL(precision, scale) : DataTypes.STRING();
  } else if ((fa === 'integer' || fa === 'approximate' || fa === 'decimal') && (fb === 'integer' || fb === 'approximate' || fb === 'decimal')) {
    merged = DataTypes.DOUBLE();
  } else if (fa === 'character' && fb === 'character') {
    merged = DataTypes.VARCHAR(Math.max(lengthOf(a), lengthOf(b)));
    if ((merged as LengthType).length >= MAX_LENGTH) merged = DataTypes.STRING();
  } else if (fa === 'binary' && fb === 'binary') {
    merged = DataTypes.VARBINARY(Math.max(lengthOf(a), lengthOf(b)));
    if ((merged as LengthType).length >= MAX_LENGTH) merged = DataTypes.BYTES();
  } else if (a.type === b.type && (fa === 'time' || fa === 'timestamp')) {
    merged = { type: a.type, precision: Math.max((a as PrecisionType).precision, (b as PrecisionType).precision), nullable } as PrecisionType;
  } else if ((a.type === 'DATE' || a.type === 'TIMESTAMP') && (b.type === 'DATE' || b.type === 'TIMESTAMP')) {
    merged = DataTypes.TIMESTAMP(Math.max(a.type === 'TIMESTAMP' ? a.precision : 0, b.type === 'TIMESTAMP' ? b.precision : 0));
  } else {
    merged = DataTypes.STRING();
  }
  return withNullability(merged, nullable);
}

// ---------------------------------------------------------------------------------------------
// Value casts

export type Caster = (value: unknown) => unknown;
const identity: Caster = (v) => v;

const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/** Canonical text of a value, used for casts to STRING and for keys. Exact: no float formatting of bigints/decimals. */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return utf8.decode(v);
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? utf8.decode(x) : x instanceof Map ? Object.fromEntries(x) : x,
  );
}

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Plain decimal notation of a number or numeric string (no exponent), exact for bigint and decimal strings. */
export function toDecimalString(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DataError(`cannot store ${v} in a DECIMAL column`);
    const s = String(v);
    return /e/i.test(s) ? expandExponent(s) : s;
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (!DECIMAL_RE.test(s)) throw new DataError(`"${v}" is not a decimal number`);
    return /e/i.test(s) ? expandExponent(s) : s;
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  throw new DataError(`cannot convert ${typeof v} to DECIMAL`);
}

function expandExponent(s: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int = '', frac = '', expStr] = m;
  const exp = Number(expStr);
  let point = int.length + exp;
  let all = int + frac;
  if (point <= 0) {
    all = '0'.repeat(-point + 1) + all;
    point = 1;
  } else if (point > all.length) {
    all = all + '0'.repeat(point - all.length);
  }
  const ip = all.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fp = all.slice(point).replace(/0+$/, '');
  return `${sign === '-' ? '-' : ''}${ip}${fp ? '.' + fp : ''}`;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new DataError(`${v} is not an integer`);
    return BigInt(v);
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === 'string' && /^[+-]?\d+\.0*$/.test(v.trim())) return BigInt(v.trim().split('.')[0]);
  throw new DataError(`"${valueToString(v)}" is not an integer`);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) {
      if (/^[+-]?(nan|infinity|inf)$/i.test(v.trim())) return Number(v.trim().replace(/^([+-]?)inf$/i, '$1Infinity').replace(/nan/i, 'NaN'));
      throw new DataError(`"${v}" is not a number`);
    }
    return n;
  }
  throw new DataError(`cannot convert ${typeof v} to a number`);
}

function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', 't', '1', 'yes', 'y'].includes(s)) return true;
    if (['false', 'f', '0', 'no', 'n'].includes(s)) return false;
  }
  throw new DataError(`"${valueToString(v)}" is not a boolean`);
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return utf8enc.encode(valueToString(v));
}

function checkIntegerRange(type: string, n: bigint): void {
  const bits = { TINYINT: 8, SMALLINT: 16, INT: 32 }[type];
  if (bits === undefined) return;
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (n > max || n < -max - 1n) throw new DataError(`${n} is out of range for ${type}`);
}

/**
 * A function converting values of `from` into the representation of `to`. Never rounds silently: a value
 * that does not fit throws a DataError the runtime reports with the table and column.
 */
export function makeCaster(from: DataType, to: DataType): Caster {
  const a = withNullability(from, true);
  const b = withNullability(to, true);
  if (typeEquals(a, b)) return identity;
  const fb = typeFamily(b);
  const fa = typeFamily(a);
  const nullSafe = (f: Caster): Caster => (v) => (v === null || v === undefined ? null : f(v));
  switch (fb) {
    case 'boolean':
      return nullSafe(toBoolean);
    case 'integer':
      if (b.type === 'BIGINT') return nullSafe(toBigInt);
      if (fa === 'integer' && INTEGER_RANK[a.type] <= INTEGER_RANK[b.type]) return identity;
      return nullSafe((v) => {
        const n = toBigInt(v);
        checkIntegerRange(b.type, n);
        return Number(n);
      });
    case 'approximate':
      if (fa === 'approximate' || (fa === 'integer' && a.type !== 'BIGINT')) return identity;
      return nullSafe(toNumber);
    case 'decimal':
      return nullSafe(toDecimalString);
    case 'character':
      if (fa === 'character') return identity;
      return nullSafe(valueToString);
    case 'binary':
      if (fa === 'binary') return identity;
      return nullSafe(toBytes);
    case 'date':
      if (a.type === 'TIMESTAMP' || a.type === 'TIMESTAMP_LTZ') return nullSafe((v) => String(v).slice(0, 10));
      if (fa === 'character') return identity;
      break;
    case 'time':
      if (fa === 'time' || fa === 'character') return identity;
      break;
    case 'timestamp':
      if (fa === 'timestamp') {
        if (a.type === b.type) return identity;
        // LTZ <-> TIMESTAMP: the value is kept as the same wall-clock in UTC, documented in the README
        return b.type === 'TIMESTAMP_LTZ'
          ? nullSafe((v) => (String(v).endsWith('Z') ? v : `${String(v)}Z`))
          : nullSafe((v) => String(v).replace(/Z$/, ''));
      }
      if (fa === 'date') return nullSafe((v) => `${String(v)}T00:00:00${b.type === 'TIMESTAMP_LTZ' ? 'Z' : ''}`);
      if (fa === 'character') return identity;
      break;
    case 'constructed':
      if (a.type === b.type) return identity;
      break;
  }
  return nullSafe(() => {
    throw new DataError(`cannot cast ${formatType(from)} to ${formatType(to)}`);
  });
}
