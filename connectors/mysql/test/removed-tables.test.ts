/**
 * A table that `tables` no longer matches on a restart is no longer captured, as Flink CDC drops it from its state:
 * mid-snapshot (its chunks are not read) and in the binlog (its changes and DDL are skipped), while the tables
 * still matched go on from where they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { createTestLogger } from '@cdc/testkit';
import { admin, createSource, dataEvents, ensureService, runReader } from './helpers.js';

const DB = 'cdc_mysql_removed';
let conn: mysql.Connection;

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
    CREATE TABLE ${DB}.keep (id INT PRIMARY KEY, v INT); CREATE TABLE ${DB}.gone (id INT PRIMARY KEY, v INT);
    INSERT INTO ${DB}.keep SELECT seq, seq FROM ${DB}.seq_1_to_50; INSERT INTO ${DB}.gone SELECT seq, seq FROM ${DB}.seq_1_to_50`);
}, 600_000);

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
});

const tablesOf = (events: Parameters<typeof dataEvents>[0]) => new Set(events.filter((e) => 'tableId' in e).map((e) => (e as { tableId: { table: string } }).tableId.table));

describe('tables removed from `tables` on a restart', () => {
  it('mid-snapshot and in the binlog: the removed table is dropped from the state, the kept one goes on', async () => {
    // run 1: both tables, stopped after the first chunk of `gone` (read first: tables go in name order; chunks of 10)
    const both = { tables: `${DB}.keep,${DB}.gone`, 'server-id': '5470', 'scan.incremental.snapshot.chunk.size': 10 };
    const r1 = await runReader(createSource(both), { stopAfterState: (ev) => dataEvents(ev).length >= 10 });
    const s1 = r1.state as { snapshot: { pending: string[]; last?: unknown } };
    expect(s1.snapshot.pending).toEqual([`${DB}.gone`, `${DB}.keep`]);
    expect(s1.snapshot.last).toBeDefined();

    // run 2: only `keep`; the changes made while down and after touch both tables
    await conn.query(`UPDATE ${DB}.keep SET v = -1 WHERE id = 1; UPDATE ${DB}.gone SET v = -1 WHERE id = 1;
      ALTER TABLE ${DB}.gone ADD COLUMN w INT; INSERT INTO ${DB}.gone VALUES (100, 100, 1); INSERT INTO ${DB}.keep VALUES (100, 100)`);
    const logger = createTestLogger();
    const infos: string[] = [];
    const log = { ...logger, info: (m: string) => infos.push(m) };
    let marked = false;
    const r2 = await runReader(createSource({ ...both, tables: `${DB}.keep` }, log), {
      restoredState: r1.state,
      logger: log,
      // once keep's snapshot has been read whole (50 rows and the one inserted while down): a change for the binlog
      onBatch: async (_n, ev) => {
        if (!marked && dataEvents(ev).filter((e) => e.meta.snapshot).length >= 51) {
          marked = true;
          await conn.query(`INSERT INTO ${DB}.gone VALUES (200, 200, 2); INSERT INTO ${DB}.keep VALUES (200, 200)`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.after?.[0] === 200),
    });
    expect(infos.join('\n')).toMatch(new RegExp(`${DB}\\.gone no longer match tables`));
    expect([...tablesOf(r2.events)]).toEqual(['keep']);
    // keep's whole snapshot (with the changes made while down), each row once, not resumed at gone's chunk; then
    // only the change made after it from the binlog (the ones while down are in the snapshot: not twice)
    const keepRows = dataEvents(r2.events).filter((e) => e.meta.snapshot).map((e) => `${e.after![0]}:${e.after![1]}`);
    expect(keepRows.sort()).toEqual(['1:-1', ...Array.from({ length: 49 }, (_, i) => `${i + 2}:${i + 2}`), '100:100'].sort());
    expect(dataEvents(r2.events).filter((e) => !e.meta.snapshot).map((e) => `${e.op} ${JSON.stringify(e.after)}`)).toEqual(['INSERT [200,200]']);
    const state = r2.state as { tables: Record<string, unknown> };
    expect(Object.keys(state.tables)).toEqual([`${DB}.keep`]);
  });
});
