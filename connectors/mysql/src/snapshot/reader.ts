/** Streaming read of one chunk: rows as arrays of native values, never the whole table in memory. */
import type mysql from 'mysql2';
import type { MysqlColumn } from '../mysql-types.js';
import { chunkWhere, geometryTypeCast, type ChunkRange } from './chunks.js';
import { qualified, quoteId, type MysqlTable } from './discovery.js';

const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

/**
 * Rows of a chunk in key order, as mysql2 returns them on a snapshot connection (text for numbers beyond 2^53,
 * decimals and temporals; bytes for binary columns). `onRow` is called per row; the promise settles at the end.
 * The socket is paused while `onRow` returns a promise (back-pressure).
 */
export function readChunk(
  conn: mysql.Connection,
  table: MysqlTable,
  keyCols: readonly MysqlColumn[],
  chunk: ChunkRange | undefined,
  onRow: (row: unknown[]) => void,
): Promise<number> {
  const cols = table.columns.map((c) => quoteId(c.name)).join(', ');
  const keys = keyCols.map((c) => quoteId(c.name)).join(', ');
  const where = chunk ? chunkWhere(keyCols.map((c) => c.name), chunk) : { sql: '1=1', params: [] };
  const sql = `SELECT ${cols} FROM ${qualified(table)} WHERE ${where.sql}${keys ? ` ORDER BY ${keys}` : ''}`;
  const hasGeometry = table.columns.some((c) => GEOMETRY.has(c.dataType));
  return new Promise((resolve, reject) => {
    let n = 0;
    const q = conn.query({ sql, values: where.params, rowsAsArray: true, ...(hasGeometry ? { typeCast: geometryTypeCast } : {}) });
    q.on('result', (row) => {
      n++;
      onRow(row as unknown as unknown[]);
    });
    q.on('error', reject);
    q.on('end', () => resolve(n));
  });
}
