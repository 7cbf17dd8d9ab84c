/**
 * `cdc run` (real CLI, child process) MariaDB -> values sink:
 * - MODIFY COLUMN, CHANGE COLUMN, TRUNCATE, RENAME TABLE and DROP TABLE in the binlog reach the sink, and rows
 *   after them arrive in the new layout with exact values;
 * - a table without primary key, chunked by scan.incremental.snapshot.chunk.key-column (a non-unique, nullable
 *   column), is read whole (every row once, NULL keys included) and then followed in the binlog.
 */
import { describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { cliTestDatabase, printed } from './cli-pipeline.js';

const DB = 'cdc_mysql_e2e_ddl';
let conn: mysql.Connection;
const file = cliTestDatabase(DB, (c) => void (conn = c));

describe('cdc run: DDL and keyless tables', () => {
  it('MODIFY / CHANGE COLUMN, TRUNCATE, RENAME and DROP TABLE reach the sink; later rows use the new layout', async () => {
    await conn.query(`CREATE TABLE ${DB}.a (id INT NOT NULL PRIMARY KEY, c1 INT, c2 VARCHAR(10), c3 DECIMAL(5,2));
      INSERT INTO ${DB}.a VALUES (1, 100, 'x', 1.50), (2, NULL, 'y', -2.25);
      CREATE TABLE ${DB}.b (id INT NOT NULL PRIMARY KEY, x VARCHAR(20)); INSERT INTO ${DB}.b VALUES (1, 'b1'), (2, 'b2');
      CREATE TABLE ${DB}.c (id INT NOT NULL PRIMARY KEY, y VARCHAR(20)); INSERT INTO ${DB}.c VALUES (1, 'c1');
      CREATE TABLE ${DB}.d (id INT NOT NULL PRIMARY KEY); INSERT INTO ${DB}.d VALUES (1)`);
    const p = file.pipeline();
    p.write({ tables: `${DB}.\\.*`, 'server-id': '5457' }, { 'print.enabled': true });
    const run = p.start();
    await p.wait(run, 'the snapshot', async (o) => (await p.equal(o, `${DB}.a`)) && (await p.equal(o, `${DB}.b`)) && (await p.equal(o, `${DB}.c`)) && (await p.equal(o, `${DB}.d`)));

    await conn.query(`ALTER TABLE ${DB}.a MODIFY COLUMN c1 BIGINT`);
    await conn.query(`INSERT INTO ${DB}.a VALUES (3, 9007199254740993, 'z', 0.01)`);
    await conn.query(`ALTER TABLE ${DB}.a CHANGE COLUMN c2 label VARCHAR(50) NOT NULL DEFAULT ''`);
    await conn.query(`ALTER TABLE ${DB}.a MODIFY COLUMN c3 DECIMAL(12,2)`);
    await conn.query(`INSERT INTO ${DB}.a VALUES (4, -9223372036854775808, 'a label longer than ten', 12345678.12)`);
    await conn.query(`UPDATE ${DB}.a SET label = 'renamed col' WHERE id = 1`);
    await conn.query(`TRUNCATE TABLE ${DB}.b`);
    await conn.query(`INSERT INTO ${DB}.b VALUES (3, 'after truncate')`);
    await conn.query(`RENAME TABLE ${DB}.c TO ${DB}.c_new`);
    await conn.query(`INSERT INTO ${DB}.c_new VALUES (2, 'after rename')`);
    await conn.query(`DROP TABLE ${DB}.d`);
    await conn.query(`INSERT INTO ${DB}.a VALUES (5, 5, 'last', 5)`);

    const o = await p.wait(run, 'the DDL and the rows after it', async (x) => (await p.equal(x, `${DB}.a`)) && (await p.equal(x, `${DB}.b`)) && !!x.tables[`${DB}.c_new`]?.rowsAsJson.length && !x.tables[`${DB}.d`]);
    const a = o.tables[`${DB}.a`];
    expect(a.schema.columns.map((c) => `${c.name} ${c.type.type}`)).toEqual(['id INT', 'c1 BIGINT', 'label VARCHAR', 'c3 DECIMAL']);
    expect(a.rowsAsJson.find((r) => String(r.id) === '4')).toEqual({ id: 4, c1: '-9223372036854775808', label: 'a label longer than ten', c3: '12345678.12' });
    expect(a.rowsAsJson.find((r) => String(r.id) === '3')).toMatchObject({ c1: '9007199254740993' });
    // TRUNCATE empties the sink table; rows after it arrive
    expect(o.tables[`${DB}.b`].rowsAsJson).toEqual([{ id: 3, x: 'after truncate' }]);
    // RENAME TABLE = drop.table of the old name + create.table of the new one (core has no rename-table event):
    // rows written after the rename arrive; rows the table had before are not copied (see README)
    expect(o.tables[`${DB}.c`]).toBeUndefined();
    expect(o.tables[`${DB}.c_new`].rowsAsJson).toEqual([{ id: 2, y: 'after rename' }]);
    expect(o.tables[`${DB}.d`]).toBeUndefined();
    const out = run.output().stdout;
    expect(out).toMatch(/AlterColumnTypeEvent\{tableId=cdc_mysql_e2e_ddl\.a.*c1=BIGINT/);
    expect(out).toMatch(/RenameColumnEvent\{tableId=cdc_mysql_e2e_ddl\.a.*c2=label/);
    expect(out).toMatch(/TruncateTableEvent\{tableId=cdc_mysql_e2e_ddl\.b/);
    expect(out).toMatch(/DropTableEvent\{tableId=cdc_mysql_e2e_ddl\.c\}/);
    expect(out).toMatch(/CreateTableEvent\{tableId=cdc_mysql_e2e_ddl\.c_new/);
    expect(out).toMatch(/DropTableEvent\{tableId=cdc_mysql_e2e_ddl\.d\}/);
    await p.stop(run);
  }, 150_000);

  it('a table without primary key is chunked by scan.incremental.snapshot.chunk.key-column: every row once, NULL keys too', async () => {
    const T = `${DB}.nokey`;
    await conn.query(`CREATE TABLE ${T} (code INT NULL, v VARCHAR(20), KEY (code))`);
    // 250 rows, 40 distinct codes (each repeated), and NULL codes
    const rows = Array.from({ length: 250 }, (_, i) => `(${i % 25 === 0 ? 'NULL' : i % 40}, 'v${i}')`);
    await conn.query(`INSERT INTO ${T} VALUES ${rows.join(',')}`);
    const p = file.pipeline();
    p.write({ tables: `${DB}.nokey`, 'server-id': '5458', 'scan.incremental.snapshot.chunk.size': 20, 'scan.incremental.snapshot.chunk.key-column': `${DB}.nokey:code` }, { 'print.enabled': true }, 'nokey');
    const run = p.start();
    let o = await p.wait(run, 'the snapshot of the keyless table', (x) => (x.tables[T]?.rowsAsJson.length ?? 0) >= 250);
    expect(o.tables[T].rowsAsJson).toHaveLength(250);
    expect(await p.equal(o, T)).toBe(true);
    const snapshot = printed(run.output().stdout, T, 'INSERT').filter((l) => l.includes('snapshot=true'));
    expect(snapshot).toHaveLength(250);
    expect(run.output().stderr).toMatch(/has no primary key: chunked by code/);

    await conn.query(`INSERT INTO ${T} VALUES (7, 'live'), (NULL, 'live null')`);
    await conn.query(`UPDATE ${T} SET v = 'updated' WHERE v = 'v1'`);
    await conn.query(`DELETE FROM ${T} WHERE v = 'v2'`);
    o = await p.wait(run, 'live changes of the keyless table', (x) => p.equal(x, T));
    expect(o.tables[T].rowsAsJson).toHaveLength(251);
    await p.stop(run);
  }, 120_000);

  it('a chunk key column that the table does not have is a clear error', async () => {
    await conn.query(`CREATE TABLE ${DB}.nokey2 (a INT, b INT)`);
    const p = file.pipeline();
    p.write({ tables: `${DB}.nokey2`, 'server-id': '5459', 'scan.incremental.snapshot.chunk.key-column': `${DB}.nokey2:nope` }, {}, 'nokey2');
    const r = await p.start().done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/scan\.incremental\.snapshot\.chunk\.key-column: table cdc_mysql_e2e_ddl\.nokey2 has no column "nope"/);
  }, 60_000);
});
