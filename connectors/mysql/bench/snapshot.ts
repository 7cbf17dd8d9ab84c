/**
 * Snapshot throughput of the `mysql` source against the raw client, on one table of N rows with a mix of types in
 * database cdc_mysql_bench (created here, only by the benchmark; kept between runs when it already has N rows).
 *
 * - reference: `mariadb -e 'SELECT <columns> FROM t' > /dev/null` (the client reads and prints every row);
 * - ours: a `mysql` source reader (scan.startup.mode snapshot, chunks, low/high watermarks) in a child process,
 *   counting the insert events it emits; the child reports its own peak RSS (VmHWM).
 *
 * Used by `npm run bench -- mysql-snapshot` (tools/bench); runnable alone:
 *   node --conditions=source --import tsx connectors/mysql/bench/snapshot.ts [rows=5000000]
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { ensureService, mariadbConfig } from '@cdc/services';

export const BENCH_DB = 'cdc_mysql_bench';
/** The 5M-row table keeps its name; other sizes get their own table, so a quick run does not drop the big one. */
export function snapshotTable(rows: number): string {
  return rows === 5_000_000 ? 'snapshot_mix' : `snapshot_mix_${rows}`;
}
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');

const COLUMNS = ['id', 'i', 'u', 'd', 'f', 's', 'dt', 'ts', 'dd', 'flag', 'tx', 'b'];

export interface SnapshotFigures {
  readonly rows: number;
  readonly tableMb: number;
  /** rows/s of `mariadb -e 'SELECT ...' > /dev/null` */
  readonly rawRate: number;
  readonly rawSecs: number;
  /** rows/s of the source reader */
  readonly oursRate: number;
  readonly oursSecs: number;
  /** CPU seconds (user + system) of the process running the source reader */
  readonly oursCpuSecs: number;
  /** peak RSS of the process running the source reader */
  readonly oursPeakRssMb: number;
  readonly parallelism: number;
}

/** Creates (or keeps) cdc_mysql_bench.snapshot_mix with `rows` rows; not written to the binlog. */
export async function prepareSnapshotTable(rows: number, log: (line: string) => void = () => undefined): Promise<number> {
  const TABLE = snapshotTable(rows);
  const cfg = mariadbConfig();
  const c = await mysql.createConnection({ ...cfg, multipleStatements: true });
  try {
    // the table is not needed in the binlog: keep the shared server's binlog small
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query(`CREATE DATABASE IF NOT EXISTS ${BENCH_DB}`);
    const marker = `cdc bench v1 rows=${rows}`;
    const [existing] = (await c.query('SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [BENCH_DB, TABLE])) as unknown as [{ c: string }[]];
    if (existing[0]?.c !== marker) {
      log(`creating ${BENCH_DB}.${TABLE} with ${rows.toLocaleString('en-US')} rows (once; kept for later runs)`);
      await c.query(`DROP TABLE IF EXISTS ${BENCH_DB}.${TABLE}`);
      await c.query(`CREATE TABLE ${BENCH_DB}.${TABLE} (
        id BIGINT NOT NULL PRIMARY KEY, i INT NOT NULL, u BIGINT UNSIGNED, d DECIMAL(18,6), f DOUBLE,
        s VARCHAR(64) CHARACTER SET utf8mb4, dt DATETIME(6), ts TIMESTAMP(6) NULL, dd DATE, flag TINYINT(1), tx TEXT, b VARBINARY(16)
      ) CHARACTER SET utf8mb4 COMMENT 'building'`);
      const step = 250_000;
      for (let lo = 1; lo <= rows; lo += step) {
        const hi = Math.min(rows, lo + step - 1);
        await c.query(`INSERT INTO ${BENCH_DB}.${TABLE}
          SELECT seq, CAST(seq % 100000 AS SIGNED) - 50000, seq * 3000000000000, CONCAT(seq % 1000000000, '.', LPAD(seq % 1000000, 6, '0')), seq / 7,
                 CONCAT('name-', seq, '-héllo'), TIMESTAMP('2024-01-01') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
                 IF(seq % 10 = 0, NULL, FROM_UNIXTIME(1700000000 + seq) + INTERVAL (seq % 999999) MICROSECOND), DATE('2000-01-01') + INTERVAL (seq % 10000) DAY,
                 seq % 2, REPEAT('text ', seq % 20), UNHEX(MD5(seq))
            FROM ${BENCH_DB}.seq_${lo}_to_${hi}`);
      }
      await c.query(`ALTER TABLE ${BENCH_DB}.${TABLE} COMMENT '${marker}'`);
      await c.query(`ANALYZE TABLE ${BENCH_DB}.${TABLE}`);
    }
    const [size] = (await c.query('SELECT DATA_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [BENCH_DB, TABLE])) as unknown as [{ n: number }[]];
    return Math.round(Number(size[0]?.n ?? 0) / 1024 / 1024);
  } finally {
    await c.end();
  }
}

/** Seconds for `mariadb -e 'SELECT ...' > /dev/null` to read the whole table. */
export function rawClientRead(rows: number): Promise<number> {
  const TABLE = snapshotTable(rows);
  const cfg = mariadbConfig();
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('mariadb', ['--no-defaults', `--host=${cfg.host}`, `--port=${cfg.port}`, `--user=${cfg.user}`, '-e', `SELECT ${COLUMNS.join(', ')} FROM ${BENCH_DB}.${TABLE}`], {
      env: { ...process.env, MYSQL_PWD: cfg.password },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`mariadb exited ${code}: ${err}`))));
  });
}

/** Runs the source reader over the table in a child process (so its RSS is the snapshot's own). */
export function sourceRead(opts: { rows: number; parallelism: number; maxOldSpaceMb?: number }): Promise<{ rows: number; secs: number; cpuSecs: number; peakRssMb: number }> {
  const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const heap = opts.maxOldSpaceMb ? [`--max-old-space-size=${opts.maxOldSpaceMb}`] : [];
  // CDC_BENCH_NODE_ARGS: extra node flags for the reader process (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof)
  const extra = (process.env.CDC_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...extra, ...heap, '--conditions=source', '--import', loader, join(here, 'snapshot-reader.ts'), `${BENCH_DB}.${snapshotTable(opts.rows)}`, String(opts.parallelism)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`snapshot reader exited ${code}: ${out}`));
      const r = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; secs: number; cpuSecs: number; peakRssMb: number };
      if (r.rows !== opts.rows) return reject(new Error(`the source read ${r.rows} rows, the table has ${opts.rows}`));
      resolve(r);
    });
  });
}

export async function snapshotBenchmark(opts: { rows: number; parallelism: number; runs: number; maxOldSpaceMb?: number; log?: (line: string) => void }): Promise<SnapshotFigures> {
  await ensureService('mariadb');
  const tableMb = await prepareSnapshotTable(opts.rows, opts.log);
  let rawSecs = Infinity;
  let oursSecs = Infinity;
  let cpu = Infinity;
  let peak = 0;
  for (let r = 0; r < opts.runs; r++) {
    rawSecs = Math.min(rawSecs, await rawClientRead(opts.rows));
    const o = await sourceRead(opts);
    oursSecs = Math.min(oursSecs, o.secs);
    cpu = Math.min(cpu, o.cpuSecs);
    peak = Math.max(peak, o.peakRssMb);
  }
  return { rows: opts.rows, tableMb, rawRate: opts.rows / rawSecs, rawSecs, oursRate: opts.rows / oursSecs, oursSecs, oursCpuSecs: cpu, oursPeakRssMb: peak, parallelism: opts.parallelism };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = Number(process.argv[2] ?? 5_000_000);
  const f = await snapshotBenchmark({ rows, parallelism: Number(process.argv[3] ?? 1), runs: 1, log: (l) => console.log(l) });
  console.log(JSON.stringify(f));
}
