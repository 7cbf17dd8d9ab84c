/**
 * The snapshot's own result-set reader (src/snapshot/text-query.ts, row-decoder.ts) against the real MariaDB:
 * it is the path chunk reads take, its values equal the mysql2 path's for every type, rows of more than 16 MiB
 * (several packets) and packets split over socket reads are read whole, and an ERR packet in the middle of a
 * result is a typed error that leaves the connection usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2';
import type mysqlp from 'mysql2/promise';
import { isCdcError } from '@cdc/core';
import { query } from '../src/binlog/client.js';
import { discoverTables } from '../src/snapshot/discovery.js';
import type { ChunkRows } from '../src/snapshot/chunk-rows.js';
import { readChunk, readChunkRows } from '../src/snapshot/reader.js';
import { canTakeOver, selectRows } from '../src/snapshot/text-query.js';
import { TableFilter } from '../src/table-filter.js';
import { buildRuntime } from '../src/tables.js';
import { admin, createSource, ensureService } from './helpers.js';

const DB = 'cdc_mysql_textq';
let adm: mysqlp.Connection;
let conn: mysql.Connection;

async function runtimeOf(table: string) {
  const [def] = await discoverTables(conn, new TableFilter([`${DB}.${table}`]));
  return buildRuntime(def, { includeComments: false, tinyInt1isBit: true });
}

/** The rows through mysql2 and the column converters (the path taken when the socket cannot be taken over). */
async function viaMysql2(table: string): Promise<unknown[][]> {
  const rt = await runtimeOf(table);
  const rows: unknown[][] = [];
  await readChunk(conn, rt.def, rt.keyCols, undefined, (r) => rows.push(r.map((v, i) => rt.snapshotConverters[i](v))));
  return rows;
}

/** All rows, decoded in batches of 100 as the source emits them. */
function all(rows: ChunkRows): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < rows.length; i += 100) out.push(...rows.slice(i, i + 100));
  return out;
}

beforeAll(async () => {
  await ensureService('mariadb');
  adm = await admin();
  await adm.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  await adm.query(`CREATE TABLE ${DB}.mix (
    id BIGINT PRIMARY KEY, i INT, iu INT UNSIGNED, b BIGINT UNSIGNED, d DECIMAL(30,10), f FLOAT, g DOUBLE, t TINYINT(1), y YEAR,
    s VARCHAR(40) CHARACTER SET utf8mb4, l VARCHAR(40) CHARACTER SET latin1, tx MEDIUMTEXT, e ENUM('x','y'), st SET('p','q'),
    bn BINARY(3), vb VARBINARY(300), bl LONGBLOB, bt BIT(9), dt DATETIME(3), dt0 DATETIME, ts TIMESTAMP(6) NULL, dd DATE, tm TIME(2),
    zd DATE, zdt DATETIME, zts TIMESTAMP NULL, geo POINT
  ) CHARACTER SET utf8mb4`);
  await adm.query("SET SESSION sql_mode = ''");
  const vals: string[] = [];
  for (let k = 1; k <= 600; k++) {
    vals.push(`(${k * 1000003}, ${k % 2 ? -k : k}, ${4294967295 - k}, ${18446744073709551615n - BigInt(k)}, '-${k}.0123456789', ${k}.25, ${k} / 3, ${k % 2}, ${1901 + (k % 250)},
      'héllo ${k} 😀', 'café ${k} ©', REPEAT('tëxt ', ${k % 300}), '${k % 2 ? 'x' : 'y'}', '${k % 3 ? 'p,q' : ''}',
      x'0${k % 10}', ${k % 7 ? `UNHEX(REPEAT('ab', ${k % 260}))` : 'NULL'}, ${k % 5 ? `RANDOM_BYTES(${k % 1000 + 1})` : "''"}, b'101010101',
      '2024-0${1 + (k % 9)}-1${k % 10} 0${k % 10}:04:05.${String(k % 1000).padStart(3, '0')}', '1999-12-31 23:59:59', ${k % 4 ? `'2024-06-30 12:00:00.${String(k).padStart(6, '0')}'` : 'NULL'},
      '2020-02-29', '-${k}:00:00.5', '0000-00-00', '2020-00-15 00:00:00', ${k % 2 ? "'0000-00-00 00:00:00'" : 'NULL'}, ST_GeomFromText('POINT(${k} -2.5)'))`);
  }
  await adm.query(`INSERT INTO ${DB}.mix VALUES ${vals.join(',\n')}`);
  await adm.query(`INSERT INTO ${DB}.mix (id) VALUES (1)`);
  const source = createSource({ tables: `${DB}.mix` });
  conn = await source.connect();
}, 120_000);

afterAll(async () => {
  conn?.destroy();
  await adm?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await adm?.end();
});

describe('snapshot result-set reader', () => {
  it('is the path of chunk reads, and gives the same values as mysql2 + converters for every type', async () => {
    expect(canTakeOver(conn)).toBe(true);
    const rt = await runtimeOf('mix');
    const ours = all(await readChunkRows(conn, rt.def, rt.keyCols, undefined, rt.snapshotColumns));
    const theirs = await viaMysql2('mix');
    expect(ours.length).toBe(601);
    expect(ours).toEqual(theirs);
    // spot checks of the exact forms
    const r = ours.find((x) => x[0] === 2000006n)!;
    expect(r.slice(1, 6)).toEqual([2, 4294967293n, '18446744073709551613', '-2.0123456789', 2.25]);
    expect(r[7]).toBe(false);
    expect(r[18]).toBe('2024-03-12T02:04:05.002');
    expect(r[20]).toBe('2024-06-30T12:00:00.000002Z');
    expect(r[23]).toBeNull(); // zero date, nullable
    expect(ours[0].slice(1).every((v) => v === null)).toBe(true);
    // the connection is mysql2's again afterwards
    expect(await query<{ n: number }[]>(conn, 'SELECT 1 AS n')).toEqual([{ n: 1 }]);
  });

  it('reads a row of more than 16 MiB (several packets) and rows split over many socket reads', async () => {
    await adm.query(`CREATE TABLE ${DB}.big (id INT PRIMARY KEY, a LONGBLOB, b LONGTEXT, c INT)`);
    await adm.query(`INSERT INTO ${DB}.big VALUES (1, REPEAT(x'5a', 17000000), REPEAT('é', 9000000), 7), (2, x'01', 'x', 8), (3, REPEAT(x'00', 16777205), 'y', 9)`);
    const rt = await runtimeOf('big');
    const rows = all(await readChunkRows(conn, rt.def, rt.keyCols, undefined, rt.snapshotColumns));
    expect(rows.map((r) => [r[0], (r[1] as Uint8Array).length, (r[2] as string).length, r[3]])).toEqual([
      [1, 17000000, 9000000, 7],
      [2, 1, 1, 8],
      [3, 16777205, 1, 9], // a row payload of exactly 16777215 bytes: followed by an empty packet
    ]);
    expect((rows[0][1] as Uint8Array).every((b) => b === 0x5a)).toBe(true);
    expect(rows[0][1]).toBeInstanceOf(Uint8Array);
    expect((rows[0][2] as string).startsWith('éé') && (rows[0][2] as string).endsWith('é')).toBe(true);
    await adm.query(`DROP TABLE ${DB}.big`);
  }, 120_000);

  it('an ERR packet in the middle of the rows is a typed error and the connection stays usable', async () => {
    const rt = await runtimeOf('mix');
    const cols = [rt.snapshotColumns[0], rt.snapshotColumns[9]];
    // 600 rows of 1 KB are sent (more than the server's network buffer) before the subquery of the last one
    // returns two rows (error 1242)
    await adm.query(`CREATE TABLE ${DB}.dup (k BIGINT)`);
    await adm.query(`INSERT INTO ${DB}.dup VALUES (600001800), (600001800)`);
    const sql = `SELECT id, CONCAT(REPEAT('x', 1000), IFNULL((SELECT k FROM ${DB}.dup WHERE dup.k = mix.id), '')) AS s FROM ${DB}.mix ORDER BY id`;
    const err = await selectRows(conn, sql, cols, { doing: 'reading the test table' }).catch((e: unknown) => e);
    expect(isCdcError(err)).toBe(true);
    expect((err as Error).message).toMatch(/reading the test table: .*more than 1 row/i);
    expect(await query<{ n: number }[]>(conn, 'SELECT 2 AS n')).toEqual([{ n: 2 }]);
    // an error before any row (unknown table) as well
    const err2 = await selectRows(conn, `SELECT id, s FROM ${DB}.nope`, cols, { doing: 'reading' }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/doesn't exist/);
    expect(canTakeOver(conn)).toBe(true);
    const rows = all(await selectRows(conn, `SELECT id, s FROM ${DB}.mix WHERE id <= 2000006 ORDER BY id`, cols, { doing: 'reading' }));
    expect(rows).toEqual([[1n, null], [1000003n, 'héllo 1 😀'], [2000006n, 'héllo 2 😀']]);
  });
});
