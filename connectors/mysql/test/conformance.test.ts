/**
 * The @cdc/testkit source conformance suite against the real MariaDB: the driver runs SQL (CREATE TABLE, INSERT,
 * UPDATE, DELETE) and the suite reads through the mysql source (snapshot, then the binlog).
 */
import { afterAll, beforeAll } from 'vitest';
import type mysql from 'mysql2/promise';
import { describeSourceConformance } from '@cdc/testkit';
import type { DataType, Schema, TableId } from '@cdc/core';
import { mysqlSourceFactory } from '../src/index.js';
import { admin, ensureService, mariadbConfig } from './helpers.js';

const DB = 'cdc_mysql_testkit';
// The suite's option keys contain "cdc" (`cdc-testkit.no-such-option`), and error messages redact the password
// wherever it appears: the source logs in as its own user, whose password appears in no key.
const USER = 'cdc_mysql_tk';
const PASSWORD = 'tk-Pass-5430';
let conn: mysql.Connection | undefined;
// every source gets its own server id (5430-5439): a closed reader's binlog connection may linger a moment
let nextServerId = 0;

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
  for (const host of ['localhost', '%']) {
    await conn.query(`CREATE USER IF NOT EXISTS '${USER}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
    await conn.query(`ALTER USER '${USER}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
    await conn.query(`GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${USER}'@'${host}'`);
  }
}, 600_000);

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
});

const db = (): mysql.Connection => {
  if (!conn) throw new Error('MariaDB connection not open');
  return conn;
};
const q = (id: TableId) => `\`${id.schema}\`.\`${id.table}\``;

function sqlType(t: DataType): string {
  const nn = t.nullable ? '' : ' NOT NULL';
  switch (t.type) {
    case 'BIGINT':
      return `BIGINT${nn}`;
    case 'VARCHAR':
      return `VARCHAR(${t.length})${nn}`;
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})${nn}`;
    case 'TIMESTAMP':
      return `DATETIME(${t.precision})${nn}`;
    default:
      throw new Error(`no MariaDB type for ${t.type} in the conformance driver`);
  }
}

/** Core in-memory values to SQL parameters (bigint as text: exact). */
const param = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? v.replace('T', ' ') : v);
const where = (key: Record<string, unknown>) => ({ sql: Object.keys(key).map((k) => `\`${k}\` = ?`).join(' AND '), params: Object.values(key).map(param) });

describeSourceConformance({
  factory: mysqlSourceFactory,
  options: (tables) => {
    const c = mariadbConfig();
    return {
      hostname: c.host,
      port: c.port,
      username: USER,
      password: PASSWORD,
      tables: tables.length ? tables.map((t) => `${t.schema}.${t.table}`).join(',') : `${DB}.none_such`,
      'server-id': String(5430 + (nextServerId++ % 10)),
      'connect.max-retries': 0,
      'connect.timeout': '5s',
    };
  },
  invalidOptions: [
    { options: { password: 'definitely-wrong' }, error: /access denied/i },
    { options: { port: 1 }, error: /cannot reach the MySQL server/ },
    { options: { hostname: undefined }, error: /required option "hostname"/ },
    { options: { 'scan.startup.mode': 'specific-offset', 'scan.startup.specific-offset.file': 'no-such-binlog.000001', 'scan.startup.specific-offset.pos': 4 }, error: /no-such-binlog/ },
  ],
  driver: {
    async createTable(id: TableId, schema: Schema) {
      const cols = schema.columns.map((c) => `\`${c.name}\` ${sqlType(c.type)}`);
      await db().query(`CREATE TABLE ${q(id)} (${cols.join(', ')}, PRIMARY KEY (${schema.primaryKeys.map((k) => `\`${k}\``).join(', ')})) CHARACTER SET utf8mb4`);
    },
    async insert(id, rows) {
      for (const r of rows) {
        const names = Object.keys(r);
        await db().query(`INSERT INTO ${q(id)} (${names.map((n) => `\`${n}\``).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, names.map((n) => param(r[n])));
      }
    },
    async update(id, key, set) {
      const w = where(key);
      const names = Object.keys(set);
      await db().query(`UPDATE ${q(id)} SET ${names.map((n) => `\`${n}\` = ?`).join(', ')} WHERE ${w.sql}`, [...names.map((n) => param(set[n])), ...w.params]);
    },
    async delete(id, key) {
      const w = where(key);
      await db().query(`DELETE FROM ${q(id)} WHERE ${w.sql}`, w.params);
    },
    async dropTable(id) {
      await db().query(`DROP TABLE IF EXISTS ${q(id)}`);
    },
  },
  database: DB,
  tablePrefix: 'tk_',
  supportsStreaming: true,
});
