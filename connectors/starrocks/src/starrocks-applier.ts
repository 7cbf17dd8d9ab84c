/**
 * Applies schema changes to StarRocks over the FE query port, after Flink CDC's StarRocksMetadataApplier:
 * create database + PRIMARY KEY table; ADD/DROP/RENAME/MODIFY COLUMN are schema change jobs, waited for in
 * SHOW ALTER TABLE COLUMN up to table.schema-change.timeout; TRUNCATE and DROP TABLE. Re-applying a change that
 * is already there (after a restart) is not an error.
 */
import { isCdcError, SchemaError, tableIdString, type Logger, type MetadataApplier, type SchemaChangeEvent, type SchemaChangeType, type TableId } from '@cdc/core';
import { FeSql, parseJdbcUrl } from '@cdc/connector-doris/stream-load';
import { addColumnSql, createTableSql, fullName, modifyColumnSql, q, srName } from './starrocks-ddl.js';
import { CONNECTOR, type StarRocksConfig } from './starrocks-options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class StarRocksMetadataApplier implements MetadataApplier {
  readonly supportedSchemaChanges: readonly SchemaChangeType[] = ['create.table', 'add.column', 'drop.column', 'rename.column', 'alter.column.type', 'truncate.table', 'drop.table'];
  private readonly fe: FeSql;

  constructor(
    private readonly cfg: StarRocksConfig,
    private readonly logger: Logger,
  ) {
    this.fe = new FeSql(parseJdbcUrl(cfg.jdbcUrl.split(',')[0], CONNECTOR), cfg.username, cfg.password, CONNECTOR);
  }

  /** Column names of a StarRocks table (DESC); empty when it does not exist. */
  async columnsOf(db: string, table: string): Promise<string[]> {
    try {
      const rows = await this.fe.query<{ Field: string }>(`DESC ${q(db)}.${q(table)}`);
      return rows.map((r) => r.Field);
    } catch (e) {
      if (isCdcError(e) && /unknown table|unknown database|does not exist/i.test(e.reason)) return [];
      throw e;
    }
  }

  async serverVersion(): Promise<string> {
    const rows = await this.fe.query<Record<string, string>>('SELECT current_version()');
    return String(Object.values(rows[0] ?? {})[0] ?? '').split(' ')[0];
  }

  async applySchemaChange(event: SchemaChangeEvent, _signal: AbortSignal): Promise<void> {
    const id = event.tableId;
    const name = fullName(id);
    const cb = this.cfg.unicodeCharMaxBytes;
    try {
      switch (event.kind) {
        case 'create.table':
          await this.fe.query(`CREATE DATABASE IF NOT EXISTS ${q(srName(id).db)}`);
          await this.fe.query(createTableSql(id, event.schema, { properties: this.cfg.tableProps, charBytes: cb, ...(this.cfg.numBuckets ? { numBuckets: this.cfg.numBuckets } : {}) }));
          return;
        case 'add.column':
          for (const a of event.columns) await this.alter(id, addColumnSql(id, a.column, cb, a.position === 'AFTER' ? a.existingColumn : undefined), /already exists/i);
          return;
        case 'drop.column':
          for (const c of event.droppedColumnNames) await this.alter(id, `ALTER TABLE ${name} DROP COLUMN ${q(c)}`, /does not exist|not exists/i);
          return;
        case 'rename.column':
          for (const [from, to] of Object.entries(event.nameMapping)) await this.alter(id, `ALTER TABLE ${name} RENAME COLUMN ${q(from)} TO ${q(to)}`, /does not exist|not exists|already used/i);
          return;
        case 'alter.column.type':
          for (const [col, type] of Object.entries(event.typeMapping)) await this.alter(id, modifyColumnSql(id, col, type, cb));
          return;
        case 'truncate.table':
          await this.fe.query(`TRUNCATE TABLE ${name}`);
          return;
        case 'drop.table':
          await this.fe.query(`DROP TABLE IF EXISTS ${name}`);
          return;
      }
    } catch (e) {
      if (isCdcError(e) && e.code !== 'SCHEMA') throw e;
      if (isCdcError(e) && e.reason.startsWith('applying ')) throw e;
      throw new SchemaError(`applying ${event.kind} to ${tableIdString(id)} failed: ${isCdcError(e) ? e.reason : String(e)}`, {
        connector: CONNECTOR,
        cause: e,
        hint: 'check the table in StarRocks (SHOW CREATE TABLE); with schema.change.behavior lenient or try_evolve the pipeline can go on',
      });
    }
  }

  /** One ALTER, then waits for its schema change job. An error matching `already` means it is applied. */
  private async alter(id: TableId, sql: string, already?: RegExp): Promise<void> {
    try {
      await this.fe.query(sql);
    } catch (e) {
      if (already && isCdcError(e) && already.test(e.reason)) {
        this.logger.info(`[starrocks] ${e.reason} — already applied, skipped`);
        return;
      }
      throw e;
    }
    const { db, table } = srName(id);
    const deadline = Date.now() + this.cfg.schemaChangeTimeoutMs;
    for (;;) {
      const rows = await this.fe.query<Record<string, string>>(`SHOW ALTER TABLE COLUMN FROM ${q(db)} WHERE TableName = '${table.replace(/'/g, "''")}' ORDER BY CreateTime DESC LIMIT 1`);
      const state = rows[0]?.State;
      if (!state || state === 'FINISHED') return;
      if (state === 'CANCELLED') throw new SchemaError(`schema change job on ${db}.${table} was cancelled: ${rows[0]?.Msg ?? ''}`, { connector: CONNECTOR });
      if (Date.now() > deadline) {
        throw new SchemaError(`schema change job on ${db}.${table} did not finish within table.schema-change.timeout (${this.cfg.schemaChangeTimeoutMs} ms), state ${state}`, {
          connector: CONNECTOR,
          hint: 'raise table.schema-change.timeout, or check the job with SHOW ALTER TABLE COLUMN',
        });
      }
      await sleep(500);
    }
  }

  async close(): Promise<void> {
    await this.fe.close();
  }
}
