/**
 * Binlog decoding throughput: our decoder vs @vlasky/zongji vs `mariadb-binlog --read-from-remote-server -v`,
 * on the same binlog range of N row changes written to the MariaDB of tools/services.
 *
 *   node --conditions=source --import tsx connectors/mysql/bench/binlog-decode.ts [rows=200000] [runs=3]
 *
 * Figures are row changes per second (best of `runs`), and ratios against mariadb-binlog measured in the same run.
 * The functions are also used by `npm run bench -- mysql-binlog` (tools/bench), which adds the whole source reader.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import mysql from 'mysql2/promise';
import ZongJi from '@vlasky/zongji';
import { ensureService, mariadbConfig } from '@cdc/services';
import { BinlogStream } from '../src/binlog/client.js';
import { columnHint } from '../src/mysql-types.js';
import { discoverTables } from '../src/snapshot/discovery.js';
import { TableFilter } from '../src/table-filter.js';
import { openConnection } from '../src/binlog/client.js';
import { benchReader } from './bench-source.js';
import { fileURLToPath } from 'node:url';

const DB = 'cdc_mysql_bench';
const cfg = mariadbConfig();

export interface BinlogRange {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly endFile: string;
}

/** Writes ROWS row changes (1/2 inserts, 1/4 updates, 1/4 deletes) to cdc_mysql_bench.t in a new binlog file. */
export async function prepare(ROWS: number): Promise<BinlogRange> {
  await ensureService('mariadb');
  const c = await mysql.createConnection({ ...cfg, multipleStatements: true });
  await c.query(`CREATE DATABASE IF NOT EXISTS ${DB}; DROP TABLE IF EXISTS ${DB}.t;
    CREATE TABLE ${DB}.t (id BIGINT PRIMARY KEY, n INT, u INT UNSIGNED, d DECIMAL(18,6), f DOUBLE, s VARCHAR(64), dt DATETIME(6), ts TIMESTAMP(6) NULL, tx TEXT)`);
  await c.query('FLUSH BINARY LOGS');
  const [[st]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
  const per = 500;
  // 1/2 inserts, 1/4 updates (before + after images), 1/4 deletes
  const inserts = Math.floor(ROWS / 2);
  for (let i = 0; i < inserts; i += per) {
    const vals: string[] = [];
    for (let j = i; j < Math.min(inserts, i + per); j++) {
      vals.push(`(${j}, ${j % 1000}, ${j * 3}, '${j}.123456', ${j / 7}, 'name-${j}-héllo', '2024-01-02 03:04:05.${String(j % 1e6).padStart(6, '0')}', '2024-01-02 03:04:05.000001', 'some text ${j}')`);
    }
    await c.query(`INSERT INTO ${DB}.t VALUES ${vals.join(',')}`);
  }
  const quarter = Math.floor(ROWS / 4);
  for (let i = 0; i < quarter; i += per) await c.query(`UPDATE ${DB}.t SET n = n + 1, s = CONCAT(s, '!') WHERE id >= ${i} AND id < ${Math.min(quarter, i + per)}`);
  for (let i = 0; i < quarter; i += per) await c.query(`DELETE FROM ${DB}.t WHERE id >= ${inserts - quarter + i} AND id < ${Math.min(inserts, inserts - quarter + i + per)}`);
  const [[en]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
  await c.end();
  return { file: st.File, start: st.Position, end: en.Position, endFile: en.File };
}

/** Seconds for our BinlogStream to decode the range (rows to final types, nothing else). */
export async function ours(file: string, start: number, expected: number): Promise<number> {
  const conn = await openConnection(cfg);
  const [table] = await discoverTables(conn as never, new TableFilter([`${DB}.t`]));
  conn.destroy();
  const hints = table.columns.map(columnHint);
  const s = new BinlogStream({
    connection: cfg,
    serverId: 5490,
    start: { kind: 'file', file, position: start },
    nonBlocking: true,
    heartbeatIntervalMs: 0,
    includeTable: (db, t) => db === DB && t === 't',
    columnHints: () => hints,
  });
  const t0 = process.hrtime.bigint();
  await s.start();
  let rows = 0;
  for await (const batch of s.batches()) {
    for (const { event } of batch) if (event.type === 'rows') rows += event.rows.length;
    if (rows >= expected) break;
  }
  const t1 = process.hrtime.bigint();
  s.close();
  if (rows !== expected) throw new Error(`ours decoded ${rows} rows, expected ${expected}`);
  return Number(t1 - t0) / 1e9;
}

export function zongji(file: string, start: number, expected: number): Promise<{ secs: number; sample: unknown }> {
  return new Promise((resolve, reject) => {
    const z = new ZongJi({ ...cfg, dateStrings: true });
    let rows = 0;
    let sample: unknown;
    let t0 = 0n;
    z.on('error', reject);
    z.on('ready', () => {
      t0 = process.hrtime.bigint();
    });
    z.on('binlog', (evt: { getEventName(): string; rows?: unknown[] }) => {
      const name = evt.getEventName();
      if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
        if (!sample) sample = evt.rows?.[0];
        rows += evt.rows?.length ?? 0;
        if (rows >= expected) {
          const secs = Number(process.hrtime.bigint() - t0) / 1e9;
          z.stop();
          resolve({ secs, sample });
        }
      }
    });
    z.start({ serverId: 5491, filename: file, position: start, includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows'], includeSchema: { [DB]: ['t'] } });
  });
}

/** Seconds for `mariadb-binlog --read-from-remote-server --base64-output=DECODE-ROWS -v` to decode the range to /dev/null. */
export function mariadbBinlog(file: string, start: number, end: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(
      'mariadb-binlog',
      ['--no-defaults', '--read-from-remote-server', `--host=${cfg.host}`, `--port=${cfg.port}`, `--user=${cfg.user}`, '--base64-output=DECODE-ROWS', '-v', `--start-position=${start}`, `--stop-position=${end}`, file],
      { env: { ...process.env, MYSQL_PWD: cfg.password }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`mariadb-binlog exited ${code}: ${err}`))));
  });
}

/** Seconds for a whole `mysql` source reader (decode, convert, events, state) to emit the range's row changes. */
export async function sourceReader(file: string, start: number, expected: number): Promise<number> {
  const { reader, abort } = await benchReader({
    tables: `${DB}.t`,
    'scan.startup.mode': 'specific-offset',
    'scan.startup.specific-offset.file': file,
    'scan.startup.specific-offset.pos': start,
    'server-id': '5496',
  });
  const t0 = process.hrtime.bigint();
  let events = 0;
  try {
    for await (const batch of reader.read()) {
      for (const e of batch.events) if (e.kind === 'data') events++;
      batch.state?.();
      if (events >= expected) break;
    }
  } finally {
    abort();
    await reader.close();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (events !== expected) throw new Error(`the source emitted ${events} row changes, expected ${expected}`);
  return secs;
}

/** Row changes in a range of `rows` changes written by prepare(). */
export const expectedChanges = (rows: number): number => rows - (rows % 4 === 0 ? 0 : rows % 4);

async function main(): Promise<void> {
const ROWS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 3);
await ensureService('mariadb');
const { file, start, end, endFile } = await prepare(ROWS);
if (endFile !== file) console.warn(`note: the range spans ${file}..${endFile}`);
const expected = expectedChanges(ROWS);
const best = { ours: Infinity, zongji: Infinity, ref: Infinity };
let sample: unknown;
for (let r = 0; r < RUNS; r++) {
  best.ref = Math.min(best.ref, await mariadbBinlog(file, start, end));
  best.ours = Math.min(best.ours, await ours(file, start, expected));
  const z = await zongji(file, start, expected);
  sample = z.sample;
  best.zongji = Math.min(best.zongji, z.secs);
}
const rate = (s: number) => Math.round(expected / s);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);
console.log(`row changes: ${expected} (${ROWS / 2} inserts, ${ROWS / 4} updates, ${ROWS / 4} deletes), binlog ${file} ${start}..${end} (${((end - start) / 1e6).toFixed(1)} MB)`);
console.log(`mariadb-binlog -v (reference): ${rate(best.ref)} rows/s (${best.ref.toFixed(2)} s)`);
console.log(`ours:                          ${rate(best.ours)} rows/s (${best.ours.toFixed(2)} s)  ratio to reference ${(best.ref / best.ours).toFixed(2)}`);
console.log(`@vlasky/zongji:                ${rate(best.zongji)} rows/s (${best.zongji.toFixed(2)} s)  ratio to reference ${(best.ref / best.zongji).toFixed(2)}`);
console.log(`ours / zongji: ${(best.zongji / best.ours).toFixed(2)}x`);
console.log('zongji sample row:', sample);
process.exit(0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
