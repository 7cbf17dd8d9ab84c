/**
 * Parallel snapshot chunk reads: up to min(pipeline parallelism, connection.pool.size, server-id range) chunks are
 * read at once, each with its own connection, watermarks and backfill binlog read (its own server id); chunks are
 * emitted in order. With concurrent writes the result still equals the table, without duplicate snapshot rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import type { MysqlSourceReader } from '../src/mysql-source.js';
import { Mirror, admin, churn, createSource, dataEvents, ensureService, readPastSnapshot, runReader } from './helpers.js';
import { createTestLogger } from '@cdc/testkit';

const DB = 'cdc_mysql_par';
let conn: mysql.Connection;

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; CREATE TABLE ${DB}.busy (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20))`);
  const vals = Array.from({ length: 4000 }, (_, i) => `(${i * 2 + 1}, 0, 'r${i}')`).join(',');
  await conn.query(`INSERT INTO ${DB}.busy VALUES ${vals}`);
}, 600_000);

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
});

describe('parallel snapshot chunk reads', () => {
  it('reads chunks on 4 connections at once with concurrent writes: nothing lost, nothing duplicated', async () => {
    const writes = await churn(`${DB}.busy`, 4000, ", 'new'");
    const log = createTestLogger();
    const infos: string[] = [];
    const logger = { ...log, info: (m: string) => void infos.push(m) };
    const src = createSource({ tables: `${DB}.busy`, 'server-id': '5450-5453', 'scan.incremental.snapshot.chunk.size': 97, 'connection.pool.size': 8 }, logger);
    let reader: MysqlSourceReader | undefined;
    const { events } = await runReader(src, {
      parallelism: 4,
      logger,
      onReader: (r) => (reader = r as MysqlSourceReader),
      timeoutMs: 90_000,
      ...readPastSnapshot(conn, writes, `${DB}.busy`, "(-1, -1, 'end')"),
    });
    await writes.stop();
    expect(writes.ops).toBeGreaterThan(5);
    expect(infos.join('\n')).toContain('snapshot chunks are read in parallel by 4 connections');
    expect(reader!.inFlightMax).toBe(4);
    expect(log.warnings).toEqual([]);
    const m = new Mirror().apply(events);
    const [want] = await conn.query(`SELECT id, v, s FROM ${DB}.busy ORDER BY id`);
    const got = [...m.table(`${DB}.busy`).values()].map((r) => ({ id: r[0], v: r[1], s: r[2] })).sort((a, b) => (a.id as number) - (b.id as number));
    expect(got).toEqual((want as { id: number; v: number; s: string }[]).map((r) => ({ id: Number(r.id), v: Number(r.v), s: r.s })));
    const snapIds = dataEvents(events).filter((e) => e.meta.snapshot === 'true').map((e) => e.after![0]);
    expect(new Set(snapIds).size).toBe(snapIds.length);
  });

  it('a single server id limits the snapshot to one connection, with a warning naming the range to set', async () => {
    const log = createTestLogger();
    const src = createSource({ tables: `${DB}.busy`, 'server-id': '5454', 'scan.incremental.snapshot.chunk.size': 500, 'scan.startup.mode': 'snapshot' }, log);
    let reader: MysqlSourceReader | undefined;
    const { events } = await runReader(src, { parallelism: 3, logger: log, onReader: (r) => (reader = r as MysqlSourceReader), timeoutMs: 60_000 });
    const [[{ n }]] = (await conn.query(`SELECT COUNT(*) AS n FROM ${DB}.busy`)) as unknown as [[{ n: number }]];
    expect(dataEvents(events).length).toBe(Number(n));
    expect(reader!.inFlightMax).toBe(1);
    expect(log.warnings.join('\n')).toMatch(/read by 1 connection\(s\), not 3 .*server-id has 1 id\(s\); give server-id a range \(e\.g\. 5454-5456\)/);
  });
});
