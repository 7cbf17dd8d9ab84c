/**
 * Snapshot chunks: a table is split on its primary key (even ranges of an integer key, or every
 * chunk-size-th key read from the index) or, without a key, on physical pages (ctid ranges); each chunk is read
 * with COPY (SELECT ...) TO STDOUT (FORMAT binary) inside a transaction that imported the slot's exported snapshot.
 */
import type pg from 'pg';
import { BinaryRowDecoder, binaryCopySql, copySelect } from './copy-binary.js';
import { copyOut, type CopyOut } from './pg-wire.js';
import { qualified, quoteIdent, type TableRuntime } from './tables.js';

/** Key values as text (null bound = open end). Chunks of a keyless table carry page numbers as [page]. */
export type KeyText = readonly string[];

export interface Chunk {
  readonly lo: KeyText | null;
  readonly hi: KeyText | null;
  /** ctid page ranges instead of key ranges. */
  readonly pages?: boolean;
}

const INT_TYPES = new Set([20, 21, 23]); // int8, int2, int4

function lit(client: pg.Client, v: string): string {
  return client.escapeLiteral(v);
}

function keyCond(client: pg.Client, rt: TableRuntime, c: Chunk): string {
  if (c.pages) {
    const parts: string[] = [];
    if (c.lo) parts.push(`ctid >= '(${Number(c.lo[0])},0)'::tid`);
    if (c.hi) parts.push(`ctid < '(${Number(c.hi[0])},0)'::tid`);
    return parts.join(' AND ');
  }
  const cols = `(${rt.chunkKey.map(quoteIdent).join(', ')})`;
  const tuple = (k: KeyText) => (k.length === 1 ? lit(client, k[0]) : `ROW(${k.map((v) => lit(client, v)).join(', ')})`);
  const one = rt.chunkKey.length === 1 ? quoteIdent(rt.chunkKey[0]) : cols;
  const parts: string[] = [];
  if (c.lo) parts.push(`${one} >= ${tuple(c.lo)}`);
  if (c.hi) parts.push(`${one} < ${tuple(c.hi)}`);
  return parts.join(' AND ');
}

/**
 * Splits a table into chunks, in key order, starting at `from` (the first key not read yet; null: the start).
 * Runs in the snapshot transaction of `client`.
 */
export async function planChunks(
  client: pg.Client,
  rt: TableRuntime,
  opts: { chunkSize: number; from: KeyText | null; distributionLower: number; distributionUpper: number },
): Promise<{ chunks: Chunk[]; estimatedRows: number | undefined }> {
  const t = qualified(rt.def);
  const stat = await client.query<{ reltuples: string; relpages: number; pages: string }>(
    `SELECT reltuples::text AS reltuples, relpages, (pg_relation_size(oid) / current_setting('block_size')::int)::text AS pages FROM pg_class WHERE oid = $1::oid`,
    [rt.def.oid],
  );
  const est = stat.rows.length ? Number(stat.rows[0].reltuples) : -1;
  const estimatedRows = est >= 0 ? Math.round(est) : undefined;
  if (!rt.chunkKey.length) {
    // keyless: ranges of heap pages (TID range scans); a resumed read starts over (no key to resume from)
    const pages = stat.rows.length ? Number(stat.rows[0].pages) : 0;
    const perPage = est > 0 && pages > 0 ? est / pages : 50;
    const step = Math.max(1, Math.floor(opts.chunkSize / Math.max(perPage, 1)));
    const chunks: Chunk[] = [];
    for (let p = 0; p < pages; p += step) chunks.push({ lo: p === 0 ? null : [String(p)], hi: p + step >= pages ? null : [String(p + step)], pages: true });
    if (!chunks.length) chunks.push({ lo: null, hi: null, pages: true });
    return { chunks, estimatedRows };
  }
  const cols = rt.chunkKey.map(quoteIdent).join(', ');
  const fromCond = opts.from ? `WHERE ${keyCond(client, rt, { lo: opts.from, hi: null })}` : '';
  const keyType = rt.def.columns.find((c) => c.name === rt.chunkKey[0])!.typeOid;
  if (rt.chunkKey.length === 1 && INT_TYPES.has(keyType)) {
    const k = quoteIdent(rt.chunkKey[0]);
    const mm = await client.query<{ lo: string | null; hi: string | null }>(`SELECT min(${k})::text AS lo, max(${k})::text AS hi FROM ${t} ${fromCond}`);
    const lo = mm.rows[0].lo;
    const hi = mm.rows[0].hi;
    if (lo === null || hi === null) return { chunks: [{ lo: opts.from, hi: null }], estimatedRows };
    const span = BigInt(hi) - BigInt(lo) + 1n;
    // never analyzed (reltuples -1) or empty statistics: count, the split depends on it
    const rows = estimatedRows && estimatedRows > 0 ? estimatedRows : Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t} ${fromCond}`)).rows[0].n);
    const factor = Number(span) / rows;
    if (factor >= opts.distributionLower && factor <= opts.distributionUpper) {
      const step = BigInt(Math.max(1, Math.ceil(opts.chunkSize * Math.max(factor, 1))));
      const chunks: Chunk[] = [];
      let start = BigInt(lo);
      const last = BigInt(hi);
      chunks.push({ lo: opts.from, hi: null });
      while (start + step <= last) {
        start += step;
        (chunks[chunks.length - 1] as { hi: KeyText | null }).hi = [start.toString()];
        chunks.push({ lo: [start.toString()], hi: null });
      }
      return { chunks, estimatedRows };
    }
  }
  // every chunk-size-th key, read from the index in key order
  const casts = rt.chunkKey.map((c) => `${quoteIdent(c)}::text`).join(', ');
  const b = await client.query<{ k: string[] }>({
    text: `SELECT ARRAY[${casts}] AS k FROM (SELECT ${cols}, row_number() OVER (ORDER BY ${cols}) AS rn FROM ${t} ${fromCond}) s WHERE rn % ${opts.chunkSize} = 1 AND rn > 1 ORDER BY rn`,
  });
  const chunks: Chunk[] = [];
  let lo: KeyText | null = opts.from;
  for (const r of b.rows) {
    chunks.push({ lo, hi: r.k });
    lo = r.k;
  }
  chunks.push({ lo, hi: null });
  return { chunks, estimatedRows };
}

/** Reads one chunk with a binary COPY; `onRow` gets each row's values (converted, aligned to the table's columns). */
export function readChunk(client: pg.Client, rt: TableRuntime, chunk: Chunk, onRow: (row: unknown[]) => void): CopyOut {
  const cond = keyCond(client, rt, chunk);
  const cols = rt.def.columns.map((c, i) => copySelect(rt.kinds[i], quoteIdent(c.name))).join(', ');
  const decoder = new BinaryRowDecoder(rt.kinds, rt.converters);
  return copyOut(client, binaryCopySql(cols, `${qualified(rt.def)}${cond ? ` WHERE ${cond}` : ''}`), (buf, start, end) => onRow(decoder.decode(buf, start, end)));
}
