/**
 * COPY text-format rows decoded straight from the socket bytes into a row of core values: fields are found by
 * scanning the bytes, integers and booleans are read from their digits (no string at all), types whose text is
 * always ASCII are sliced as latin1, and only text-like fields go through UTF-8 decoding. Splitting a decoded
 * line instead made every field of a row with one non-ASCII character a two-byte string, and cost about half of
 * the reader's time per snapshot row.
 */
import type { Converter } from './postgres-types.js';

/**
 * How a column's COPY text becomes its value, decided once per column so the row loop calls no converter for the
 * common types. TEXT: the UTF-8 string itself; ASCII_TEXT: the string itself, the type's output being ASCII;
 * ASCII: an ASCII string given to the column's converter; OTHER: a UTF-8 string given to the converter; INT:
 * int2/int4 digits; INT8: digits as a bigint; BOOL: t/f; FLOAT: Number(text); DECIMAL: a bounded numeric (text
 * kept, NaN/Infinity to the converter); TIMESTAMP / TIMESTAMPTZ: 'YYYY-MM-DD HH:MM:SS[.f]'[+00] to ISO 8601, any
 * other form (infinity, BC, years past 9999) to the converter; FLOAT8_BITS: a double sent as the 16 hex digits of
 * its IEEE 754 bits (see `copySelect`).
 */
export const FieldKind = { TEXT: 0, ASCII_TEXT: 1, ASCII: 2, OTHER: 3, INT: 4, INT8: 5, BOOL: 6, FLOAT: 7, DECIMAL: 8, TIMESTAMP: 9, TIMESTAMPTZ: 10, FLOAT8_BITS: 11 } as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/**
 * The select-list expression that gives a column's COPY text in the form its kind expects. A double goes as its
 * bits: reading the shortest decimal text back with Number() was the costliest single step of a snapshot row, and
 * the bits are the same double (also NaN, the infinities and -0).
 */
export function copySelect(kind: FieldKind, quoted: string): string {
  return kind === FieldKind.FLOAT8_BITS ? `encode(float8send(${quoted}), 'hex')` : quoted;
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;
const F64 = new Float64Array(1);
// little-endian machines only (every Node platform): word 1 holds the sign, exponent and high mantissa bits
const F64_WORDS = new Uint32Array(F64.buffer);

/** 16 hex digits at `p` of `line` (big-endian IEEE 754 bits) -> the double. */
function float8FromHex(line: string, p: number, q: number): number {
  let hi = 0;
  let lo = 0;
  let bad = q - p !== 16 ? 1 : 0;
  for (let i = 0; i < 8; i++) {
    const h = HEX[line.charCodeAt(p + i) & 127];
    const l = HEX[line.charCodeAt(p + 8 + i) & 127];
    bad |= (h | l) & 0x80;
    hi = (hi << 4) | h;
    lo = (lo << 4) | l;
  }
  if (bad) throw new TypeError(`COPY field "${line.substring(p, q)}" is not the 16 hex digits of a double`);
  F64_WORDS[1] = hi;
  F64_WORDS[0] = lo;
  return F64[0];
}

const TAB = 9;
const BACKSLASH = 92;

/** Unescapes one COPY text-format field (`\N` was handled by the caller). */
export function unescapeCopy(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += 'x';
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          const m = /^[0-7]{1,3}/.exec(s.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else out += n;
    }
  }
  return out;
}

/** Splits a COPY text-format row (without its newline) into fields; null for `\N`. */
export function splitCopyRow(line: string): (string | null)[] {
  const fields = line.split('\t');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length === 2 && f === '\\N') (fields as (string | null)[])[i] = null;
    else if (f.includes('\\')) fields[i] = unescapeCopy(f);
  }
  return fields;
}

type SliceBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

/**
 * Decodes the rows of one table: `decode(buf, start, end, hasBackslash)` returns the row for the bytes
 * [start, end) (without the newline). `hasBackslash` false promises no backslash in the row (no NULL, no
 * escape), which the caller knows from one look-ahead per socket buffer. The row is sliced once as latin1 (one
 * character per byte, so character positions are byte positions); text fields are decoded again as UTF-8 from the
 * bytes. Splitting a UTF-8 decoded line and converting each field through its converter was about 20 % slower.
 */
export class CopyRowDecoder {
  private readonly kinds: Uint8Array;
  private readonly template: unknown[];
  constructor(
    kinds: readonly FieldKind[],
    private readonly converters: readonly Converter[],
  ) {
    this.kinds = Uint8Array.from(kinds);
    this.template = kinds.map(() => null);
  }

  decode(buffer: Buffer, start: number, end: number, hasBackslash: boolean): unknown[] {
    const buf = buffer as SliceBuffer;
    const kinds = this.kinds;
    const n = kinds.length;
    // a copy of a template, not `new Array(n)`: rows wait in memory until they go out, and V8 may decide to
    // allocate everything from an allocation site whose objects survived young-generation collections early on
    // straight in the old generation (seen with the events: twice the CPU, 190 MB); a builtin's copy has no site
    const row = this.template.slice();
    const line = buf.latin1Slice(start, end);
    const len = line.length;
    let bs = hasBackslash ? line.indexOf('\\') : -1;
    let p = 0;
    for (let j = 0; j < n; j++) {
      if (p > len) throw new TypeError(`COPY row has ${j} fields, expected ${n}`);
      let q = line.indexOf('\t', p);
      if (q < 0) q = len;
      const k = kinds[j];
      if (bs >= 0 && bs < q) {
        const isNull = q - p === 2 && bs === p && line.charCodeAt(p + 1) === 78; /* \N */
        bs = line.indexOf('\\', q);
        if (isNull) row[j] = null;
        else {
          // escapes (\t, \n, \\ ...): only in text-like values, taken the slow way
          const s = unescapeCopy(k === FieldKind.TEXT || k === FieldKind.OTHER ? buf.utf8Slice(start + p, start + q) : line.substring(p, q));
          row[j] = k === FieldKind.TEXT || k === FieldKind.ASCII_TEXT ? s : this.converters[j](s);
        }
        p = q + 1;
        continue;
      }
      switch (k) {
        case FieldKind.TEXT: {
          // ASCII (the usual case) is cut from the latin1 line; a field with a byte above 0x7f is decoded as UTF-8
          let i = p;
          while (i < q && line.charCodeAt(i) < 128) i++;
          row[j] = i === q ? line.substring(p, q) : buf.utf8Slice(start + p, start + q);
          break;
        }
        case FieldKind.ASCII_TEXT:
          row[j] = line.substring(p, q);
          break;
        case FieldKind.INT: {
          let i = p;
          const neg = line.charCodeAt(i) === 45;
          if (neg) i++;
          let v = 0;
          for (; i < q; i++) v = v * 10 + (line.charCodeAt(i) - 48);
          row[j] = neg ? -v : v;
          break;
        }
        case FieldKind.INT8: {
          let i = p;
          const neg = line.charCodeAt(i) === 45;
          if (neg) i++;
          if (q - i <= 15) {
            // up to 15 digits the number is exact as a double, and BigInt(number) is cheaper than parsing text
            let v = 0;
            for (; i < q; i++) v = v * 10 + (line.charCodeAt(i) - 48);
            row[j] = BigInt(neg ? -v : v);
          } else row[j] = BigInt(line.substring(p, q));
          break;
        }
        case FieldKind.BOOL:
          row[j] = (q - p === 1 && line.charCodeAt(p) === 116) /* t */ || (q - p === 4 && line.substring(p, q) === 'true');
          break;
        case FieldKind.FLOAT:
          row[j] = Number(line.substring(p, q));
          break;
        case FieldKind.FLOAT8_BITS:
          row[j] = float8FromHex(line, p, q);
          break;
        case FieldKind.DECIMAL: {
          const c = line.charCodeAt(p);
          // NaN, Infinity, -Infinity have no DECIMAL value: the converter reports them
          row[j] = c === 78 || c === 73 || (c === 45 && line.charCodeAt(p + 1) === 73) ? this.converters[j](line.substring(p, q)) : line.substring(p, q);
          break;
        }
        case FieldKind.TIMESTAMP: {
          const w = q - p;
          // 'YYYY-MM-DD HH:MM:SS[.ffffff]' (ends with a digit: no ' BC'): the converter takes any other form
          const last = line.charCodeAt(q - 1);
          if (w >= 19 && w <= 26 && line.charCodeAt(p + 10) === 32 && line.charCodeAt(p + 4) === 45 && line.charCodeAt(p + 13) === 58 && (w === 19 || line.charCodeAt(p + 19) === 46) && last >= 48 && last <= 57) {
            row[j] = `${line.substring(p, p + 10)}T${line.substring(p + 11, q)}`;
          } else row[j] = this.converters[j](line.substring(p, q));
          break;
        }
        case FieldKind.TIMESTAMPTZ: {
          const w = q - p;
          // 'YYYY-MM-DD HH:MM:SS[.ffffff]+00' (the session time zone is UTC)
          if (w >= 22 && w <= 29 && line.charCodeAt(p + 10) === 32 && line.charCodeAt(p + 4) === 45 && line.charCodeAt(q - 3) === 43 && line.charCodeAt(q - 2) === 48 && line.charCodeAt(q - 1) === 48) {
            row[j] = `${line.substring(p, p + 10)}T${line.substring(p + 11, q - 3)}Z`;
          } else row[j] = this.converters[j](line.substring(p, q));
          break;
        }
        case FieldKind.ASCII:
          row[j] = this.converters[j](line.substring(p, q));
          break;
        default:
          row[j] = this.converters[j](buf.utf8Slice(start + p, start + q));
      }
      p = q + 1;
    }
    if (p <= len) throw new TypeError(`COPY row has more than ${n} fields`);
    return row;
  }
}
