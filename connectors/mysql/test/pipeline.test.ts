/**
 * End to end: a pipeline file MariaDB -> values sink (sink.output.file) run by the real `cdc` CLI from source in a
 * child process. Snapshot with exact values (BIGINT UNSIGNED max, DECIMAL(65,30), DATETIME(6)), live inserts,
 * updates, deletes, ALTER TABLE ADD COLUMN / DROP COLUMN in the binlog; then kill -9 of `cdc run` in the middle
 * of a stream of binlog changes (after some checkpoints), changes while it is down, a restart, and the sink ends
 * equal to the source table (both read and compared).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { startCli } from '../../../packages/cli/test/run-cli.js';
import { admin, ensureService, mariadbConfig, sleep } from './helpers.js';

const DB = 'cdc_mysql_e2e';
const TABLE = `${DB}.orders`;
const connectorDir = join(import.meta.dirname, '..');
let conn: mysql.Connection;
const started: ReturnType<typeof startCli>[] = [];

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4;
    CREATE TABLE ${TABLE} (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, big BIGINT UNSIGNED, amount DECIMAL(65,30), at DATETIME(6), note VARCHAR(50)) CHARACTER SET utf8mb4`);
  const rows = Array.from({ length: 60 }, (_, i) => `(${i + 10}, ${i * 1000}, '${i}.${String(i).padStart(30, '0')}', '2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}', 'row ${i}')`);
  await conn.query(`INSERT INTO ${TABLE} VALUES
    (1, 18446744073709551615, '99999999999999999999999999999999999.999999999999999999999999999999', '2024-02-29 23:59:59.999999', 'max 😀'),
    (2, 0, '-0.000000000000000000000000000001', '1970-01-01 00:00:00.000001', NULL),
    (3, NULL, NULL, NULL, 'nulls'),
    ${rows.join(',\n')}`);
}, 600_000);

afterAll(async () => {
  for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
});

type Json = Record<string, unknown>;

/** A value as text, temporal values in ISO form: the sink's JSON and the server's text compare equal. */
const norm = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'));
const normRows = (rows: readonly Json[]): Record<string, string | null>[] =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)]))).sort((a, b) => (BigInt(a.id!) < BigInt(b.id!) ? -1 : BigInt(a.id!) > BigInt(b.id!) ? 1 : 0));

async function sourceRows(): Promise<{ columns: string[]; rows: Record<string, string | null>[] }> {
  const [rows, fields] = await conn.query(`SELECT * FROM ${TABLE} ORDER BY id`);
  return { columns: (fields as { name: string }[]).map((f) => f.name), rows: normRows(rows as Json[]) };
}

function output(file: string): ValuesOutput | undefined {
  try {
    return readOutputFile(file);
  } catch {
    return undefined; // not written yet
  }
}

let progress = (): string => '';

/** Polls the sink's output file until `ok` holds; the error says what was last seen and what the CLI printed. */
async function waitOutput(file: string, ok: (o: ValuesOutput) => boolean | Promise<boolean>, what: string, run: ReturnType<typeof startCli>, timeoutMs = 45_000): Promise<ValuesOutput> {
  const deadline = Date.now() + timeoutMs;
  let last: ValuesOutput | undefined;
  for (;;) {
    last = output(file);
    if (last && (await ok(last))) return last;
    if (run.child.exitCode !== null) throw new Error(`cdc run exited (${run.child.exitCode}) while waiting for ${what}:\n${run.output().stderr}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; ${progress()}; last checkpoint ${last?.checkpointId}, sink rows ${JSON.stringify(last?.tables[TABLE]?.rowsAsJson.length)}\n${run.output().stderr.slice(-3000)}`);
    }
    await sleep(100);
  }
}

/** The sink's table equals the source table: same columns in the same order, same rows, exact values. */
async function sinkEqualsSource(o: ValuesOutput): Promise<boolean> {
  const t = o.tables[TABLE];
  if (!t) return false;
  const src = await sourceRows();
  return JSON.stringify(t.schema.columns.map((c) => c.name)) === JSON.stringify(src.columns) && JSON.stringify(normRows(t.rowsAsJson as Json[])) === JSON.stringify(src.rows);
}

async function expectSinkEqualsSource(o: ValuesOutput): Promise<void> {
  const src = await sourceRows();
  expect(o.tables[TABLE].schema.columns.map((c) => c.name)).toEqual(src.columns);
  expect(normRows(o.tables[TABLE].rowsAsJson as Json[])).toEqual(src.rows);
}

describe('cdc run: MariaDB -> values sink', () => {
  it('snapshot, live changes and DDL with exact values; kill -9 mid-binlog and restart ends equal to the source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-mysql-e2e-'));
    const out = join(dir, 'out.json');
    const c = mariadbConfig();
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      `
source:
  type: mysql
  hostname: ${c.host}
  port: ${c.port}
  username: ${c.user}
  password: ${c.password}
  tables: ${DB}.orders
  server-id: 5440-5441
  scan.incremental.snapshot.chunk.size: 16
  scan.snapshot.fetch.size: 8
sink:
  type: values
  sink.output.file: ${out}
pipeline:
  name: mysql e2e
  parallelism: 2
  schema.change.behavior: evolve
  execution.checkpointing.interval: 200ms
`,
    );
    const args = ['run', pipeline, '--state-dir', join(dir, 'state'), '--plugin-dir', connectorDir, '--no-progress'];

    // 1. snapshot, exact values
    const run1 = startCli(args);
    started.push(run1);
    let o = await waitOutput(out, (x) => (x.tables[TABLE]?.rowsAsJson.length ?? 0) === 63, 'the 63 snapshot rows', run1);
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
    o = await waitOutput(out, (x) => !!byId(x, '102') && sinkEqualsSource(x), 'the live changes and DDL', run1);
    expect(o.tables[TABLE].schema.columns.map((col) => col.name)).toEqual(['id', 'big', 'amount', 'extra', 'at']);
    expect(byId(o, '100')).toEqual({ id: '100', big: '18446744073709551614', amount: '-12345678901234567890123456789012345.000000000000000000000000000001', extra: null, at: '2038-01-19T03:14:08.000001' });
    expect(byId(o, '2')).toEqual({ id: '2', big: '18446744073709551615', amount: '0.000000000000000000000000000002', extra: null, at: '2000-01-01T00:00:00.500000' });
    expect(byId(o, '1')).toMatchObject({ big: '18446744073709551615', extra: 42 });
    expect(byId(o, '101')).toEqual({ id: '101', big: '7', amount: '1.500000000000000000000000000000', extra: -2147483648, at: '2024-06-30T12:00:00.123456' });
    expect(byId(o, '102')).toEqual({ id: '102', big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999', extra: 2147483647, at: '9999-12-31T23:59:59.999999' });
    expect(byId(o, '3')).toBeUndefined();
    await expectSinkEqualsSource(o);

    // 3. a stream of changes; kill -9 after some checkpoints in the middle of it; changes go on while it is down
    let written = 0;
    const writer = (async () => {
      for (let i = 0; i < 300; i++) {
        const id = 1000 + i;
        await conn.query(`INSERT INTO ${TABLE} (id, big, amount, extra, at) VALUES (?, ?, ?, ?, ?)`, [id, `1844674407370955${String(i).padStart(4, '0')}`, `${i}.${String(i).padStart(30, '7')}`, i, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`]);
        if (i % 3 === 0) await conn.query(`UPDATE ${TABLE} SET amount = amount + 1, extra = extra + 1 WHERE id = ?`, [10 + (i % 60)]);
        if (i % 5 === 0) await conn.query(`DELETE FROM ${TABLE} WHERE id = ?`, [1000 + Math.floor(i / 2)]);
        if (i % 50 === 25) await conn.query(`UPDATE ${TABLE} SET at = '2026-01-01 00:00:00.000001' WHERE id BETWEEN 1000 AND ?`, [id]);
        written = i + 1;
        await sleep(15);
      }
    })();
    progress = () => `changes written: ${written}`;
    const checkpointAtStart = o.checkpointId;
    await waitOutput(out, (x) => x.checkpointId >= checkpointAtStart + 3 && written >= 60 && x.tables[TABLE].rowsAsJson.filter((r) => Number(r.id) >= 1000).length >= 20, 'checkpoints during the stream of changes', run1);
    expect(written, 'killed in the middle of the changes').toBeLessThan(300);
    run1.child.kill('SIGKILL');
    const killed = await run1.done;
    expect(killed.signal).toBe('SIGKILL');
    await writer;

    // 4. restart: resumes from the last checkpoint and ends equal to the source
    const run2 = startCli(args);
    started.push(run2);
    o = await waitOutput(out, (x) => !!byId(x, '1299') && sinkEqualsSource(x), 'the sink to equal the source after the restart', run2, 60_000);
    await expectSinkEqualsSource(o);
    expect(byId(o, '1')).toMatchObject({ big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999' });
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    run2.child.kill('SIGTERM');
    const stopped = await run2.done;
    expect(stopped.code, stopped.stderr).toBe(0);
  }, 180_000);
});
