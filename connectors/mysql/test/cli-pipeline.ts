/**
 * Helpers for tests that run the real `cdc` CLI (from source, in a child process) on a MariaDB -> values sink
 * pipeline and compare the sink's output file (written at every checkpoint) with the database.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type mysql from 'mysql2/promise';
import { readOutputFile, type ValuesOutput } from '@cdc/connector-values';
import { cdcFromSource, CliRuns, runArgs, tryRead, waitForValue, writePipeline, type CliRun, type PipelineSection } from '@cdc/testkit';
import { admin, ensureService, mariadbConfig } from './helpers.js';

export type Json = Record<string, unknown>;
export type Run = CliRun;

const connectorDir = join(import.meta.dirname, '..');
/** The cdc CLI of this checkout, from source. */
export const cdc = cdcFromSource(join(connectorDir, '..', '..'));

/** A value as text, temporal values in ISO form: the sink's JSON and the server's text compare equal. */
const norm = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2'));

/** Rows as sorted JSON lines (a multiset: also right for tables without a key). */
export const normRows = (rows: readonly Json[]): string[] => rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])))).sort();

export const output = (file: string): ValuesOutput | undefined => tryRead(() => readOutputFile(file));

export class CliPipeline {
  readonly dir = mkdtempSync(join(tmpdir(), 'cdc-mysql-cli-'));
  readonly out = join(this.dir, 'out.json');
  readonly runs = new CliRuns(cdc);
  /** Said in a timeout's message (for example how many changes a writer made so far). */
  progress = (): string => '';

  constructor(private readonly conn: mysql.Connection) {}

  /**
   * Writes the pipeline file: mysql source with `source` options, values sink with `sink` options; `pipeline`
   * options override the defaults (parallelism 1, schema evolution, checkpoints every 200 ms).
   */
  write(source: PipelineSection, sink: PipelineSection = {}, name = 'mysql cli test', pipeline: PipelineSection = {}): string {
    const c = mariadbConfig();
    return writePipeline(join(this.dir, 'pipeline.yaml'), {
      source: { type: 'mysql', hostname: c.host, port: c.port, username: c.user, password: c.password, ...source },
      sink: { type: 'values', 'sink.output.file': this.out, ...sink },
      pipeline: { name, parallelism: 1, 'schema.change.behavior': 'evolve', 'execution.checkpointing.interval': '200ms', ...pipeline },
    });
  }

  start(): Run {
    return this.runs.start(runArgs(join(this.dir, 'pipeline.yaml'), join(this.dir, 'state'), [connectorDir]));
  }

  /** Polls the output file until `ok`; the error says what was last seen and what the CLI printed. */
  async wait(run: Run, what: string, ok: (o: ValuesOutput) => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<ValuesOutput> {
    return waitForValue(what, () => output(this.out), ok, {
      runs: [run],
      timeoutMs,
      detail: (last) => `${this.progress()}; last checkpoint ${last?.checkpointId}, sink rows ${JSON.stringify(Object.fromEntries(Object.entries(last?.tables ?? {}).map(([k, t]) => [k, t.rowsAsJson.length])))}`,
    });
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

  /** SIGTERM: fails unless `cdc run` exits 0. */
  async stop(run: Run): Promise<void> {
    await run.stop();
  }

  killAll(): void {
    this.runs.killAll();
  }
}

/** Data change lines the values sink printed (print.enabled) for `table`. */
export function printed(stdout: string, table: string, op?: 'INSERT' | 'UPDATE' | 'DELETE'): string[] {
  return stdout.split('\n').filter((l) => l.includes(`DataChangeEvent{tableId=${table},`) && (!op || l.includes(`op=${op},`)));
}

/**
 * Registers a test file's hooks: MariaDB up, database `db` created empty (then `setup`, given the connection)
 * before the tests; after them every pipeline made by `pipeline()` killed and the database dropped.
 */
export function cliTestDatabase(db: string, setup: (conn: mysql.Connection) => Promise<void> | void): { pipeline(): CliPipeline } {
  let conn: mysql.Connection | undefined;
  const pipelines: CliPipeline[] = [];
  beforeAll(async () => {
    await ensureService('mariadb');
    conn = await admin();
    await conn.query(`DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
    await setup(conn);
  }, 600_000);
  afterAll(async () => {
    for (const p of pipelines) p.killAll();
    await conn?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await conn?.end();
  });
  return {
    pipeline() {
      const p = new CliPipeline(conn!);
      pipelines.push(p);
      return p;
    },
  };
}
