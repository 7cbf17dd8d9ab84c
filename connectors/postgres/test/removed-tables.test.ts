/**
 * A table that `tables` no longer matches on a restart is no longer captured, as Flink CDC drops it from its state:
 * mid-snapshot (its chunks are not read) and in the stream (its changes are skipped), while the tables still matched
 * go on from where they were.
 */
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestLogger } from '@cdc/testkit';
import { createSource, dataEvents, dropSlot, runReader, useDatabase } from './helpers.js';

const DB = 'cdc_pg_removed';
let db: pg.Client;

useDatabase(DB, (c) => void (db = c));

const tablesOf = (events: Parameters<typeof dataEvents>[0]) => new Set(events.filter((e) => 'tableId' in e).map((e) => (e as { tableId: { table: string } }).tableId.table));

describe('postgres: tables removed from `tables` on a restart', () => {
  it('mid-snapshot and in the stream: the removed table is dropped from the state, the kept one goes on', async () => {
    await db.query(`CREATE TABLE gone (id int PRIMARY KEY, v int); CREATE TABLE keep (id int PRIMARY KEY, v int);
      INSERT INTO gone SELECT g, g FROM generate_series(1, 50) g; INSERT INTO keep SELECT g, g FROM generate_series(1, 50) g`);
    const slot = 'cdc_pg_removed';
    const both = { tables: `${DB}.public.gone,${DB}.public.keep`, 'slot.name': slot, 'debezium.publication.name': `${slot}_pub`, 'scan.incremental.snapshot.chunk.size': 10 };
    // run 1: stopped inside the snapshot of `gone` (read first: tables go in name order)
    const r1 = await runReader(createSource(both), { stopAfterState: (ev) => dataEvents(ev).length >= 10 });
    const s1 = r1.state as { snapshot: { pending: string[]; from?: string[] } };
    expect(s1.snapshot.pending).toEqual(['public.gone', 'public.keep']);
    expect(s1.snapshot.from).toBeDefined();

    // run 2: only `keep`; changes made while down and after touch both tables
    await db.query(`UPDATE keep SET v = -1 WHERE id = 1; UPDATE gone SET v = -1 WHERE id = 1; ALTER TABLE gone ADD COLUMN w int;
      INSERT INTO gone VALUES (100, 100, 1); INSERT INTO keep VALUES (100, 100)`);
    const infos: string[] = [];
    const log = { ...createTestLogger(), info: (m: string) => void infos.push(m) };
    let marked = false;
    const r2 = await runReader(createSource({ ...both, tables: `${DB}.public.keep` }, log), {
      restoredState: r1.state,
      logger: log,
      // once keep's snapshot has been read whole (50 rows and the one inserted while down): a change for the stream
      onBatch: async (_n, ev) => {
        if (!marked && dataEvents(ev).filter((e) => e.meta.snapshot).length >= 51) {
          marked = true;
          await db.query(`INSERT INTO gone VALUES (200, 200, 2); INSERT INTO keep VALUES (200, 200)`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.after?.[0] === 200),
    });
    expect(infos.join('\n')).toMatch(/public\.gone no longer match tables/);
    expect([...tablesOf(r2.events)]).toEqual(['keep']);
    const keepRows = dataEvents(r2.events).filter((e) => e.meta.snapshot).map((e) => `${e.after![0]}:${e.after![1]}`);
    expect(keepRows.sort()).toEqual(['1:-1', ...Array.from({ length: 49 }, (_, i) => `${i + 2}:${i + 2}`), '100:100'].sort());
    expect(dataEvents(r2.events).filter((e) => !e.meta.snapshot).map((e) => `${e.op} ${JSON.stringify(e.after)}`)).toEqual(['INSERT [200,200]']);
    expect(Object.keys((r2.state as { tables: Record<string, unknown> }).tables)).toEqual(['public.keep']);
    await dropSlot(slot);
  }, 60_000);
});
