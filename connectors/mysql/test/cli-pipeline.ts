/**
 * Helpers for tests that run the real `cdc` CLI (from source, in a child process) on a MariaDB -> values sink
 * pipeline and compare the sink's output file (written at every checkpoint) with the database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { startCli } from '../../../packages/cli/test/run-cli.js';
import { mariadbConfig, sleep } from './helpers.js';

export type Json = Record<string, unknown>;
export type Run = ReturnType<typeof startCli>;

const connectorDir = join(import.meta.dirname, '..');

/** A value as text, temporal values in ISO form: the sink's JSON and the server's text compare equal. */
const norm = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'));

/** Rows as sorted JSON lines (a multiset: also right for tables without a key). */
export const normRows = (rows: readonly Json[]): string[] => rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])))).sort();

export function output(file: string): ValuesOutput | undefined {
  try {
    return readOutputFile(file);
  } catch {
    return undefined; // not written yet
  }
}

export class CliPipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc-mysql-cli-'));
  readonly out = join(this.dir, 'out.json');
  readonly runs: Run[] = [];

  constructor(private readonly conn: mysql.Connection) {}

  /** Writes the pipeline file: mysql source with `source` options, values sink with `sink` options. */
  write(source: Record<string, string | number | boolean>, sink: Record<string, string | number | boolean> = {}, name = 'mysql cli test', pipeline: Record<string, string | number | boolean> = {}): string {
    const c = mariadbConfig();
    const yaml = (o: Record<string, string | number | boolean>) => Object.entries(o).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`).join('\n');
    const file = join(this.dir, 'pipeline.yaml');
    writeFileSync(
      file,
      `source:
  type: mysql
  hostname: ${c.host}
  port: ${c.port}
  username: ${c.user}
  password: ${c.password}
${yaml(source)}
sink:
  type: values
  sink.output.file: ${JSON.stringify(this.out)}
${yaml(sink)}
pipeline:
  name: ${name}
  parallelism: 1
  schema.change.behavior: evolve
  execution.checkpointing.interval: 200ms
${yaml(pipeline)}
`,
    );
    return file;
  }

  start(): Run {
    const run = startCli(['run', join(this.dir, 'pipeline.yaml'), '--state-dir', join(this.dir, 'state'), '--plugin-dir', connectorDir, '--no-progress']);
    this.runs.push(run);
    return run;
  }

  /** Polls the output file until `ok`; the error says what was last seen and what the CLI printed. */
  async wait(run: Run, what: string, ok: (o: ValuesOutput) => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<ValuesOutput> {
    const deadline = Date.now() + timeoutMs;
    let last: ValuesOutput | undefined;
    for (;;) {
      last = output(this.out);
      if (last && (await ok(last))) return last;
      if (run.child.exitCode !== null) throw new Error(`cdc run exited (${run.child.exitCode}) while waiting for ${what}:\n${run.output().stderr.slice(-4000)}`);
      if (Date.now() > deadline) {
        const tables = Object.fromEntries(Object.entries(last?.tables ?? {}).map(([k, t]) => [k, t.rowsAsJson.length]));
        throw new Error(`timed out waiting for ${what}; last checkpoint ${last?.checkpointId}, sink rows ${JSON.stringify(tables)}\n${run.output().stderr.slice(-4000)}`);
      }
      await sleep(100);
    }
  }

  async sourceRows(table: string): Promise<{ columns: string[]; rows: string[] }> {
    const [rows, fields] = await this.conn.query(`SELECT * FROM ${table}`);
    return { columns: (fields as { name: string }[]).map((f) => f.name), rows: normRows(rows as Json[]) };
  }

  /** The sink's table has the source table's columns (in order) and rows (exact values). */
  async equal(o: ValuesOutput, table: string): Promise<boolean> {
    const t = o.tables[table];
    if (!t) return false;
    const src = await this.sourceRows(table);
    return JSON.stringify(t.schema.columns.map((c) => c.name)) === JSON.stringify(src.columns) && JSON.stringify(normRows(t.rowsAsJson as Json[])) === JSON.stringify(src.rows);
  }

  async stop(run: Run): Promise<void> {
    run.child.kill('SIGTERM');
    const r = await run.done;
    if (r.code !== 0) throw new Error(`cdc run exited ${r.code} on SIGTERM:\n${r.stderr.slice(-4000)}`);
  }

  killAll(): void {
    for (const r of this.runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }
}

/** Data change lines the values sink printed (print.enabled) for `table`. */
export function printed(stdout: string, table: string, op?: 'INSERT' | 'UPDATE' | 'DELETE'): string[] {
  return stdout.split('\n').filter((l) => l.includes(`DataChangeEvent{tableId=${table},`) && (!op || l.includes(`op=${op},`)));
}
