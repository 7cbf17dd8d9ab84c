/**
 * `npm run demo`: MariaDB -> values sink with live changes. Starts the MariaDB of tools/services (installs it on
 * a new machine), creates the cdc_demo database, runs `cdc run` on mysql-pipeline.yaml in a child process (the
 * sink prints every event it receives), makes inserts, updates, deletes and an ALTER TABLE while it runs, stops
 * it with SIGTERM once the sink has everything, and compares the sink's tables with the database's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { ensureService, mariadbConfig } from '@cdc/services';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const DB = 'cdc_demo';
const TIME_LIMIT_MS = 90_000;

type Row = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

/** A value as text, temporal values in ISO form, so the sink's JSON and the server's text compare equal. */
const norm = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'));
const normRows = (rows: readonly Row[]): string[] =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])))).sort();

function output(file: string): ValuesOutput | undefined {
  try {
    return readOutputFile(file);
  } catch {
    return undefined; // not written yet
  }
}

export async function mysqlDemo(): Promise<number> {
  const deadline = Date.now() + TIME_LIMIT_MS;
  say('== starting MariaDB (tools/services/mariadb; installed on first use)');
  await ensureService('mariadb');
  const cfg = mariadbConfig();
  const conn = await mysql.createConnection({
    ...cfg,
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // BOOLEAN is TINYINT(1): read it as the source does, so the tables compare equal
    typeCast: (field, next) => {
      if (field.type !== 'TINY' || field.length !== 1) return next();
      const v = field.string();
      return v === null ? null : v !== '0';
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'cdc-mysql-demo-'));
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const sql = async (statement: string) => {
      say(`mariadb> ${statement}`);
      await conn.query(statement);
    };
    say(`\n== creating database ${DB} on ${cfg.host}:${cfg.port}`);
    await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
    await sql(`CREATE TABLE ${DB}.orders (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, product VARCHAR(32) NOT NULL, price DECIMAL(10,2), ordered_at DATETIME(6))`);
    await sql(`CREATE TABLE ${DB}.customers (id INT NOT NULL PRIMARY KEY, name VARCHAR(64), vip BOOLEAN)`);
    await sql(`INSERT INTO ${DB}.orders VALUES (1, 'keyboard', 49.90, '2024-01-02 03:04:05.123456'), (2, 'mouse', 19.99, '2024-01-02 03:04:06.000001'), (3, 'cable', 0.99, NULL)`);
    await sql(`INSERT INTO ${DB}.customers VALUES (7, 'Ada', TRUE), (8, 'Grace 😀', FALSE)`);

    const out = join(dir, 'sink.json');
    const pipeline = join(dir, 'mysql-pipeline.yaml');
    const values: Record<string, string> = { host: cfg.host, port: String(cfg.port), user: cfg.user, password: cfg.password, output: out };
    writeFileSync(pipeline, readFileSync(join(here, 'mysql-pipeline.yaml'), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k]));

    say(`\n== cdc run ${join(here, 'mysql-pipeline.yaml')}   (sink> lines: what the values sink received)\n`);
    const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    // cwd = this example's package: the CLI finds the connectors in its node_modules, as in a user's project
    child = spawn(process.execPath, ['--conditions=source', '--import', loader, join(repoRoot, 'packages', 'cli', 'src', 'main.ts'), 'run', pipeline, '--state-dir', join(dir, 'state'), '--no-progress'], {
      cwd: here,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    createInterface({ input: child.stdout! }).on('line', (l) => say(`  sink> ${l}`));
    createInterface({ input: child.stderr! }).on('line', (l) => {
      stderr += l + '\n';
      if (/ (INFO|WARN|ERROR) /i.test(l) || /error/i.test(l)) say(`  cdc | ${l}`);
    });
    const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((c) => (exitCode = c));

    const waitFor = async (what: string, ok: (o: ValuesOutput) => boolean | Promise<boolean>) => {
      for (;;) {
        const o = output(out);
        if (o && (await ok(o))) return o;
        if (exitCode !== undefined) throw new Error(`cdc run exited (${exitCode}) while waiting for ${what}:\n${stderr.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
      }
    };
    const tables = ['orders', 'customers'];
    const sourceRows = async (t: string) => normRows((await conn.query(`SELECT * FROM ${DB}.${t}`))[0] as Row[]);
    const sinkEqualsSource = async (o: ValuesOutput) => {
      for (const t of tables) {
        const s = o.tables[`${DB}.${t}`];
        if (!s || JSON.stringify(normRows(s.rowsAsJson as Row[])) !== JSON.stringify(await sourceRows(t))) return false;
      }
      return true;
    };

    await waitFor('the snapshot', (o) => (o.tables[`${DB}.orders`]?.rowsAsJson.length ?? 0) === 3 && (o.tables[`${DB}.customers`]?.rowsAsJson.length ?? 0) === 2);
    say('\n== snapshot done; live changes while the pipeline runs\n');
    await sleep(500);
    const changes = [
      `INSERT INTO ${DB}.orders VALUES (4, 'monitor', 189.00, NOW(6))`,
      `UPDATE ${DB}.orders SET price = 17.49 WHERE id = 2`,
      `DELETE FROM ${DB}.orders WHERE id = 3`,
      `ALTER TABLE ${DB}.orders ADD COLUMN note VARCHAR(64) AFTER price`,
      `INSERT INTO ${DB}.orders (id, product, price, note, ordered_at) VALUES (18446744073709551615, 'gift card', 99999999.99, 'max id', '2024-02-29 23:59:59.999999')`,
      `UPDATE ${DB}.customers SET vip = TRUE, name = 'Grace Hopper' WHERE id = 8`,
      `INSERT INTO ${DB}.customers VALUES (9, 'Linus', NULL)`,
    ];
    for (const c of changes) {
      await sql(c);
      await sleep(400);
    }
    const final = await waitFor('the live changes', sinkEqualsSource);

    say('\n== stopping cdc run (SIGTERM: final checkpoint, exit 0)');
    child.kill('SIGTERM');
    const code = await exited;
    say(`\n== sink tables (sink.output.file) vs the database`);
    for (const t of tables) {
      const s = final.tables[`${DB}.${t}`];
      say(`\n${DB}.${t} (${s.schema.columns.map((c) => c.name).join(', ')})`);
      for (const r of s.rowsAsJson) say(`  ${Object.values(r).map((v) => (v === null ? 'NULL' : String(v))).join(' | ')}`);
    }
    say(`\nsink equals source: yes; cdc run exit code ${code}`);
    return code === 0 ? 0 : 1;
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    await conn.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
