/**
 * End to end: a pipeline file MariaDB -> values sink (sink.output.file) run by the real `cdc` CLI from source in a
 * child process. Snapshot with exact values (BIGINT UNSIGNED max, DECIMAL(65,30), DATETIME(6)), live inserts,
 * updates, deletes, ALTER TABLE ADD COLUMN / DROP COLUMN in the binlog; then kill -9 of `cdc run` in the middle
 * of a stream of binlog changes (after some checkpoints), changes while it is down, a restart, and the sink ends
 * equal to the source table (both read and compared).
 */
import { describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import type { ValuesOutput } from '@cdc/connector-values';
import { streamChanges } from '@cdc/testkit';
import { cliTestDatabase, normRows, type Json } from './cli-pipeline.js';

const DB = 'cdc_mysql_e2e';
const TABLE = `${DB}.orders`;
let conn: mysql.Connection;

const file = cliTestDatabase(DB, async (c) => {
  conn = c;
  await conn.query(`CREATE TABLE ${TABLE} (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, big BIGINT UNSIGNED, amount DECIMAL(65,30), at DATETIME(6), note VARCHAR(50)) CHARACTER SET utf8mb4`);
  const rows = Array.from({ length: 60 }, (_, i) => `(${i + 10}, ${i * 1000}, '${i}.${String(i).padStart(30, '0')}', '2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}', 'row ${i}')`);
  await conn.query(`INSERT INTO ${TABLE} VALUES
    (1, 18446744073709551615, '99999999999999999999999999999999999.999999999999999999999999999999', '2024-02-29 23:59:59.999999', 'max 😀'),
    (2, 0, '-0.000000000000000000000000000001', '1970-01-01 00:00:00.000001', NULL),
    (3, NULL, NULL, NULL, 'nulls'),
    ${rows.join(',\n')}`);
});

describe('cdc run: MariaDB -> values sink', () => {
  it('snapshot, live changes and DDL with exact values; kill -9 mid-binlog and restart ends equal to the source', async () => {
    const p = file.pipeline();
    p.write({ tables: `${DB}.orders`, 'server-id': '5440-5441', 'scan.incremental.snapshot.chunk.size': 16, 'scan.snapshot.fetch.size': 8 }, {}, 'mysql e2e', { parallelism: 2 });
    const sinkEqualsSource = (o: ValuesOutput) => p.equal(o, TABLE);
    /** The sink's table equals the source table: same columns in the same order, same rows, exact values. */
    const expectSinkEqualsSource = async (o: ValuesOutput) => {
      const src = await p.sourceRows(TABLE);
      expect(o.tables[TABLE].schema.columns.map((c) => c.name)).toEqual(src.columns);
      expect(normRows(o.tables[TABLE].rowsAsJson as Json[])).toEqual(src.rows);
    };

    // 1. snapshot, exact values
    const run1 = p.start();
    let o = await p.wait(run1, 'the 63 snapshot rows', (x) => (x.tables[TABLE]?.rowsAsJson.length ?? 0) === 63);
    const byId = (x: ValuesOutput, id: string) => x.tables[TABLE].rowsAsJson.find((r) => String(r.id) === id);
    expect(o.tables[TABLE].schema.columns.map((col) => `${col.name} ${col.type.type}`)).toEqual(['id DECIMAL', 'big DECIMAL', 'amount DECIMAL', 'at TIMESTAMP', 'note VARCHAR']);
    expect(byId(o, '1')).toEqual({ id: '1', big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999', at: '2024-02-29T23:59:59.999999', note: 'max 😀' });
    expect(byId(o, '2')).toEqual({ id: '2', big: '0', amount: '-0.000000000000000000000000000001', at: '1970-01-01T00:00:00.000001', note: null });
    await expectSinkEqualsSource(o);

    // 2. live changes and DDL through the binlog
    await conn.query(`INSERT INTO ${TABLE} VALUES (100, 18446744073709551614, '-12345678901234567890123456789012345.000000000000000000000000000001', '2038-01-19 03:14:08.000001', 'live')`);
    await conn.query(`UPDATE ${TABLE} SET big = 18446744073709551615, amount = '0.000000000000000000000000000002', at = '2000-01-01 00:00:00.5' WHERE id = 2`);
    await conn.query(`DELETE FROM ${TABLE} WHERE id IN (3, 10)`);
    await conn.query(`ALTER TABLE ${TABLE} ADD COLUMN extra INT AFTER amount`);
    await conn.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at, note) VALUES (101, 7, '1.5', -2147483648, '2024-06-30 12:00:00.123456', 'with extra')`);
    await conn.query(`UPDATE ${TABLE} SET extra = 42 WHERE id = 1`);
    await conn.query(`ALTER TABLE ${TABLE} DROP COLUMN note`);
    await conn.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at) VALUES (102, 18446744073709551615, '99999999999999999999999999999999999.999999999999999999999999999999', 2147483647, '9999-12-31 23:59:59.999999')`);
    o = await p.wait(run1, 'the live changes and DDL', (x) => !!byId(x, '102') && sinkEqualsSource(x));
    expect(o.tables[TABLE].schema.columns.map((col) => col.name)).toEqual(['id', 'big', 'amount', 'extra', 'at']);
    expect(byId(o, '100')).toEqual({ id: '100', big: '18446744073709551614', amount: '-12345678901234567890123456789012345.000000000000000000000000000001', extra: null, at: '2038-01-19T03:14:08.000001' });
    expect(byId(o, '2')).toEqual({ id: '2', big: '18446744073709551615', amount: '0.000000000000000000000000000002', extra: null, at: '2000-01-01T00:00:00.500000' });
    expect(byId(o, '1')).toMatchObject({ big: '18446744073709551615', extra: 42 });
    expect(byId(o, '101')).toEqual({ id: '101', big: '7', amount: '1.500000000000000000000000000000', extra: -2147483648, at: '2024-06-30T12:00:00.123456' });
    expect(byId(o, '102')).toEqual({ id: '102', big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999', extra: 2147483647, at: '9999-12-31T23:59:59.999999' });
    expect(byId(o, '3')).toBeUndefined();
    await expectSinkEqualsSource(o);

    // 3. a stream of changes; kill -9 after some checkpoints in the middle of it; changes go on while it is down
    const writer = streamChanges(300, async (i) => {
      const id = 1000 + i;
      await conn.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at) VALUES (?, ?, ?, ?, ?)`, [id, `1844674407370955${String(i).padStart(4, '0')}`, `${i}.${String(i).padStart(30, '7')}`, i, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`]);
      if (i % 3 === 0) await conn.query(`UPDATE ${TABLE} SET amount = amount + 1, extra = extra + 1 WHERE id = ?`, [10 + (i % 60)]);
      if (i % 5 === 0) await conn.query(`DELETE FROM ${TABLE} WHERE id = ?`, [1000 + Math.floor(i / 2)]);
      if (i % 50 === 25) await conn.query(`UPDATE ${TABLE} SET at = '2026-01-01 00:00:00.000001' WHERE id BETWEEN 1000 AND ?`, [id]);
    });
    p.progress = () => `changes written: ${writer.written}`;
    const checkpointAtStart = o.checkpointId;
    await p.wait(run1, 'checkpoints during the stream of changes', (x) => x.checkpointId >= checkpointAtStart + 3 && writer.written >= 60 && x.tables[TABLE].rowsAsJson.filter((r) => Number(r.id) >= 1000).length >= 20);
    expect(writer.written, 'killed in the middle of the changes').toBeLessThan(300);
    await run1.kill9();
    await writer.done;

    // 4. restart: resumes from the last checkpoint and ends equal to the source
    const run2 = p.start();
    o = await p.wait(run2, 'the sink to equal the source after the restart', (x) => !!byId(x, '1299') && sinkEqualsSource(x), 60_000);
    await expectSinkEqualsSource(o);
    expect(byId(o, '1')).toMatchObject({ big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999' });
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    await run2.stop();
  }, 180_000);
});
