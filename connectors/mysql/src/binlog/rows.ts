/**
 * Row images of WRITE/UPDATE/DELETE_ROWS (v1, v2, MariaDB compressed) and PARTIAL_UPDATE_ROWS events.
 *
 * Values come out lossless, in the connector's "native" form (see README, "Value representation"):
 * TINYINT..INT -> number, BIGINT -> bigint, FLOAT -> the shortest decimal that is the same float32, DOUBLE ->
 * number, DECIMAL -> exact string, YEAR -> number, DATE 'YYYY-MM-DD', TIME '[-]HH:MM:SS[.f]',
 * DATETIME 'YYYY-MM-DDTHH:MM:SS[.f]', TIMESTAMP 'YYYY-MM-DDTHH:MM:SS[.f]Z' (UTC), zero dates as MySQL's zero text
 * ('0000-00-00...'), strings decoded with their charset, binary strings/BLOB/BIT/GEOMETRY -> Uint8Array, ENUM/SET
 * -> labels when the column definitions are known (else index / bit mask), JSON -> MySQL's JSON text.
 */
import { Cursor, bitCount } from './buffer-reader.js';
import { ColumnType } from './constants.js';
import { charsetOfCollation, stringDecoder, type StringDecoderFn } from './charsets.js';
import { decimalBinarySize, decodeDecimal } from './decimal.js';
import { jsonBinaryToText, parseJsonDiffs, applyJsonDiffs, type JsonDiff } from './json-binary.js';
import { columnCollations, isNumericType, resolveStringType, type TableMap } from './table-map.js';
import { decodeDate, decodeDateTime2, decodeDateTimeV1, decodeTime2, decodeTimeV1, formatEpoch, fracBytes, readTimestamp2Micros, readTimestamp2Secs } from './temporal.js';

/** What the schema knows about a column that the binlog does not say (unless binlog_row_metadata=FULL). */
export interface ColumnHint {
  readonly name?: string;
  readonly unsigned?: boolean;
  /** MySQL charset name (`utf8mb4`, `latin1`, `binary`, ...). */
  readonly charset?: string;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
}

type Reader = (c: Cursor) => unknown;

/** A JSON column of a PARTIAL_UPDATE_ROWS after image whose before image was not logged: the diff only. */
export class JsonPartialUpdate {
  constructor(readonly diffs: readonly JsonDiff[]) {}
}

const float32 = new Float32Array(1);

/** The shortest decimal that reads back as the same float32 (what MySQL prints for a FLOAT). */
export function float32ToNumber(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    float32[0] = n;
    if (float32[0] === f) return n;
  }
  return f;
}

function lengthPrefix(c: Cursor, bytes: number): number {
  const b = c.buf;
  const p = c.pos;
  c.pos += bytes;
  switch (bytes) {
    case 1:
      return b[p];
    case 2:
      return b[p] | (b[p + 1] << 8);
    case 3:
      return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
    default:
      return b.readUInt32LE(p);
  }
}

function copyBytes(c: Cursor, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(c.buf.subarray(c.pos, c.pos + n));
  c.pos += n;
  return out;
}

function stringReader(prefixBytes: number, decode: StringDecoderFn | undefined): Reader {
  if (!decode) {
    return (c) => copyBytes(c, lengthPrefix(c, prefixBytes));
  }
  if (prefixBytes === 1) {
    return (c) => {
      const n = c.buf[c.pos];
      const s = c.pos + 1;
      c.pos = s + n;
      return decode(c.buf, s, s + n);
    };
  }
  return (c) => {
    const n = lengthPrefix(c, prefixBytes);
    const s = c.pos;
    c.pos = s + n;
    return decode(c.buf, s, s + n);
  };
}

function uintBE(b: Buffer, p: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}

function uintLE(b: Buffer, p: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]);
  return v;
}

/** Compiles the value reader of column `i` of a table map. */
export function columnReader(tm: TableMap, i: number, hint: ColumnHint | undefined, unsignedFromMeta: boolean | undefined, collation: number | undefined, compactJson = false): Reader {
  const type = tm.types[i];
  const meta = tm.meta[i];
  const unsigned = hint?.unsigned ?? unsignedFromMeta ?? false;
  const charset = hint?.charset ?? (collation === undefined ? undefined : charsetOfCollation(collation));
  switch (type) {
    case ColumnType.TINY:
      return unsigned ? (c) => c.buf[c.pos++] : (c) => c.buf.readInt8(c.pos++);
    case ColumnType.SHORT:
      return unsigned
        ? (c) => c.u16()
        : (c) => {
            const v = c.buf.readInt16LE(c.pos);
            c.pos += 2;
            return v;
          };
    case ColumnType.INT24:
      return unsigned
        ? (c) => c.u24()
        : (c) => {
            const v = c.u24();
            return v & 0x800000 ? v - 0x1000000 : v;
          };
    case ColumnType.LONG:
      return unsigned
        ? (c) => c.u32()
        : (c) => {
            const v = c.buf.readInt32LE(c.pos);
            c.pos += 4;
            return v;
          };
    case ColumnType.LONGLONG:
      return unsigned
        ? (c) => c.u64()
        : (c) => {
            const v = c.buf.readBigInt64LE(c.pos);
            c.pos += 8;
            return v;
          };
    case ColumnType.FLOAT:
      return (c) => {
        const v = c.buf.readFloatLE(c.pos);
        c.pos += 4;
        return float32ToNumber(v);
      };
    case ColumnType.DOUBLE:
      return (c) => {
        const v = c.buf.readDoubleLE(c.pos);
        c.pos += 8;
        return v;
      };
    case ColumnType.NEWDECIMAL: {
      const precision = meta >> 8;
      const scale = meta & 0xff;
      const size = decimalBinarySize(precision, scale);
      return (c) => {
        const v = decodeDecimal(c.buf, c.pos, precision, scale);
        c.pos += size;
        return v;
      };
    }
    case ColumnType.YEAR:
      return (c) => {
        const v = c.buf[c.pos++];
        return v === 0 ? 0 : 1900 + v;
      };
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return (c) => {
        const v = decodeDate(c.buf, c.pos);
        c.pos += 3;
        return v;
      };
    case ColumnType.TIME:
      return (c) => {
        const v = decodeTimeV1(c.buf, c.pos);
        c.pos += 3;
        return v;
      };
    case ColumnType.TIME2: {
      const n = 3 + fracBytes(meta);
      return (c) => {
        const v = decodeTime2(c.buf, c.pos, meta);
        c.pos += n;
        return v;
      };
    }
    case ColumnType.DATETIME:
      return (c) => {
        const v = decodeDateTimeV1(c.buf, c.pos);
        c.pos += 8;
        return isoDateTime(v);
      };
    case ColumnType.DATETIME2: {
      const n = 5 + fracBytes(meta);
      return (c) => {
        const v = decodeDateTime2(c.buf, c.pos, meta, 'T');
        c.pos += n;
        return v;
      };
    }
    case ColumnType.TIMESTAMP:
      return (c) => {
        const secs = c.u32();
        return secs === 0 ? '0000-00-00T00:00:00Z' : formatEpoch(secs, 0, 0);
      };
    case ColumnType.TIMESTAMP2: {
      const n = 4 + fracBytes(meta);
      return (c) => {
        const secs = readTimestamp2Secs(c.buf, c.pos);
        const micros = readTimestamp2Micros(c.buf, c.pos, meta);
        c.pos += n;
        return secs === 0 && micros === 0 ? zeroTimestamp(meta) : formatEpoch(secs, micros, meta);
      };
    }
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return stringReader(meta < 256 ? 1 : 2, stringDecoder(charset));
    case ColumnType.STRING: {
      const { realType, length } = resolveStringType(meta);
      if (realType === ColumnType.ENUM) {
        const labels = hint?.enumValues;
        const read: Reader = length === 1 ? (c) => c.buf[c.pos++] : (c) => c.u16();
        return labels ? (c) => enumLabel(labels, read(c) as number) : read;
      }
      if (realType === ColumnType.SET) {
        const labels = hint?.setValues;
        return (c) => {
          const mask = uintLE(c.buf, c.pos, length);
          c.pos += length;
          return labels ? setLabels(labels, mask) : mask;
        };
      }
      return stringReader(length < 256 ? 1 : 2, stringDecoder(charset));
    }
    case ColumnType.BIT: {
      const bytes = (meta + 7) >> 3;
      return (c) => copyBytes(c, bytes);
    }
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
      return stringReader(meta, stringDecoder(charset ?? 'binary'));
    case ColumnType.GEOMETRY:
    case ColumnType.VECTOR:
      return (c) => copyBytes(c, lengthPrefix(c, meta));
    case ColumnType.JSON:
      return (c) => {
        const n = lengthPrefix(c, meta);
        const v = jsonBinaryToText(c.buf.subarray(c.pos, c.pos + n), compactJson);
        c.pos += n;
        return v;
      };
    case ColumnType.ENUM:
      return (c) => (meta & 0xff) === 1 ? c.buf[c.pos++] : c.u16();
    case ColumnType.SET: {
      const len = meta & 0xff;
      return (c) => {
        const v = uintLE(c.buf, c.pos, len);
        c.pos += len;
        return v;
      };
    }
    case ColumnType.NULL:
      return () => null;
    default:
      throw new Error(`column type ${type} of ${tm.schema}.${tm.table} is not supported by the binlog decoder`);
  }
}

function zeroTimestamp(fsp: number): string {
  return fsp > 0 ? `0000-00-00T00:00:00.${'0'.repeat(fsp)}Z` : '0000-00-00T00:00:00Z';
}

function isoDateTime(mysqlText: string): string {
  return mysqlText.slice(0, 10) + 'T' + mysqlText.slice(11);
}

function enumLabel(labels: readonly string[], index: number): string {
  // 0 is MySQL's "invalid value" (empty string)
  return index === 0 ? '' : labels[index - 1] ?? String(index);
}

function setLabels(labels: readonly string[], mask: bigint): string {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) if ((mask >> BigInt(i)) & 1n) out.push(labels[i]);
  return out.join(',');
}

export { uintBE };

/** Compiled readers of one table map. */
export class RowImageDecoder {
  readonly readers: Reader[];
  readonly jsonColumns: number[];

  constructor(
    readonly tableMap: TableMap,
    hints: readonly (ColumnHint | undefined)[] | undefined,
    readonly compactJson = false,
  ) {
    const signedness = tableMap.optional.signedness;
    const collations = columnCollations(tableMap);
    let ni = 0;
    this.readers = [];
    this.jsonColumns = [];
    for (let i = 0; i < tableMap.columnCount; i++) {
      const t = tableMap.realTypes[i];
      let unsignedMeta: boolean | undefined;
      if (isNumericType(t)) {
        unsignedMeta = signedness?.[ni];
        ni++;
      }
      const hint = hints?.[i];
      const ovr = hint?.enumValues || hint?.setValues ? hint : withEnumSetFromMeta(tableMap, i, hint);
      this.readers.push(columnReader(tableMap, i, ovr, unsignedMeta, collations[i], compactJson));
      if (tableMap.types[i] === ColumnType.JSON) this.jsonColumns.push(i);
    }
  }

  /**
   * Reads one row image. `present` says which columns the image has; absent columns are `undefined`.
   * `partialJson` (PARTIAL_UPDATE_ROWS after images): JSON columns whose value is a diff.
   */
  readImage(c: Cursor, present: Uint8Array, presentCount: number, partialJson?: Set<number>): unknown[] {
    const n = this.tableMap.columnCount;
    const row: unknown[] = new Array(n);
    const nullStart = c.pos;
    c.pos += (presentCount + 7) >> 3;
    const buf = c.buf;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if ((present[i >> 3] & (1 << (i & 7))) === 0) continue;
      if (buf[nullStart + (k >> 3)] & (1 << (k & 7))) {
        row[i] = null;
      } else if (partialJson !== undefined && partialJson.has(i)) {
        const len = lengthPrefix(c, this.tableMap.meta[i]);
        row[i] = new JsonPartialUpdate(parseJsonDiffs(buf.subarray(c.pos, c.pos + len)));
        c.pos += len;
      } else {
        row[i] = this.readers[i](c);
      }
      k++;
    }
    return row;
  }
}

function withEnumSetFromMeta(tm: TableMap, i: number, hint: ColumnHint | undefined): ColumnHint | undefined {
  const rt = tm.realTypes[i];
  if (rt !== ColumnType.ENUM && rt !== ColumnType.SET) return hint;
  // optional metadata lists the labels of ENUM and SET columns in column order
  let idx = 0;
  for (let j = 0; j < i; j++) if (tm.realTypes[j] === rt) idx++;
  const labels = rt === ColumnType.ENUM ? tm.optional.enumValues?.[idx] : tm.optional.setValues?.[idx];
  if (!labels) return hint;
  return rt === ColumnType.ENUM ? { ...hint, enumValues: labels } : { ...hint, setValues: labels };
}

export type RowsOp = 'insert' | 'update' | 'delete';

export interface DecodedRows {
  readonly op: RowsOp;
  /** After images (insert, update) or before images (delete). */
  readonly rows: unknown[][];
  /** Before images of an update, aligned with `rows`. */
  readonly before?: unknown[][];
  /** Which columns the images carry (a minimal/noblob image leaves some out). */
  readonly present: Uint8Array;
  readonly presentAfter?: Uint8Array;
  readonly flags: number;
}

/**
 * Decodes the body of a rows event (after the table id), `c` spanning the body without checksum.
 * `v2`: the event has the extra-data header; `partial`: PARTIAL_UPDATE_ROWS_EVENT.
 */
export function decodeRowsBody(c: Cursor, decoder: RowImageDecoder, op: RowsOp, v2: boolean, partial: boolean, flags: number, decompress?: (c: Cursor) => Cursor): DecodedRows {
  if (v2) {
    const extraLen = c.u16();
    c.skip(extraLen - 2);
  }
  const columnCount = c.lenenc();
  const bitmapLen = (columnCount + 7) >> 3;
  const present = new Uint8Array(c.bytes(bitmapLen));
  const presentCount = bitCount(present, columnCount);
  let presentAfter: Uint8Array | undefined;
  let presentAfterCount = 0;
  if (op === 'update') {
    presentAfter = new Uint8Array(c.bytes(bitmapLen));
    presentAfterCount = bitCount(presentAfter, columnCount);
  }
  if (decompress) c = decompress(c);
  const rows: unknown[][] = [];
  if (op !== 'update') {
    while (c.pos < c.end) rows.push(decoder.readImage(c, present, presentCount));
    return { op, rows, present, flags };
  }
  const before: unknown[][] = [];
  while (c.pos < c.end) {
    const b = decoder.readImage(c, present, presentCount);
    let partialCols: Set<number> | undefined;
    if (partial) {
      const valueOptions = c.lenenc();
      if (valueOptions & 1) {
        const jsonCount = decoder.jsonColumns.length;
        const bits = c.bytes((jsonCount + 7) >> 3);
        partialCols = new Set();
        for (let j = 0; j < jsonCount; j++) if (bits[j >> 3] & (1 << (j & 7))) partialCols.add(decoder.jsonColumns[j]);
      }
    }
    const a = decoder.readImage(c, presentAfter!, presentAfterCount, partialCols);
    if (partialCols) {
      for (const col of partialCols) {
        const v = a[col];
        if (v instanceof JsonPartialUpdate && typeof b[col] === 'string') a[col] = applyJsonDiffs(b[col] as string, v.diffs, decoder.compactJson);
      }
    }
    before.push(b);
    rows.push(a);
  }
  return { op, rows, before, present, presentAfter, flags };
}
