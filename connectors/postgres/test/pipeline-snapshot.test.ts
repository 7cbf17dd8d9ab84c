/**
 * End to end through the real `cdc` CLI: kill -9 in the middle of the snapshot. Reading the second table waits for
 * an advisory lock the test holds (a row-level security policy calls a function that takes it), so the snapshot
 * deterministically stops after the first table (checkpointed); the CLI is killed there, both tables change while
 * it is down, the lock goes, and a restarted CLI reads the rest in a new exported snapshot: the sink ends equal to
 * the source, nothing lost, no stale row. (A table lock would not do: an ACCESS EXCLUSIVE lock gets a transaction
 * id, and creating the replication slot waits for every transaction with one.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ValuesOutput } from '@cdc/connector-values';
import { CliRuns, waitUntil } from '@cdc/testkit';
import { cdc, output, valuesPipeline } from './cli-pipeline.js';
import { admin, dropDatabase, ensureService, recreateDatabase } from './helpers.js';

const DB = 'cdc_pg_e2e_snap';
const USER = 'cdc_pg_e2e_snap';
const PASSWORD = 'snap-Pass-7';
let db: pg.Client;
let locker: pg.Client;
const started = new CliRuns(cdc);

beforeAll(async () => {
  await ensureService('postgres');
  await recreateDatabase(DB);
  db = await admin(DB);
  locker = await admin(DB);
  await db.query(`CREATE TABLE a_first (id bigint PRIMARY KEY, v text); INSERT INTO a_first SELECT g, 'a' || g FROM generate_series(1, 500) g`);
  await db.query(`CREATE TABLE b_second (id bigint PRIMARY KEY, v text); INSERT INTO b_second SELECT g, 'b' || g FROM generate_series(1, 500) g`);
  // the source logs in as a role that row-level security applies to (superusers bypass it)
  const root = await admin();
  await root.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USER}') THEN CREATE ROLE ${USER} LOGIN REPLICATION; END IF; END $$`);
  await root.query(`ALTER ROLE ${USER} LOGIN REPLICATION PASSWORD '${PASSWORD}'`);
  await root.end();
  await db.query(`GRANT SELECT ON a_first, b_second TO ${USER}`);
  await db.query(`CREATE FUNCTION gate() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242); RETURN true; END $$`);
  await db.query(`ALTER TABLE b_second ENABLE ROW LEVEL SECURITY; CREATE POLICY gated ON b_second FOR SELECT TO ${USER} USING (gate())`);
  await db.query(`CREATE PUBLICATION cdc_pg_e2e_snap_pub FOR TABLE a_first, b_second`);
}, 600_000);

afterAll(async () => {
  started.killAll();
  await locker?.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
  await locker?.end().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await dropDatabase(DB).catch(() => undefined);
  const root = await admin();
  await root.query(`DROP ROLE IF EXISTS ${USER}`).catch(() => undefined);
  await root.end();
});

const rowsOf = async (t: string) => (await db.query<{ r: string }>(`SELECT id || '=' || v AS r FROM ${t} ORDER BY id`)).rows.map((x) => x.r);
const sinkRows = (o: ValuesOutput | undefined, t: string) =>
  (o?.tables[`public.${t}`]?.rowsAsJson ?? []).map((r) => `${r.id}=${r.v}`).sort((x, y) => Number(x.split('=')[0]) - Number(y.split('=')[0]));

describe('cdc run: PostgreSQL -> values sink, kill -9 mid-snapshot', () => {
  it('restarts the snapshot where the checkpoint left it and ends equal to the source', async () => {
    const { out, args } = valuesPipeline(
      'postgres e2e snapshot',
      {
        username: USER,
        password: PASSWORD,
        tables: `${DB}.public.a_first, ${DB}.public.b_second`,
        'slot.name': 'cdc_pg_e2e_snap',
        'debezium.publication.name': 'cdc_pg_e2e_snap_pub',
        'scan.incremental.snapshot.chunk.size': 50,
      },
      { parallelism: 1, 'execution.checkpointing.interval': '100ms' },
    );
    // the snapshot will wait for this lock when it reaches the second table
    await locker.query('SELECT pg_advisory_lock(4242)');
    const run1 = started.start(args);
    await waitUntil('the first table in a checkpoint', () => sinkRows(output(out), 'a_first').length === 500, { runs: [run1] });
    const o1 = output(out)!;
    expect(sinkRows(o1, 'b_second'), 'the second table is not read yet').toEqual([]);
    await run1.kill9();

    // while it is down: changes to the table already read (streamed after the restart) and to the table not
    // read yet (part of its new snapshot), in the locking transaction and after it
    await db.query(`UPDATE b_second SET v = 'changed' WHERE id <= 10; DELETE FROM b_second WHERE id > 490; INSERT INTO b_second VALUES (1000, 'new')`);
    await db.query(`UPDATE a_first SET v = 'changed' WHERE id <= 10; DELETE FROM a_first WHERE id > 490; INSERT INTO a_first VALUES (1000, 'new')`);
    await locker.query('SELECT pg_advisory_unlock(4242)');
    await db.query(`UPDATE a_first SET v = 'again' WHERE id = 1; UPDATE b_second SET v = 'again' WHERE id = 2`);

    const run2 = started.start(args);
    const want = { a: await rowsOf('a_first'), b: await rowsOf('b_second') };
    await waitUntil(
      'the sink to equal the source',
      () => {
        const o = output(out);
        return JSON.stringify(sinkRows(o, 'a_first')) === JSON.stringify(want.a) && JSON.stringify(sinkRows(o, 'b_second')) === JSON.stringify(want.b);
      },
      { runs: [run2] },
    );
    // and changes after the restart still flow
    await db.query(`INSERT INTO b_second VALUES (2000, 'live')`);
    const want2 = await rowsOf('b_second');
    await waitUntil('a change after the restart', () => JSON.stringify(sinkRows(output(out), 'b_second')) === JSON.stringify(want2), { runs: [run2] });
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    await run2.stop();
  }, 180_000);
});
