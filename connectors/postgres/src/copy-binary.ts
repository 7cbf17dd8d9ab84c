/**
 * Snapshot rows read with `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and decoded straight from the socket bytes
 * into core values. The binary form costs the server about a third less than the text form (no int8out,
 * numeric_out, timestamp_out, no escaping), and here there is no field scanning, no digit parsing and no
 * unescaping. Each decoder gives exactly what the column's text converter (the streaming path) gives for the
 * type's text: test/binary-copy.test.ts checks this against the server for every kind and edge value. Types
 * without a decoder here are selected as the text of their output function (`copySelect`) and go through their
 * converter.
 *
 * The strings of a row (text fields in Latin-1, and the text made here of numerics, uuids, dates and times) are
 * written as bytes into one buffer and made into one string with a single latin1 slice; each value is then a
 * substring of it. A slice per value (a call into C++ each) or String.fromCharCode per value cost about twice as
 * much per row. Multi-byte values are read through a DataView (one load each, and ASCII checked and copied four
 * bytes at a time), which halved the cost of reading them byte by byte.
 */
import { civilFromDays, packedCivilFromDays } from '@cdc/core';
import type { Converter } from './postgres-types.js';

/**
 * The wire form of a column in a binary COPY, decided once per column. TEXT: UTF-8 text (text, varchar, bpchar,
 * name, json, enum labels); JSONB: a version byte then the text; FORMATTED: the text of the type's output function
 * (see `copySelect`), given to the converter; NUMERIC: PostgreSQL's numeric (NaN and the infinities go to the
 * converter as text); UINT4: oid/xid/cid as a bigint; DATE / TIME / TIMESTAMP / TIMESTAMPTZ: days or microseconds
 * since 2000-01-01 (values outside years 1-9999 and the infinities go to the converter as PostgreSQL's text).
 */
export const FieldKind = {
  TEXT: 0, JSONB: 1, FORMATTED: 2, BYTEA: 3, BOOL: 4, INT2: 5, INT4: 6, INT8: 7, UINT4: 8, FLOAT8: 9, NUMERIC: 10,
  DATE: 11, TIME: 12, TIMESTAMP: 13, TIMESTAMPTZ: 14, UUID: 15,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** Byte width of each fixed-width kind (0: variable). */
const WIDTH = Int8Array.from([0, 0, 0, 0, 1, 2, 4, 8, 4, 8, 0, 4, 8, 8, 8, 16]);

/**
 * The select-list expression for a column of `kind`. FORMATTED columns go as the text of their output function:
 * format('%s') calls it (a cast to text would not always: bool::text is 'true', inet::text adds the netmask,
 * bpchar::text drops the padding). format gives '' for NULL, hence the CASE; its test is num_nonnulls, because
 * `IS NULL` is also true for a composite value whose fields are all NULL.
 */
export function copySelect(kind: FieldKind, quoted: string): string {
  return kind === FieldKind.FORMATTED ? `CASE WHEN num_nonnulls(${quoted}) = 1 THEN format('%s', ${quoted}) END` : quoted;
}

/** The SQL of a binary COPY of `selectList` from `from` (a quoted table name with an optional WHERE). */
export function binaryCopySql(selectList: string, from: string): string {
  return `COPY (SELECT ${selectList} FROM ${from}) TO STDOUT (FORMAT binary)`;
}

type SliceBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** A byte's two lowercase hex digits (char codes), looked up instead of computed. */
const HEX_HI = Uint8Array.from({ length: 256 }, (_, v) => HEX_CODES[v >> 4]);
const HEX_LO = Uint8Array.from({ length: 256 }, (_, v) => HEX_CODES[v & 15]);
/** 2000-01-01 in days since 1970-01-01. */
const PG_EPOCH_DAYS = 10957;
const SECS_PER_DAY = 86400;

const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The microseconds (0-999999) of the last `splitMicros` (a second result without an array or object per value). */
let splitMicrosPart = 0;

/**
 * The int64 of microseconds at `p` as whole seconds (returned) and microseconds (`splitMicrosPart`, an int), exact
 * over the whole int64 range: hi * 2^32 + lo = hi * 4294 * 10^6 + (hi * 967296 + lo), and both parts are exact as
 * doubles. Floor division and a correction instead of `%`: a remainder of doubles is a call into C (fmod) in V8.
 */
function splitMicros(dv: DataView, p: number): number {
  const hi = dv.getInt32(p);
  const rest = hi * 967296 + dv.getUint32(p + 4);
  let secs = Math.floor(rest / 1000000);
  let micros = rest - secs * 1000000;
  if (micros < 0) {
    micros += 1000000;
    secs--;
  } else if (micros >= 1000000) {
    micros -= 1000000;
    secs++;
  }
  splitMicrosPart = micros | 0;
  return hi * 4294 + secs;
}

/** 0: finite; 1: infinity; -1: -infinity (int64 max / min, PostgreSQL's infinite timestamps). */
function infinity64(dv: DataView, p: number): number {
  const hi = dv.getInt32(p);
  const lo = dv.getUint32(p + 4);
  return hi === 0x7fffffff && lo === 0xffffffff ? 1 : hi === -0x80000000 && lo === 0 ? -1 : 0;
}

const pad = (v: number, w: number): string => String(v).padStart(w, '0');

/** PostgreSQL's text of a date / timestamp outside years 1-9999 (for the converter, which reports it). */
function pgText(kind: FieldKind, days: number, sod: number, micros: number): string {
  const [y, month, day] = civilFromDays(days + PG_EPOCH_DAYS);
  const bc = y <= 0;
  const date = `${pad(bc ? 1 - y : y, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  if (kind === FieldKind.DATE) return bc ? `${date} BC` : date;
  const frac = micros ? `.${pad(micros, 6)}`.replace(/0+$/, '') : '';
  const time = `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}${frac}`;
  return `${date} ${time}${kind === FieldKind.TIMESTAMPTZ ? '+00' : ''}${bc ? ' BC' : ''}`;
}

/** Bytes numeric_out's text of the numeric at `p` needs at most (sign, integer digits, point, fraction digits). */
function numericRoom(dv: DataView, p: number): number {
  return 3 + 4 * Math.max(dv.getInt16(p + 2) + 1, 1) + dv.getUint16(p + 6);
}

/** Writes numeric_out's text of the (finite) numeric at `p` (ndigits, weight, sign, dscale, base-10000 digits). */
function writeNumeric(dv: DataView, p: number, out: Buffer, w: number): number {
  const ndigits = dv.getUint16(p);
  const weight = dv.getInt16(p + 2);
  const dscale = dv.getUint16(p + 6);
  const d0 = p + 8;
  if (dv.getUint16(p + 4) === 0x4000) out[w++] = 45;
  if (weight < 0) out[w++] = 48;
  else {
    // the first group without its leading zeros, then four digits per group (groups past ndigits are zeros)
    const v = ndigits > 0 ? dv.getUint16(d0) : 0;
    if (v >= 1000) out[w++] = 48 + ((v / 1000) | 0);
    if (v >= 100) out[w++] = 48 + (((v / 100) | 0) % 10);
    if (v >= 10) out[w++] = 48 + (((v / 10) | 0) % 10);
    out[w++] = 48 + (v % 10);
    for (let i = 1; i <= weight; i++) {
      const g = i < ndigits ? dv.getUint16(d0 + 2 * i) : 0;
      out[w] = 48 + ((g / 1000) | 0);
      out[w + 1] = 48 + (((g / 100) | 0) % 10);
      out[w + 2] = 48 + (((g / 10) | 0) % 10);
      out[w + 3] = 48 + (g % 10);
      w += 4;
    }
  }
  if (dscale > 0) {
    out[w++] = 46;
    const end = w + dscale;
    // fraction groups start at index weight + 1 (a negative weight: leading zero groups)
    for (let i = weight + 1; w < end; i++) {
      const g = i >= 0 && i < ndigits ? dv.getUint16(d0 + 2 * i) : 0;
      out[w++] = 48 + ((g / 1000) | 0);
      if (w < end) out[w++] = 48 + (((g / 100) | 0) % 10);
      if (w < end) out[w++] = 48 + (((g / 10) | 0) % 10);
      if (w < end) out[w++] = 48 + (g % 10);
    }
  }
  return w;
}

/** uuid_out's text (lowercase, 8-4-4-4-12), unrolled: a loop with the dash tests cost twice as much. */
function writeUuid(b: Buffer, p: number, o: Buffer, w: number): number {
  let v = b[p];
  o[w] = HEX_HI[v]; o[w + 1] = HEX_LO[v]; v = b[p + 1]; o[w + 2] = HEX_HI[v]; o[w + 3] = HEX_LO[v];
  v = b[p + 2]; o[w + 4] = HEX_HI[v]; o[w + 5] = HEX_LO[v]; v = b[p + 3]; o[w + 6] = HEX_HI[v]; o[w + 7] = HEX_LO[v];
  o[w + 8] = 45;
  v = b[p + 4]; o[w + 9] = HEX_HI[v]; o[w + 10] = HEX_LO[v]; v = b[p + 5]; o[w + 11] = HEX_HI[v]; o[w + 12] = HEX_LO[v];
  o[w + 13] = 45;
  v = b[p + 6]; o[w + 14] = HEX_HI[v]; o[w + 15] = HEX_LO[v]; v = b[p + 7]; o[w + 16] = HEX_HI[v]; o[w + 17] = HEX_LO[v];
  o[w + 18] = 45;
  v = b[p + 8]; o[w + 19] = HEX_HI[v]; o[w + 20] = HEX_LO[v]; v = b[p + 9]; o[w + 21] = HEX_HI[v]; o[w + 22] = HEX_LO[v];
  o[w + 23] = 45;
  v = b[p + 10]; o[w + 24] = HEX_HI[v]; o[w + 25] = HEX_LO[v]; v = b[p + 11]; o[w + 26] = HEX_HI[v]; o[w + 27] = HEX_LO[v];
  v = b[p + 12]; o[w + 28] = HEX_HI[v]; o[w + 29] = HEX_LO[v]; v = b[p + 13]; o[w + 30] = HEX_HI[v]; o[w + 31] = HEX_LO[v];
  v = b[p + 14]; o[w + 32] = HEX_HI[v]; o[w + 33] = HEX_LO[v]; v = b[p + 15]; o[w + 34] = HEX_HI[v]; o[w + 35] = HEX_LO[v];
  return w + 36;
}

/** 'YYYY-MM-DD' of a packed civil date (years 1-9999). */
function writeDate(packed: number, out: Buffer, w: number): number {
  const y = (packed / 10000) | 0;
  const md = packed - y * 10000;
  const mo = (md / 100) | 0;
  const d = md % 100;
  out[w] = 48 + ((y / 1000) | 0);
  out[w + 1] = 48 + (((y / 100) | 0) % 10);
  out[w + 2] = 48 + (((y / 10) | 0) % 10);
  out[w + 3] = 48 + (y % 10);
  out[w + 4] = 45;
  out[w + 5] = 48 + ((mo / 10) | 0);
  out[w + 6] = 48 + (mo % 10);
  out[w + 7] = 45;
  out[w + 8] = 48 + ((d / 10) | 0);
  out[w + 9] = 48 + (d % 10);
  return w + 10;
}

/** How many fraction digits PostgreSQL prints for `micros` (0-999999): trailing zeros are dropped. */
function trimmedFractionDigits(micros: number): number {
  if (micros === 0) return 0;
  if (micros % 10 !== 0) return 6;
  if (micros % 100 !== 0) return 5;
  if (micros % 1000 !== 0) return 4;
  if (micros % 10000 !== 0) return 3;
  return micros % 100000 !== 0 ? 2 : 1;
}

/** 'HH:MM:SS[.f]' (fraction without trailing zeros, as PostgreSQL prints it) of seconds 0-86400 and microseconds. */
function writeTime(sod: number, micros: number, out: Buffer, w: number): number {
  const h = (sod / 3600) | 0;
  const mi = ((sod / 60) | 0) % 60;
  const s = sod % 60;
  out[w] = 48 + ((h / 10) | 0);
  out[w + 1] = 48 + (h % 10);
  out[w + 2] = 58;
  out[w + 3] = 48 + ((mi / 10) | 0);
  out[w + 4] = 48 + (mi % 10);
  out[w + 5] = 58;
  out[w + 6] = 48 + ((s / 10) | 0);
  out[w + 7] = 48 + (s % 10);
  w += 8;
  if (micros === 0) return w;
  const digits = trimmedFractionDigits(micros);
  out[w++] = 46;
  out[w++] = 48 + ((micros / 100000) | 0);
  if (digits > 1) out[w++] = 48 + (((micros / 10000) | 0) % 10);
  if (digits > 2) out[w++] = 48 + (((micros / 1000) | 0) % 10);
  if (digits > 3) out[w++] = 48 + (((micros / 100) | 0) % 10);
  if (digits > 4) out[w++] = 48 + (((micros / 10) | 0) % 10);
  if (digits > 5) out[w++] = 48 + (micros % 10);
  return w;
}

/**
 * Copies the UTF-8 text [p, q) of `buf` into `out` at `w` as Latin-1 bytes: ASCII four bytes at a time, the rest of
 * Latin-1 (U+0080-U+00FF: C2/C3 and one continuation byte, the accented Latin letters) one character at a time.
 * Returns the new end, or -1 at the first other character (the caller decodes the value as UTF-8 on its own).
 */
function copyLatin1(buf: Buffer, dv: DataView, p: number, q: number, out: Buffer, ov: DataView, w: number): number {
  let i = p;
  for (;;) {
    while (i + 4 <= q) {
      const v = dv.getUint32(i);
      if (v & 0x80808080) break;
      ov.setUint32(w, v);
      w += 4;
      i += 4;
    }
    if (i >= q) return w;
    const c = buf[i];
    if (c < 128) {
      out[w++] = c;
      i++;
    } else if ((c === 0xc2 || c === 0xc3) && i + 1 < q && (buf[i + 1] & 0xc0) === 0x80) {
      out[w++] = ((c & 3) << 6) | (buf[i + 1] & 0x3f);
      i += 2;
    } else return -1;
  }
}

/**
 * Decodes the rows of one table: `decode(buf, start, end)` returns the row for the tuple bytes [start, end) of a
 * binary COPY (field count, then length-prefixed fields), converted and aligned to the table's columns.
 */
export class BinaryRowDecoder {
  private readonly kinds: Uint8Array;
  /** Byte width of each column's binary form (0: variable). */
  private readonly widths: Int32Array;
  private readonly template: unknown[];
  /** The row's strings as bytes, before the one latin1 slice, and a view of them. */
  private chars = Buffer.allocUnsafe(4096);
  private charsView = viewOf(this.chars);
  /** The buffer of the last row and a view of it (rows come from a few socket buffers in turn). */
  private input: Buffer | undefined;
  private inputView = viewOf(this.chars);
  /** Column, start and end in `chars` of each string of the row. */
  private readonly marks: Int32Array;
  /** Per date/timestamp column: the last day seen and its packed civil date (rows often share a day). */
  private readonly lastDay: Float64Array;
  private readonly lastCivil: Int32Array;

  constructor(
    kinds: readonly FieldKind[],
    private readonly converters: readonly Converter[],
  ) {
    this.kinds = Uint8Array.from(kinds);
    this.widths = Int32Array.from(kinds, (k) => WIDTH[k]);
    this.template = kinds.map(() => null);
    this.marks = new Int32Array(3 * kinds.length);
    this.lastDay = new Float64Array(kinds.length).fill(NaN);
    this.lastCivil = new Int32Array(kinds.length);
  }

  /** Room for `need` more bytes after `w` in `chars` (grown, keeping what is written). */
  private room(w: number, need: number): Buffer {
    if (w + need <= this.chars.length) return this.chars;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.chars.length, w + need));
    this.chars.copy(bigger, 0, 0, w);
    this.chars = bigger;
    this.charsView = viewOf(bigger);
    return bigger;
  }

  private civil(j: number, days: number): number {
    if (this.lastDay[j] === days) return this.lastCivil[j];
    const packed = packedCivilFromDays(days + PG_EPOCH_DAYS);
    this.lastDay[j] = days;
    this.lastCivil[j] = packed;
    return packed;
  }

  decode(buffer: Buffer, start: number, end: number): unknown[] {
    const buf = buffer as SliceBuffer;
    if (buf !== this.input) {
      this.input = buf;
      this.inputView = viewOf(buf);
    }
    const dv = this.inputView;
    const kinds = this.kinds;
    const widths = this.widths;
    const n = kinds.length;
    const count = dv.getInt16(start);
    if (count !== n) throw new TypeError(`COPY row has ${count} fields, expected ${n}`);
    // a copy of a template, not `new Array(n)`: rows wait in memory until they go out, and V8 may decide to
    // allocate everything from an allocation site whose objects survived young-generation collections early on
    // straight in the old generation (seen with the events: twice the CPU, 190 MB); a builtin's copy has no site
    const row = this.template.slice();
    const marks = this.marks;
    let out: Buffer = this.chars;
    let w = 0;
    let m = 0;
    let p = start + 2;
    for (let j = 0; j < n; j++) {
      const len = dv.getInt32(p);
      p += 4;
      if (len < 0) continue; // NULL (the template's value)
      const q = p + len;
      const width = widths[j];
      if (q > end || (width !== 0 && len !== width)) throw new TypeError(`COPY field ${j + 1} has ${len} bytes, which does not fit the row or its type`);
      const k = kinds[j];
      const w0 = w;
      // string kinds write their text to `chars` from w0 and reach the mark below; the others `continue`
      switch (k) {
        case FieldKind.TEXT:
        case FieldKind.JSONB: {
          let from = p;
          if (k === FieldKind.JSONB) {
            if (buf[p] !== 1) throw new TypeError(`COPY field ${j + 1}: jsonb version ${buf[p]} is not known (expected 1)`);
            from++;
          }
          if (w + len > out.length) out = this.room(w, len);
          const at = copyLatin1(buf, dv, from, q, out, this.charsView, w);
          if (at < 0) {
            row[j] = buf.utf8Slice(from, q);
            p = q;
            continue;
          }
          w = at;
          break;
        }
        case FieldKind.INT4:
          row[j] = dv.getInt32(p);
          p = q;
          continue;
        case FieldKind.INT8: {
          const hi = dv.getInt32(p);
          // below 2^53 the number is exact as a double, and BigInt(number) is cheaper than getBigInt64
          row[j] = hi >= -0x200000 && hi < 0x200000 ? BigInt(hi * 4294967296 + dv.getUint32(p + 4)) : dv.getBigInt64(p);
          p = q;
          continue;
        }
        case FieldKind.FLOAT8:
          row[j] = dv.getFloat64(p);
          p = q;
          continue;
        case FieldKind.NUMERIC: {
          const sign = dv.getUint16(p + 4);
          if (sign >= 0xc000) {
            // NaN, Infinity, -Infinity have no DECIMAL value: the converter reports them (unbounded numeric keeps them)
            row[j] = this.converters[j](sign === 0xc000 ? 'NaN' : sign === 0xd000 ? 'Infinity' : '-Infinity');
            p = q;
            continue;
          }
          const need = numericRoom(dv, p);
          if (w + need > out.length) out = this.room(w, need);
          w = writeNumeric(dv, p, out, w);
          break;
        }
        case FieldKind.TIMESTAMP:
        case FieldKind.TIMESTAMPTZ: {
          const inf = infinity64(dv, p);
          if (inf !== 0) {
            row[j] = this.converters[j](inf > 0 ? 'infinity' : '-infinity');
            p = q;
            continue;
          }
          const secs = splitMicros(dv, p); // since 2000-01-01
          const micros = splitMicrosPart;
          const days = Math.floor(secs / SECS_PER_DAY);
          const sod = (secs - days * SECS_PER_DAY) | 0;
          const civil = this.civil(j, days);
          if (civil < 10000 || civil >= 100000000) {
            row[j] = this.converters[j](pgText(k, days, sod, micros));
            p = q;
            continue;
          }
          if (w + 27 > out.length) out = this.room(w, 27);
          w = writeDate(civil, out, w);
          out[w++] = 84; // T
          w = writeTime(sod, micros, out, w);
          if (k === FieldKind.TIMESTAMPTZ) out[w++] = 90; // Z
          break;
        }
        case FieldKind.BOOL:
          row[j] = buf[p] !== 0;
          p = q;
          continue;
        case FieldKind.UUID:
          if (w + 36 > out.length) out = this.room(w, 36);
          w = writeUuid(buf, p, out, w);
          break;
        case FieldKind.INT2:
          row[j] = dv.getInt16(p);
          p = q;
          continue;
        case FieldKind.UINT4:
          row[j] = BigInt(dv.getUint32(p));
          p = q;
          continue;
        case FieldKind.DATE: {
          const days = dv.getInt32(p);
          const civil = days === 0x7fffffff || days === -0x80000000 ? 0 : this.civil(j, days);
          if (civil < 10000 || civil >= 100000000) {
            row[j] = this.converters[j](days === 0x7fffffff ? 'infinity' : days === -0x80000000 ? '-infinity' : pgText(k, days, 0, 0));
            p = q;
            continue;
          }
          if (w + 10 > out.length) out = this.room(w, 10);
          w = writeDate(civil, out, w);
          break;
        }
        case FieldKind.TIME: {
          const secs = splitMicros(dv, p) | 0;
          if (w + 15 > out.length) out = this.room(w, 15);
          w = writeTime(secs, splitMicrosPart, out, w);
          break;
        }
        case FieldKind.BYTEA: {
          const bytes = new Uint8Array(len);
          buf.copy(bytes, 0, p, q);
          row[j] = bytes;
          p = q;
          continue;
        }
        default: {
          // FORMATTED: the output function's text, through the converter
          row[j] = this.converters[j](buf.utf8Slice(p, q));
          p = q;
          continue;
        }
      }
      marks[m] = j;
      marks[m + 1] = w0;
      marks[m + 2] = w;
      m += 3;
      p = q;
    }
    if (p !== end) throw new TypeError(`COPY row has ${end - p} bytes after its ${n} fields`);
    if (m > 0) {
      const line = (out as SliceBuffer).latin1Slice(0, w);
      for (let i = 0; i < m; i += 3) row[marks[i]] = line.substring(marks[i + 1], marks[i + 2]);
    }
    return row;
  }
}
