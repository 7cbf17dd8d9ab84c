/**
 * End to end with the real `cdc` CLI (child process): MariaDB -> StarRocks (the emulator, in this process, over
 * real HTTP and MySQL protocol) with sink.semantic exactly-once (transaction stream load). Snapshot with exact
 * values (BIGINT UNSIGNED max -> LARGEINT, DECIMAL(65,30) -> VARCHAR, DATETIME microseconds), live
 * inserts/updates/deletes, ADD/DROP COLUMN; then kill -9 while transactions are prepared, changes while it is
 * down, a restart: the tables read back through the emulator's MySQL port equal the source; the committed
 * loads of `events` hold exactly as many rows as the source produced changes (a replayed load would add rows),
 * and no prepared transaction is left behind.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { ensureService, mariadbConfig } from '@cdc/services';
import { feConnection, startEmulator, type Emulator } from '@cdc/stream-load-emulator';
import { startCli } from '../../../packages/cli/test/run-cli.js';

const DB = 'cdc_dsr_sr_e2e';
const connectorDir = join(import.meta.dirname, '..');
const mysqlDir = join(import.meta.dirname, '..', '..', 'mysql');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: ReturnType<typeof startCli>[] = [];
let src: mysql.Connection;
let fe: mysql.Connection;
let emu: Emulator;

beforeAll(async () => {
  await ensureService('mariadb');
  const c = mariadbConfig();
  src = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  emu = await startEmulator({ flavour: 'starrocks', version: '3.3.5', storage: c });
  fe = await feConnection({ port: emu.mysqlPort });
  await fe.query(`DROP DATABASE IF EXISTS ${DB}`);
  await src.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4;
    CREATE TABLE ${DB}.orders (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, big BIGINT UNSIGNED, amount DECIMAL(65,30), price DECIMAL(20,4), at DATETIME(6), note VARCHAR(20)) CHARACTER SET utf8mb4;
    CREATE TABLE ${DB}.events (id INT NOT NULL PRIMARY KEY, ver INT NOT NULL) CHARACTER SET utf8mb4;`);
  const rows = Array.from({ length: 40 }, (_, i) => `(${i + 10}, ${i * 1000}, '${i}.${String(i).padStart(30, '0')}', '${i}.5', '2024-01-01 00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}', 'row ${i}')`);
  await src.query(`INSERT INTO ${DB}.orders VALUES
    (1, 18446744073709551615, '99999999999999999999999999999999999.999999999999999999999999999999', '9999999999999999.9999', '2024-02-29 23:59:59.999999', 'max 😀'),
    (2, 0, '-0.000000000000000000000000000001', '-0.0001', '1970-01-01 00:00:00.000001', NULL),
    (3, NULL, NULL, NULL, NULL, 'nulls'),
    ${rows.join(',\n')}`);
  await src.query(`INSERT INTO ${DB}.events VALUES ${Array.from({ length: 30 }, (_, i) => `(${i}, 0)`).join(', ')}`);
}, 600_000);

afterAll(async () => {
  for (const r of started) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await src?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await fe?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await src?.end();
  await fe?.end();
  await emu?.close();
});

type Row = Record<string, unknown>;
const norm = (rows: Row[]) => JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)]))));

async function sourceOrders(): Promise<string> {
  const [rows] = await src.query(`SELECT * FROM ${DB}.orders ORDER BY id`);
  return norm(rows as Row[]);
}
async function sinkOrders(): Promise<string | undefined> {
  try {
    const [rows] = await fe.query(`SELECT * FROM ${DB}.orders ORDER BY id`);
    return norm(rows as Row[]);
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, ok: () => Promise<boolean>, run: ReturnType<typeof startCli>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (run.child.exitCode !== null) throw new Error(`cdc run exited (${run.child.exitCode}) while waiting for ${what}:\n${run.output().stderr.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; sink: ${(await sinkOrders())?.slice(-1500)}\nsource: ${(await sourceOrders()).slice(-1500)}\nloads: ${JSON.stringify(emu.requests.slice(-10))}\n${run.output().stderr.slice(-3000)}`);
    await sleep(150);
  }
}

const ordersEqual = async () => (await sinkOrders()) === (await sourceOrders());

/**
 * Exactly-once on a primary key table cannot be seen in its rows (a replay upserts the same values), so it is
 * checked on the loads: the committed (VISIBLE) transactions of `events` carry exactly one row per change the
 * source made — 30 snapshot rows, one per update and insert — and `events` equals the source.
 */
async function eventsExactlyOnce(prefix: string, changes: number): Promise<{ ok: boolean; detail: string }> {
  const [s] = await src.query(`SELECT * FROM ${DB}.events ORDER BY id`);
  const [d] = await fe.query(`SELECT * FROM ${DB}.events ORDER BY id`);
  const loaded = emu.labels(DB, prefix).filter((l) => l.table === 'events' && l.status === 'VISIBLE').reduce((n, l) => n + l.rows, 0);
  const same = norm(s as Row[]) === norm(d as Row[]);
  return { ok: same && loaded === changes, detail: `rows loaded by committed transactions: ${loaded} (source changes: ${changes}); table equal: ${same}` };
}

describe('cdc run: MariaDB -> StarRocks (emulated) exactly-once', () => {
  it('snapshot, live changes and DDL with exact values; kill -9 mid-stream and restart: no loss, no duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-sr-e2e-'));
    const c = mariadbConfig();
    const pipeline = join(dir, 'pipeline.yaml');
    const prefix = `e2e_${Date.now()}`;
    writeFileSync(
      pipeline,
      `
source:
  type: mysql
  hostname: ${c.host}
  port: ${c.port}
  username: ${c.user}
  password: ${c.password}
  tables: ${DB}.orders,${DB}.events
  server-id: 5710-5711
  scan.incremental.snapshot.chunk.size: 16
sink:
  type: starrocks
  load-url: 127.0.0.1:${emu.feHttpPort}
  jdbc-url: jdbc:mysql://127.0.0.1:${emu.mysqlPort}
  username: root
  password: ""
  sink.semantic: exactly-once
  sink.label-prefix: ${prefix}
  sink.buffer-flush.interval-ms: 100
  table.create.num-buckets: 2
  table.create.properties.replication_num: 1
pipeline:
  name: starrocks e2e
  parallelism: 2
  schema.change.behavior: evolve
  execution.checkpointing.interval: 1s
`,
    );
    const args = ['run', pipeline, '--state-dir', join(dir, 'state'), '--plugin-dir', connectorDir, '--plugin-dir', mysqlDir, '--no-progress'];

    // 1. snapshot: auto-created table with the mapped types, exact values
    const run1 = startCli(args);
    started.push(run1);
    await waitFor('the snapshot', ordersEqual, run1);
    const [create] = await fe.query(`SHOW CREATE TABLE ${DB}.orders`);
    const ddl = (create as Record<string, string>[])[0]['Create Table'];
    expect(ddl).toMatch(/PRIMARY KEY\(`id`\)/);
    expect(ddl).toMatch(/DISTRIBUTED BY HASH\(`id`\) BUCKETS 2/);
    const [desc] = await fe.query(`DESC ${DB}.orders`);
    expect((desc as Record<string, string>[]).map((r) => `${r.Field} ${r.Type}`)).toEqual(['id LARGEINT', 'big LARGEINT', 'amount VARCHAR(67)', 'price DECIMAL(20, 4)', 'at DATETIME', 'note VARCHAR(60)']);
    const [one] = await fe.query(`SELECT * FROM ${DB}.orders WHERE id = 1`);
    expect(one).toEqual([{ id: '1', big: '18446744073709551615', amount: '99999999999999999999999999999999999.999999999999999999999999999999', price: '9999999999999999.9999', at: '2024-02-29 23:59:59.999999', note: 'max 😀' }]);

    // 2. live changes and DDL
    await src.query(`INSERT INTO ${DB}.orders VALUES (100, 18446744073709551614, '-12345678901234567890123456789012345.000000000000000000000000000001', '1.5', '2038-01-19 03:14:08.000001', 'live')`);
    await src.query(`UPDATE ${DB}.orders SET big = 18446744073709551615, at = '2000-01-01 00:00:00.5' WHERE id = 2`);
    await src.query(`DELETE FROM ${DB}.orders WHERE id IN (3, 10)`);
    await src.query(`ALTER TABLE ${DB}.orders ADD COLUMN extra INT AFTER price`);
    await src.query(`INSERT INTO ${DB}.orders (id, big, amount, price, extra, at) VALUES (101, 7, '1.5', '2.25', -2147483648, '2024-06-30 12:00:00.123456')`);
    await src.query(`ALTER TABLE ${DB}.orders DROP COLUMN note`);
    await src.query(`INSERT INTO ${DB}.orders (id, big, amount, price, extra, at) VALUES (102, 18446744073709551615, '0.000000000000000000000000000001', '0', 2147483647, '9999-12-31 23:59:59.999999')`);
    await waitFor('the live changes and DDL', async () => (await sinkOrders())?.includes('"id":"102"') === true && (await ordersEqual()), run1);

    // 3. a stream of changes; kill -9 after some checkpoints in the middle of it; changes go on while it is down
    let written = 0;
    let eventChanges = 30; // snapshot rows of events
    const changes = () => eventChanges;
    const writer = (async () => {
      for (let i = 0; i < 400; i++) {
        await src.query(`INSERT INTO ${DB}.orders (id, big, amount, price, extra, at) VALUES (?, ?, ?, ?, ?, ?)`, [1000 + i, `1844674407370955${String(i).padStart(4, '0')}`, `${i}.${String(i).padStart(30, '7')}`, `${i}.25`, i, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`]);
        await src.query(`UPDATE ${DB}.events SET ver = ver + 1 WHERE id = ?`, [i % 30]);
        eventChanges++;
        if (i % 4 === 0) {
          await src.query(`INSERT INTO ${DB}.events VALUES (?, 0)`, [100 + i]);
          eventChanges++;
        }
        if (i % 5 === 0) await src.query(`DELETE FROM ${DB}.orders WHERE id = ?`, [1000 + Math.floor(i / 2)]);
        written = i + 1;
        await sleep(15);
      }
    })();
    await waitFor('some changes to be loaded', async () => written >= 50, run1);
    // kill while transactions are prepared but their checkpoint (every 1 s) is not done
    await waitFor('prepared transactions', async () => emu.labels(DB, prefix).some((l) => l.status === 'PREPARED'), run1);
    run1.child.kill('SIGKILL');
    const pendingAtKill = emu.labels(DB, prefix).filter((l) => l.status === 'PREPARED').map((l) => l.label);
    expect(written, 'killed in the middle of the changes').toBeLessThan(400);
    expect((await run1.done).signal).toBe('SIGKILL');
    await writer;

    // 4. restart: resumes from the last checkpoint, aborts what the killed run pre-committed, ends equal
    const run2 = startCli(args);
    started.push(run2);
    await waitFor('the sink to equal the source after the restart', async () => (await sinkOrders())?.includes('"id":"1399"') === true && (await ordersEqual()) && (await eventsExactlyOnce(prefix, changes())).ok, run2, 90_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nevents: ${(await eventsExactlyOnce(prefix, changes())).detail}`);
    });
    expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
    run2.child.kill('SIGTERM');
    const stopped = await run2.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect((await eventsExactlyOnce(prefix, changes())).detail).toBe(`rows loaded by committed transactions: ${changes()} (source changes: ${changes()}); table equal: true`);
    // what the killed run had pre-committed was committed by the restart (its checkpoint was durable) or aborted
    const after = new Map(emu.labels(DB, prefix).map((l) => [l.label, l.status]));
    expect(pendingAtKill.length).toBeGreaterThan(0);
    for (const l of pendingAtKill) expect(['VISIBLE', 'ABORTED'], l).toContain(after.get(l));
    expect([...after.values()].filter((s) => s === 'PREPARED' || s === 'PREPARE'), 'prepared transactions left behind').toEqual([]);
  }, 240_000);
});
