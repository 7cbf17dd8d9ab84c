/**
 * Chunk splitting of a table by its key (primary key, or scan.incremental.snapshot.chunk.key-column), as Flink
 * CDC's MySQL source does it:
 * - one integer key column whose values are dense enough (distribution factor (max-min+1)/rows <= 1000):
 *   evenly sized ranges [lo, lo + step) computed from MIN/MAX, no table scan;
 * - otherwise (composite or non-integer keys, sparse integers): boundaries found by walking the key index,
 *   `SELECT key FROM t WHERE key >= lo ORDER BY key LIMIT 1 OFFSET chunkSize`.
 * The first chunk has no lower bound and the last no upper bound, so rows outside MIN..MAX are still read.
 * Boundaries are computed one chunk ahead (no upfront scan of big tables), and are JSON, for the state.
 */
import type mysql from 'mysql2';
import { query } from '../binlog/client.js';
import type { MysqlColumn } from '../mysql-types.js';
import { qualified, quoteId, type MysqlTable } from './discovery.js';

/** A key value as mysql2 returns it in snapshot queries: text, or bytes (base64 in state) for binary keys. */
export type KeyValue = string | { readonly b64: string };
export type KeyTuple = readonly KeyValue[];

export interface ChunkRange {
  /** 0-based chunk number within the table. */
  readonly index: number;
  /** Inclusive lower bound; null = unbounded. */
  readonly lo: KeyTuple | null;
  /** Exclusive upper bound; null = unbounded. */
  readonly hi: KeyTuple | null;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

export function toParam(v: KeyValue): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.b64, 'base64');
}

function fromDriverEquals(v: unknown, k: KeyValue): boolean {
  const a = fromDriver(v);
  return typeof a === 'string' ? a === k : typeof k !== 'string' && a.b64 === k.b64;
}

export function fromDriver(v: unknown): KeyValue {
  if (v instanceof Uint8Array) return { b64: Buffer.from(v).toString('base64') };
  return String(v);
}

/** SQL for `(k1, k2, ...) >= (?, ...)` or `<`, expanded so every server uses the index. */
export function keyCompareSql(cols: readonly string[], op: '>=' | '<' | '>'): string {
  const parts: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c) => `${quoteId(c)} = ?`);
    const last = i === cols.length - 1 ? op : op === '<' ? '<' : '>';
    parts.push([...eqs, `${quoteId(cols[i])} ${last} ?`].join(' AND '));
  }
  return parts.length === 1 ? parts[0] : `(${parts.map((p) => `(${p})`).join(' OR ')})`;
}

/** Parameters for keyCompareSql: each prefix repeats the leading values. */
export function keyCompareParams(values: KeyTuple): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (let i = 0; i < values.length; i++) for (let j = 0; j <= i; j++) out.push(toParam(values[j]));
  return out;
}

/**
 * WHERE clause of a chunk. `nullable`: the (single, chunk-key-column) key may be NULL; MySQL sorts NULL first, so
 * the first chunk also takes the NULL rows (a comparison with NULL is never true).
 */
export function chunkWhere(keyCols: readonly string[], c: ChunkRange, nullable = false): { sql: string; params: (string | Buffer)[] } {
  const conds: string[] = [];
  const params: (string | Buffer)[] = [];
  if (c.lo) {
    conds.push(keyCompareSql(keyCols, '>='));
    params.push(...keyCompareParams(c.lo));
  }
  if (c.hi) {
    conds.push(nullable && !c.lo ? `(${keyCompareSql(keyCols, '<')} OR ${quoteId(keyCols[0])} IS NULL)` : keyCompareSql(keyCols, '<'));
    params.push(...keyCompareParams(c.hi));
  }
  return { sql: conds.length ? conds.join(' AND ') : '1=1', params };
}

export class ChunkSplitter {
  private even: { step: bigint; max: bigint } | undefined;
  private decided = false;

  constructor(
    private readonly conn: mysql.Connection,
    private readonly table: MysqlTable,
    private readonly keyCols: readonly MysqlColumn[],
    private readonly chunkSize: number,
  ) {}

  private async decide(): Promise<void> {
    this.decided = true;
    if (this.keyCols.length !== 1 || !INTEGER_TYPES.has(this.keyCols[0].dataType)) return;
    const k = quoteId(this.keyCols[0].name);
    const [r] = await query<{ mn: string | null; mx: string | null; n: string }[]>(
      this.conn,
      `SELECT CAST(MIN(${k}) AS CHAR) AS mn, CAST(MAX(${k}) AS CHAR) AS mx, CAST(COUNT(*) AS CHAR) AS n FROM ${qualified(this.table)}`,
    );
    if (r.mn === null || r.mx === null) return;
    const min = BigInt(r.mn);
    const max = BigInt(r.mx);
    const rows = BigInt(r.n);
    if (rows === 0n) return;
    const factor = Number(max - min + 1n) / Number(rows);
    if (factor > 1000 || factor < 0.05) return; // too sparse (or skewed): walk the index instead
    const step = BigInt(Math.max(1, Math.round(this.chunkSize * Math.max(1, factor))));
    this.even = { step, max };
    this.evenStart = min;
  }

  private evenStart = 0n;

  /** The chunk after `prev` (or the first), undefined when the table is done. */
  async next(prev: ChunkRange | undefined): Promise<ChunkRange | undefined> {
    if (prev && prev.hi === null) return undefined;
    if (!this.decided) await this.decide();
    const index = prev ? prev.index + 1 : 0;
    const lo = prev ? prev.hi : null;
    if (this.even) {
      const start = lo === null ? this.evenStart : BigInt(lo[0] as string);
      const end = start + this.even.step;
      return { index, lo, hi: end > this.even.max ? null : [end.toString()] };
    }
    // walk the index: the key `chunkSize` rows after lo is the next boundary
    const cols = this.keyCols.map((c) => c.name);
    const where = lo ? `WHERE ${keyCompareSql(cols, '>=')}` : '';
    const sql = `SELECT ${cols.map(quoteId).join(', ')} FROM ${qualified(this.table)} ${where} ORDER BY ${cols.map(quoteId).join(', ')} LIMIT 1 OFFSET ${this.chunkSize}`;
    const rows = await this.rows(sql, lo ? keyCompareParams(lo) : []);
    if (!rows.length) return { index, lo, hi: null };
    let hi = rows[0];
    if (this.keyCols.length === 1) {
      const k = quoteId(cols[0]);
      // a chunk key column (not a primary key) may repeat values and hold NULLs: a boundary must be a value
      // after lo, and not NULL (the first chunk takes the NULLs, see chunkWhere)
      if (hi[0] === null) {
        const [m] = await this.rows(`SELECT MIN(${k}) FROM ${qualified(this.table)}`, []);
        if (m[0] === null) return { index, lo, hi: null };
        hi = m;
      } else if (lo && fromDriverEquals(hi[0], lo[0])) {
        const [n] = await this.rows(`SELECT MIN(${k}) FROM ${qualified(this.table)} WHERE ${k} > ?`, [toParam(lo[0])]);
        if (n[0] === null) return { index, lo, hi: null };
        hi = n;
      }
    }
    return { index, lo, hi: hi.map(fromDriver) };
  }

  private rows(sql: string, values: (string | Buffer)[]): Promise<unknown[][]> {
    return new Promise<unknown[][]>((resolve, reject) =>
      this.conn.query({ sql, values, rowsAsArray: true }, (err, res) => (err ? reject(err) : resolve(res as unknown[][]))),
    );
  }
}

/** mysql2 typeCast for tables with geometry columns: the raw bytes (SRID + WKB), not mysql2's parsed object. */
export function geometryTypeCast(field: { type: string; buffer(): Buffer | null }, next: () => unknown): unknown {
  return field.type === 'GEOMETRY' ? field.buffer() : next();
}
