/**
 * Applies schema changes to Doris over the FE query port, after Flink CDC's DorisMetadataApplier: create
 * database + table from CreateTableEvent, ADD/DROP/RENAME COLUMN (light schema change, immediate), MODIFY
 * COLUMN (a schema change job: waited for in SHOW ALTER TABLE COLUMN), TRUNCATE and DROP TABLE. Re-applying
 * a change that is already there (after a restart) is not an error.
 */
import { isCdcError, SchemaError, tableIdString, type Logger, type MetadataApplier, type SchemaChangeEvent, type SchemaChangeType } from '@cdc/core';
import { FeSql, parseJdbcUrl } from './stream-load/fe-sql.js';
import { DorisHttpSql } from './doris-http-sql.js';
import type { DorisHttp } from './doris-http.js';
import { addColumnSql, createTableSql, dorisName, fullName, modifyColumnSql, q } from './doris-ddl.js';
import { CONNECTOR, type DorisConfig } from './doris-options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DorisMetadataApplier implements MetadataApplier {
  readonly supportedSchemaChanges: readonly SchemaChangeType[] = ['create.table', 'add.column', 'drop.column', 'rename.column', 'alter.column.type', 'truncate.table', 'drop.table'];
  private fe: FeSql | DorisHttpSql | undefined;
  private version: Promise<{ major: number; minor: number }> | undefined;

  constructor(
    private readonly cfg: DorisConfig,
    private readonly http: DorisHttp,
    private readonly logger: Logger,
    /** How long a MODIFY COLUMN job may run. */
    private readonly schemaChangeTimeoutMs = 10 * 60_000,
  ) {}

  /** DDL over the FE query port (jdbc-url), or else over the FE's HTTP SQL API as Flink CDC does. */
  private sql(): FeSql | DorisHttpSql {
    this.fe ??= this.cfg.jdbcUrl ? new FeSql(parseJdbcUrl(this.cfg.jdbcUrl, CONNECTOR), this.cfg.username, this.cfg.password, CONNECTOR) : new DorisHttpSql(this.http);
    return this.fe;
  }

  /** The Doris version from `@@version_comment` ("Doris version doris-2.1.7-rc01-..."). */
  serverVersion(): Promise<{ major: number; minor: number }> {
    this.version ??= this.sql()
      .query<Record<string, string>>('SELECT @@version_comment')
      .then((rows) => {
        const text = Object.values(rows[0] ?? {})[0] ?? '';
        const m = /doris-(\d+)\.(\d+)/i.exec(text);
        return m ? { major: Number(m[1]), minor: Number(m[2]) } : { major: 2, minor: 1 };
      });
    return this.version;
  }

  async applySchemaChange(event: SchemaChangeEvent, _signal: AbortSignal): Promise<void> {
    const fe = this.sql();
    const id = event.tableId;
    const name = fullName(id);
    try {
      switch (event.kind) {
        case 'create.table': {
          const v = await this.serverVersion();
          await fe.query(`CREATE DATABASE IF NOT EXISTS ${q(dorisName(id).db)}`);
          await fe.query(createTableSql(id, event.schema, { properties: this.cfg.tableProps, autoBuckets: v.major >= 2 }));
          return;
        }
        case 'add.column':
          for (const a of event.columns) await this.tolerate(() => fe.query(addColumnSql(id, a.column, a.position === 'AFTER' ? a.existingColumn : undefined)), /already exists/i);
          return;
        case 'drop.column':
          for (const c of event.droppedColumnNames) await this.tolerate(() => fe.query(`ALTER TABLE ${name} DROP COLUMN ${q(c)}`), /does not exist|not exists/i);
          return;
        case 'rename.column':
          for (const [from, to] of Object.entries(event.nameMapping)) await this.tolerate(() => fe.query(`ALTER TABLE ${name} RENAME COLUMN ${q(from)} ${q(to)}`), /does not exist|not exists|already used/i);
          return;
        case 'alter.column.type':
          for (const [col, type] of Object.entries(event.typeMapping)) {
            await fe.query(modifyColumnSql(id, col, type));
            await this.waitForAlterJob(id);
          }
          return;
        case 'truncate.table':
          await fe.query(`TRUNCATE TABLE ${name}`);
          return;
        case 'drop.table':
          await fe.query(`DROP TABLE IF EXISTS ${name}`);
          return;
      }
    } catch (e) {
      if (isCdcError(e) && e.code !== 'SCHEMA') throw e;
      throw new SchemaError(`applying ${event.kind} to ${tableIdString(id)} failed: ${isCdcError(e) ? e.reason : String(e)}`, {
        connector: CONNECTOR,
        cause: e,
        hint: 'check the table in Doris (SHOW CREATE TABLE); with schema.change.behavior lenient or try_evolve the pipeline can go on',
      });
    }
  }

  /** Runs a statement; an error matching `already` means a restart re-applies a change that is there. */
  private async tolerate(run: () => Promise<unknown>, already: RegExp): Promise<void> {
    try {
      await run();
    } catch (e) {
      if (isCdcError(e) && already.test(e.reason)) {
        this.logger.info(`[doris] ${e.reason} — already applied, skipped`);
        return;
      }
      throw e;
    }
  }

  /** Waits for the table's latest column schema change job to finish (MODIFY COLUMN is asynchronous). */
  private async waitForAlterJob(id: SchemaChangeEvent['tableId']): Promise<void> {
    const { db, table } = dorisName(id);
    const deadline = Date.now() + this.schemaChangeTimeoutMs;
    for (;;) {
      const rows = await this.sql().query<Record<string, string>>(`SHOW ALTER TABLE COLUMN FROM ${q(db)} WHERE TableName = '${table.replace(/'/g, "''")}' ORDER BY CreateTime DESC LIMIT 1`);
      const state = rows[0]?.State;
      if (!state || state === 'FINISHED') return;
      if (state === 'CANCELLED') throw new SchemaError(`schema change job on ${db}.${table} was cancelled: ${rows[0]?.Msg ?? ''}`, { connector: CONNECTOR });
      if (Date.now() > deadline) throw new SchemaError(`schema change job on ${db}.${table} did not finish within ${this.schemaChangeTimeoutMs} ms (state ${state})`, { connector: CONNECTOR, retryable: true });
      await sleep(500);
    }
  }

  async close(): Promise<void> {
    await this.fe?.close();
    this.fe = undefined;
  }
}
