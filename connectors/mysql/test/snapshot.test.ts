/**
 * Incremental snapshot against the real MariaDB: chunking (integer and composite keys), the low/high watermark
 * merge with concurrent writes (nothing lost, nothing duplicated), and resuming from a saved state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import type { Event } from '@cdc/core';
import { ChunkSplitter } from '../src/snapshot/chunks.js';
import { discoverTables } from '../src/snapshot/discovery.js';
import { TableFilter } from '../src/table-filter.js';
import { Mirror, admin, churn, createSource, dataEvents, ensureService, readPastSnapshot, runReader } from './helpers.js';
import mysqlCb from 'mysql2';
import { mariadbConfig } from '@cdc/services';

const DB = 'cdc_mysql_snap';
let conn: mysql.Connection;

async function dbRows(sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await conn.query(sql);
  return rows as Record<string, unknown>[];
}

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
    CREATE TABLE ${DB}.ints (id BIGINT PRIMARY KEY, v VARCHAR(20), n INT);
    CREATE TABLE ${DB}.comp (a VARCHAR(10) COLLATE utf8mb4_bin, b INT, v INT, PRIMARY KEY (a, b));
    CREATE TABLE ${DB}.sparse (id BIGINT UNSIGNED PRIMARY KEY, v INT);
    CREATE TABLE ${DB}.nokey (x INT, y VARCHAR(5));`);
  const ints = Array.from({ length: 1000 }, (_, i) => `(${i + 1}, 'v${i + 1}', ${i})`).join(',');
  const comp = Array.from({ length: 300 }, (_, i) => `('k${String(i % 7)}', ${i}, ${i})`).join(',');
  const sparse = Array.from({ length: 50 }, (_, i) => `(${BigInt(i) * 100000000000000000n + 1n}, ${i})`).join(',');
  await conn.query(`INSERT INTO ${DB}.ints VALUES ${ints}; INSERT INTO ${DB}.comp VALUES ${comp}; INSERT INTO ${DB}.sparse VALUES ${sparse}, (18446744073709551615, 99); INSERT INTO ${DB}.nokey VALUES (1,'a'),(2,'b'),(2,'b')`);
}, 600_000);

afterAll(async () => {
  await conn?.end();
});

function cbConn(): Promise<mysqlCb.Connection> {
  const c = mariadbConfig();
  const x = mysqlCb.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  return new Promise((res, rej) => x.connect((e) => (e ? rej(e) : res(x))));
}

describe('chunk splitting', () => {
  it('splits an integer key evenly from MIN/MAX and a composite key by walking the index', async () => {
    const c = await cbConn();
    try {
      const tables = await discoverTables(c, new TableFilter([`${DB}.ints`, `${DB}.comp`, `${DB}.sparse`]));
      const byName = Object.fromEntries(tables.map((t) => [t.name, t]));
      const walk = async (name: string, size: number) => {
        const t = byName[name];
        const keyCols = t.primaryKey.map((k: string) => t.columns.find((c) => c.name === k)!);
        const s = new ChunkSplitter(c, t, keyCols, size);
        const out = [];
        let prev;
        while ((prev = await s.next(prev))) out.push(prev);
        return out;
      };
      const ints = await walk('ints', 300);
      expect(ints.map((x) => [x.lo, x.hi])).toEqual([
        [null, ['301']],
        [['301'], ['601']],
        [['601'], ['901']],
        [['901'], null],
      ]);
      const comp = await walk('comp', 100);
      expect(comp.length).toBe(3);
      expect(comp[0].lo).toBeNull();
      expect(comp[2].hi).toBeNull();
      expect(comp[1].lo![0]).toMatch(/^k\d$/);
      const sparse = await walk('sparse', 20);
      // too sparse for even ranges: boundaries are real keys, the max unsigned one included
      expect(sparse.length).toBe(3);
      expect(sparse[1].lo).toEqual(['2000000000000000001']);
    } finally {
      c.destroy();
    }
  });
});

describe('snapshot reads', () => {
  it('reads every row once with small chunks (integer, composite, sparse unsigned and keyless tables)', async () => {
    const src = createSource({ tables: `${DB}.\\.*`, 'server-id': '5410', 'scan.startup.mode': 'snapshot', 'scan.incremental.snapshot.chunk.size': 64 });
    const { events } = await runReader(src, { timeoutMs: 60_000 });
    const m = new Mirror().apply(events);
    const rows = dataEvents(events);
    expect(rows.every((r) => r.op === 'INSERT' && r.meta.snapshot === 'true')).toBe(true);
    expect(m.table(`${DB}.ints`).size).toBe(1000);
    expect(rows.filter((r) => r.tableId.table === 'ints').length).toBe(1000);
    expect(rows.filter((r) => r.tableId.table === 'comp').length).toBe(300);
    expect(m.table(`${DB}.sparse`).get('18446744073709551615')).toEqual(['18446744073709551615', 99]);
    expect(rows.filter((r) => r.tableId.table === 'nokey').length).toBe(3);
    expect(m.table(`${DB}.ints`).get('500')).toEqual([500n, 'v500', 499]);
  });

  it('merges concurrent writes into the chunks (low/high watermark) and continues with the binlog: nothing lost, nothing duplicated', async () => {
    await conn.query(`DROP TABLE IF EXISTS ${DB}.busy; CREATE TABLE ${DB}.busy (id INT PRIMARY KEY, v INT NOT NULL)`);
    const vals = Array.from({ length: 3000 }, (_, i) => `(${i * 2 + 1}, 0)`).join(',');
    await conn.query(`INSERT INTO ${DB}.busy VALUES ${vals}`);
    // updates, deletes and inserts all over the key range while the snapshot runs
    const writes = await churn(`${DB}.busy`, 3000);
    const src = createSource({ tables: `${DB}.busy`, 'server-id': '5411', 'scan.startup.mode': 'initial', 'scan.incremental.snapshot.chunk.size': 97 });
    const { events } = await runReader(src, { timeoutMs: 90_000, ...readPastSnapshot(conn, writes, `${DB}.busy`, '(-1, -1)') });
    await writes.stop();
    expect(writes.ops).toBeGreaterThan(5);
    const m = new Mirror().apply(events);
    const want = await dbRows(`SELECT id, v FROM ${DB}.busy ORDER BY id`);
    const got = [...m.table(`${DB}.busy`).values()].map((r) => ({ id: r[0], v: r[1] })).sort((a, b) => (a.id as number) - (b.id as number));
    expect(got).toEqual(want.map((r) => ({ id: Number(r.id), v: Number(r.v) })));
    // no duplicates among the snapshot rows
    const snapIds = dataEvents(events).filter((e) => e.meta.snapshot === 'true').map((e) => e.after![0]);
    expect(new Set(snapIds).size).toBe(snapIds.length);
  });

  it('resumes from a saved state mid-snapshot and mid-binlog with the same end result', async () => {
    await conn.query(`DROP TABLE IF EXISTS ${DB}.resume; CREATE TABLE ${DB}.resume (id INT PRIMARY KEY, v VARCHAR(10))`);
    await conn.query(`INSERT INTO ${DB}.resume VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'a${i}')`).join(',')}`);
    const opts = { tables: `${DB}.resume`, 'server-id': '5412', 'scan.startup.mode': 'initial', 'scan.incremental.snapshot.chunk.size': 50, 'scan.snapshot.fetch.size': 20 };
    // 1: stop after the third chunk's state
    const first = await runReader(createSource(opts), { stopAfterState: (evs) => dataEvents(evs).length >= 150 });
    expect(first.state).toBeDefined();
    const delivered: Event[] = [...first.events];
    // changes while "down"
    await conn.query(`UPDATE ${DB}.resume SET v = 'changed' WHERE id IN (1, 499); DELETE FROM ${DB}.resume WHERE id = 2; INSERT INTO ${DB}.resume VALUES (1000, 'new')`);
    // 2: resume; finish the snapshot and read into the binlog, then stop mid-binlog
    const second = await runReader(createSource(opts), { restoredState: first.state, until: (evs) => dataEvents(evs).some((e) => e.after?.[0] === 1000) });
    delivered.push(...second.events);
    await conn.query(`UPDATE ${DB}.resume SET v = 'later' WHERE id = 3; INSERT INTO ${DB}.resume VALUES (1001, 'end')`);
    // 3: resume from the binlog state
    const third = await runReader(createSource(opts), { restoredState: second.state, until: (evs) => dataEvents(evs).some((e) => e.after?.[0] === 1001) });
    delivered.push(...third.events);
    const m = new Mirror().apply(delivered);
    const want = await dbRows(`SELECT id, v FROM ${DB}.resume ORDER BY id`);
    const got = [...m.table(`${DB}.resume`).values()].map((r) => ({ id: r[0], v: r[1] })).sort((a, b) => (a.id as number) - (b.id as number));
    expect(got).toEqual(want.map((r) => ({ id: Number(r.id), v: r.v })));
    // the resumed snapshot did not re-read the finished chunks
    const snapIds = dataEvents(delivered).filter((e) => e.meta.snapshot === 'true').map((e) => e.after![0]);
    expect(new Set(snapIds).size).toBe(snapIds.length);
  });
});
