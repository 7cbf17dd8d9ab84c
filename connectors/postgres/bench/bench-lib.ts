/**
 * Benchmarks of the `postgres` source against the PostgreSQL of tools/services, each with a reference measured in
 * the same run (database cdc_pg_bench, created and used only here):
 *
 * - snapshot: rows/s of a snapshot-mode reader over a table of N rows with a mix of types vs
 *   `psql -c "COPY (SELECT ...) TO STDOUT" > /dev/null`;
 * - stream: data change events/s of a reader streaming N changes (inserts, updates, deletes) from a slot vs
 *   `pg_recvlogical` (pgoutput, same publication) writing the same WAL range from a twin slot to /dev/null.
 *
 * Our side always runs in a child process (reader-child.ts) so that its peak RSS is the reader's own.
 * Used by `npm run bench -- postgres-snapshot | postgres-stream` (tools/bench).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { ensureService, postgresConfig } from '@cdc/services';

export const BENCH_DB = 'cdc_pg_bench';
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const PG_BIN = process.env.CDC_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

async function client(database = BENCH_DB): Promise<pg.Client> {
  const c = postgresConfig();
  const cl = new pg.Client({ host: c.host, port: c.port, user: c.user, password: c.password, database });
  await cl.connect();
  return cl;
}

async function ensureDatabase(): Promise<void> {
  await ensureService('postgres');
  const c = await client('cdc');
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DB]);
    if (!r.rows.length) await c.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await c.end();
  }
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

export interface ChildResult {
  readonly events: number;
  readonly secs: number;
  /** CPU time (user + system) of the reader process while reading */
  readonly cpuSecs: number;
  readonly peakRssMb: number;
}

/** Runs reader-child.ts with the given job (JSON) and returns what it measured. */
function child(job: Record<string, unknown>): Promise<ChildResult> {
  const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return new Promise((resolve, reject) => {
    // CDC_BENCH_NODE_ARGS: extra node flags for the reader process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
    const extra = (process.env.CDC_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const c = spawn(process.execPath, [...extra, '--conditions=source', '--import', loader, join(here, 'reader-child.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`reader child exited ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

const pgEnv = () => {
  const c = postgresConfig();
  return { PGHOST: c.host, PGPORT: String(c.port), PGUSER: c.user, PGPASSWORD: c.password, PGDATABASE: BENCH_DB };
};

// ---------------------------------------------------------------------------------------------
// snapshot

const SNAP_TABLE = 'snapshot_mix';
const SNAP_COLUMNS = 'id, i, d, f, s, ts, tstz, flag, tx, u';

export interface SnapshotFigures {
  readonly tableMb: number;
  readonly rawRate: number;
  readonly rawSecs: number;
  readonly oursRate: number;
  readonly oursSecs: number;
  readonly oursCpuSecs: number;
  readonly oursPeakRssMb: number;
}

export async function snapshotBenchmark(opts: { rows: number; parallelism: number; runs: number; log: (line: string) => void }): Promise<SnapshotFigures> {
  await ensureDatabase();
  const c = await client();
  let tableMb: number;
  try {
    const marker = `cdc bench v1 rows=${opts.rows}`;
    const r = await c.query<{ c: string | null }>(`SELECT obj_description(to_regclass('${SNAP_TABLE}'), 'pg_class') AS c`);
    // an unlogged table keeps its comment but loses its rows when the server did not stop cleanly
    const filled = r.rows[0]?.c === marker && (await c.query<{ n: string | null }>(`SELECT max(id)::text AS n FROM ${SNAP_TABLE}`)).rows[0].n === String(opts.rows);
    if (!filled) {
      opts.log(`creating ${BENCH_DB}.${SNAP_TABLE} with ${opts.rows.toLocaleString('en-US')} rows (once; kept for later runs)`);
      await c.query(`DROP TABLE IF EXISTS ${SNAP_TABLE}`);
      await c.query(`CREATE UNLOGGED TABLE ${SNAP_TABLE} (id bigint PRIMARY KEY, i int NOT NULL, d numeric(18,6), f double precision, s varchar(64),
        ts timestamp(6), tstz timestamptz(6), flag boolean, tx text, u uuid)`);
      const step = 1_000_000;
      for (let lo = 1; lo <= opts.rows; lo += step) {
        const hi = Math.min(opts.rows, lo + step - 1);
        await c.query(`INSERT INTO ${SNAP_TABLE} SELECT g, (g % 100000)::int - 50000, (g % 1000000000) + (g % 1000000) / 1000000.0, g / 7.0,
          'name-' || g || '-héllo', timestamp '2024-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond',
          CASE WHEN g % 10 = 0 THEN NULL ELSE timestamptz '2023-11-14 22:13:20+00' + g * interval '1 second' END, g % 2 = 0,
          repeat('text ', (g % 20)::int), md5(g::text)::uuid FROM generate_series(${lo}, ${hi}) g`);
      }
      await c.query(`VACUUM ANALYZE ${SNAP_TABLE}`);
      await c.query(`COMMENT ON TABLE ${SNAP_TABLE} IS '${marker}'`);
    }
    tableMb = Math.round(Number((await c.query<{ n: string }>(`SELECT pg_relation_size('${SNAP_TABLE}')::text AS n`)).rows[0].n) / 1024 / 1024);
  } finally {
    await c.end();
  }
  let raw = Infinity;
  let ours: ChildResult | undefined;
  for (let i = 0; i < opts.runs; i++) {
    raw = Math.min(raw, await run(join(PG_BIN, 'psql'), ['-X', '-q', '-c', `COPY (SELECT ${SNAP_COLUMNS} FROM ${SNAP_TABLE}) TO STDOUT`], pgEnv()));
    opts.log(`psql COPY: ${raw.toFixed(1)} s`);
    const r = await child({ kind: 'snapshot', table: SNAP_TABLE, expect: opts.rows, parallelism: opts.parallelism });
    if (r.events !== opts.rows) throw new Error(`the reader emitted ${r.events} rows, expected ${opts.rows}`);
    opts.log(`source snapshot: ${r.secs.toFixed(1)} s, peak RSS ${r.peakRssMb} MB`);
    if (!ours || r.secs < ours.secs) ours = { ...r, peakRssMb: Math.max(r.peakRssMb, ours?.peakRssMb ?? 0) };
  }
  return { tableMb, rawRate: opts.rows / raw, rawSecs: raw, oursRate: opts.rows / ours!.secs, oursSecs: ours!.secs, oursCpuSecs: ours!.cpuSecs, oursPeakRssMb: ours!.peakRssMb };
}

// ---------------------------------------------------------------------------------------------
// stream

const STREAM_TABLE = 'stream_t';

export interface StreamFigures {
  readonly walMb: number;
  readonly changes: number;
  readonly refRate: number;
  readonly refSecs: number;
  readonly oursRate: number;
  readonly oursSecs: number;
  readonly oursCpuSecs: number;
  readonly oursPeakRssMb: number;
}

/** Writes `changes` row changes (1/2 inserts, 1/4 updates, 1/4 deletes) after creating two slots at one point. */
export async function streamBenchmark(opts: { changes: number; log: (line: string) => void }): Promise<StreamFigures> {
  await ensureDatabase();
  const c = await client();
  const slots = ['cdc_pg_bench_ref', 'cdc_pg_bench_ours'];
  const inserts = Math.floor(opts.changes / 2);
  const updates = Math.floor(opts.changes / 4);
  const deletes = opts.changes - inserts - updates;
  let start: string;
  let end: string;
  try {
    for (const s of slots) await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s]);
    await c.query(`DROP TABLE IF EXISTS ${STREAM_TABLE}; DROP PUBLICATION IF EXISTS cdc_pg_bench_pub`);
    await c.query(`CREATE TABLE ${STREAM_TABLE} (id bigint PRIMARY KEY, i int NOT NULL, d numeric(18,6), s varchar(64), ts timestamptz(6), flag boolean)`);
    await c.query(`CREATE PUBLICATION cdc_pg_bench_pub FOR TABLE ${STREAM_TABLE}`);
    for (const s of slots) await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [s]);
    start = (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
    opts.log(`writing ${opts.changes.toLocaleString('en-US')} changes (${inserts} inserts, ${updates} updates, ${deletes} deletes) in transactions of 100,000`);
    const step = 100_000;
    for (let lo = 1; lo <= inserts; lo += step) {
      const hi = Math.min(inserts, lo + step - 1);
      await c.query(`INSERT INTO ${STREAM_TABLE} SELECT g, g::int % 1000000, g / 1000.0, 'name-' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 microsecond', g % 2 = 0
        FROM generate_series(${lo}, ${hi}) g`);
    }
    for (let lo = 1; lo <= updates; lo += step) await c.query(`UPDATE ${STREAM_TABLE} SET i = i + 1, s = s || '!' WHERE id BETWEEN ${lo} AND ${Math.min(updates, lo + step - 1)}`);
    for (let lo = 1; lo <= deletes; lo += step) await c.query(`DELETE FROM ${STREAM_TABLE} WHERE id BETWEEN ${inserts - deletes + lo} AND ${inserts - deletes + Math.min(deletes, lo + step - 1)}`);
    end = (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  } finally {
    await c.end();
  }
  const walMb = Number((BigInt(`0x${end.split('/')[0]}`) * 2n ** 32n + BigInt(`0x${end.split('/')[1]}`) - (BigInt(`0x${start.split('/')[0]}`) * 2n ** 32n + BigInt(`0x${start.split('/')[1]}`))) / 1048576n);
  try {
    const refSecs = await run(
      join(PG_BIN, 'pg_recvlogical'),
      ['-d', BENCH_DB, '--slot', slots[0], '--start', '--no-loop', '-o', 'proto_version=1', '-o', 'publication_names=cdc_pg_bench_pub', `--endpos=${end}`, '-f', '/dev/null'],
      pgEnv(),
    );
    opts.log(`pg_recvlogical: ${refSecs.toFixed(1)} s`);
    const ours = await child({ kind: 'stream', slot: slots[1], table: STREAM_TABLE, expect: opts.changes });
    if (ours.events !== opts.changes) throw new Error(`the reader emitted ${ours.events} changes, expected ${opts.changes}`);
    opts.log(`source stream: ${ours.secs.toFixed(1)} s, peak RSS ${ours.peakRssMb} MB`);
    return { walMb, changes: opts.changes, refRate: opts.changes / refSecs, refSecs, oursRate: opts.changes / ours.secs, oursSecs: ours.secs, oursCpuSecs: ours.cpuSecs, oursPeakRssMb: ours.peakRssMb };
  } finally {
    const d = await client();
    for (const s of slots) await d.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [s]).catch(() => undefined);
    await d.query(`DROP TABLE IF EXISTS ${STREAM_TABLE}`).catch(() => undefined);
    await d.end();
  }
}
