import type { DataType } from '@cdc/core';
import { isApproximate, isBinary, isCharacter, isDecimal, isNumeric } from '../type-rules.js';
import { dec } from './decimal.js';
import { parseTime } from './temporal.js';

/** Compares two non-null values: negative, zero or positive. */
export type Comparator = (a: unknown, b: unknown) => number;

const natural: Comparator = (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);

/** '2024-01-01T10:00:00.500Z' and '2024-01-01 10:00:00.5' compare equal once the fraction's zeros and the zone mark go. */
function normTimestamp(v: unknown): string {
  let s = (v as string).replace(' ', 'T');
  if (s.endsWith('Z')) s = s.slice(0, -1);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

function bytes(a: unknown, b: unknown): number {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * A comparator for values of types `a` and `b`, or undefined when SQL cannot compare them. Mixed
 * numeric types compare exactly (integers as bigints, decimals as decimals), except against FLOAT/DOUBLE,
 * which compare as doubles as in Java.
 */
export function comparator(a: DataType, b: DataType): Comparator | undefined {
  if (isNumeric(a) && isNumeric(b)) {
    if (isApproximate(a) || isApproximate(b)) return (x, y) => natural(Number(x), Number(y));
    if (isDecimal(a) || isDecimal(b)) return (x, y) => dec(x).cmp(dec(y));
    // number and bigint compare exactly with < and >
    return natural;
  }
  if (isCharacter(a) && isCharacter(b)) return natural;
  if (a.type === 'BOOLEAN' && b.type === 'BOOLEAN') return (x, y) => Number(x) - Number(y);
  if (isBinary(a) && isBinary(b)) return bytes;
  if (a.type === 'DATE' && b.type === 'DATE') return natural;
  if (a.type === 'TIME' && b.type === 'TIME') return (x, y) => natural(parseTime(x as string), parseTime(y as string));
  const ts = (t: DataType) => t.type === 'TIMESTAMP' || t.type === 'DATE';
  if ((ts(a) && ts(b)) || (a.type === 'TIMESTAMP_LTZ' && b.type === 'TIMESTAMP_LTZ')) {
    return (x, y) => {
      const p = normTimestamp(x);
      const q = normTimestamp(y);
      return p < q ? -1 : p > q ? 1 : 0;
    };
  }
  return undefined;
}

/** Whether values of two types can be tested for equality (structured values compare by content). */
export function equality(a: DataType, b: DataType): Comparator | undefined {
  const c = comparator(a, b);
  if (c) return c;
  if (a.type === b.type && (a.type === 'ARRAY' || a.type === 'MAP' || a.type === 'ROW')) {
    return (x, y) => (deepEqual(x, y) ? 0 : 1);
  }
  return undefined;
}

function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x === 'bigint' || typeof y === 'bigint') return typeof x === typeof y && x === y;
  if (x instanceof Uint8Array && y instanceof Uint8Array) return bytes(x, y) === 0;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
  if (x instanceof Map && y instanceof Map) {
    if (x.size !== y.size) return false;
    for (const [k, v] of x) if (!y.has(k) || !deepEqual(v, y.get(k))) return false;
    return true;
  }
  return false;
}

