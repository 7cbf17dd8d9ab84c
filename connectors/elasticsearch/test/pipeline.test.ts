/**
 * End to end with the real `cdc` CLI (from source, child process) into the real Elasticsearch node:
 * - values -> elasticsearch: inserts, an update, deletes and an add.column, documents asserted exactly; a second
 *   run into an index whose mapping conflicts fails with an error naming table, document id and reason.
 * - MariaDB -> elasticsearch: snapshot, binlog changes with an ALTER TABLE ADD COLUMN, kill -9 of `cdc run` in the
 *   middle of a stream of changes, changes while it is down, restart: the index ends equal to the table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { isLosslessNumber } from 'lossless-json';
import { ensureService, mariadbConfig } from '@cdc/services';
import { cdcFromSource, CliRuns, runArgs, streamChanges, waitUntil, writePipeline as writePipelineFile, type CliRun, type PipelineSection } from '@cdc/testkit';
import { deleteIndices, ensureElasticsearch, es, esConfig, exact, repoRoot, searchAll, sleep } from './helpers.js';

const esDir = join(repoRoot, 'connectors', 'elasticsearch');
const mysqlDir = join(repoRoot, 'connectors', 'mysql');
const started = new CliRuns(cdcFromSource(repoRoot));
const DB = 'cdc_es_e2e';
let conn: mysql.Connection;

beforeAll(async () => {
  await Promise.all([ensureElasticsearch(), ensureService('mariadb')]);
  await deleteIndices('cdc_es_values.');
  await deleteIndices(`${DB}.`);
  const c = mariadbConfig();
  conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
}, 900_000);

afterAll(async () => {
  started.killAll();
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
  await deleteIndices('cdc_es_values.');
  await deleteIndices(`${DB}.`);
});

function writePipeline(dir: string, source: PipelineSection, sink: PipelineSection = {}): string {
  return writePipelineFile(join(dir, 'pipeline.yaml'), {
    source,
    sink: { type: 'elasticsearch', hosts: esConfig().url, version: 8, 'buffer.time.max.ms': 100, ...sink },
    pipeline: { name: 'es e2e', parallelism: 1, 'schema.change.behavior': 'evolve', 'execution.checkpointing.interval': '200ms' },
  });
}

/** A values source replaying `events` (one YAML flow mapping each). */
const valuesSource = (...events: string[]): PipelineSection => ({ type: 'values', events: events.map((e) => `- ${e}`).join('\n') });

describe('cdc run: values -> elasticsearch', () => {
  it('inserts, update, deletes and add.column arrive as documents with exact values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-es-values-'));
    const file = writePipeline(
      dir,
      valuesSource(
        '{op: create, table: cdc_es_values.orders, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: amount, type: "DECIMAL(38, 10)"}, {name: at, type: TIMESTAMP(6)}, {name: note, type: STRING}], primaryKeys: [id]}}',
        '{op: insert, table: cdc_es_values.orders, after: {id: 9223372036854775807, amount: "1234567890123456789012345678.1234567890", at: "2024-02-29T23:59:59.999999", note: "max 😀"}}',
        '{op: insert, table: cdc_es_values.orders, after: {id: 1, amount: "0.5", at: "1970-01-01T00:00:00.000001", note: null}}',
        '{op: insert, table: cdc_es_values.orders, after: {id: 2, amount: "2", at: "2000-01-01T00:00:00", note: gone}}',
        '{op: update, table: cdc_es_values.orders, before: {id: 1, amount: "0.5", at: "1970-01-01T00:00:00.000001"}, after: {id: 1, amount: "-0.0000000001", at: "1970-01-01T00:00:00.000002", note: updated}}',
        '{op: delete, table: cdc_es_values.orders, before: {id: 2, amount: "2", at: "2000-01-01T00:00:00", note: gone}}',
        '{op: add.column, table: cdc_es_values.orders, columns: [{name: qty, type: INT}]}',
        '{op: insert, table: cdc_es_values.orders, after: {id: 3, amount: "3.3", at: "2024-06-30T12:00:00.123456", note: new, qty: 7}}',
        '{op: delete, table: cdc_es_values.orders, before: {id: 404, amount: "0", at: "2024-01-01T00:00:00"}}',
      ),
    );
    const r = await started.start(runArgs(file, join(dir, 'state'), [esDir])).done;
    expect(r.code, r.stderr).toBe(0);
    const docs = await searchAll('cdc_es_values.orders');
    expect(docs.map((d) => [d.id, exact(d.source)])).toEqual([
      ['1', { id: '#1', amount: '-0.0000000001', at: '1970-01-01T00:00:00.000002', note: 'updated' }],
      ['3', { id: '#3', amount: '3.3', at: '2024-06-30T12:00:00.123456', note: 'new', qty: '#7' }],
      ['9223372036854775807', { id: '#9223372036854775807', amount: '1234567890123456789012345678.1234567890', at: '2024-02-29T23:59:59.999999', note: 'max 😀' }],
    ]);
  }, 120_000);

  it('a mapping conflict fails the run with the table, document id and Elasticsearch reason; the good rows are indexed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-es-values-'));
    await es('PUT', '/cdc_es_values.conflict', { mappings: { properties: { qty: { type: 'integer' } } } });
    const file = writePipeline(
      dir,
      valuesSource(
        '{op: create, table: cdc_es_values.conflict, schema: {columns: [{name: id, type: INT NOT NULL}, {name: qty, type: STRING}], primaryKeys: [id]}}',
        '{op: insert, table: cdc_es_values.conflict, after: {id: 1, qty: "12"}}',
        '{op: insert, table: cdc_es_values.conflict, after: {id: 2, qty: "twelve"}}',
        '{op: insert, table: cdc_es_values.conflict, after: {id: 3, qty: "3"}}',
      ),
    );
    const r = await started.start(runArgs(file, join(dir, 'state'), [esDir])).done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Elasticsearch refused to index document id "2" of table cdc_es_values\.conflict in index cdc_es_values\.conflict: document_parsing_exception: .*\[qty\].*twelve/);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect((await searchAll('cdc_es_values.conflict')).map((d) => [d.id, exact(d.source)])).toEqual([
      ['1', { id: '#1', qty: '12' }],
      ['3', { id: '#3', qty: '3' }],
    ]);
  }, 120_000);
});

/**
 * A value as text, temporal values in ISO form, numbers by their digits: MariaDB's text and the _source compare
 * equal. Null fields are left out: documents indexed before an ADD COLUMN do not have the new field.
 */
const norm = (v: unknown): string | null => (v === null || v === undefined ? null : isLosslessNumber(v) ? String(v.value) : String(v).replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'));
const normRow = (r: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)]).filter(([, v]) => v !== null).sort(([a], [b]) => (a! < b! ? -1 : 1))));

async function sourceRows(table: string): Promise<string[]> {
  const [rows] = await conn.query(`SELECT * FROM ${table}`);
  return (rows as Record<string, unknown>[]).map(normRow).sort();
}
async function indexRows(index: string): Promise<string[]> {
  return (await searchAll(index)).map((d) => normRow(d.source)).sort();
}

describe('cdc run: MariaDB -> elasticsearch', () => {
  it('snapshot, binlog changes with ADD COLUMN; kill -9 mid-stream and restart ends with the index equal to the table', async () => {
    const table = `${DB}.orders`;
    const index = table;
    await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4;
      CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, big BIGINT UNSIGNED, amount DECIMAL(30,10), at DATETIME(6), note VARCHAR(50)) CHARACTER SET utf8mb4`);
    const rows = Array.from({ length: 50 }, (_, i) => `(${i + 10}, ${i * 1000}, '${i}.${String(i).padStart(10, '0')}', '2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}', 'row ${i}')`);
    await conn.query(`INSERT INTO ${table} VALUES (1, 18446744073709551615, '99999999999999999999.9999999999', '2024-02-29 23:59:59.999999', 'max 😀'), (2, 0, '-0.0000000001', '1970-01-01 00:00:00.000001', NULL), ${rows.join(',')}`);
    const dir = mkdtempSync(join(tmpdir(), 'cdc-es-mysql-'));
    const c = mariadbConfig();
    const file = writePipeline(dir, { type: 'mysql', hostname: c.host, port: c.port, username: c.user, password: c.password, tables: table, 'server-id': '5650-5651' });
    const args = runArgs(file, join(dir, 'state'), [esDir, mysqlDir]);
    const waitEqual = async (run: CliRun, what: string, extra: () => boolean = () => true, timeoutMs = 90_000) => {
      let src: string[] = [];
      let idx: string[] = [];
      const equal = async () => {
        [src, idx] = [await sourceRows(table), await indexRows(index)];
        return extra() && JSON.stringify(src) === JSON.stringify(idx);
      };
      await waitUntil(what, equal, { runs: [run], timeoutMs, intervalMs: 250, detail: () => `source ${src.length} rows, index ${idx.length} docs` });
      return idx;
    };

    // 1. snapshot, exact values
    const run1 = started.start(args);
    await waitEqual(run1, 'the snapshot');
    const one = (await searchAll(index)).find((d) => d.id === '1')!;
    expect(exact(one.source)).toEqual({ id: '#1', big: '18446744073709551615', amount: '99999999999999999999.9999999999', at: '2024-02-29T23:59:59.999999', note: 'max 😀' });

    // 2. binlog changes and a schema change
    await conn.query(`UPDATE ${table} SET amount = '0.0000000002', at = '2000-01-01 00:00:00.5' WHERE id = 2`);
    await conn.query(`DELETE FROM ${table} WHERE id IN (10, 11)`);
    await conn.query(`ALTER TABLE ${table} ADD COLUMN qty INT`);
    await conn.query(`INSERT INTO ${table} (id, big, amount, at, note, qty) VALUES (100, 7, '1.5', '2024-06-30 12:00:00.123456', 'with qty', -2147483648)`);
    await waitEqual(run1, 'the binlog changes', () => true);
    const docs = await searchAll(index);
    expect(exact(docs.find((d) => d.id === '100')!.source)).toEqual({ id: '#100', big: '7', amount: '1.5000000000', at: '2024-06-30T12:00:00.123456', note: 'with qty', qty: '#-2147483648' });
    expect(exact(docs.find((d) => d.id === '2')!.source)).toMatchObject({ amount: '0.0000000002', at: '2000-01-01T00:00:00.500000' });
    expect(docs.some((d) => d.id === '10')).toBe(false);

    // 3. a stream of changes; kill -9 in the middle; changes go on while it is down
    let killed = false;
    const writer = streamChanges(200, async (i) => {
      // half of the changes before the kill, half while cdc is down, whatever the machine's speed
      while (i === 100 && !killed) await sleep(50);
      await conn.query(`INSERT INTO ${table} (id, big, amount, at, note, qty) VALUES (?, ?, ?, ?, ?, ?)`, [1000 + i, `1844674407370955${String(i).padStart(4, '0')}`, `${i}.${String(i).padStart(10, '7')}`, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`, `s${i}`, i]);
      if (i % 3 === 0) await conn.query(`UPDATE ${table} SET amount = amount + 1, qty = COALESCE(qty, 0) + 1 WHERE id = ?`, [12 + (i % 40)]);
      if (i % 5 === 0) await conn.query(`DELETE FROM ${table} WHERE id = ?`, [1000 + Math.floor(i / 2)]);
    });
    await waitUntil('streamed changes in the index', async () => (await searchAll(index)).filter((d) => Number(d.id) >= 1000).length >= 20 && writer.written >= 50, { runs: [run1] });
    await run1.kill9();
    killed = true;
    await writer.done;
    expect(writer.written).toBe(200);

    // 4. restart: resumes from the last checkpoint, replays idempotently, ends equal to the table
    const run2 = started.start(args);
    await waitEqual(run2, 'the index to equal the table after the restart');
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    await run2.stop();
  }, 240_000);
});
