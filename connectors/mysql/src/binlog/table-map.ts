/** TABLE_MAP_EVENT: the column types and type metadata of the rows events that follow it. */
import { Cursor } from './buffer-reader.js';
import { ColumnType, OptionalMeta } from './constants.js';

export interface TableMapOptionalMetadata {
  /** Per numeric column (in table order among numeric columns): true = UNSIGNED. */
  signedness?: boolean[];
  /** Collation id per character column (in order among character columns). */
  columnCharsets?: number[];
  defaultCharset?: { collation: number; overrides: Map<number, number> };
  enumSetCharsets?: number[];
  enumSetDefaultCharset?: { collation: number; overrides: Map<number, number> };
  columnNames?: string[];
  setValues?: string[][];
  enumValues?: string[][];
  geometryTypes?: number[];
  primaryKey?: number[];
  primaryKeyPrefixes?: [number, number][];
  visibility?: boolean[];
}

export interface TableMap {
  readonly tableId: number;
  readonly schema: string;
  readonly table: string;
  readonly columnCount: number;
  /** Type codes as written (STRING for CHAR/ENUM/SET). */
  readonly types: Uint8Array;
  /** Real types: STRING resolved to ENUM/SET where its metadata says so. */
  readonly realTypes: number[];
  /** Type metadata per column (see `readMeta`). */
  readonly meta: number[];
  readonly nullable: boolean[];
  readonly optional: TableMapOptionalMetadata;
}

/** Real type and metadata of a STRING column: CHAR(n) length, or ENUM/SET pack length. */
export function resolveStringType(meta: number): { realType: number; length: number } {
  const byte0 = meta >> 8;
  const byte1 = meta & 0xff;
  if (byte0 === 0) return { realType: ColumnType.STRING, length: byte1 };
  if ((byte0 & 0x30) !== 0x30) return { realType: byte0 | 0x30, length: byte1 | (((byte0 & 0x30) ^ 0x30) << 4) };
  return { realType: byte0, length: byte1 };
}

function readMeta(c: Cursor, type: number): number {
  switch (type) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
    case ColumnType.VECTOR:
      return c.u8();
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return c.u16();
    case ColumnType.BIT: {
      const bits = c.u8();
      const bytes = c.u8();
      return bytes * 8 + bits; // total bits
    }
    case ColumnType.NEWDECIMAL: {
      const precision = c.u8();
      const scale = c.u8();
      return (precision << 8) | scale;
    }
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET: {
      const b0 = c.u8();
      const b1 = c.u8();
      return (b0 << 8) | b1;
    }
    default:
      return 0;
  }
}

const NUMERIC = new Set<number>([ColumnType.TINY, ColumnType.SHORT, ColumnType.INT24, ColumnType.LONG, ColumnType.LONGLONG, ColumnType.NEWDECIMAL, ColumnType.FLOAT, ColumnType.DOUBLE, ColumnType.DECIMAL]);

export function isNumericType(t: number): boolean {
  return NUMERIC.has(t);
}

export function isCharacterType(realType: number): boolean {
  return (
    realType === ColumnType.STRING ||
    realType === ColumnType.VAR_STRING ||
    realType === ColumnType.VARCHAR ||
    realType === ColumnType.BLOB ||
    realType === ColumnType.TINY_BLOB ||
    realType === ColumnType.MEDIUM_BLOB ||
    realType === ColumnType.LONG_BLOB
  );
}

/** Parses the body (after the common header, checksum excluded) of a TABLE_MAP_EVENT. */
export function parseTableMap(c: Cursor, tableIdSize: number): TableMap {
  const tableId = tableIdSize === 6 ? c.u48() : c.u32();
  c.skip(2); // flags
  const schemaLen = c.u8();
  const schema = c.string(schemaLen);
  c.skip(1);
  const tableLen = c.u8();
  const table = c.string(tableLen);
  c.skip(1);
  const columnCount = c.lenenc();
  const types = new Uint8Array(c.bytes(columnCount));
  const metaLen = c.lenenc();
  const metaEnd = c.pos + metaLen;
  const meta: number[] = new Array(columnCount);
  const realTypes: number[] = new Array(columnCount);
  for (let i = 0; i < columnCount; i++) {
    meta[i] = readMeta(c, types[i]);
    realTypes[i] = types[i] === ColumnType.STRING ? resolveStringType(meta[i]).realType : types[i];
  }
  c.pos = metaEnd;
  const nullBytes = c.bytes((columnCount + 7) >> 3);
  const nullable: boolean[] = new Array(columnCount);
  for (let i = 0; i < columnCount; i++) nullable[i] = (nullBytes[i >> 3] & (1 << (i & 7))) !== 0;
  const optional = c.remaining > 0 ? parseOptionalMetadata(c, columnCount, realTypes) : {};
  return { tableId, schema, table, columnCount, types, realTypes, meta, nullable, optional };
}

function parseOptionalMetadata(c: Cursor, columnCount: number, realTypes: number[]): TableMapOptionalMetadata {
  const out: TableMapOptionalMetadata = {};
  const numericCount = realTypes.filter(isNumericType).length;
  while (c.remaining > 0) {
    const type = c.u8();
    const len = c.lenenc();
    const end = c.pos + len;
    const f = new Cursor(c.buf, c.pos, end);
    switch (type) {
      case OptionalMeta.SIGNEDNESS: {
        const bits: boolean[] = [];
        for (let i = 0; i < numericCount; i++) bits.push((c.buf[f.pos + (i >> 3)] & (0x80 >> (i & 7))) !== 0);
        out.signedness = bits;
        break;
      }
      case OptionalMeta.DEFAULT_CHARSET:
      case OptionalMeta.ENUM_AND_SET_DEFAULT_CHARSET: {
        const collation = f.lenenc();
        const overrides = new Map<number, number>();
        while (f.remaining > 0) {
          const idx = f.lenenc();
          overrides.set(idx, f.lenenc());
        }
        if (type === OptionalMeta.DEFAULT_CHARSET) out.defaultCharset = { collation, overrides };
        else out.enumSetDefaultCharset = { collation, overrides };
        break;
      }
      case OptionalMeta.COLUMN_CHARSET:
      case OptionalMeta.ENUM_AND_SET_COLUMN_CHARSET: {
        const list: number[] = [];
        while (f.remaining > 0) list.push(f.lenenc());
        if (type === OptionalMeta.COLUMN_CHARSET) out.columnCharsets = list;
        else out.enumSetCharsets = list;
        break;
      }
      case OptionalMeta.COLUMN_NAME: {
        const names: string[] = [];
        while (f.remaining > 0) names.push(f.lenencString());
        out.columnNames = names;
        break;
      }
      case OptionalMeta.SET_STR_VALUE:
      case OptionalMeta.ENUM_STR_VALUE: {
        const all: string[][] = [];
        while (f.remaining > 0) {
          const n = f.lenenc();
          const vals: string[] = [];
          for (let i = 0; i < n; i++) vals.push(f.lenencString());
          all.push(vals);
        }
        if (type === OptionalMeta.SET_STR_VALUE) out.setValues = all;
        else out.enumValues = all;
        break;
      }
      case OptionalMeta.GEOMETRY_TYPE: {
        const list: number[] = [];
        while (f.remaining > 0) list.push(f.lenenc());
        out.geometryTypes = list;
        break;
      }
      case OptionalMeta.SIMPLE_PRIMARY_KEY: {
        const list: number[] = [];
        while (f.remaining > 0) list.push(f.lenenc());
        out.primaryKey = list;
        break;
      }
      case OptionalMeta.PRIMARY_KEY_WITH_PREFIX: {
        const list: [number, number][] = [];
        while (f.remaining > 0) list.push([f.lenenc(), f.lenenc()]);
        out.primaryKeyPrefixes = list;
        out.primaryKey = list.map(([i]) => i);
        break;
      }
      case OptionalMeta.COLUMN_VISIBILITY: {
        const bits: boolean[] = [];
        for (let i = 0; i < columnCount; i++) bits.push((c.buf[f.pos + (i >> 3)] & (0x80 >> (i & 7))) !== 0);
        out.visibility = bits;
        break;
      }
      default:
        break;
    }
    c.pos = end;
  }
  return out;
}

/** Collation id per column from optional metadata (undefined where unknown / not a character column). */
export function columnCollations(tm: TableMap): (number | undefined)[] {
  const out: (number | undefined)[] = new Array(tm.columnCount).fill(undefined);
  const o = tm.optional;
  let ci = 0;
  let ei = 0;
  for (let i = 0; i < tm.columnCount; i++) {
    const rt = tm.realTypes[i];
    if (isCharacterType(rt)) {
      if (o.columnCharsets) out[i] = o.columnCharsets[ci];
      else if (o.defaultCharset) out[i] = o.defaultCharset.overrides.get(ci) ?? o.defaultCharset.collation;
      ci++;
    } else if (rt === ColumnType.ENUM || rt === ColumnType.SET) {
      if (o.enumSetCharsets) out[i] = o.enumSetCharsets[ei];
      else if (o.enumSetDefaultCharset) out[i] = o.enumSetDefaultCharset.overrides.get(ei) ?? o.enumSetDefaultCharset.collation;
      ei++;
    }
  }
  return out;
}
