/**
 * Text-protocol result rows -> core values, straight from the packet bytes (the snapshot's hot path).
 *
 * mysql2 turns every value into a JS string or number first, and the snapshot converters then re-parse many of
 * them; per row that is a dozen short-lived strings plus mysql2's packet and row objects, and the garbage (not
 * the live data) is what made the snapshot slow and its heap large. Here each column has a kind chosen once per
 * result set, and the common kinds build the final value from the bytes: integers parsed from the digits,
 * DATETIME / TIMESTAMP rebuilt in core's ISO form in one string, binary values copied into their own bytes.
 * Every other column (and zero dates) gets what mysql2 would have given, through the column's snapshot converter,
 * so both paths produce the same values by construction.
 */
import type { DataType } from '@cdc/core';
import { charsetOfCollation, stringDecoder, type StringDecoderFn } from '../binlog/charsets.js';
import { ColumnType } from '../binlog/constants.js';
import type { Converter, MysqlColumn } from '../mysql-types.js';

/** A column of a snapshot read: its definition, core type and text -> core converter. */
export interface SnapshotColumn {
  readonly column: MysqlColumn;
  readonly type: DataType;
  readonly convert: Converter;
}

/** The text protocol's view of a result column (from its column definition packet). */
export interface WireColumn {
  /** MYSQL_TYPE_* */
  readonly type: number;
  /** Collation id; 63 = binary. */
  readonly charset: number;
}

// Kinds of column decoding. FALLBACK_* hand mysql2's value to the column's converter.
const FALLBACK_TEXT = 0;
const FALLBACK_BYTES = 1;
const INT = 2;
const BOOL = 3;
const BIGINT = 4;
const ASCII = 5;
const DOUBLE = 6;
const UTF8 = 7;
const DATE = 8;
const DATETIME = 9;
const TIMESTAMP = 10;
const BYTES = 11;

// MYSQL_TYPE_*: the same codes in result-set column definitions as in the binlog's table maps
const T = ColumnType;

const BINARY_CHARSET = 63;
const STRING_TYPES = new Set<number>([T.VARCHAR, T.ENUM, T.SET, T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.BLOB, T.VAR_STRING, T.STRING]);
/** Wire types mysql2 gives as text (or numbers) whatever the charset. */
const TEXT_TYPES = new Set<number>([T.DECIMAL, T.TINY, T.SHORT, T.LONG, T.FLOAT, T.DOUBLE, T.TIMESTAMP, T.LONGLONG, T.INT24, T.DATE, T.TIME, T.DATETIME, T.YEAR, T.NEWDATE, T.NEWDECIMAL, T.JSON]);
const SMALL_INTS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year']);
const TEXT_DATA_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'json']);
const BYTES_DATA_TYPES = new Set(['varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

/** The fast kind for a column when the wire agrees with its definition, else a fallback kind. */
function kindOf(c: SnapshotColumn, w: WireColumn): number {
  const t = c.column.dataType.toLowerCase();
  const core = c.type.type;
  const utf8 = w.charset !== BINARY_CHARSET && /^utf8/.test(charsetOfCollation(w.charset) ?? 'utf8mb4');
  switch (core) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      if (SMALL_INTS.has(t) && (w.type === T.TINY || w.type === T.SHORT || w.type === T.LONG || w.type === T.INT24 || w.type === T.YEAR)) return INT;
      break;
    case 'BOOLEAN':
      if (t === 'tinyint' && w.type === T.TINY) return BOOL;
      break;
    case 'BIGINT':
      if ((t === 'bigint' && w.type === T.LONGLONG) || ((t === 'int' || t === 'integer') && w.type === T.LONG)) return BIGINT;
      break;
    case 'DECIMAL':
      if (w.type === T.NEWDECIMAL || w.type === T.DECIMAL || (t === 'bigint' && w.type === T.LONGLONG)) return ASCII;
      break;
    case 'DOUBLE':
      if ((t === 'double' || t === 'real') && w.type === T.DOUBLE) return DOUBLE;
      break;
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      if (TEXT_DATA_TYPES.has(t) && utf8 && (STRING_TYPES.has(w.type) || w.type === T.JSON)) return UTF8;
      break;
    case 'DATE':
      if (t === 'date' && (w.type === T.DATE || w.type === T.NEWDATE)) return DATE;
      break;
    case 'TIMESTAMP':
      if (t === 'datetime' && w.type === T.DATETIME) return DATETIME;
      break;
    case 'TIMESTAMP_LTZ':
      if (t === 'timestamp' && w.type === T.TIMESTAMP) return TIMESTAMP;
      break;
    case 'VARBINARY':
    case 'BYTES':
      if (BYTES_DATA_TYPES.has(t) && w.charset === BINARY_CHARSET && STRING_TYPES.has(w.type)) return BYTES;
      break;
  }
  // what mysql2 gives (text for numbers, temporals and JSON, bytes for geometry and binary strings)
  if (w.type === T.GEOMETRY || w.type === T.BIT) return FALLBACK_BYTES;
  if (TEXT_TYPES.has(w.type)) return FALLBACK_TEXT;
  return w.charset === BINARY_CHARSET ? FALLBACK_BYTES : FALLBACK_TEXT;
}

interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const ZERO = 48;
const MINUS = 45;
const SPACE = 32;

export class ProtocolError extends Error {}

/** Decodes the rows of one result set; built from the result's column definitions. */
export class RowDecoder {
  private readonly kinds: Int32Array;
  private readonly converters: Converter[];
  private readonly decoders: (StringDecoderFn | undefined)[];
  /** DATETIME / TIMESTAMP values are rebuilt here, then made one string. */
  private readonly scratch = Buffer.alloc(64) as FastBuffer;

  constructor(columns: readonly SnapshotColumn[], wire: readonly WireColumn[]) {
    if (columns.length !== wire.length) throw new ProtocolError(`the result has ${wire.length} columns, the table ${columns.length}`);
    this.kinds = Int32Array.from(columns.map((c, i) => kindOf(c, wire[i])));
    this.converters = columns.map((c) => c.convert);
    this.decoders = wire.map((w) => (w.charset === BINARY_CHARSET || TEXT_TYPES.has(w.type) ? undefined : stringDecoder(charsetOfCollation(w.charset) ?? 'utf8mb4')));
  }

  /** One row packet (payload `buf[p..end)`) -> a fresh array of core values. */
  decode(b: Buffer, p: number, end: number): unknown[] {
    const buf = b as FastBuffer;
    const kinds = this.kinds;
    const n = kinds.length;
    const row = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      let len = buf[p++];
      if (len >= 0xfb) {
        if (len === 0xfb) {
          row[i] = null;
          continue;
        }
        if (len === 0xfc) {
          len = buf[p] | (buf[p + 1] << 8);
          p += 2;
        } else if (len === 0xfd) {
          len = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16);
          p += 3;
        } else if (len === 0xfe) {
          len = buf.readUInt32LE(p) + buf.readUInt32LE(p + 4) * 0x100000000;
          p += 8;
        } else {
          throw new ProtocolError(`bad length prefix 0x${len.toString(16)} in column ${i + 1}`);
        }
      }
      const a = p;
      p += len;
      if (p > end) throw new ProtocolError(`column ${i + 1} runs past the end of its row packet`);
      switch (kinds[i]) {
        case INT:
          row[i] = parseIntAscii(buf, a, p);
          break;
        case BOOL:
          row[i] = parseIntAscii(buf, a, p) !== 0;
          break;
        case BIGINT:
          // up to 15 digits fit a double exactly; BigInt(number) is cheaper than BigInt(string)
          row[i] = len <= 15 ? BigInt(parseIntAscii(buf, a, p)) : BigInt(buf.latin1Slice(a, p));
          break;
        case ASCII:
          row[i] = buf.latin1Slice(a, p);
          break;
        case DOUBLE:
          row[i] = Number(buf.latin1Slice(a, p));
          break;
        case UTF8:
          row[i] = buf.utf8Slice(a, p);
          break;
        case DATE:
          row[i] = isZeroDate(buf, a) ? this.converters[i](buf.latin1Slice(a, p)) : buf.latin1Slice(a, p);
          break;
        case DATETIME:
          row[i] = len < 19 || buf[a + 10] !== SPACE || isZeroDate(buf, a) ? this.converters[i](buf.latin1Slice(a, p)) : this.iso(buf, a, len, false);
          break;
        case TIMESTAMP:
          row[i] = len < 19 || buf[a + 10] !== SPACE || isZeroDate(buf, a) ? this.converters[i](buf.latin1Slice(a, p)) : this.iso(buf, a, len, true);
          break;
        case BYTES:
          row[i] = copyBytes(buf, a, len);
          break;
        case FALLBACK_BYTES:
          row[i] = this.converters[i](buf.subarray(a, p));
          break;
        default: {
          const d = this.decoders[i];
          row[i] = this.converters[i](d ? d(buf, a, p) : buf.latin1Slice(a, p));
        }
      }
    }
    if (p !== end) throw new ProtocolError(`row packet has ${end - p} bytes after its ${n} columns`);
    return row;
  }

  /** `2024-01-02 03:04:05.123456` -> `2024-01-02T03:04:05.123456` (+ `Z`), as one flat string. */
  private iso(buf: Buffer, a: number, len: number, utc: boolean): string {
    const s = this.scratch;
    if (len >= s.length) return `${buf.toString('latin1', a, a + 10)}T${buf.toString('latin1', a + 11, a + len)}${utc ? 'Z' : ''}`;
    for (let k = 0; k < len; k++) s[k] = buf[a + k];
    s[10] = 84; // T
    if (utc) s[len++] = 90; // Z
    return s.latin1Slice(0, len);
  }
}

function parseIntAscii(buf: Buffer, a: number, end: number): number {
  let p = a;
  let neg = false;
  if (buf[p] === MINUS) {
    neg = true;
    p++;
  }
  let n = 0;
  for (; p < end; p++) n = n * 10 + (buf[p] - ZERO);
  return neg ? -n : n;
}

/** '0000-..', 'yyyy-00-..', 'yyyy-mm-00..' */
function isZeroDate(buf: Buffer, a: number): boolean {
  return (buf[a] === ZERO && buf[a + 1] === ZERO && buf[a + 2] === ZERO && buf[a + 3] === ZERO) || (buf[a + 5] === ZERO && buf[a + 6] === ZERO) || (buf[a + 8] === ZERO && buf[a + 9] === ZERO);
}

/** The value's own bytes (not a view of the socket buffer, which would keep the whole chunk alive). */
function copyBytes(buf: Buffer, a: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (len <= 32) for (let k = 0; k < len; k++) out[k] = buf[a + k];
  else out.set(buf.subarray(a, a + len));
  return out;
}
