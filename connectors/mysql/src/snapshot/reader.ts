/** Streaming read of one chunk: rows as arrays of native values, never the whole table in memory. */
import type mysql from 'mysql2';
import { snapshotSelect, type MysqlColumn } from '../mysql-types.js';
import { chunkWhere, geometryTypeCast, type ChunkRange } from './chunks.js';
import { qualified, quoteId, type MysqlTable } from './discovery.js';
import type { SnapshotColumn } from './row-decoder.js';
import { arrayRows, type ChunkRows } from './chunk-rows.js';
import { canTakeOver, selectRows } from './text-query.js';

const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

/**
 * Rows of a chunk in key order, as mysql2 returns them on a snapshot connection (text for numbers beyond 2^53,
 * decimals and temporals; bytes for binary columns). `onRow` is called per row; the promise settles at the end.
 * For one chunk (bounded rows); whole tables go through `streamRows`.
 */
export function readChunk(
  conn: mysql.Connection,
  table: MysqlTable,
  keyCols: readonly MysqlColumn[],
  chunk: ChunkRange | undefined,
  onRow: (row: unknown[]) => void,
): Promise<number> {
  const { sql, values, typeCast } = chunkQuery(table, keyCols, chunk);
  return new Promise((resolve, reject) => {
    let n = 0;
    const q = conn.query({ sql, values, rowsAsArray: true, ...(typeCast ? { typeCast } : {}) });
    q.on('result', (row) => {
      n++;
      onRow(row as unknown as unknown[]);
    });
    q.on('error', reject);
    q.on('end', () => resolve(n));
  });
}

/**
 * The rows of a chunk as core values (converted by `columns`). Read from the socket by our own result-set reader
 * when the connection allows it (see text-query.ts), else through mysql2 and the columns' converters.
 */
export async function readChunkRows(conn: mysql.Connection, table: MysqlTable, keyCols: readonly MysqlColumn[], chunk: ChunkRange | undefined, columns: readonly SnapshotColumn[]): Promise<ChunkRows> {
  if (canTakeOver(conn)) {
    // plain columns: the row decoder builds the ISO temporals itself, which spares the server a CAST per value
    const { sql, values } = chunkQuery(table, keyCols, chunk, true);
    return selectRows(conn, conn.format(sql, values), columns, { doing: `reading ${qualified(table)}` });
  }
  const rows: unknown[][] = [];
  await readChunk(conn, table, keyCols, chunk, (row) => {
    for (let i = 0; i < columns.length; i++) row[i] = columns[i].convert(row[i]);
    rows.push(row);
  });
  return arrayRows(rows);
}

function chunkQuery(table: MysqlTable, keyCols: readonly MysqlColumn[], chunk: ChunkRange | undefined, plain = false): { sql: string; values: (string | Buffer)[]; typeCast?: typeof geometryTypeCast } {
  const cols = table.columns.map((c) => (plain ? quoteId(c.name) : snapshotSelect(c, quoteId(c.name)))).join(', ');
  const keys = keyCols.map((c) => quoteId(c.name)).join(', ');
  const where = chunk ? chunkWhere(keyCols.map((c) => c.name), chunk, keyCols.length === 1 && keyCols[0].nullable) : { sql: '1=1', params: [] };
  const sql = `SELECT ${cols} FROM ${qualified(table)} WHERE ${where.sql}${keys ? ` ORDER BY ${keys}` : ''}`;
  const hasGeometry = table.columns.some((c) => GEOMETRY.has(c.dataType));
  return { sql, values: where.params, ...(hasGeometry ? { typeCast: geometryTypeCast } : {}) };
}

/**
 * Rows of a whole table (or chunk) as an async iterable with back-pressure: the connection is paused while the
 * consumer does not pull (mysql2's query stream), so a table of any size is read with bounded memory.
 */
export async function* streamRows(conn: mysql.Connection, table: MysqlTable, keyCols: readonly MysqlColumn[], chunk: ChunkRange | undefined, highWaterMark = 1024): AsyncGenerator<unknown[]> {
  const { sql, values, typeCast } = chunkQuery(table, keyCols, chunk);
  const q = conn.query({ sql, values, rowsAsArray: true, ...(typeCast ? { typeCast } : {}) });
  const stream = q.stream({ highWaterMark });
  try {
    for await (const row of stream) yield row as unknown[];
  } finally {
    stream.destroy();
  }
}
