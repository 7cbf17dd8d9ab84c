import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ensureService, postgresConfig } from '@cdc/services';
import type { DataChangeEvent, Event, Logger } from '@cdc/core';
import { createTestLogger, factoryContext, Mirror, readSource } from '@cdc/testkit';
import { postgresSourceFactory } from '../src/index.js';
import type { PostgresDataSource } from '../src/postgres-source.js';

export { Mirror, ensureService, postgresConfig };

/** A client of the shared server as the cdc superuser, in `database` (default cdc). */
export async function admin(database = 'cdc'): Promise<pg.Client> {
  const c = postgresConfig();
  const client = new pg.Client({ host: c.host, port: c.port, user: c.user, password: c.password, database });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Drops the slots of `database` (terminating their readers) and the database, then creates it again. */
export async function recreateDatabase(database: string): Promise<void> {
  const c = await admin();
  try {
    await dropSlots(c, database);
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${database}`);
  } finally {
    await c.end();
  }
}

export async function dropSlots(c: pg.Client, database: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = await c.query<{ slot_name: string; active_pid: number | null }>('SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1', [database]);
    if (!r.rows.length) return;
    for (const s of r.rows) {
      if (s.active_pid) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]).catch(() => undefined);
      await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]).catch(() => undefined);
    }
    await sleep(200);
  }
}

/** Drops one slot (terminating its reader first): tests free their slots as they go (max_replication_slots). */
export async function dropSlot(name: string): Promise<void> {
  const c = await admin();
  try {
    for (let i = 0; i < 20; i++) {
      const r = await c.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [name]);
      if (!r.rows.length) return;
      if (r.rows[0].active_pid) await c.query('SELECT pg_terminate_backend($1)', [r.rows[0].active_pid]).catch(() => undefined);
      else await c.query('SELECT pg_drop_replication_slot($1)', [name]).catch(() => undefined);
      await sleep(100);
    }
  } finally {
    await c.end();
  }
}

export async function dropDatabase(database: string): Promise<void> {
  const c = await admin();
  try {
    await dropSlots(c, database);
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/**
 * Registers a test file's hooks: PostgreSQL up, `database` created afresh and a client of it handed to `ready`
 * before the tests; after them the client closed and the database dropped (with its slots).
 */
export function useDatabase(database: string, ready: (db: pg.Client) => void | Promise<void>): void {
  let db: pg.Client | undefined;
  beforeAll(async () => {
    await ensureService('postgres');
    await recreateDatabase(database);
    db = await admin(database);
    await ready(db);
  }, 600_000);
  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await dropDatabase(database).catch(() => undefined);
  });
}

/** A source of the shared server with `extra` options, validated and created as the runtime does. */
export function createSource(extra: Record<string, unknown>, logger: Logger = createTestLogger()): PostgresDataSource {
  const c = postgresConfig();
  return postgresSourceFactory.create(factoryContext(postgresSourceFactory, { hostname: c.host, port: c.port, username: c.user, password: c.password, 'heartbeat.interval': '1s', ...extra }, logger)) as PostgresDataSource;
}

/** Runs a reader until `until(events)` holds, calling `onBatch` after each batch; fails after `timeoutMs`. */
export const runReader = readSource;

export const dataEvents = (events: Event[]): DataChangeEvent[] => events.filter((e): e is DataChangeEvent => e.kind === 'data');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
