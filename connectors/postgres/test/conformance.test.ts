/**
 * The @cdc/testkit source conformance suite against the real PostgreSQL: the driver runs SQL (CREATE TABLE,
 * INSERT, UPDATE, DELETE) and the suite reads through the postgres source (exported snapshot, then pgoutput).
 */
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { describeSourceConformance } from '@cdc/testkit';
import type { DataType, Schema, TableId } from '@cdc/core';
import { postgresSourceFactory } from '../src/index.js';
import { admin, dropDatabase, ensureService, postgresConfig, recreateDatabase } from './helpers.js';

const DB = 'cdc_pg_testkit';
const SCHEMA = 'cdc_pg_tk';
// The suite's option keys contain "cdc" and error messages redact the password wherever it appears: the source
// logs in as its own role, whose password appears in no key.
const USER = 'cdc_pg_tk';
const PASSWORD = 'tk-Pass-5432';
let conn: pg.Client | undefined;

beforeAll(async () => {
  await ensureService('postgres');
  await recreateDatabase(DB);
  const root = await admin();
  try {
    await root.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USER}') THEN CREATE ROLE ${USER} LOGIN REPLICATION; END IF;
    END $$`);
    await root.query(`ALTER ROLE ${USER} LOGIN REPLICATION PASSWORD '${PASSWORD}'`);
    await root.query(`ALTER DATABASE ${DB} OWNER TO ${USER}`);
  } finally {
    await root.end();
  }
  conn = await admin(DB);
  await conn.query(`CREATE SCHEMA ${SCHEMA} AUTHORIZATION ${USER}`);
}, 600_000);

afterAll(async () => {
  await conn?.end().catch(() => undefined);
  await dropDatabase(DB).catch(() => undefined);
  const root = await admin();
  await root.query(`DROP ROLE IF EXISTS ${USER}`).catch(() => undefined);
  await root.end();
});

const db = (): pg.Client => {
  if (!conn) throw new Error('PostgreSQL connection not open');
  return conn;
};
const q = (id: TableId) => `"${id.schema}"."${id.table}"`;
const slotOf = (tables: readonly TableId[]) => `cdc_pg_tk_${(tables[0]?.table ?? 'none').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

function sqlType(t: DataType): string {
  const nn = t.nullable ? '' : ' NOT NULL';
  switch (t.type) {
    case 'BIGINT':
      return `bigint${nn}`;
    case 'VARCHAR':
      return `varchar(${t.length})${nn}`;
    case 'DECIMAL':
      return `numeric(${t.precision}, ${t.scale})${nn}`;
    case 'TIMESTAMP':
      return `timestamp(${t.precision})${nn}`;
    default:
      throw new Error(`no PostgreSQL type for ${t.type} in the conformance driver`);
  }
}

/** Core in-memory values to SQL parameters (bigint as text: exact). */
const param = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

describeSourceConformance({
  factory: postgresSourceFactory,
  options: (tables) => {
    const c = postgresConfig();
    const slot = slotOf(tables);
    return {
      hostname: c.host,
      port: c.port,
      username: USER,
      password: PASSWORD,
      tables: tables.length ? tables.map((t) => `${DB}.${t.schema}.${t.table}`).join(',') : `${DB}.${SCHEMA}.none_such`,
      'slot.name': slot,
      'debezium.publication.name': slot,
      'connect.max-retries': 0,
      'connect.timeout': '5s',
      'heartbeat.interval': '1s',
    };
  },
  invalidOptions: [
    { options: { password: 'definitely-wrong' }, error: /authentication failed/i },
    { options: { port: 1 }, error: /cannot reach the PostgreSQL server/ },
    { options: { hostname: undefined }, error: /required option "hostname"/ },
    { options: { 'decoding.plugin.name': 'wal2json' }, error: /decoding.plugin.name: "wal2json" is not supported/ },
    { options: { tables: `${DB}.${SCHEMA}.no_such_table` }, error: /no table in database cdc_pg_testkit matches tables/ },
    { options: { tables: `${SCHEMA}.no_such_table` }, error: /is not database.schema.table/ },
  ],
  driver: {
    async createTable(id: TableId, schema: Schema) {
      const cols = schema.columns.map((c) => `"${c.name}" ${sqlType(c.type)}`);
      await db().query(`CREATE TABLE ${q(id)} (${cols.join(', ')}, PRIMARY KEY (${schema.primaryKeys.map((k) => `"${k}"`).join(', ')}))`);
      await db().query(`ALTER TABLE ${q(id)} OWNER TO ${USER}`);
    },
    async insert(id, rows) {
      for (const r of rows) {
        const names = Object.keys(r);
        await db().query(`INSERT INTO ${q(id)} (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, names.map((n) => param(r[n])));
      }
    },
    async update(id, key, set) {
      const names = Object.keys(set);
      const keys = Object.keys(key);
      await db().query(
        `UPDATE ${q(id)} SET ${names.map((n, i) => `"${n}" = $${i + 1}`).join(', ')} WHERE ${keys.map((k, i) => `"${k}" = $${names.length + i + 1}`).join(' AND ')}`,
        [...names.map((n) => param(set[n])), ...keys.map((k) => param(key[k]))],
      );
    },
    async delete(id, key) {
      const keys = Object.keys(key);
      await db().query(`DELETE FROM ${q(id)} WHERE ${keys.map((k, i) => `"${k}" = $${i + 1}`).join(' AND ')}`, keys.map((k) => param(key[k])));
    },
    async dropTable(id) {
      await db().query(`DROP TABLE IF EXISTS ${q(id)}`);
    },
  },
  database: SCHEMA,
  tablePrefix: 'tk_',
  supportsStreaming: true,
});
