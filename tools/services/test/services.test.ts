// Smoke tests against the REAL servers started by tools/services. No skips: when a server cannot be
// started or reached, these fail with a message saying what to run.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureService,
  mariadbConfig,
  postgresConfig,
  serviceScript,
  serviceUnavailableMessage,
  servicesDir,
  type ServiceName,
} from '../src/index.js';

// The first start on a fresh machine installs the server with apt-get.
const START_TIMEOUT_MS = 10 * 60_000;

describe('helpers', () => {
  it('finds the scripts next to the module', () => {
    expect(serviceScript('mariadb')).toBe(`${servicesDir()}/mariadb`);
    expect(serviceScript('postgres')).toBe(`${servicesDir()}/postgres`);
    expect(() => serviceScript('nope' as never)).toThrow(/unknown service/);
  });

  it('reads ports from the environment', () => {
    const saved = process.env.CDC_MARIADB_PORT;
    try {
      process.env.CDC_MARIADB_PORT = '23306';
      expect(mariadbConfig()).toEqual({ host: '127.0.0.1', port: 23306, user: 'cdc', password: 'cdc' });
      process.env.CDC_MARIADB_PORT = 'x';
      expect(() => mariadbConfig()).toThrow(/CDC_MARIADB_PORT/);
    } finally {
      if (saved === undefined) delete process.env.CDC_MARIADB_PORT;
      else process.env.CDC_MARIADB_PORT = saved;
    }
    expect(serviceUnavailableMessage('postgres')).toMatch(/run tools\/services\/postgres start/);
  });
});

/**
 * Set-up that failed makes every test of the block fail with its message (vitest would otherwise report
 * the tests of a block whose beforeAll threw as skipped).
 */
function setup<T>(name: ServiceName, connect: () => Promise<T>): () => T {
  let value: T | undefined;
  let failure: Error | undefined;
  beforeAll(async () => {
    try {
      await ensureService(name);
    } catch (error) {
      failure = error as Error;
      return;
    }
    try {
      value = await connect();
    } catch (error) {
      failure = new Error(`${serviceUnavailableMessage(name)}: ${(error as Error).message}`);
    }
  }, START_TIMEOUT_MS);
  return () => {
    if (failure) throw failure;
    if (value === undefined) throw new Error(`${name}: set-up did not run`);
    return value;
  };
}

describe('mariadb', () => {
  const db = setup('mariadb', () => mysql.createConnection(mariadbConfig()));
  let conn: mysql.Connection;
  beforeEach(() => {
    conn = db();
  });

  afterAll(async () => {
    await conn?.end();
  });

  async function one(sql: string): Promise<Record<string, unknown>> {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
    expect(rows.length, `no row from ${sql}`).toBeGreaterThan(0);
    return rows[0] as Record<string, unknown>;
  }

  it('has the binlog on, in ROW format with FULL row images', async () => {
    const row = await one(
      'SELECT @@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image, @@server_id AS server_id',
    );
    expect(Number(row.log_bin)).toBe(1);
    expect(row.format).toBe('ROW');
    expect(row.image).toBe('FULL');
    expect(Number(row.server_id)).toBe(1);
  });

  it('has GTIDs', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SHOW GLOBAL VARIABLES LIKE 'gtid%'");
    const vars = Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
    // MariaDB: gtid_binlog_pos / gtid_strict_mode; MySQL: gtid_mode / gtid_executed.
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['gtid_binlog_pos', 'gtid_strict_mode']));
    expect(vars.gtid_strict_mode).toBe('ON');
  });

  it('reports a binlog position', async () => {
    const row = await one('SHOW MASTER STATUS');
    expect(String(row.File)).toMatch(/\S/);
    expect(Number(row.Position)).toBeGreaterThan(0);
  });

  it('gives cdc the replication privileges', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW GRANTS');
    const grants = rows.map((r) => String(Object.values(r)[0])).join('\n');
    expect(grants).toMatch(/GRANT ALL PRIVILEGES ON \*\.\* TO `cdc`@/);
    expect(grants).toMatch(/WITH GRANT OPTION/);
  });
});

describe('postgres', () => {
  const db = setup('postgres', async () => {
    const c = new pg.Client(postgresConfig());
    await c.connect();
    return c;
  });
  let client: pg.Client;
  beforeEach(() => {
    client = db();
  });

  afterAll(async () => {
    await client?.end();
  });

  it('has wal_level = logical', async () => {
    const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
    expect(rows[0]?.wal_level).toBe('logical');
  });

  it('gives cdc REPLICATION and owns database cdc', async () => {
    const { rows } = await client.query<{ rolreplication: boolean; rolcanlogin: boolean; owner: string }>(
      `SELECT r.rolreplication, r.rolcanlogin, pg_get_userbyid(d.datdba) AS owner
         FROM pg_roles r, pg_database d
        WHERE r.rolname = current_user AND d.datname = current_database()`,
    );
    expect(rows[0]).toEqual({ rolreplication: true, rolcanlogin: true, owner: 'cdc' });
  });

  it('creates and drops a pgoutput logical replication slot', async () => {
    const slot = `cdc_services_smoke_${process.pid}_${Date.now()}`;
    const created = await client.query<{ slot_name: string; lsn: string }>(
      "SELECT slot_name, lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')",
      [slot],
    );
    try {
      expect(created.rows[0]?.slot_name).toBe(slot);
      const { rows } = await client.query<{ plugin: string; slot_type: string }>(
        'SELECT plugin, slot_type FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      expect(rows[0]).toEqual({ plugin: 'pgoutput', slot_type: 'logical' });
    } finally {
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }
    const { rows } = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    expect(rows).toHaveLength(0);
  });

  it('accepts a replication connection over TCP', async () => {
    const repl = new pg.Client({ ...postgresConfig(), replication: 'database' } as pg.ClientConfig);
    await repl.connect();
    try {
      const { rows } = await repl.query<{ systemid: string; dbname: string }>('IDENTIFY_SYSTEM');
      expect(rows[0]?.dbname).toBe('cdc');
      expect(rows[0]?.systemid).toMatch(/^\d+$/);
    } finally {
      await repl.end();
    }
  });
});
