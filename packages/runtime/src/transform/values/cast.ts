import { typeEquals, valueToString, withNullability, type DataType, type DecimalType, type LengthType, type PrecisionType } from '@cdc/core';
import { dataError } from '../errors.js';
import { isBinary, isCharacter, isInteger, isNumeric, lengthOf } from '../type-rules.js';
import { dec, decimalText } from './decimal.js';
import { BIGINT_MAX, BIGINT_MIN, checkInt, javaDoubleString } from './numbers.js';
import { formatDate, formatTime, formatTimestamp, NANOS_PER_SECOND, parseDate, parseTime, parseTimestamp, SECONDS_PER_DAY, type DateTime } from './temporal.js';
import { localToUtc, utcToLocal, type TimeZone } from './time-zone.js';

/** Converts a non-null value of one type into the in-memory representation of another. */
export type Caster = (v: unknown) => unknown;

const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The caster of a conversion that changes nothing (compared by identity to skip a wrapper). */
export const IDENTITY_CASTER: Caster = (v) => v;
const identity = IDENTITY_CASTER;

/** The text CAST(v AS STRING) gives, Flink CDC style: `true`, `1.0E7`, decimals and temporals as stored. */
export function castToText(from: DataType, v: unknown): string {
  switch (from.type) {
    case 'BOOLEAN':
      return v ? 'true' : 'false';
    case 'FLOAT':
    case 'DOUBLE':
      return javaDoubleString(v as number);
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return utf8.decode(v as Uint8Array);
    default:
      return typeof v === 'string' ? v : valueToString(v);
  }
}

function fail(v: unknown, from: DataType, to: DataType, why = ''): never {
  const shown = typeof v === 'string' ? `'${v}'` : castToText(from, v);
  throw dataError(`cannot cast ${shown} to ${describeType(to)}${why ? ': ' + why : ''}`, 'use TRY_CAST to get NULL instead of an error');
}

function describeType(t: DataType): string {
  switch (t.type) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'CHAR':
    case 'VARCHAR':
    case 'BINARY':
    case 'VARBINARY':
      return `${t.type}(${t.length})`;
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.type}(${t.precision})`;
    default:
      return t.type;
  }
}

function toBool(from: DataType, v: unknown, to: DataType): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (from.type === 'DECIMAL') return !dec(v).isZero();
  const s = String(v).trim().toLowerCase();
  if (s === 'true' || s === 't' || s === 'yes' || s === 'y' || s === '1') return true;
  if (s === 'false' || s === 'f' || s === 'no' || s === 'n' || s === '0') return false;
  return fail(v, from, to);
}

/** An exact integer from any numeric or text value, truncated toward zero as SQL's CAST does. */
function toBigIntTrunc(from: DataType, v: unknown, to: DataType): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(v, from, to);
    return BigInt(Math.trunc(v));
  }
  const s = String(v).trim();
  if (/^[+-]?\d+$/.test(s)) return BigInt(s);
  if (!NUMBER_RE.test(s)) fail(v, from, to);
  return BigInt(dec(s).trunc().toFixed());
}

function toIntegerCaster(from: DataType, to: DataType): Caster {
  if (isInteger(from) && from.type !== 'BIGINT' && to.type === 'BIGINT') return (v) => BigInt(v as number);
  const bigint = to.type === 'BIGINT';
  return (v) => {
    const n = toBigIntTrunc(from, v, to);
    if (bigint) {
      if (n < BIGINT_MIN || n > BIGINT_MAX) fail(v, from, to, 'out of range');
      return n;
    }
    const num = Number(n);
    try {
      return checkInt(to.type, num);
    } catch {
      return fail(v, from, to, 'out of range');
    }
  };
}

function toNumber(from: DataType, v: unknown, to: DataType): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = String(v).trim();
  if (NUMBER_RE.test(s)) return Number(s);
  if (/^[+-]?(NaN|Infinity)$/.test(s)) return Number(s);
  return fail(v, from, to);
}

function checkLength(s: string, to: DataType, from: DataType, v: unknown): string {
  const max = lengthOf(to);
  if (s.length > max && [...s].length > max) fail(v, from, to, `longer than ${max} characters (use SUBSTR to cut it)`);
  if (to.type === 'CHAR') {
    const n = [...s].length;
    if (n < max) return s + ' '.repeat(max - n);
  }
  return s;
}

function timestampOf(from: DataType, v: unknown, zone: TimeZone, to: DataType): DateTime | undefined {
  const s = v as string;
  switch (from.type) {
    case 'DATE': {
      const d = parseDate(s);
      return d === undefined ? undefined : { sec: d * SECONDS_PER_DAY, nano: 0 };
    }
    case 'TIMESTAMP': {
      const t = parseTimestamp(s);
      return t && { sec: t.sec, nano: t.nano };
    }
    case 'TIMESTAMP_LTZ': {
      const t = parseTimestamp(s);
      return t && { sec: utcToLocal(t.sec - (t.offset ?? 0), zone), nano: t.nano };
    }
    default: {
      const t = parseTimestamp(s);
      if (!t) return fail(v, from, to);
      return t.offset === undefined ? { sec: t.sec, nano: t.nano } : { sec: utcToLocal(t.sec - t.offset, zone), nano: t.nano };
    }
  }
}

/**
 * The CAST from one type to another, or undefined when SQL has no such conversion (a type error at
 * compile time). The caster throws a DataError for a value that does not convert; TRY_CAST catches it.
 * Casts to a narrower precision truncate fraction digits of temporal values and round DECIMAL half-up,
 * as Flink does for an explicit CAST.
 */
export function makeCast(from: DataType, to: DataType, zone: TimeZone): Caster | undefined {
  if (typeEquals(withNullability(from, true), withNullability(to, true))) return identity;
  const f = from.type;
  switch (to.type) {
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      if (to.type === 'STRING' && isCharacter(from)) return identity;
      if (isCharacter(from) && from.type !== 'CHAR' && to.type === 'VARCHAR' && lengthOf(from) <= (to as LengthType).length) return identity;
      return (v) => checkLength(castToText(from, v), to, from, v);
    case 'BOOLEAN':
      if (f === 'BOOLEAN' || isNumeric(from) || isCharacter(from)) return (v) => toBool(from, v, to);
      return undefined;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      if (isNumeric(from) || isCharacter(from) || f === 'BOOLEAN') return toIntegerCaster(from, to);
      return undefined;
    case 'FLOAT':
    case 'DOUBLE':
      if (isNumeric(from) || isCharacter(from) || f === 'BOOLEAN') return (v) => toNumber(from, v, to);
      return undefined;
    case 'DECIMAL': {
      if (!(isNumeric(from) || isCharacter(from) || f === 'BOOLEAN')) return undefined;
      const { precision, scale } = to as DecimalType;
      return (v) => {
        let d;
        if (typeof v === 'string') {
          const s = v.trim();
          if (!NUMBER_RE.test(s)) return fail(v, from, to);
          d = dec(s);
        } else if (typeof v === 'number' && !Number.isFinite(v)) {
          return fail(v, from, to);
        } else {
          d = dec(v);
        }
        try {
          return decimalText(d, precision, scale);
        } catch {
          return fail(v, from, to, 'out of range');
        }
      };
    }
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES': {
      if (!isCharacter(from) && !isBinary(from)) return undefined;
      const max = lengthOf(to);
      return (v) => {
        let b = typeof v === 'string' ? utf8enc.encode(v) : (v as Uint8Array);
        if (b.length > max) fail(v, from, to, `longer than ${max} bytes`);
        if (to.type === 'BINARY' && b.length < max) {
          const padded = new Uint8Array(max);
          padded.set(b);
          b = padded;
        }
        return b;
      };
    }
    case 'DATE':
      if (isCharacter(from)) {
        return (v) => {
          const d = parseDate(v as string);
          return d === undefined ? fail(v, from, to) : formatDate(d);
        };
      }
      if (f === 'TIMESTAMP' || f === 'TIMESTAMP_LTZ') {
        return (v) => {
          const t = timestampOf(from, v, zone, to);
          return t ? formatDate(Math.floor(t.sec / SECONDS_PER_DAY)) : fail(v, from, to);
        };
      }
      return undefined;
    case 'TIME': {
      const p = (to as PrecisionType).precision;
      if (isCharacter(from) || f === 'TIME') {
        return (v) => {
          const n = parseTime(v as string);
          return n === undefined ? fail(v, from, to) : formatTime(n, p);
        };
      }
      if (f === 'TIMESTAMP' || f === 'TIMESTAMP_LTZ') {
        return (v) => {
          const t = timestampOf(from, v, zone, to);
          if (!t) return fail(v, from, to);
          const secOfDay = t.sec - Math.floor(t.sec / SECONDS_PER_DAY) * SECONDS_PER_DAY;
          return formatTime(secOfDay * NANOS_PER_SECOND + t.nano, p);
        };
      }
      return undefined;
    }
    case 'TIMESTAMP': {
      const p = (to as PrecisionType).precision;
      if (isCharacter(from) || f === 'DATE' || f === 'TIMESTAMP' || f === 'TIMESTAMP_LTZ') {
        return (v) => {
          const t = timestampOf(from, v, zone, to);
          return t ? formatTimestamp(t, p, false) : fail(v, from, to);
        };
      }
      return undefined;
    }
    case 'TIMESTAMP_LTZ': {
      const p = (to as PrecisionType).precision;
      if (isCharacter(from) || f === 'DATE' || f === 'TIMESTAMP' || f === 'TIMESTAMP_LTZ') {
        return (v) => {
          if (f === 'TIMESTAMP_LTZ') {
            const t = parseTimestamp(v as string);
            return t ? formatTimestamp({ sec: t.sec - (t.offset ?? 0), nano: t.nano }, p, true) : fail(v, from, to);
          }
          if (isCharacter(from)) {
            const t = parseTimestamp(v as string);
            if (!t) return fail(v, from, to);
            const utc = t.offset === undefined ? localToUtc(t.sec, zone) : t.sec - t.offset;
            return formatTimestamp({ sec: utc, nano: t.nano }, p, true);
          }
          const local = timestampOf(from, v, zone, to);
          return local ? formatTimestamp({ sec: localToUtc(local.sec, zone), nano: local.nano }, p, true) : fail(v, from, to);
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The implicit conversion of a value to a wider type of its family (CASE branches, COALESCE, IN lists,
 * UDF results): never loses anything, so it never fails for values of `from`.
 */
export function makeWidening(from: DataType, to: DataType, zone: TimeZone): Caster {
  if (typeEquals(withNullability(from, true), withNullability(to, true))) return identity;
  if (isCharacter(from) && isCharacter(to) && to.type !== 'CHAR') return identity;
  if (isBinary(from) && isBinary(to) && to.type !== 'BINARY') return identity;
  if (isInteger(from) && isInteger(to) && (to.type !== 'BIGINT' || from.type === 'BIGINT')) return identity;
  if (to.type === 'TIMESTAMP' && from.type === 'TIMESTAMP') return identity;
  if (to.type === 'TIMESTAMP_LTZ' && from.type === 'TIMESTAMP_LTZ') return identity;
  if (to.type === 'TIME' && from.type === 'TIME') return identity;
  return makeCast(from, to, zone) ?? identity;
}
