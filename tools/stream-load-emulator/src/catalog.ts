/**
 * The emulated FE catalog: databases and tables of the flavour, stored as real MariaDB databases and tables
 * (`cdc_doris__<db>` / `cdc_sr__<db>`), with each table's Doris/StarRocks definition (key model, types,
 * distribution, properties) kept in a metadata table so DESC and SHOW CREATE TABLE answer as the FE would.
 * Labels and transactions live in MariaDB too, so a label's dedup survives an emulator restart.
 */
import mysql from 'mysql2/promise';
import { checkColumnType, formatColumnType, mariadbType, type ColumnMeta } from './column-types.js';
import type { AlterOp, Statement, TableDef, TableName } from './ddl.js';
import { features, storageDb, systemDb, type Flavour } from './flavour.js';

export interface TableMeta {
  readonly db: string;
  readonly table: string;
  readonly def: TableDef;
}

export interface AlterJob {
  readonly jobId: number;
  readonly db: string;
  readonly table: string;
  readonly createTime: string;
  readonly finishTime: string;
  readonly state: 'FINISHED' | 'RUNNING' | 'CANCELLED';
  readonly msg: string;
  /** Epoch ms when the job is done: RUNNING before. */
  readonly finishesAt: number;
}

/** An error the FE returns over the MySQL protocol (and in HTTP messages). */
export class FeError extends Error {
  constructor(
    message: string,
    readonly code = 1105,
  ) {
    super(message);
  }
}

export interface StorageConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

function now(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

export class Catalog {
  readonly pool: mysql.Pool;
  private readonly tables = new Map<string, TableMeta>();
  readonly alterJobs: AlterJob[] = [];
  private nextJobId = 10_000;
  /** Called when a database is dropped (its labels go with it, as on a real FE). */
  readonly onDropDatabase: ((db: string) => void)[] = [];

  constructor(
    readonly flavour: Flavour,
    storage: StorageConfig,
    /** Number of emulated BEs: tables asking for more replicas fail as on a real cluster. */
    readonly backends = 1,
    /** How long a schema change job stays RUNNING (ms), read at each ALTER. */
    private readonly alterJobMs: () => number = () => 0,
  ) {
    this.pool = mysql.createPool({
      host: storage.host,
      port: storage.port,
      user: storage.user,
      password: storage.password,
      connectionLimit: 8,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      charset: 'utf8mb4',
    });
  }

  get sys(): string {
    return systemDb(this.flavour);
  }

  async init(): Promise<void> {
    await this.pool.query(`CREATE DATABASE IF NOT EXISTS ${q(this.sys)} CHARACTER SET utf8mb4`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${q(this.sys)}.tables (db VARCHAR(255) NOT NULL, tbl VARCHAR(255) NOT NULL, def LONGTEXT NOT NULL, PRIMARY KEY (db, tbl))`);
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${q(this.sys)}.labels (db VARCHAR(255) NOT NULL, label VARCHAR(255) NOT NULL, txn_id BIGINT NOT NULL, tbl VARCHAR(255) NOT NULL, status VARCHAR(32) NOT NULL, created DATETIME(3) NOT NULL, PRIMARY KEY (db, label), KEY (txn_id))`,
    );
    const [rows] = await this.pool.query(`SELECT db, tbl, def FROM ${q(this.sys)}.tables`);
    for (const r of rows as { db: string; tbl: string; def: string }[]) this.tables.set(`${r.db}.${r.tbl}`, { db: r.db, table: r.tbl, def: JSON.parse(r.def) as TableDef });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  storage(db: string): string {
    return storageDb(this.flavour, db);
  }

  async databases(): Promise<string[]> {
    const prefix = this.storage('');
    const [rows] = await this.pool.query(`SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1`, [`${prefix.replace(/_/g, '\\_')}%`]);
    return (rows as { s: string }[]).map((r) => r.s.slice(prefix.length));
  }

  async hasDatabase(db: string): Promise<boolean> {
    const [rows] = await this.pool.query(`SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [this.storage(db)]);
    return (rows as unknown[]).length > 0;
  }

  table(db: string, table: string): TableMeta | undefined {
    return this.tables.get(`${db}.${table}`);
  }

  tablesOf(db: string): TableMeta[] {
    return [...this.tables.values()].filter((t) => t.db === db);
  }

  /** The FE's message for an unknown database (Doris 1.2 still prints its default cluster). */
  unknownDatabase(db: string): FeError {
    if (this.flavour.kind === 'starrocks') return new FeError(`Unknown database '${db}'`, 1049);
    return new FeError(`errCode = 2, detailMessage = Unknown database '${this.flavour.major < 2 ? 'default_cluster:' : ''}${db}'`, 1049);
  }

  unknownTable(db: string, table: string): FeError {
    if (this.flavour.kind === 'starrocks') return new FeError(`Unknown table '${db}.${table}'`, 1051);
    return new FeError(`errCode = 2, detailMessage = Unknown table '${table}' in ${this.flavour.major < 2 ? 'default_cluster:' : ''}${db}`, 1051);
  }

  error(detail: string, code = 1105): FeError {
    return new FeError(this.flavour.kind === 'doris' ? `errCode = 2, detailMessage = ${detail}` : `Getting analyzing error. Detail message: ${detail}.`, this.flavour.kind === 'doris' ? code : 1064);
  }

  private resolve(name: TableName, currentDb: string | undefined): { db: string; table: string } {
    const db = name.db ?? currentDb;
    if (!db) throw this.error('No database selected', 1046);
    return { db, table: name.table };
  }

  /** Runs a DDL statement; returns false when it is not DDL this catalog handles. */
  async execute(stmt: Statement, currentDb: string | undefined): Promise<boolean> {
    switch (stmt.kind) {
      case 'create-database':
        if (await this.hasDatabase(stmt.name)) {
          if (stmt.ifNotExists) return true;
          throw this.error(`Can't create database '${stmt.name}'; database exists`, 1007);
        }
        await this.pool.query(`CREATE DATABASE ${q(this.storage(stmt.name))} CHARACTER SET utf8mb4`);
        return true;
      case 'drop-database':
        if (!(await this.hasDatabase(stmt.name))) {
          if (stmt.ifExists) return true;
          throw this.error(`Can't drop database '${stmt.name}'; database doesn't exist`, 1008);
        }
        await this.pool.query(`DROP DATABASE ${q(this.storage(stmt.name))}`);
        await this.pool.query(`DELETE FROM ${q(this.sys)}.tables WHERE db = ?`, [stmt.name]);
        await this.pool.query(`DELETE FROM ${q(this.sys)}.labels WHERE db = ?`, [stmt.name]);
        for (const cb of this.onDropDatabase) cb(stmt.name);
        for (const k of [...this.tables.keys()]) if (k.startsWith(`${stmt.name}.`)) this.tables.delete(k);
        return true;
      case 'create-table':
        await this.createTable(this.resolve(stmt.name, currentDb), stmt.def, stmt.ifNotExists);
        return true;
      case 'drop-table': {
        const n = this.resolve(stmt.name, currentDb);
        if (!this.table(n.db, n.table)) {
          if (stmt.ifExists) return true;
          throw this.unknownTable(n.db, n.table);
        }
        await this.pool.query(`DROP TABLE IF EXISTS ${q(this.storage(n.db))}.${q(n.table)}`);
        await this.pool.query(`DELETE FROM ${q(this.sys)}.tables WHERE db = ? AND tbl = ?`, [n.db, n.table]);
        this.tables.delete(`${n.db}.${n.table}`);
        return true;
      }
      case 'truncate-table': {
        const n = this.resolve(stmt.name, currentDb);
        if (!this.table(n.db, n.table)) throw this.unknownTable(n.db, n.table);
        await this.pool.query(`TRUNCATE TABLE ${q(this.storage(n.db))}.${q(n.table)}`);
        return true;
      }
      case 'alter-table':
        await this.alterTable(this.resolve(stmt.name, currentDb), stmt.ops);
        return true;
      case 'other':
        return false;
    }
  }

  private checkKeyType(c: ColumnMeta, model: string): void {
    const b = c.type.base;
    if (['FLOAT', 'DOUBLE'].includes(b)) throw this.error(`Float or double can not used as a key, use decimal instead.`);
    if (this.flavour.kind === 'doris' && ['STRING', 'TEXT', 'JSON', 'JSONB', 'ARRAY', 'MAP', 'STRUCT'].includes(b)) throw this.error(`${b === 'STRING' || b === 'TEXT' ? 'String' : b} Type should not be used in key column[${c.name}].`);
    if (this.flavour.kind === 'starrocks' && model === 'PRIMARY' && (b.startsWith('DECIMAL') || ['JSON', 'ARRAY', 'MAP', 'STRUCT', 'CHAR'].includes(b))) {
      throw this.error(`Invalid data type of primary key column '${c.name}': '${formatColumnType(c.type, this.flavour)}'`);
    }
  }

  private async createTable(n: { db: string; table: string }, def: TableDef, ifNotExists: boolean): Promise<void> {
    if (!(await this.hasDatabase(n.db))) throw this.unknownDatabase(n.db);
    if (this.table(n.db, n.table)) {
      if (ifNotExists) return;
      throw this.error(`Table '${n.table}' already exists`, 1050);
    }
    const f = features(this.flavour);
    if (def.model === 'AGGREGATE') throw this.error('AGGREGATE KEY tables are not emulated');
    if (def.model === 'PRIMARY' && this.flavour.kind === 'doris') throw this.error(`Syntax error: PRIMARY KEY model is StarRocks'; Doris uses UNIQUE KEY`);
    if (def.model === 'UNIQUE' && this.flavour.kind === 'starrocks' && this.flavour.major < 2) throw this.error('UNIQUE KEY is not supported');
    if (!def.columns.length) throw this.error('Table should contain at least one column');
    const names = def.columns.map((c) => c.name);
    for (const c of def.columns) {
      const problem = checkColumnType(c, this.flavour);
      if (problem) throw this.error(problem);
    }
    // Default keys for DUPLICATE without a key: the FE takes leading columns.
    const keys = def.explicitKeys ? def.keys : [names[0]];
    for (let i = 0; i < keys.length; i++) {
      if (!names.includes(keys[i])) throw this.error(`Key column[${keys[i]}] doesn't exist.`);
      if (names[i] !== keys[i]) {
        throw this.error(`Key columns should be a ordered prefix of the schema. KeyColumns[${i}] (starts from zero) is ${keys[i]}, but corresponding column is ${names[i]} in the previous columns declaration.`);
      }
      const col = def.columns[i];
      this.checkKeyType(col, def.model);
      if ((def.model === 'UNIQUE' || def.model === 'PRIMARY') && col.nullable && this.flavour.kind === 'starrocks') {
        throw this.error(`primary key column[${col.name}] cannot be nullable`);
      }
    }
    if (!def.distribution && !f.optionalDistribution && !(this.flavour.kind === 'doris' && this.flavour.major >= 3)) {
      throw this.error('Create olap table should contain distribution desc');
    }
    if (def.distribution?.buckets === 'AUTO' && this.flavour.kind === 'doris' && this.flavour.major < 2) throw this.error('BUCKETS AUTO is supported from Doris 2.0');
    for (const k of def.distribution?.hash ?? []) {
      if (!names.includes(k)) throw this.error(`Distribution column[${k}] is not found`);
      if ((def.model === 'UNIQUE' || def.model === 'PRIMARY') && !keys.includes(k)) throw this.error(`Distribution column[${k}] is not key column`);
    }
    const replicas = Number(def.properties['replication_num'] ?? /tag\.location\.default:\s*(\d+)/.exec(def.properties['replication_allocation'] ?? '')?.[1] ?? 3);
    if (replicas > this.backends) {
      throw this.error(
        this.flavour.kind === 'doris'
          ? `Failed to find enough backend, please check the replication num,replication tag and storage medium and avail capacity of backends or maybe all be on decommission state. Create failed replications: ${replicas}. need: ${replicas}, available: ${this.backends}`
          : `Table replication num should be less than or equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [${this.backends}]`,
      );
    }
    const properties = { ...def.properties };
    if (def.model === 'UNIQUE' && f.mergeOnWriteDefault && properties['enable_unique_key_merge_on_write'] === undefined) properties['enable_unique_key_merge_on_write'] = 'true';
    if (this.flavour.kind === 'doris' && f.lightSchemaChangeDefault && properties['light_schema_change'] === undefined) properties['light_schema_change'] = 'true';
    const stored: TableDef = { ...def, keys, properties };
    const cols = def.columns.map((c, i) => this.mariadbColumn(c, i < keys.length && def.model !== 'DUPLICATE'));
    const pk = def.model === 'UNIQUE' || def.model === 'PRIMARY' ? `, PRIMARY KEY (${keys.map(q).join(', ')})` : '';
    await this.pool.query(`CREATE TABLE ${q(this.storage(n.db))}.${q(n.table)} (${cols.join(', ')}${pk}) CHARACTER SET utf8mb4`);
    await this.saveTable({ db: n.db, table: n.table, def: stored });
  }

  private mariadbColumn(c: ColumnMeta, isKey: boolean): string {
    const type = mariadbType(c.type, isKey, this.flavour);
    const nullable = c.nullable && !isKey ? 'NULL' : 'NOT NULL';
    let def = '';
    if (c.defaultValue === null && c.nullable) def = ' DEFAULT NULL';
    else if (c.defaultValue === 'CURRENT_TIMESTAMP') def = /DATETIME/.test(type) ? ` DEFAULT CURRENT_TIMESTAMP${type.match(/\((\d)\)/)?.[0] ?? ''}` : '';
    else if (typeof c.defaultValue === 'string' && !/TEXT|BLOB/.test(type)) def = ` DEFAULT ${mysql.escape(c.defaultValue)}`;
    return `${q(c.name)} ${type} ${nullable}${def}`;
  }

  private async saveTable(meta: TableMeta): Promise<void> {
    await this.pool.query(`REPLACE INTO ${q(this.sys)}.tables (db, tbl, def) VALUES (?, ?, ?)`, [meta.db, meta.table, JSON.stringify(meta.def)]);
    this.tables.set(`${meta.db}.${meta.table}`, meta);
  }

  private async alterTable(n: { db: string; table: string }, ops: readonly AlterOp[]): Promise<void> {
    const meta = this.table(n.db, n.table);
    if (!meta) {
      if (!(await this.hasDatabase(n.db))) throw this.unknownDatabase(n.db);
      throw this.unknownTable(n.db, n.table);
    }
    const f = features(this.flavour);
    if (this.alterJobs.some((j) => j.db === n.db && j.table === n.table && j.finishesAt > Date.now())) {
      throw this.error(`Do not allow doing ALTER ops when table[${n.table}] is in state SCHEMA_CHANGE`);
    }
    let columns = [...meta.def.columns];
    let comment = meta.def.comment;
    const target = `${q(this.storage(n.db))}.${q(n.table)}`;
    const isKey = (name: string) => meta.def.model !== 'DUPLICATE' && meta.def.keys.includes(name);
    const find = (name: string): number => {
      const i = columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
      if (i < 0) throw this.error(`Column does not exists: ${name}`);
      return i;
    };
    const clauses: string[] = [];
    for (const op of ops) {
      switch (op.op) {
        case 'add': {
          if (columns.some((c) => c.name.toLowerCase() === op.column.name.toLowerCase())) throw this.error(`Can not add column which already exists in base table: ${op.column.name}`);
          const problem = checkColumnType(op.column, this.flavour);
          if (problem) throw this.error(problem);
          if (!op.column.nullable && op.column.defaultValue === undefined) throw this.error(`Can not add column which is NOT NULL and has no default value: ${op.column.name}`);
          let pos = columns.length;
          let where = '';
          if (op.first) {
            pos = 0;
            where = ' FIRST';
          } else if (op.after) {
            pos = find(op.after) + 1;
            where = ` AFTER ${q(columns[pos - 1].name)}`;
          }
          if (meta.def.model !== 'DUPLICATE' && pos < meta.def.keys.length) throw this.error(`Can not add value column before key column`);
          columns.splice(pos, 0, op.column);
          clauses.push(`ADD COLUMN ${this.mariadbColumn(op.column, false)}${where}`);
          break;
        }
        case 'drop': {
          const i = find(op.name);
          if (isKey(columns[i].name)) throw this.error(`Can not drop key column in Unique data model table`);
          clauses.push(`DROP COLUMN ${q(columns[i].name)}`);
          columns.splice(i, 1);
          break;
        }
        case 'modify': {
          const i = find(op.column.name);
          const old = columns[i];
          const problem = checkColumnType(op.column, this.flavour);
          if (problem) throw this.error(problem);
          if (['VARCHAR', 'CHAR'].includes(old.type.base) && old.type.base === op.column.type.base && (op.column.type.args[0] ?? 0) < (old.type.args[0] ?? 0)) throw this.error(`Cannot shorten string length`);
          if (isKey(old.name) && op.column.nullable !== old.nullable && this.flavour.kind === 'starrocks') throw this.error(`Can not change nullable of key column`);
          const col = isKey(old.name) ? { ...op.column, nullable: old.nullable } : op.column;
          columns[i] = col;
          clauses.push(`MODIFY COLUMN ${this.mariadbColumn(col, isKey(old.name))}`);
          break;
        }
        case 'rename': {
          if (!f.renameColumn) throw this.error(`RENAME COLUMN is supported from StarRocks 3.3`);
          if (this.flavour.kind === 'doris' && meta.def.properties['light_schema_change'] !== 'true') {
            throw this.error(`Do not support rename column when table property light_schema_change is false`);
          }
          const i = find(op.from);
          if (columns.some((c) => c.name === op.to)) throw this.error(`Column name[${op.to}] is already used`);
          clauses.push(`RENAME COLUMN ${q(columns[i].name)} TO ${q(op.to)}`);
          columns[i] = { ...columns[i], name: op.to };
          break;
        }
        case 'comment':
          comment = op.comment;
          break;
      }
    }
    if (clauses.length) await this.pool.query(`ALTER TABLE ${target} ${clauses.join(', ')}`);
    const renamed = (name: string) => {
      for (const op of ops) if (op.op === 'rename' && op.from === name) return op.to;
      return name;
    };
    const def: TableDef = {
      ...meta.def,
      columns,
      keys: meta.def.keys.map(renamed),
      ...(meta.def.distribution?.hash ? { distribution: { ...meta.def.distribution, hash: meta.def.distribution.hash.map(renamed) } } : {}),
      ...(comment !== undefined ? { comment } : {}),
    };
    await this.saveTable({ ...meta, def });
    columns = def.columns;
    const t = now();
    // Doris' light schema changes (add/drop/rename column) finish with the statement; MODIFY, and every StarRocks
    // ALTER here, is a job that runs for a while.
    const job = this.flavour.kind === 'starrocks' || ops.some((o) => o.op === 'modify');
    this.alterJobs.push({ jobId: this.nextJobId++, db: n.db, table: n.table, createTime: t, finishTime: t, state: 'FINISHED', msg: '', finishesAt: Date.now() + (job ? this.alterJobMs() : 0) });
  }

  /** SHOW CREATE TABLE as the FE prints it, from the kept definition. */
  showCreateTable(meta: TableMeta): string {
    const f = this.flavour;
    const d = meta.def;
    const lines = d.columns.map((c) => {
      const dflt = c.defaultValue === undefined ? '' : c.defaultValue === null ? ' DEFAULT NULL' : c.defaultValue === 'CURRENT_TIMESTAMP' ? ' DEFAULT CURRENT_TIMESTAMP' : ` DEFAULT "${c.defaultValue}"`;
      const comment = c.comment ? ` COMMENT "${c.comment}"` : ` COMMENT ""`;
      return `  \`${c.name}\` ${formatColumnType(c.type, f).toLowerCase()} ${c.nullable ? 'NULL' : 'NOT NULL'}${dflt}${comment}`;
    });
    const out = [`CREATE TABLE \`${meta.table}\` (`, lines.join(',\n'), `) ENGINE=OLAP`];
    out.push(`${d.model} KEY(${d.keys.map((k) => `\`${k}\``).join(', ')})`);
    out.push(`COMMENT "${d.comment ?? (f.kind === 'doris' ? 'OLAP' : '')}"`);
    if (d.partition) out.push(d.partition);
    if (d.distribution) {
      const by = d.distribution.random ? 'RANDOM' : `HASH(${(d.distribution.hash ?? []).map((k) => `\`${k}\``).join(', ')})`;
      const b = d.distribution.buckets;
      out.push(`DISTRIBUTED BY ${by}${b === undefined ? '' : ` BUCKETS ${b}`}`);
    }
    const props = Object.entries({ replication_num: '3', ...d.properties }).map(([k, v]) => `"${k}" = "${v}"`);
    out.push(`PROPERTIES (\n${props.join(',\n')}\n);`);
    return out.join('\n');
  }

  describe(meta: TableMeta): Record<string, string | null>[] {
    return meta.def.columns.map((c) => ({
      Field: c.name,
      Type: formatColumnType(c.type, this.flavour),
      Null: c.nullable ? 'Yes' : 'No',
      Key: meta.def.keys.includes(c.name) ? 'true' : 'false',
      Default: c.defaultValue === undefined || c.defaultValue === null ? null : c.defaultValue,
      Extra: '',
    }));
  }
}
