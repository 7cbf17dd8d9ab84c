/**
 * `cdc run` (real CLI, child process) MariaDB -> values sink, restarts:
 * - kill -9 in the middle of the snapshot (a slow sink keeps it there), changes while it is down, restart: the
 *   snapshot goes on from the last checkpoint (finished chunks are not read again, no row is read twice) and the
 *   sink ends equal to the source;
 * - scan.newly-added-table.enabled: a table created (and altered) while the pipeline was down and a table added
 *   to `tables` are snapshotted on restart, as Flink CDC does; their older binlog events are not delivered again.
 */
import { describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { cliTestDatabase, printed } from './cli-pipeline.js';
import { sleep } from './helpers.js';

const DB = 'cdc_mysql_e2e_restart';
let conn: mysql.Connection;
const file = cliTestDatabase(DB, (c) => void (conn = c));

describe('cdc run: restarts', () => {
  it('kill -9 mid-snapshot, changes while down, restart: the snapshot goes on and the sink equals the source', async () => {
    const T = `${DB}.big`;
    const TOTAL = 3000;
    await conn.query(`CREATE TABLE ${T} (id INT NOT NULL PRIMARY KEY, v VARCHAR(40), n BIGINT, at DATETIME(6))`);
    const values = Array.from({ length: TOTAL }, (_, i) => `(${i + 1}, 'row ${i + 1}', ${(i + 1) * 1_000_000_007}, '2024-01-01 00:00:00.${String(i).padStart(6, '0')}')`);
    await conn.query(`INSERT INTO ${T} VALUES ${values.join(',')}`);

    const p = file.pipeline();
    const source = { tables: `${DB}.big`, 'server-id': '5455', 'scan.incremental.snapshot.chunk.size': 100, 'scan.snapshot.fetch.size': 50 };
    // a slow sink (30 ms per write, at most 50 events pending) keeps the snapshot going for seconds
    p.write(source, { 'sink.write.delay.ms': 30 }, 'mysql cli test', { 'writer.max-pending-events': 50 });
    const run1 = p.start();
    const seen = await p.wait(run1, 'checkpoints in the middle of the snapshot', (o) => o.checkpointId >= 2 && (o.tables[T]?.rowsAsJson.length ?? 0) >= 1000);
    expect(seen.tables[T].rowsAsJson.length, 'a checkpoint in the middle of the snapshot').toBeLessThan(TOTAL - 300);
    run1.child.kill('SIGKILL');
    expect((await run1.done).signal).toBe('SIGKILL');

    // changes while it is down, in chunks already read and in chunks not read yet
    await conn.query(`UPDATE ${T} SET v = 'changed while down' WHERE id IN (5, 2900)`);
    await conn.query(`DELETE FROM ${T} WHERE id IN (10, 2950)`);
    await conn.query(`INSERT INTO ${T} VALUES (3001, 'new while down', -1, '2025-01-01 00:00:00.5')`);

    p.write(source, { 'print.enabled': true });
    const run2 = p.start();
    const o = await p.wait(run2, 'the sink to equal the source after the restart', (x) => p.equal(x, T));
    expect(o.tables[T].rowsAsJson.length).toBe(TOTAL - 2 + 1);
    const out2 = run2.output();
    expect(out2.stderr).toMatch(/resuming from checkpoint #\d+/);
    // the snapshot was still going: run 2 read the rest of it (from the last checkpoint's finished chunks; the
    // output file may be one checkpoint ahead of the restored state), not all of it again, and no row twice
    const snapshotIds = printed(out2.stdout, T, 'INSERT')
      .filter((l) => l.includes('snapshot=true'))
      .map((l) => /after=\[(\d+),/.exec(l)![1]);
    expect(snapshotIds.length).toBeGreaterThan(0);
    expect(snapshotIds.length).toBeLessThan(TOTAL - 2 + 1);
    expect(new Set(snapshotIds).size).toBe(snapshotIds.length);
    await p.stop(run2);
  }, 150_000);

  it('scan.newly-added-table.enabled: tables created or added to `tables` while down are snapshotted on restart', async () => {
    await conn.query(`CREATE TABLE ${DB}.t1 (id INT NOT NULL PRIMARY KEY, v VARCHAR(20));
      INSERT INTO ${DB}.t1 VALUES (1, 'a'), (2, 'b');
      CREATE TABLE ${DB}.u1 (id INT NOT NULL PRIMARY KEY, w DECIMAL(10,3));
      INSERT INTO ${DB}.u1 VALUES (1, 1.5), (2, -2.25)`);
    const p = file.pipeline();
    const source = { 'server-id': '5456', 'scan.newly-added-table.enabled': true };
    p.write({ ...source, tables: `${DB}.t\\d+` }, {}, 'newly added');
    const run1 = p.start();
    await p.wait(run1, 'the snapshot of t1', (o) => (o.tables[`${DB}.t1`]?.rowsAsJson.length ?? 0) === 2);
    await conn.query(`INSERT INTO ${DB}.t1 VALUES (3, 'c')`);
    await p.wait(run1, 'the live insert into t1', (o) => p.equal(o, `${DB}.t1`));
    expect(Object.keys((await p.wait(run1, 'a checkpoint', () => true)).tables)).not.toContain(`${DB}.u1`);
    await p.stop(run1);

    // while down: a new table matching `tables` (created, filled, altered, changed) and more changes to t1
    await conn.query(`CREATE TABLE ${DB}.t2 (id INT NOT NULL PRIMARY KEY, s VARCHAR(20));
      INSERT INTO ${DB}.t2 VALUES (1, 'one'), (2, 'two'), (3, 'three');
      ALTER TABLE ${DB}.t2 ADD COLUMN n INT AFTER id;
      UPDATE ${DB}.t2 SET n = id * 10 WHERE id <= 2;
      DELETE FROM ${DB}.t2 WHERE id = 3;
      INSERT INTO ${DB}.t2 VALUES (4, 40, 'four');
      INSERT INTO ${DB}.t1 VALUES (4, 'd')`);
    // and u1 (an existing table) is added to `tables`
    p.write({ ...source, tables: `${DB}.t\\d+,${DB}.u1` }, { 'print.enabled': true }, 'newly added');
    const run2 = p.start();
    let o = await p.wait(run2, 't2 and u1 snapshotted and t1 caught up', async (x) => (await p.equal(x, `${DB}.t2`)) && (await p.equal(x, `${DB}.u1`)) && (await p.equal(x, `${DB}.t1`)));
    expect(o.tables[`${DB}.t2`].schema.columns.map((c) => c.name)).toEqual(['id', 'n', 's']);
    const out2 = run2.output();
    expect(out2.stderr).toMatch(/newly added table\(s\) .*t2/);
    // t2's rows come once, from its snapshot: its binlog history from before the restart is not replayed
    expect(printed(out2.stdout, `${DB}.t2`).length).toBe(3);
    expect(printed(out2.stdout, `${DB}.t2`, 'INSERT').every((l) => l.includes('snapshot=true'))).toBe(true);
    expect(printed(out2.stdout, `${DB}.u1`, 'INSERT').length).toBe(2);
    // t1 goes on from the saved binlog position: only the insert made while down
    expect(printed(out2.stdout, `${DB}.t1`)).toHaveLength(1);

    // and the new tables are captured live
    await conn.query(`INSERT INTO ${DB}.t2 VALUES (5, 50, 'five'); UPDATE ${DB}.u1 SET w = 9.999 WHERE id = 1; ALTER TABLE ${DB}.t2 DROP COLUMN s`);
    await sleep(100);
    o = await p.wait(run2, 'live changes of the added tables', async (x) => (await p.equal(x, `${DB}.t2`)) && (await p.equal(x, `${DB}.u1`)));
    expect(o.tables[`${DB}.t2`].schema.columns.map((c) => c.name)).toEqual(['id', 'n']);
    await p.stop(run2);
  }, 150_000);
});
