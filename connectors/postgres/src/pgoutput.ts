/**
 * Decoder of the pgoutput logical replication protocol (version 1, text tuple values), the payload of XLogData
 * messages: Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate, Message.
 * https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
 */
import type { Lsn } from './lsn.js';

/** An unchanged TOASTed value ('u'): the server did not send it because the update did not touch it. */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type TupleValue = string | null | typeof UNCHANGED_TOAST;

export interface RelationColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  /** Part of the replica identity (key). */
  readonly key: boolean;
}

export type PgOutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: Lsn; readonly commitTimeMicros: bigint; readonly xid: number }
  | { readonly tag: 'commit'; readonly commitLsn: Lsn; readonly endLsn: Lsn; readonly commitTimeMicros: bigint }
  | { readonly tag: 'origin'; readonly lsn: Lsn; readonly name: string }
  | { readonly tag: 'relation'; readonly oid: number; readonly namespace: string; readonly name: string; readonly replicaIdentity: string; readonly columns: RelationColumn[] }
  | { readonly tag: 'type'; readonly oid: number; readonly namespace: string; readonly name: string }
  | { readonly tag: 'insert'; readonly oid: number; readonly after: TupleValue[] }
  | { readonly tag: 'update'; readonly oid: number; readonly key: TupleValue[] | null; readonly old: TupleValue[] | null; readonly after: TupleValue[] }
  | { readonly tag: 'delete'; readonly oid: number; readonly key: TupleValue[] | null; readonly old: TupleValue[] | null }
  | { readonly tag: 'truncate'; readonly oids: number[]; readonly cascade: boolean; readonly restartIdentity: boolean }
  | { readonly tag: 'message'; readonly lsn: Lsn; readonly transactional: boolean; readonly prefix: string; readonly content: Buffer };

/** Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01). */
export const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** Buffer's own decoder, without toString's argument checks (hot: one call per column value). */
type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string };

class Reader {
  pos: number;
  readonly buf: FastBuffer;
  constructor(buf: Buffer, start: number) {
    this.buf = buf as FastBuffer;
    this.pos = start;
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  i16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstr(): string {
    const end = this.buf.indexOf(0, this.pos);
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  tuple(): TupleValue[] {
    const buf = this.buf;
    const n = buf.readInt16BE(this.pos);
    let p = this.pos + 2;
    const out: TupleValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = buf[p++];
      if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
        const len = buf.readInt32BE(p);
        p += 4;
        out[i] = buf.utf8Slice(p, p + len);
        p += len;
      } else if (kind === 0x6e /* n */) out[i] = null;
      else if (kind === 0x75 /* u */) out[i] = UNCHANGED_TOAST;
      else throw new Error(`pgoutput: unknown tuple column kind 0x${kind.toString(16)}`);
    }
    this.pos = p;
    return out;
  }
}

/** Decodes one pgoutput message that starts at `offset` of `buf` (the XLogData payload). */
export function decodePgOutput(buf: Buffer, offset = 0): PgOutputMessage {
  const r = new Reader(buf, offset + 1);
  const tag = buf[offset];
  switch (tag) {
    case 0x42: // B
      return { tag: 'begin', finalLsn: r.u64(), commitTimeMicros: r.i64(), xid: r.u32() };
    case 0x43: {
      // C
      r.u8();
      return { tag: 'commit', commitLsn: r.u64(), endLsn: r.u64(), commitTimeMicros: r.i64() };
    }
    case 0x4f: // O
      return { tag: 'origin', lsn: r.u64(), name: r.cstr() };
    case 0x52: {
      // R
      const oid = r.u32();
      const namespace = r.cstr();
      const name = r.cstr();
      const replicaIdentity = String.fromCharCode(r.u8());
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ key: (flags & 1) === 1, name: r.cstr(), typeOid: r.u32(), typmod: r.i32() });
      }
      return { tag: 'relation', oid, namespace, name, replicaIdentity, columns };
    }
    case 0x59: // Y
      return { tag: 'type', oid: r.u32(), namespace: r.cstr(), name: r.cstr() };
    case 0x49: {
      // I
      const oid = r.u32();
      r.u8(); // 'N'
      return { tag: 'insert', oid, after: r.tuple() };
    }
    case 0x55: {
      // U
      const oid = r.u32();
      let key: TupleValue[] | null = null;
      let old: TupleValue[] | null = null;
      let k = r.u8();
      if (k === 0x4b /* K */) {
        key = r.tuple();
        k = r.u8();
      } else if (k === 0x4f /* O */) {
        old = r.tuple();
        k = r.u8();
      }
      return { tag: 'update', oid, key, old, after: r.tuple() };
    }
    case 0x44: {
      // D
      const oid = r.u32();
      const k = r.u8();
      const t = r.tuple();
      return k === 0x4f ? { tag: 'delete', oid, key: null, old: t } : { tag: 'delete', oid, key: t, old: null };
    }
    case 0x54: {
      // T
      const n = r.u32();
      const flags = r.u8();
      const oids: number[] = [];
      for (let i = 0; i < n; i++) oids.push(r.u32());
      return { tag: 'truncate', oids, cascade: (flags & 1) === 1, restartIdentity: (flags & 2) === 2 };
    }
    case 0x4d: {
      // M
      const flags = r.u8();
      const lsn = r.u64();
      const prefix = r.cstr();
      const len = r.u32();
      const content = buf.subarray(r.pos, r.pos + len);
      return { tag: 'message', lsn, transactional: (flags & 1) === 1, prefix, content };
    }
    default:
      throw new Error(`pgoutput: unknown message type 0x${tag.toString(16)} (${String.fromCharCode(tag)})`);
  }
}
