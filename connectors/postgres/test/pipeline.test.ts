/**
 * End to end: a pipeline file PostgreSQL -> values sink (sink.output.file) run by the real `cdc` CLI from source in
 * a child process. Snapshot with exact values (bigint extremes, numeric(38,10), unbounded numeric, timestamp(6),
 * timestamptz, jsonb), live inserts, updates, deletes, ADD COLUMN / DROP COLUMN (seen in pgoutput relation
 * messages); then kill -9 of `cdc run` in the middle of a stream of changes (after some checkpoints), changes
 * while it is down, a restart, and the sink ends equal to the source table (both read and compared). The slot's
 * confirmed flush LSN moves only after checkpoints.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ValuesOutput } from '@cdc/connector-values';
import { CliRuns, streamChanges, waitForValue, type CliRun } from '@cdc/testkit';
import { cdc, output, valuesPipeline } from './cli-pipeline.js';
import { useDatabase } from './helpers.js';

const DB = 'cdc_pg_e2e';
const SLOT = 'cdc_pg_e2e_slot';
const TABLE = 'public.orders';
let db: pg.Client;
const started = new CliRuns(cdc);

useDatabase(DB, async (c) => {
  db = c;
  await db.query(`SET TimeZone = 'UTC'`);
  await db.query(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, big bigint, amount numeric(38,10), exact numeric, at timestamp(6), atz timestamptz, note text, doc jsonb)`);
  const rows = Array.from(
    { length: 60 },
    (_, i) =>
      `(${i + 10}, ${i * 1000}, '${i}.${String(i).padStart(10, '0')}', '${i}e-20', '2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}', '2024-01-01 00:00:00.${String(i).padStart(6, '0')}+01', 'row ${i}', '{"i": ${i}}')`,
  );
  await db.query(`INSERT INTO ${TABLE} VALUES
    (1, 9223372036854775807, '9999999999999999999999999999.9999999999', '123456789012345678901234567890.000000000000000000001', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999-08', 'max 😀', '{"k": [1, 2.50, "x"]}'),
    (2, -9223372036854775808, '-0.0000000001', 'NaN', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:00.000001+00', NULL, 'null'),
    (3, NULL, NULL, NULL, NULL, NULL, 'nulls', NULL),
    ${rows.join(',\n')}`);
});

afterAll(() => started.killAll());

type Json = Record<string, unknown>;

/** Text of a value, timestamps without trailing fraction zeros: the sink's JSON and the server's text compare equal. */
const norm = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  s = s.replace(/^(\d{4}-\d\d-\d\d) (\d\d:)/, '$1T$2').replace(/\+00$/, 'Z');
  return s.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.?(\d*?)0*(Z?)$/, (_m, a: string, f: string, z: string) => `${a}${f ? `.${f}` : ''}${z}`);
};
const normRows = (rows: readonly Json[]): Record<string, string | null>[] =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)]))).sort((a, b) => (BigInt(a.id!) < BigInt(b.id!) ? -1 : BigInt(a.id!) > BigInt(b.id!) ? 1 : 0));

async function sourceRows(): Promise<{ columns: string[]; rows: Record<string, string | null>[] }> {
  const cols = (await db.query<{ attname: string }>(`SELECT attname FROM pg_attribute WHERE attrelid = '${TABLE}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)).rows.map((r) => r.attname);
  const r = await db.query<Json>(`SELECT ${cols.map((c) => `${c}::text AS ${c}`).join(', ')} FROM ${TABLE} ORDER BY id`);
  // jsonb text is compared parsed (the sink keeps the server's text, JSON.stringify of a parsed doc differs)
  return { columns: cols, rows: normRows(r.rows.map((x) => ({ ...x, ...(x.doc ? { doc: JSON.stringify(JSON.parse(x.doc as string)) } : {}) }))) };
}

const sinkRows = (t: ValuesOutput['tables'][string]) =>
  normRows((t.rowsAsJson as Json[]).map((x) => ({ ...x, ...(typeof x.doc === 'string' ? { doc: JSON.stringify(JSON.parse(x.doc)) } : {}) })));

let progress = (): string => '';

/** Polls the sink's output file until `ok` holds; the error says what was last seen and what the CLI printed. */
const wait = (out: string, ok: (o: ValuesOutput) => boolean | Promise<boolean>, what: string, run: CliRun, timeoutMs = 45_000) =>
  waitForValue(what, () => output(out), ok, { runs: [run], timeoutMs, detail: (last) => `${progress()}; last checkpoint ${last?.checkpointId}, sink rows ${JSON.stringify(last?.tables[TABLE]?.rowsAsJson.length)}` });

async function sinkEqualsSource(o: ValuesOutput): Promise<boolean> {
  const t = o.tables[TABLE];
  if (!t) return false;
  const src = await sourceRows();
  return JSON.stringify(t.schema.columns.map((c) => c.name)) === JSON.stringify(src.columns) && JSON.stringify(sinkRows(t)) === JSON.stringify(src.rows);
}

async function expectSinkEqualsSource(o: ValuesOutput): Promise<void> {
  const src = await sourceRows();
  expect(o.tables[TABLE].schema.columns.map((c) => c.name)).toEqual(src.columns);
  expect(sinkRows(o.tables[TABLE])).toEqual(src.rows);
}

const confirmedFlush = async (): Promise<bigint> => {
  const r = await db.query<{ l: string }>(`SELECT (confirmed_flush_lsn - '0/0')::text AS l FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
  return BigInt(r.rows[0]?.l ?? '0');
};

describe('cdc run: PostgreSQL -> values sink', () => {
  it('snapshot, live changes and column add/drop with exact values; kill -9 mid-stream and restart ends equal to the source', async () => {
    const { out, args } = valuesPipeline(
      'postgres e2e',
      {
        tables: `${DB}.public.orders`,
        'slot.name': SLOT,
        'decoding.plugin.name': 'pgoutput',
        'debezium.publication.name': 'cdc_pg_e2e_pub',
        'scan.incremental.snapshot.chunk.size': 16,
        'scan.lsn-commit.checkpoints-num-delay': 1,
        'heartbeat.interval': '500ms',
      },
      { parallelism: 2, 'schema.change.behavior': 'evolve', 'execution.checkpointing.interval': '200ms' },
    );

    // 1. snapshot, exact values
    const run1 = started.start(args);
    let o = await wait(out, (x) => (x.tables[TABLE]?.rowsAsJson.length ?? 0) === 63, 'the 63 snapshot rows', run1);
    const byId = (x: ValuesOutput, id: string) => x.tables[TABLE].rowsAsJson.find((r) => String(r.id) === id);
    expect(o.tables[TABLE].schema.columns.map((col) => `${col.name} ${col.type.type}`)).toEqual([
      'id BIGINT', 'big BIGINT', 'amount DECIMAL', 'exact STRING', 'at TIMESTAMP', 'atz TIMESTAMP_LTZ', 'note STRING', 'doc STRING',
    ]);
    expect(byId(o, '1')).toMatchObject({
      id: '1', big: '9223372036854775807', amount: '9999999999999999999999999999.9999999999', exact: '123456789012345678901234567890.000000000000000000001',
      note: 'max 😀', doc: '{"k": [1, 2.50, "x"]}',
    });
    expect(norm(byId(o, '1')!.at)).toBe('2024-02-29T23:59:59.999999');
    expect(norm(byId(o, '1')!.atz)).toBe('2024-03-01T07:59:59.999999Z');
    expect(byId(o, '2')).toMatchObject({ big: '-9223372036854775808', amount: '-0.0000000001', exact: 'NaN', note: null, doc: 'null' });
    await expectSinkEqualsSource(o);
    const flushAfterSnapshot = await confirmedFlush();

    // 2. live changes and schema changes through pgoutput
    await db.query(`INSERT INTO ${TABLE} VALUES (100, 9223372036854775806, '-1234567890123456789012345678.0000000001', '1e-30', '2038-01-19 03:14:08.000001', '2038-01-19 03:14:08.000001+00', 'live', '[]')`);
    await db.query(`UPDATE ${TABLE} SET big = 9223372036854775807, amount = '0.0000000002', at = '2000-01-01 00:00:00.5' WHERE id = 2`);
    await db.query(`DELETE FROM ${TABLE} WHERE id IN (3, 10)`);
    await db.query(`ALTER TABLE ${TABLE} ADD COLUMN extra integer`);
    await db.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at, note) VALUES (101, 7, '1.5', -2147483648, '2024-06-30 12:00:00.123456', 'with extra')`);
    await db.query(`UPDATE ${TABLE} SET extra = 42 WHERE id = 1`);
    o = await wait(out, (x) => !!byId(x, '101') && byId(x, '1')?.extra === 42, 'the live changes and the added column', run1);
    await db.query(`ALTER TABLE ${TABLE} DROP COLUMN note`);
    await db.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at) VALUES (102, -1, '99999999999999999999999999.9999999999', 2147483647, '9999-12-31 23:59:59.999999')`);
    o = await wait(out, (x) => !!byId(x, '102') && sinkEqualsSource(x), 'the dropped column', run1);
    expect(o.tables[TABLE].schema.columns.map((col) => col.name)).toEqual(['id', 'big', 'amount', 'exact', 'at', 'atz', 'doc', 'extra']);
    expect(byId(o, '100')).toMatchObject({ id: '100', big: '9223372036854775806', amount: '-1234567890123456789012345678.0000000001', exact: '0.000000000000000000000000000001', extra: null });
    expect(byId(o, '101')).toMatchObject({ big: '7', amount: '1.5000000000', extra: -2147483648 });
    expect(byId(o, '102')).toMatchObject({ amount: '99999999999999999999999999.9999999999', extra: 2147483647 });
    expect(norm(byId(o, '2')!.at)).toBe('2000-01-01T00:00:00.5');
    expect(byId(o, '3')).toBeUndefined();
    await expectSinkEqualsSource(o);

    // 3. a stream of changes; kill -9 after some checkpoints in the middle of it; changes go on while it is down
    const writer = streamChanges(300, async (i) => {
      const id = 1000 + i;
      await db.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at, atz) VALUES ($1, $2, $3, $4, $5, $6)`, [
        id, `92233720368547${String(i).padStart(5, '0')}`, `${i}.${String(i).padStart(10, '7')}`, i, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`, `2025-03-04 05:06:07.${String(i).padStart(6, '1')}+03`,
      ]);
      if (i % 3 === 0) await db.query(`UPDATE ${TABLE} SET amount = amount + 1, extra = coalesce(extra, 0) + 1 WHERE id = $1`, [10 + (i % 60)]);
      if (i % 5 === 0) await db.query(`DELETE FROM ${TABLE} WHERE id = $1`, [1000 + Math.floor(i / 2)]);
      if (i % 50 === 25) await db.query(`UPDATE ${TABLE} SET at = '2026-01-01 00:00:00.000001' WHERE id BETWEEN 1000 AND $1`, [id]);
    });
    progress = () => `changes written: ${writer.written}`;
    const checkpointAtStart = o.checkpointId;
    await wait(out, (x) => x.checkpointId >= checkpointAtStart + 3 && writer.written >= 60 && x.tables[TABLE].rowsAsJson.filter((r) => Number(r.id) >= 1000).length >= 20, 'checkpoints during the stream of changes', run1);
    expect(writer.written, 'killed in the middle of the changes').toBeLessThan(300);
    await run1.kill9();
    // the slot moved on after checkpoints only (never past what the sink committed)
    expect(await confirmedFlush()).toBeGreaterThan(flushAfterSnapshot);
    await writer.done;

    // 4. restart: resumes from the last checkpoint and ends equal to the source
    const run2 = started.start(args);
    o = await wait(out, (x) => !!byId(x, '1299') && sinkEqualsSource(x), 'the sink to equal the source after the restart', run2, 60_000);
    await expectSinkEqualsSource(o);
    expect(byId(o, '1')).toMatchObject({ big: '9223372036854775807', amount: '9999999999999999999999999999.9999999999', extra: 42 });
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    await run2.stop();
  }, 180_000);
});
