import decimalModule from 'decimal.js';
import type { Decimal as DecimalInstance } from 'decimal.js';
import { dataError } from '../errors.js';

type DecimalClass = typeof DecimalInstance;
type Rounding = DecimalInstance.Rounding;
// decimal.js ships an ES module whose default export is the class, with CommonJS typings: take the class either way
const Decimal: DecimalClass = (decimalModule as unknown as { Decimal?: DecimalClass }).Decimal ?? (decimalModule as unknown as DecimalClass);

/**
 * Exact decimal arithmetic for DECIMAL values (plain decimal strings in memory). Sums, differences and
 * products are exact with this precision; quotients are computed far past the result scale and then cut.
 */
export const Dec = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -9e15, toExpPos: 9e15 });
export type Dec = DecimalInstance;

export const ROUND_DOWN = Decimal.ROUND_DOWN;
export const ROUND_HALF_UP = Decimal.ROUND_HALF_UP;
export const ROUND_FLOOR = Decimal.ROUND_FLOOR;
export const ROUND_CEIL = Decimal.ROUND_CEIL;

/** A DECIMAL, integer or numeric string as a Decimal. */
export function dec(v: unknown): DecimalInstance {
  if (v instanceof Decimal) return v;
  if (typeof v === 'string') return new Dec(v.trim());
  if (typeof v === 'bigint') return new Dec(v.toString());
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw dataError(`${v} is not a finite number and cannot become a DECIMAL`);
    return new Dec(v);
  }
  if (typeof v === 'boolean') return new Dec(v ? 1 : 0);
  throw dataError(`cannot use ${typeof v} as a number`);
}

/**
 * The text of `d` as a DECIMAL(precision, scale): exactly `scale` fraction digits (rounded half-up when
 * it has more), and a DataError when the integer part does not fit.
 */
export function decimalText(d: DecimalInstance, precision: number, scale: number, rounding: Rounding = Decimal.ROUND_HALF_UP): string {
  const text = d.toFixed(scale, rounding);
  const digits = text.replace(/^-/, '').split('.')[0].replace(/^0+/, '').length;
  if (digits > precision - scale) {
    throw dataError(`${d.toFixed()} does not fit DECIMAL(${precision}, ${scale})`, 'CAST an operand to a DECIMAL with more digits');
  }
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

/** Precision and scale of an exact numeral as Calcite types it: `1.50` is DECIMAL(3, 2), `0.001` DECIMAL(3, 3). */
export function literalPrecisionScale(text: string): [number, number] {
  const t = text.replace(/^[+-]/, '');
  const [int, frac = ''] = t.split('.');
  const intDigits = int.replace(/^0+/, '').length;
  return [Math.max(intDigits + frac.length, 1), frac.length];
}
