import { dataError } from '../errors.js';

/** Java's Double.toString, which Flink CDC's CAST(double AS STRING) produces: 1.0, 1.0E7, 1.0E-4. */
export function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const [mant, expText] = d.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const a = Math.abs(d);
  let out: string;
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1) || '0';
      out = `${int}.${frac}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    out = `${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
  }
  return neg ? '-' + out : out;
}

const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};
export const BIGINT_MIN = -(2n ** 63n);
export const BIGINT_MAX = 2n ** 63n - 1n;

/** Checks that an integer result fits its type: SQL integer arithmetic never wraps around here. */
export function checkInt(type: string, v: number): number {
  const r = INT_RANGES[type];
  if (v < r[0] || v > r[1] || !Number.isFinite(v)) {
    throw dataError(`integer overflow: ${v} does not fit ${type}`, 'CAST an operand to BIGINT or DECIMAL first');
  }
  return v === 0 ? 0 : v;
}

export function checkBigint(v: bigint): bigint {
  if (v < BIGINT_MIN || v > BIGINT_MAX) throw dataError(`integer overflow: ${v} does not fit BIGINT`, 'CAST an operand to DECIMAL first');
  return v;
}

/** An integer argument (INT number or BIGINT bigint) as a JS number, for positions and lengths. */
export function toIndex(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}
