/**
 * The end-to-end scenario the Doris and StarRocks pipeline tests share (connectors/starrocks/test imports this
 * file): the real `cdc` CLI (child process) runs MariaDB -> the emulated sink with its exactly-once mode. Snapshot
 * with exact values, live inserts/updates/deletes, ADD/DROP COLUMN; then kill -9 while loads are pending, changes
 * while it is down, a restart: `orders` read back through the emulator's MySQL port equals the source, the sink's
 * own exactly-once check of `events` holds, and no pending transaction is left behind. What differs per sink
 * (options, created table layout, how exactly-once shows, the status of a pending load) is in the spec.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { mariadbConfig } from '@cdc/services';
import type { Emulator, FlavourKind } from '@cdc/stream-load-emulator';
import { cdcFromSource, CliRuns, runArgs, streamChanges, waitUntil, writePipeline, type CliRun, type PipelineSection } from '@cdc/testkit';
import { useEmulator } from './emulator-fixture.js';

export type Row = Record<string, unknown>;
/** Rows as JSON with every value as text (or null): what MariaDB and the FE return compares equal. */
export const norm = (rows: Row[]) => JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)]))));

export interface E2eContext {
  readonly src: mysql.Connection;
  readonly fe: mysql.Connection;
  readonly emu: Emulator;
  readonly db: string;
  readonly prefix: string;
  /** Changes the source made to `events`: its snapshot rows, then one per update and per insert. */
  readonly eventChanges: number;
}

export interface StreamLoadE2eSpec {
  readonly flavour: FlavourKind;
  readonly version: string;
  /** The database, on the source and on the sink. */
  readonly db: string;
  readonly title: string;
  readonly testName: string;
  readonly pipelineName: string;
  readonly serverId: string;
  /** The connector's package directory (a --plugin-dir, with the mysql connector's). */
  readonly connectorDir: string;
  /** The sink section given the emulator and the label prefix of this run. */
  readonly sink: (emu: Emulator, prefix: string) => PipelineSection;
  /** Runs on the FE before the pipeline is started (for example a table the sink must keep). */
  readonly prepareSink?: (fe: mysql.Connection, db: string) => Promise<void>;
  /** Checks SHOW CREATE TABLE and DESC (`Field Type` lines) of the table the sink created for `orders`. */
  readonly expectCreated: (ddl: string, columns: string[]) => void;
  /** The label status of a load whose transaction waits for its checkpoint, and how to call such loads. */
  readonly pendingStatus: string;
  readonly pendingNoun: string;
  /** Statuses a transaction must not be left in after the restart. */
  readonly leftoverStatuses: readonly string[];
  /** Every change of `events` is in the sink once (no replay, none lost); `detail` says what was seen. */
  readonly exactlyOnce: (ctx: E2eContext) => Promise<{ ok: boolean; detail: string }>;
  /** The `detail` of `exactlyOnce` at the end. */
  readonly expectedDetail: (ctx: E2eContext) => string;
}

export function describeStreamLoadE2e(spec: StreamLoadE2eSpec): void {
  const DB = spec.db;
  const mysqlDir = join(import.meta.dirname, '..', '..', 'mysql');
  const runs = new CliRuns(cdcFromSource(join(import.meta.dirname, '..', '..', '..')));
  let src: mysql.Connection;
  let fe: mysql.Connection;
  let emu: Emulator;

  useEmulator(spec.flavour, spec.version, [DB], async (f) => {
    ({ emu, fe } = f);
    const c = mariadbConfig();
    src = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
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
    await spec.prepareSink?.(fe, DB);
  });

  afterAll(async () => {
    runs.killAll();
    await src?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    await src?.end();
  });

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
  const ordersEqual = async () => (await sinkOrders()) === (await sourceOrders());

  /** Waits for `ok`, failing with the sink's and source's rows and the last loads when it times out. */
  const waitFor = (what: string, ok: () => Promise<boolean>, run: CliRun, timeoutMs = 60_000, more: () => Promise<string> = async () => '') =>
    waitUntil(what, ok, {
      runs: [run],
      timeoutMs,
      intervalMs: 150,
      detail: async () => `sink: ${(await sinkOrders())?.slice(-1500)}\nsource: ${(await sourceOrders()).slice(-1500)}\nloads: ${JSON.stringify(emu.requests.slice(-10))}${await more()}`,
    });

  describe(spec.title, () => {
    it(
      spec.testName,
      async () => {
        const dir = mkdtempSync(join(tmpdir(), `cdc-${spec.flavour}-e2e-`));
        const c = mariadbConfig();
        const prefix = `e2e_${Date.now()}`;
        const pipeline = writePipeline(join(dir, 'pipeline.yaml'), {
          source: { type: 'mysql', hostname: c.host, port: c.port, username: c.user, password: c.password, tables: `${DB}.orders,${DB}.events`, 'server-id': spec.serverId, 'scan.incremental.snapshot.chunk.size': 16 },
          sink: spec.sink(emu, prefix),
          pipeline: { name: spec.pipelineName, parallelism: 2, 'schema.change.behavior': 'evolve', 'execution.checkpointing.interval': '1s' },
        });
        const args = runArgs(pipeline, join(dir, 'state'), [spec.connectorDir, mysqlDir]);

        // 1. snapshot: auto-created table with the mapped types, exact values
        const run1 = runs.start(args);
        await waitFor('the snapshot', ordersEqual, run1);
        const [create] = await fe.query(`SHOW CREATE TABLE ${DB}.orders`);
        const [desc] = await fe.query(`DESC ${DB}.orders`);
        spec.expectCreated((create as Record<string, string>[])[0]['Create Table'], (desc as Record<string, string>[]).map((r) => `${r.Field} ${r.Type}`));
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
        let eventChanges = 30; // snapshot rows of events
        const writer = streamChanges(400, async (i) => {
          await src.query(`INSERT INTO ${DB}.orders (id, big, amount, price, extra, at) VALUES (?, ?, ?, ?, ?, ?)`, [1000 + i, `1844674407370955${String(i).padStart(4, '0')}`, `${i}.${String(i).padStart(30, '7')}`, `${i}.25`, i, `2025-03-04 05:06:07.${String(i).padStart(6, '0')}`]);
          await src.query(`UPDATE ${DB}.events SET ver = ver + 1 WHERE id = ?`, [i % 30]);
          eventChanges++;
          if (i % 4 === 0) {
            await src.query(`INSERT INTO ${DB}.events VALUES (?, 0)`, [100 + i]);
            eventChanges++;
          }
          if (i % 5 === 0) await src.query(`DELETE FROM ${DB}.orders WHERE id = ?`, [1000 + Math.floor(i / 2)]);
        });
        const ctx = (): E2eContext => ({ src, fe, emu, db: DB, prefix, eventChanges });
        await waitFor('some changes to be loaded', async () => writer.written >= 50, run1);
        // kill while loads are pending but their checkpoint (every 1 s) is not done
        await waitFor(spec.pendingNoun, async () => emu.labels(DB, prefix).some((l) => l.status === spec.pendingStatus), run1);
        const killed = run1.kill9();
        const pendingAtKill = emu.labels(DB, prefix).filter((l) => l.status === spec.pendingStatus).map((l) => l.label);
        expect(writer.written, 'killed in the middle of the changes').toBeLessThan(400);
        await killed;
        await writer.done;

        // 4. restart: resumes from the last checkpoint, aborts what the killed run left pending, ends equal
        const run2 = runs.start(args);
        const done = async () => (await sinkOrders())?.includes('"id":"1399"') === true && (await ordersEqual()) && (await spec.exactlyOnce(ctx())).ok;
        await waitFor('the sink to equal the source after the restart', done, run2, 90_000, async () => `\nevents: ${(await spec.exactlyOnce(ctx())).detail}`);
        expect(run2.output().stderr).toMatch(/resuming from checkpoint #\d+/);
        await run2.stop();
        expect((await spec.exactlyOnce(ctx())).detail).toBe(spec.expectedDetail(ctx()));
        // what the killed run left pending was committed by the restart (its checkpoint was durable) or aborted
        const after = new Map(emu.labels(DB, prefix).map((l) => [l.label, l.status]));
        expect(pendingAtKill.length).toBeGreaterThan(0);
        for (const l of pendingAtKill) expect(['VISIBLE', 'ABORTED'], l).toContain(after.get(l));
        expect([...after.values()].filter((s) => spec.leftoverStatuses.includes(s)), `${spec.pendingNoun} left behind`).toEqual([]);
      },
      240_000,
    );
  });
}
