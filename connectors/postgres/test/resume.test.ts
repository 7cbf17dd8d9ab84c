/**
 * Resuming and startup modes against the real PostgreSQL: a state taken mid-snapshot (the rest is read in a new
 * exported snapshot, nothing lost), a state taken in the middle of a large transaction (the rest of it exactly
 * once), an existing slot reused for a new snapshot (no duplicate), latest-offset, committed-offset, snapshot.
 */
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { DataChangeEvent, Event, JsonValue } from '@cdc/core';
import { Mirror, dropSlot, createSource, dataEvents, runReader, useDatabase } from './helpers.js';

const DB = 'cdc_pg_resume';
let db: pg.Client;

useDatabase(DB, (c) => void (db = c));

const opts = (slot: string, table: string, extra: Record<string, unknown> = {}) => ({ tables: `${DB}.public.${table}`, 'slot.name': slot, 'debezium.publication.name': `${slot}_pub`, ...extra });

async function tableRows(table: string): Promise<string[]> {
  return (await db.query<{ r: string }>(`SELECT id || ':' || coalesce(v::text, 'null') AS r FROM ${table} ORDER BY id`)).rows.map((x) => x.r);
}
const mirrorRows = (m: Mirror, table: string) =>
  [...m.table(`public.${table}`).values()].sort((a, b) => Number(a[0]) - Number(b[0])).map((r) => `${r[0]}:${r[1] === null ? 'null' : String(r[1])}`);

describe('postgres source: resume and startup modes', () => {
  it('a state taken mid-snapshot resumes: the rest is read at a new point, changes meanwhile are not lost', async () => {
    await db.query(`CREATE TABLE snap (id int PRIMARY KEY, v bigint); INSERT INTO snap SELECT g, g FROM generate_series(1, 2000) g`);
    await db.query(`CREATE TABLE snap2 (id int PRIMARY KEY, v bigint); INSERT INTO snap2 SELECT g, g FROM generate_series(1, 300) g`);
    const o = opts('cdc_pg_resume_snap', 'snap\\d?', { 'scan.incremental.snapshot.chunk.size': 100 });
    const m = new Mirror();
    let state: JsonValue | undefined;
    const first = await runReader(createSource(o), { until: (ev) => dataEvents(ev).length >= 500 });
    state = first.state;
    expect((state as { snapshot?: { pending: string[]; from?: string[] } }).snapshot).toMatchObject({ pending: ['public.snap', 'public.snap2'], from: ['501'] });
    m.apply(first.events);
    // changes while down: in the read part, in the unread part, in the table not started
    await db.query(`UPDATE snap SET v = -v WHERE id IN (1, 250, 1500); DELETE FROM snap WHERE id IN (2, 1600); INSERT INTO snap VALUES (5000, 5000); UPDATE snap2 SET v = 0 WHERE id = 7; DELETE FROM snap2 WHERE id = 8`);
    const want = JSON.stringify([await tableRows('snap'), await tableRows('snap2')]);
    await runReader(createSource(o), {
      restoredState: state,
      onBatch: (_n, ev) => void m.apply(ev.splice(0)),
      until: () => JSON.stringify([mirrorRows(m, 'snap'), mirrorRows(m, 'snap2')]) === want,
    });
    expect(mirrorRows(m, 'snap')).toEqual(await tableRows('snap'));
    expect(mirrorRows(m, 'snap2')).toEqual(await tableRows('snap2'));
    await dropSlot('cdc_pg_resume_snap');
  }, 60_000);

  it('a state taken inside a large transaction resumes with the rest of it, each change once', async () => {
    await db.query(`CREATE TABLE bulk (id int PRIMARY KEY, v text)`);
    const o = opts('cdc_pg_resume_txn', 'bulk');
    let midState: JsonValue | undefined;
    let seenAtMid = 0;
    let inserted = false;
    const first = await runReader(createSource(o), {
      onBatch: async (_n, ev, _r, st) => {
        if (!inserted && ev.some((e) => e.kind === 'create.table')) {
          inserted = true;
          await db.query(`INSERT INTO bulk SELECT g, repeat('v', 50) FROM generate_series(1, 30000) g`);
        }
        const skip = (st as { stream?: { skip: number } } | undefined)?.stream?.skip ?? 0;
        if (!midState && skip > 0) {
          midState = st;
          seenAtMid = dataEvents(ev).length;
        }
      },
      until: () => midState !== undefined,
    });
    expect(midState, 'a batch ended inside the transaction').toBeDefined();
    expect((midState as { stream: { skip: number } }).stream.skip).toBe(seenAtMid);
    const second = await runReader(createSource(o), { restoredState: midState, until: (ev) => dataEvents(ev).length >= 30000 - seenAtMid });
    const ids = [...dataEvents(first.events).slice(0, seenAtMid), ...dataEvents(second.events)].map((e) => e.after![0] as number);
    expect(ids.length).toBe(30000);
    expect(new Set(ids).size).toBe(30000);
    void first;
    await dropSlot('cdc_pg_resume_txn');
  }, 90_000);

  it('initial with an existing slot: snapshot at a new point, the slot streams from there without duplicates', async () => {
    await db.query(`CREATE TABLE reuse (id int PRIMARY KEY, v text); INSERT INTO reuse VALUES (1, 'a')`);
    await db.query(`CREATE PUBLICATION cdc_pg_reuse_pub FOR TABLE reuse`);
    await db.query(`SELECT pg_create_logical_replication_slot('cdc_pg_reuse', 'pgoutput')`);
    await db.query(`INSERT INTO reuse VALUES (2, 'b'); UPDATE reuse SET v = 'a2' WHERE id = 1`);
    let changed = false;
    const res = await runReader(createSource(opts('cdc_pg_reuse', 'reuse')), {
      onBatch: async (_n, ev) => {
        if (!changed && dataEvents(ev).length === 2) {
          changed = true;
          await db.query(`INSERT INTO reuse VALUES (3, 'c')`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.after?.[0] === 3),
    });
    const data = dataEvents(res.events);
    // snapshot rows come in physical order
    expect(data.map((e) => `${e.op} ${e.after?.[0]}:${e.after?.[1]}`).sort()).toEqual(['INSERT 1:a2', 'INSERT 2:b', 'INSERT 3:c']);
    expect(data[2].meta.snapshot).toBeUndefined();
    await dropSlot('cdc_pg_reuse');
  }, 60_000);

  it('latest-offset streams only later changes; committed-offset resumes at the slot; snapshot reads and ends', async () => {
    await db.query(`CREATE TABLE modes (id int PRIMARY KEY, v text); INSERT INTO modes VALUES (1, 'old')`);
    let wrote = false;
    const latest = await runReader(createSource(opts('cdc_pg_modes', 'modes', { 'scan.startup.mode': 'latest-offset' })), {
      onBatch: async (_n, ev) => {
        if (!wrote && ev.some((e: Event) => e.kind === 'create.table')) {
          wrote = true;
          await db.query(`INSERT INTO modes VALUES (2, 'new')`);
        }
      },
      until: (ev) => dataEvents(ev).length >= 1,
    });
    expect(dataEvents(latest.events).map((e: DataChangeEvent) => e.after)).toEqual([[2, 'new']]);
    // the slot was never confirmed: committed-offset reads again from the slot's confirmed_flush_lsn
    await db.query(`INSERT INTO modes VALUES (3, 'later')`);
    const committed = await runReader(createSource(opts('cdc_pg_modes', 'modes', { 'scan.startup.mode': 'committed-offset' })), { until: (ev) => dataEvents(ev).length >= 2 });
    expect(dataEvents(committed.events).map((e) => e.after)).toEqual([[2, 'new'], [3, 'later']]);
    const snap = await runReader(createSource(opts('cdc_pg_modes_snap', 'modes', { 'scan.startup.mode': 'snapshot' })), { parallelism: 2 });
    expect(dataEvents(snap.events).map((e) => e.after)).toEqual([[1, 'old'], [2, 'new'], [3, 'later']]);
    const slots = await db.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 'cdc_pg_modes_snap'`);
    expect(slots.rows.length, 'snapshot mode creates no slot').toBe(0);
    await dropSlot('cdc_pg_modes');
    await dropSlot('cdc_pg_modes_snap');
  }, 60_000);

  it('a partitioned table: snapshot through the root, changes under the root name (publish_via_partition_root)', async () => {
    await db.query(`CREATE TABLE parted (id int, region text, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu'); CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
      INSERT INTO parted VALUES (1, 'eu', 'a'), (2, 'us', 'b')`);
    let wrote = false;
    const res = await runReader(createSource(opts('cdc_pg_parted', 'parted')), {
      onBatch: async (_n, ev) => {
        if (!wrote && dataEvents(ev).length === 2) {
          wrote = true;
          await db.query(`INSERT INTO parted VALUES (3, 'us', 'c'); UPDATE parted SET v = 'a2' WHERE id = 1; DELETE FROM parted WHERE id = 2`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.op === 'DELETE'),
    });
    expect(res.events.filter((e) => e.kind === 'create.table').map((e) => (e as { tableId: { table: string } }).tableId.table)).toEqual(['parted']);
    const m = new Mirror().apply(res.events);
    expect(mirrorRows(m, 'parted')).toEqual(['1:eu', '3:us']);
    expect(dataEvents(res.events).every((e) => e.tableId.table === 'parted')).toBe(true);
    await dropSlot('cdc_pg_parted');
  }, 60_000);

  it('scan.newly-added-table.enabled: a table created later is snapshotted on restart, then streamed; nothing else replayed', async () => {
    await db.query(`CREATE TABLE nt_1 (id int PRIMARY KEY, v text); INSERT INTO nt_1 VALUES (1, 'a')`);
    const o = opts('cdc_pg_newly', 'nt_\\d', { 'scan.newly-added-table.enabled': true });
    const first = await runReader(createSource(o), { until: (ev) => dataEvents(ev).length >= 1 });
    // while it is down: a new matching table, and changes to both
    await db.query(`CREATE TABLE nt_2 (id int PRIMARY KEY, v text); INSERT INTO nt_2 SELECT g, 'b' || g FROM generate_series(1, 300) g`);
    await db.query(`INSERT INTO nt_1 VALUES (2, 'a2'); UPDATE nt_2 SET v = 'changed' WHERE id = 1; DELETE FROM nt_2 WHERE id = 2`);
    const m = new Mirror().apply(first.events);
    let wrote = false;
    const second = await runReader(createSource(o), {
      restoredState: first.state,
      onBatch: async (_n, ev) => {
        if (!wrote && dataEvents(ev).length >= 300) {
          wrote = true;
          await db.query(`INSERT INTO nt_2 VALUES (1000, 'live'); UPDATE nt_1 SET v = 'a3' WHERE id = 1`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.after?.[0] === 1000) && dataEvents(ev).some((e) => e.after?.[1] === 'a3'),
    });
    m.apply(second.events);
    expect(second.events.filter((e) => e.kind === 'create.table').map((e) => (e as { tableId: { table: string } }).tableId.table)).toEqual(['nt_2']);
    const rows = async (t: string) => (await db.query<{ r: string }>(`SELECT id || ':' || v AS r FROM ${t} ORDER BY id`)).rows.map((x) => x.r);
    expect(mirrorRows(m, 'nt_1')).toEqual(await rows('nt_1'));
    expect(mirrorRows(m, 'nt_2')).toEqual(await rows('nt_2'));
    // each nt_2 row once: the snapshot at the new point, then only the change after it
    const nt2 = dataEvents(second.events).filter((e) => e.tableId.table === 'nt_2');
    expect(nt2.length).toBe(299 + 1);
    expect(dataEvents(second.events).filter((e) => e.tableId.table === 'nt_1').map((e) => e.after)).toEqual([[2, 'a2'], [1, 'a3']]);
    await dropSlot('cdc_pg_newly');
  }, 60_000);
});
