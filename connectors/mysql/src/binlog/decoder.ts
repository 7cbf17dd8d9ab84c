/**
 * Decodes binlog events (v4 format) from bytes: the event header, the FORMAT_DESCRIPTION checksum setting,
 * and every event type cdc needs (see README "Binlog decoder"). Stateful: it keeps the table maps and the
 * checksum algorithm between events, like a replica's SQL thread.
 */
import { inflateSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { Cursor } from './buffer-reader.js';
import { EventType, EVENT_HEADER_LENGTH } from './constants.js';
import { MysqlGtidSet, uuidFromBytes } from './gtid.js';
import { RowImageDecoder, decodeRowsBody, type ColumnHint, type DecodedRows, type RowsOp } from './rows.js';
import { parseTableMap, type TableMap } from './table-map.js';

export interface EventHeader {
  readonly timestamp: number;
  readonly type: number;
  readonly serverId: number;
  readonly eventSize: number;
  /** Position of the next event in the binlog file (0 for events inside a transaction payload). */
  readonly logPos: number;
  readonly flags: number;
}

export type BinlogEvent =
  | { readonly type: 'format-description'; readonly header: EventHeader; readonly binlogVersion: number; readonly serverVersion: string; readonly checksum: boolean }
  | { readonly type: 'rotate'; readonly header: EventHeader; readonly nextFile: string; readonly nextPosition: number }
  | { readonly type: 'query'; readonly header: EventHeader; readonly schema: string; readonly query: string; readonly threadId: number; readonly errorCode: number }
  | { readonly type: 'xid'; readonly header: EventHeader; readonly xid: bigint }
  | { readonly type: 'table-map'; readonly header: EventHeader; readonly tableMap: TableMap }
  | ({ readonly type: 'rows'; readonly header: EventHeader; readonly tableMap: TableMap } & DecodedRows)
  /** A rows event of a table the decoder was told to skip (not decoded). */
  | { readonly type: 'rows-skipped'; readonly header: EventHeader; readonly tableMap: TableMap | undefined }
  | { readonly type: 'gtid'; readonly header: EventHeader; readonly flavor: 'mysql' | 'mariadb'; readonly gtid: string | undefined; readonly standalone: boolean; readonly commitFlag?: boolean; readonly domain?: number; readonly sequence?: bigint }
  | { readonly type: 'gtid-list'; readonly header: EventHeader; readonly gtids: string[] }
  | { readonly type: 'previous-gtids'; readonly header: EventHeader; readonly gtidSet: string }
  | { readonly type: 'heartbeat'; readonly header: EventHeader; readonly logFile: string }
  | { readonly type: 'rows-query'; readonly header: EventHeader; readonly query: string }
  | { readonly type: 'transaction-payload'; readonly header: EventHeader; readonly events: BinlogEvent[] }
  | { readonly type: 'binlog-checkpoint'; readonly header: EventHeader; readonly file: string }
  | { readonly type: 'stop'; readonly header: EventHeader }
  | { readonly type: 'other'; readonly header: EventHeader };

export interface DecoderOptions {
  /** Column hints per table (names, unsignedness, charsets, ENUM/SET labels) from the schema. */
  readonly columnHints?: (schema: string, table: string, tableMap: TableMap) => readonly (ColumnHint | undefined)[] | undefined;
  /** Rows of tables for which this returns false are not decoded (a `rows-skipped` event instead). */
  readonly includeTable?: (schema: string, table: string) => boolean;
  /** JSON text without blanks (`{"a":1}`), Flink CDC's legacy JSON format; default MySQL's `{"a": 1}`. */
  readonly compactJson?: boolean;
  /** Verify CRC32 checksums (default true). */
  readonly verifyChecksum?: boolean;
  /** The checksum setting before a FORMAT_DESCRIPTION event says it (the replication stream's first ROTATE). */
  readonly checksum?: boolean;
}

export class BinlogChecksumError extends Error {}

const crc32: ((data: Uint8Array) => number) | undefined = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;

let table: Int32Array | undefined;
function crc32js(data: Uint8Array): number {
  if (!table) {
    table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const ROWS_TYPES: Record<number, { op: RowsOp; v2: boolean; partial?: boolean; compressed?: boolean }> = {
  [EventType.WRITE_ROWS_V1]: { op: 'insert', v2: false },
  [EventType.UPDATE_ROWS_V1]: { op: 'update', v2: false },
  [EventType.DELETE_ROWS_V1]: { op: 'delete', v2: false },
  [EventType.WRITE_ROWS_V2]: { op: 'insert', v2: true },
  [EventType.UPDATE_ROWS_V2]: { op: 'update', v2: true },
  [EventType.DELETE_ROWS_V2]: { op: 'delete', v2: true },
  [EventType.PARTIAL_UPDATE_ROWS]: { op: 'update', v2: true, partial: true },
  [EventType.MARIA_WRITE_ROWS_COMPRESSED_V1]: { op: 'insert', v2: false, compressed: true },
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1]: { op: 'update', v2: false, compressed: true },
  [EventType.MARIA_DELETE_ROWS_COMPRESSED_V1]: { op: 'delete', v2: false, compressed: true },
  [EventType.MARIA_WRITE_ROWS_COMPRESSED]: { op: 'insert', v2: true, compressed: true },
  [EventType.MARIA_UPDATE_ROWS_COMPRESSED]: { op: 'update', v2: true, compressed: true },
  [EventType.MARIA_DELETE_ROWS_COMPRESSED]: { op: 'delete', v2: true, compressed: true },
};

/** MariaDB's compressed event body: 1 header byte (0x80 | number of length bytes), big-endian length, zlib. */
export function mariadbUncompress(buf: Buffer, start: number, end: number): Buffer {
  const lenBytes = buf[start] & 0x07;
  let len = 0;
  for (let i = 1; i <= lenBytes; i++) len = len * 256 + buf[start + i];
  const out = inflateSync(buf.subarray(start + 1 + lenBytes, end));
  if (out.length !== len) throw new Error(`compressed binlog event: expected ${len} bytes, got ${out.length}`);
  return out;
}

interface TableEntry {
  readonly tableMap: TableMap;
  decoder?: RowImageDecoder;
  readonly included: boolean;
}

export class BinlogDecoder {
  private checksum: boolean;
  private readonly verify: boolean;
  private readonly tables = new Map<number, TableEntry>();
  /** Decoders compiled per table map *content*, so a re-sent identical table map reuses them. */
  private readonly compiled = new Map<string, RowImageDecoder>();

  constructor(private readonly opts: DecoderOptions = {}) {
    this.checksum = opts.checksum ?? false;
    this.verify = opts.verifyChecksum ?? true;
  }

  /** Whether events carry a CRC32 trailer (known after FORMAT_DESCRIPTION). */
  get hasChecksum(): boolean {
    return this.checksum;
  }

  /** Forget compiled decoders of a table (after DDL, the schema hints changed). */
  invalidate(schema?: string, tableName?: string): void {
    for (const [k, dec] of this.compiled) {
      if (schema === undefined || (dec.tableMap.schema === schema && (tableName === undefined || dec.tableMap.table === tableName))) this.compiled.delete(k);
    }
    for (const e of this.tables.values()) {
      if (schema === undefined || (e.tableMap.schema === schema && (tableName === undefined || e.tableMap.table === tableName))) e.decoder = undefined;
    }
  }

  tableMap(tableId: number): TableMap | undefined {
    return this.tables.get(tableId)?.tableMap;
  }

  /** Decodes one whole event (header included) `buf[start, end)`. */
  decode(buf: Buffer, start = 0, end = buf.length): BinlogEvent {
    return this.decodeEvent(buf, start, end, this.checksum);
  }

  private decodeEvent(buf: Buffer, start: number, end: number, checksum: boolean): BinlogEvent {
    if (end - start < EVENT_HEADER_LENGTH) throw new Error(`binlog event of ${end - start} bytes is shorter than its header`);
    const header: EventHeader = {
      timestamp: buf.readUInt32LE(start),
      type: buf[start + 4],
      serverId: buf.readUInt32LE(start + 5),
      eventSize: buf.readUInt32LE(start + 9),
      logPos: buf.readUInt32LE(start + 13),
      flags: buf.readUInt16LE(start + 17),
    };
    let bodyEnd = end;
    if (header.type === EventType.FORMAT_DESCRIPTION) {
      // the FDE says itself whether it (and what follows) carries a checksum
      const alg = this.fdeChecksumAlgorithm(buf, start, end);
      checksum = alg === 1;
      this.checksum = checksum;
    }
    if (checksum) {
      bodyEnd = end - 4;
      if (this.verify) {
        const expected = buf.readUInt32LE(bodyEnd);
        let data: Uint8Array = buf.subarray(start, bodyEnd);
        if (header.type === EventType.FORMAT_DESCRIPTION && header.flags & 1) {
          // the server computes the FDE checksum with LOG_EVENT_BINLOG_IN_USE_F cleared (it flips it in place later)
          const copy = Buffer.from(data);
          copy[17] &= 0xfe;
          data = copy;
        }
        const actual = crc32 ? crc32(data) >>> 0 : crc32js(data);
        if (actual !== expected) throw new BinlogChecksumError(`binlog event checksum mismatch (type ${header.type}, log_pos ${header.logPos})`);
      }
    }
    const c = new Cursor(buf, start + EVENT_HEADER_LENGTH, bodyEnd);
    return this.decodeBody(header, c);
  }

  private fdeChecksumAlgorithm(buf: Buffer, start: number, end: number): number {
    const version = buf.toString('latin1', start + 21, start + 71).replace(/\0.*$/s, '');
    const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
    const v = m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
    const mariadb = /mariadb/i.test(version);
    // checksums exist since MySQL 5.6.1 and MariaDB 5.3
    if (!mariadb && v < 50601 && v !== 0) return 0;
    if (mariadb && v < 50300) return 0;
    return buf[end - 5];
  }

  private decodeBody(header: EventHeader, c: Cursor): BinlogEvent {
    const rowsType = ROWS_TYPES[header.type];
    if (rowsType) return this.decodeRows(header, c, rowsType);
    switch (header.type) {
      case EventType.FORMAT_DESCRIPTION: {
        const binlogVersion = c.u16();
        const serverVersion = c.buf.toString('latin1', c.pos, c.pos + 50).replace(/\0.*$/s, '');
        return { type: 'format-description', header, binlogVersion, serverVersion, checksum: this.checksum };
      }
      case EventType.ROTATE: {
        const nextPosition = c.u64n();
        // MariaDB may append garbage after the name in artificial rotates: stop at NUL
        let name = c.buf.toString('utf8', c.pos, c.end);
        const nul = name.indexOf('\0');
        if (nul >= 0) name = name.slice(0, nul);
        return { type: 'rotate', header, nextFile: name, nextPosition };
      }
      case EventType.QUERY:
      case EventType.MARIA_QUERY_COMPRESSED: {
        const threadId = c.u32();
        c.skip(4); // exec time
        const dbLen = c.u8();
        const errorCode = c.u16();
        const statusLen = c.u16();
        c.skip(statusLen);
        const schema = c.string(dbLen);
        c.skip(1);
        const query =
          header.type === EventType.MARIA_QUERY_COMPRESSED
            ? mariadbUncompress(c.buf, c.pos, c.end).toString('utf8')
            : c.buf.toString('utf8', c.pos, c.end);
        return { type: 'query', header, schema, query, threadId, errorCode };
      }
      case EventType.XID:
        return { type: 'xid', header, xid: c.u64() };
      case EventType.TABLE_MAP: {
        const tm = parseTableMap(c, 6);
        const included = this.opts.includeTable ? this.opts.includeTable(tm.schema, tm.table) : true;
        this.tables.set(tm.tableId, { tableMap: tm, included });
        return { type: 'table-map', header, tableMap: tm };
      }
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID: {
        const flags = c.u8();
        const sid = c.bytes(16);
        const gno = c.buf.readBigInt64LE(c.pos);
        c.skip(8);
        const gtid = header.type === EventType.GTID ? `${uuidFromBytes(sid)}:${gno}` : undefined;
        return { type: 'gtid', header, flavor: 'mysql', gtid, standalone: false, commitFlag: (flags & 1) !== 0 };
      }
      case EventType.MARIA_GTID: {
        const sequence = c.u64();
        const domain = c.u32();
        const flags = c.u8();
        return { type: 'gtid', header, flavor: 'mariadb', gtid: `${domain}-${header.serverId}-${sequence}`, standalone: (flags & 1) !== 0, domain, sequence };
      }
      case EventType.MARIA_GTID_LIST: {
        const count = c.u32() & 0x0fffffff;
        const gtids: string[] = [];
        for (let i = 0; i < count; i++) {
          const domain = c.u32();
          const server = c.u32();
          const seq = c.u64();
          gtids.push(`${domain}-${server}-${seq}`);
        }
        return { type: 'gtid-list', header, gtids };
      }
      case EventType.PREVIOUS_GTIDS: {
        const set = new MysqlGtidSet();
        const n = c.u64n();
        for (let i = 0; i < n; i++) {
          const uuid = uuidFromBytes(c.bytes(16));
          const k = c.u64n();
          for (let j = 0; j < k; j++) {
            const s = c.u64n();
            const e = c.u64n();
            set.addInterval(uuid, s, e - 1);
          }
        }
        return { type: 'previous-gtids', header, gtidSet: set.toString() };
      }
      case EventType.HEARTBEAT:
        return { type: 'heartbeat', header, logFile: c.buf.toString('utf8', c.pos, c.end).replace(/\0.*$/s, '') };
      case EventType.HEARTBEAT_V2: {
        // TLV: 0 = log file name, 1 = position
        let logFile = '';
        while (c.remaining > 0) {
          const t = c.u8();
          const len = c.lenenc();
          if (t === 0) logFile = c.buf.toString('utf8', c.pos, c.pos + len);
          c.skip(len);
        }
        return { type: 'heartbeat', header, logFile };
      }
      case EventType.ROWS_QUERY:
        c.skip(1);
        return { type: 'rows-query', header, query: c.buf.toString('utf8', c.pos, c.end) };
      case EventType.MARIA_ANNOTATE_ROWS:
        return { type: 'rows-query', header, query: c.buf.toString('utf8', c.pos, c.end) };
      case EventType.MARIA_BINLOG_CHECKPOINT: {
        const len = c.u32();
        return { type: 'binlog-checkpoint', header, file: c.string(len) };
      }
      case EventType.TRANSACTION_PAYLOAD:
        return { type: 'transaction-payload', header, events: this.decodePayload(c) };
      case EventType.STOP:
        return { type: 'stop', header };
      default:
        return { type: 'other', header };
    }
  }

  private decodeRows(header: EventHeader, c: Cursor, t: { op: RowsOp; v2: boolean; partial?: boolean; compressed?: boolean }): BinlogEvent {
    const tableId = c.u48();
    const flags = c.u16();
    const entry = this.tables.get(tableId);
    if (!entry) throw new Error(`rows event for table id ${tableId} without a preceding TABLE_MAP event`);
    if (!entry.included) return { type: 'rows-skipped', header, tableMap: entry.tableMap };
    if (!entry.decoder) entry.decoder = this.compile(entry.tableMap);
    const decompress = t.compressed ? (x: Cursor) => new Cursor(mariadbUncompress(x.buf, x.pos, x.end)) : undefined;
    const rows = decodeRowsBody(c, entry.decoder, t.op, t.v2, t.partial === true, flags, decompress);
    return { type: 'rows', header, tableMap: entry.tableMap, ...rows };
  }

  private compile(tm: TableMap): RowImageDecoder {
    const key = `${tm.schema}\u0000${tm.table}\u0000${Buffer.from(tm.types).toString('hex')}\u0000${tm.meta.join(',')}`;
    let d = this.compiled.get(key);
    if (!d) {
      const hints = this.opts.columnHints?.(tm.schema, tm.table, tm);
      d = new RowImageDecoder(tm, hints, this.opts.compactJson);
      this.compiled.set(key, d);
    }
    return d;
  }

  /** TRANSACTION_PAYLOAD_EVENT (MySQL 8.0.20+): TLV header, then the (zstd) compressed events without checksums. */
  private decodePayload(c: Cursor): BinlogEvent[] {
    let compression = 0;
    let uncompressedSize = -1;
    let size = -1;
    while (c.remaining > 0) {
      const type = c.lenenc();
      if (type === 0) break; // end of header
      const len = c.lenenc();
      const end = c.pos + len;
      const v = new Cursor(c.buf, c.pos, end).lenenc();
      if (type === 1) size = v;
      else if (type === 2) compression = v;
      else if (type === 3) uncompressedSize = v;
      c.pos = end;
    }
    const payload = c.buf.subarray(c.pos, size >= 0 ? Math.min(c.pos + size, c.end) : c.end);
    let raw: Buffer;
    if (compression === 0) {
      // the uncompressed size field is only a hint: let the frame header size the output
      const out = zstdDecompress(payload);
      void uncompressedSize;
      raw = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } else if (compression === 255) {
      raw = payload;
    } else {
      throw new Error(`TRANSACTION_PAYLOAD_EVENT with unknown compression type ${compression}`);
    }
    const events: BinlogEvent[] = [];
    let p = 0;
    while (p + EVENT_HEADER_LENGTH <= raw.length) {
      const size = raw.readUInt32LE(p + 9);
      if (size < EVENT_HEADER_LENGTH || p + size > raw.length) throw new Error('truncated event inside TRANSACTION_PAYLOAD_EVENT');
      events.push(this.decodeEvent(raw, p, p + size, false));
      p += size;
    }
    return events;
  }
}

/** Splits a binlog file's bytes (magic header included) into events and decodes them. */
export function* readBinlogFile(bytes: Buffer, decoder = new BinlogDecoder()): Generator<{ event: BinlogEvent; position: number }> {
  if (bytes.readUInt32BE(0) !== 0xfe62696e) throw new Error('not a binlog file (missing \\xfebin magic)');
  let p = 4;
  while (p + EVENT_HEADER_LENGTH <= bytes.length) {
    const size = bytes.readUInt32LE(p + 9);
    if (size < EVENT_HEADER_LENGTH || p + size > bytes.length) break;
    yield { event: decoder.decode(bytes, p, p + size), position: p };
    p += size;
  }
}
