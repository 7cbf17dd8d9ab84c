/**
 * Bad input against real servers, each failing with a typed error that says what to do: wal_level not logical
 * (a throwaway cluster started with wal_level=replica), a role without REPLICATION, a slot already in use, a
 * slot dropped while the pipeline runs, a state from another slot. Also: the slot only advances through
 * notifyCheckpointComplete, and heartbeats let it advance while the captured tables are idle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { isCdcError, type JsonValue, type SourceReader } from '@cdc/core';
import { admin, dropSlot, createSource, dataEvents, dropDatabase, ensureService, postgresConfig, recreateDatabase, runReader, sleep } from './helpers.js';
import { createTestLogger } from '@cdc/testkit';

const DB = 'cdc_pg_errors';
const PG_BIN = process.env.CDC_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
let db: pg.Client;

beforeAll(async () => {
  await ensureService('postgres');
  await recreateDatabase(DB);
  db = await admin(DB);
  await db.query('CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, $$one$$)');
  await db.query('CREATE TABLE other (id serial PRIMARY KEY, pad text)');
}, 600_000);

afterAll(async () => {
  await db?.end().catch(() => undefined);
  await dropDatabase(DB).catch(() => undefined);
  const root = await admin();
  await root.query('DROP ROLE IF EXISTS cdc_pg_norepl').catch(() => undefined);
  await root.end();
});

const opts = (slot: string, extra: Record<string, unknown> = {}) => ({ tables: `${DB}.public.t`, 'slot.name': slot, 'debezium.publication.name': 'cdc_pg_errors_pub', 'connect.max-retries': 0, ...extra });

/** A TCP port nobody listens on right now (for the throwaway cluster). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

/** A reader streaming the table, started and waiting for changes. */
async function streaming(slot: string, extra: Record<string, unknown> = {}, restoredState?: JsonValue) {
  const log = createTestLogger();
  const source = createSource(opts(slot, extra), log);
  const ac = new AbortController();
  const reader: SourceReader = await source.createReader({
    ...(restoredState !== undefined ? { restoredState } : {}),
    signal: ac.signal,
    logger: log,
    metrics: { snapshotProgress: () => undefined, eventTime: () => undefined },
    pipeline: { name: 'test', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' },
  });
  const it = reader.read()[Symbol.asyncIterator]();
  let state: JsonValue | undefined;
  const events: unknown[] = [];
  const pull = async (until: () => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!until()) {
      if (Date.now() > deadline) throw new Error('timed out');
      const r = await it.next();
      if (r.done) throw new Error('reader ended');
      events.push(...r.value.events);
      if (r.value.state) state = r.value.state();
    }
  };
  return { reader, it, pull, events, log, state: () => state, close: async () => (ac.abort(), await reader.close()) };
}

describe('postgres source: bad input and slot handling', () => {
  it('a tables pattern that matches no table, among others that do, is named in a warning', async () => {
    const logger = createTestLogger();
    const res = await runReader(createSource(opts('cdc_pg_errors_unmatched', { tables: `${DB}.public.t, ${DB}.public.nosuch`, 'scan.startup.mode': 'snapshot' })), { logger });
    expect(dataEvents(res.events).length).toBe(1);
    expect(logger.warnings.join('\n')).toMatch(/table patterns that match no table: cdc_pg_errors\.public\.nosuch/);
    expect(logger.warnings.join('\n')).not.toMatch(/public\.t[,)]/);
  });

  it('a role without REPLICATION: check() names the attribute and the reader refuses to start, saying what to grant', async () => {
    const root = await admin();
    await root.query(`DROP ROLE IF EXISTS cdc_pg_norepl; CREATE ROLE cdc_pg_norepl LOGIN PASSWORD 'norepl-Pass-1'`);
    await root.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO cdc_pg_norepl`).catch(() => undefined);
    await root.end();
    const source = createSource(opts('cdc_pg_norepl', { username: 'cdc_pg_norepl', password: 'norepl-Pass-1' }));
    const check = await source.check();
    expect(check.problems.join('\n')).toMatch(/lacks the REPLICATION attribute: ALTER ROLE cdc_pg_norepl REPLICATION/);
    const e = await failure(runReader(source, { until: () => true }));
    expect(e.message).toMatch(/not ready for logical replication.*REPLICATION/);
  }, 30_000);

  it('a slot in use by another reader fails with a StateError; a dropped slot stops the pipeline with what to do', async () => {
    const a = await streaming('cdc_pg_busy_slot', { 'connect.max-retries': 3 });
    await a.pull(() => a.events.length >= 2);
    await db.query(`INSERT INTO t VALUES (2, 'two')`);
    await a.pull(() => dataEvents(a.events as never).length >= 2);
    const state = a.state();
    // a second reader of the same slot, restored from the first one's state
    const b = await streaming('cdc_pg_busy_slot', { 'connect.max-retries': 0 }, state);
    const e = await failure(b.pull(() => false));
    expect(isCdcError(e) && e.code).toBe('STATE');
    expect(e.message).toMatch(/replication slot "cdc_pg_busy_slot" is active.*another process is reading replication slot/);
    await b.close();
    // drop the slot under the running reader (terminating its walsender first, as an administrator would)
    const root = await admin();
    await root.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'cdc_pg_busy_slot'`);
    await sleep(300);
    await root.query(`SELECT pg_drop_replication_slot('cdc_pg_busy_slot')`);
    await root.end();
    const d = await failure(a.pull(() => false, 60_000));
    expect(isCdcError(d) && d.code).toBe('STATE');
    expect(d.message).toMatch(/replication slot "cdc_pg_busy_slot" does not exist.*delete the state dir/);
    await a.close();
    // and a restart from the old state says the same before reading anything
    const c = await streaming('cdc_pg_busy_slot', {}, state);
    const e2 = await failure(c.pull(() => false));
    expect(e2.message).toMatch(/does not exist any more.*delete the state dir/);
    await c.close();
    // a state read from another slot is refused
    const other = await streaming('cdc_pg_other_slot', {}, state);
    expect((await failure(other.pull(() => false))).message).toMatch(/read from replication slot "cdc_pg_busy_slot", not "cdc_pg_other_slot"/);
    await other.close();
  }, 120_000);

  it('the slot advances only in notifyCheckpointComplete, and heartbeats move it while the captured table is idle', async () => {
    const slotLsn = async () => BigInt((await db.query<{ l: string }>(`SELECT (confirmed_flush_lsn - '0/0')::text AS l FROM pg_replication_slots WHERE slot_name = 'cdc_pg_hb_slot'`)).rows[0].l);
    const r = await streaming('cdc_pg_hb_slot', { 'heartbeat.interval': '200ms', 'scan.lsn-commit.checkpoints-num-delay': 0 });
    await r.pull(() => r.events.length >= 2);
    const start = await slotLsn();
    // WAL moves on, but not for the captured table
    await db.query(`INSERT INTO other (pad) SELECT repeat('x', 100) FROM generate_series(1, 1000)`);
    const parse = (s: JsonValue | undefined) => (s as { stream?: { lsn: string } } | undefined)?.stream?.lsn;
    const first = parse(r.state());
    await r.pull(() => parse(r.state()) !== first, 20_000);
    expect(await slotLsn(), 'no checkpoint completed yet: the slot stays').toBe(start);
    await r.reader.notifyCheckpointComplete!(1, r.state()!);
    await sleep(300);
    const moved = await slotLsn();
    expect(moved).toBeGreaterThan(start);
    const [hi, lo] = parse(r.state())!.split('/');
    expect(moved).toBe((BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`));
    await r.close();
    await dropSlot('cdc_pg_hb_slot');
  }, 60_000);

  it('wal_level replica: the error names the setting and says how to change it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-pg-replica-'));
    chmodSync(dir, 0o777);
    const asPg = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' }));
    const port = await freePort();
    const data = join(dir, 'data');
    try {
      asPg(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
      asPg(join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-l', join(dir, 'log'), '-o', `-c wal_level=replica -c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`, 'start']);
      const source = createSource({ ...opts('cdc_pg_replica'), port, username: 'postgres', password: 'unused', tables: 'postgres.public.t' });
      const check = await source.check();
      expect(check.problems.join('\n')).toMatch(/wal_level is replica: set wal_level = logical/);
      const e = await failure(runReader(source, { until: () => true }));
      expect(isCdcError(e) && e.code).toBe('CONFIG');
      expect(e.message).toMatch(/wal_level is replica: set wal_level = logical in postgresql.conf.*restart the server/);
    } finally {
      spawnSync(process.getuid?.() === 0 ? 'runuser' : join(PG_BIN, 'pg_ctl'), process.getuid?.() === 0 ? ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('ports and hosts: wrong password is an AuthError naming the user, never the password', async () => {
    const c = postgresConfig();
    const source = createSource(opts('cdc_pg_pw', { password: 'Wrong-Secret-77', username: c.user }));
    const e = await failure(source.check());
    expect(isCdcError(e) && e.code).toBe('AUTH');
    // (the user name is redacted too here: it equals the test server's password)
    expect(e.message).toMatch(/authentication failed for user .*check username and password/);
    expect(e.message).not.toContain('Wrong-Secret-77');
  });
});
