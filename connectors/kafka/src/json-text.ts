/**
 * JSON text the way Flink CDC's Jackson-based serializers print it, built by hand so that no value passes
 * through a JS number on the way: BIGINT and DECIMAL are written as exact JSON number text.
 */

/** A JSON string literal (JSON.stringify escapes like Jackson except the hex case of control characters). */
export const jsonString = (s: string): string => JSON.stringify(s);

/** Java's `Double.toString`: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `-Infinity`, `NaN`. */
export function javaDoubleText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  return javaStyle(v, v.toExponential());
}

/** Java's `Float.toString` for a FLOAT column value (shortest digits that read back as the same float32). */
export function javaFloatText(v: number): string {
  if (!Number.isFinite(v) || v === 0) return javaDoubleText(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const e = f.toExponential(p - 1);
    if (Math.fround(Number(e)) === f) return javaStyle(Number(e), e);
  }
  return javaStyle(f, f.toExponential());
}

/** Formats digits from `toExponential` text as Java does: plain for 1e-3 <= |v| < 1e7, else `d.dddE±n`. */
function javaStyle(v: number, exp: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!m) return String(v);
  const [, sign, first, rest = '', e] = m;
  const exponent = Number(e);
  const digits = (first + rest).replace(/0+$/, '') || '0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const point = exponent + 1; // digits before the decimal point
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (digits.length <= point) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const mantissa = digits.length === 1 ? `${digits}.0` : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${mantissa}E${exponent}`;
}

/** A decimal string split into sign, unscaled digits and scale, at the column's scale (padded, never rounded). */
export function scaledDecimal(text: string, scale: number): { sign: string; unscaled: string } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  const [, s, int = '', frac = ''] = m;
  let f = frac;
  if (f.length > scale) {
    // extra digits may only be zeros (values are already at the column scale); never round silently
    if (/[^0]/.test(f.slice(scale))) throw new TypeError(`decimal ${text} has more than ${scale} fraction digits`);
    f = f.slice(0, scale);
  }
  f = f.padEnd(scale, '0');
  const unscaled = (int + f).replace(/^0+(?=\d)/, '') || '0';
  return { sign: s === '-' && /[1-9]/.test(unscaled) ? '-' : '', unscaled };
}

/**
 * `text` itself when it already is the plain, normalized form at `scale` with a non-zero integer part (the usual
 * case: then Java prints exactly these digits); undefined when the general path must decide.
 */
function alreadyCanonical(text: string, scale: number): boolean {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const first = text.charCodeAt(i);
  if (first < 49 || first > 57) return false; // empty, 0 (may need an exponent), sign or junk
  const dot = scale === 0 ? n : n - scale - 1;
  if (scale > 0 && text.charCodeAt(dot) !== 46 /* . */) return false;
  for (i++; i < n; i++) {
    if (i === dot) continue;
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Java's `BigDecimal.toString()` of the value at `scale` (what Jackson writes by default): `7.123`, `1E-7`, `0E-10`. */
export function bigDecimalText(text: string, scale: number): string {
  if (alreadyCanonical(text, scale)) return text;
  const { sign, unscaled } = scaledDecimal(text, scale);
  const adjusted = unscaled.length - 1 - scale;
  if (scale === 0) return sign + unscaled;
  if (scale > 0 && adjusted >= -6) {
    const padded = unscaled.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  const mantissa = unscaled.length === 1 ? unscaled : `${unscaled[0]}.${unscaled.slice(1)}`;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** `BigDecimal.toPlainString()` at `scale` (`encode.decimal-as-plain-number: true`). */
export function plainDecimalText(text: string, scale: number): string {
  if (alreadyCanonical(text, scale)) return text;
  const { sign, unscaled } = scaledDecimal(text, scale);
  if (scale === 0) return sign + unscaled;
  const padded = unscaled.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}
