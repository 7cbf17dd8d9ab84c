/**
 * scan.startup.mode specific-offset, timestamp and earliest-offset against MariaDB: from a binlog file/position, from
 * a MariaDB GTID position and from a point in time, the source emits exactly the changes made after that point
 * (nothing before, nothing twice), with the table's create.table first; from the earliest offset, every change of the
 * table in the server's binlog history, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { admin, createSource, dataEvents, ensureService, runReader, sleep } from './helpers.js';

const DB = 'cdc_mysql_offsets';
let conn: mysql.Connection;
let at: { file: string; pos: number; gtid: string };

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
    CREATE TABLE ${DB}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20));
    INSERT INTO ${DB}.t VALUES (1, 'before'), (2, 'before')`);
  const [[st]] = (await conn.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
  const [[g]] = (await conn.query('SELECT @@global.gtid_binlog_pos AS g')) as unknown as [[{ g: string }]];
  at = { file: st.File, pos: Number(st.Position), gtid: g.g };
  await conn.query(`INSERT INTO ${DB}.t VALUES (3, 'after'); UPDATE ${DB}.t SET v = 'updated' WHERE id = 1; DELETE FROM ${DB}.t WHERE id = 2`);
}, 600_000);

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
});

const summary = (events: Parameters<typeof dataEvents>[0]) => dataEvents(events).map((e) => `${e.op} ${JSON.stringify(e.before)} ${JSON.stringify(e.after)}`);
const expected = ['INSERT null [3,"after"]', 'UPDATE [1,"before"] [1,"updated"]', 'DELETE [2,"before"] null'];

describe('scan.startup.mode specific-offset', () => {
  it('from a binlog file and position: only the changes after it', async () => {
    const src = createSource({ tables: `${DB}.t`, 'server-id': '5460', 'scan.startup.mode': 'specific-offset', 'scan.startup.specific-offset.file': at.file, 'scan.startup.specific-offset.pos': at.pos });
    const r = await runReader(src, { until: (ev) => dataEvents(ev).length >= 3 });
    expect(r.events[0].kind).toBe('create.table');
    expect(summary(r.events)).toEqual(expected);
    expect((r.state as { binlog: { file: string } }).binlog.file).toBe(at.file);
  });

  it('from a MariaDB GTID position (scan.startup.specific-offset.gtid-set): the same changes', async () => {
    const src = createSource({ tables: `${DB}.t`, 'server-id': '5461', 'scan.startup.mode': 'specific-offset', 'scan.startup.specific-offset.gtid-set': at.gtid });
    const r = await runReader(src, { until: (ev) => dataEvents(ev).length >= 3 });
    expect(summary(r.events)).toEqual(expected);
  });

  it('earliest-offset: reads from the oldest binlog file on the server; every change of the table in the history arrives once, older rows with the older schema', async () => {
    // a table name of this run only: the server's history may hold earlier runs' tables of the same database
    const table = `early_${Date.now().toString(36)}`;
    await conn.query(`CREATE TABLE ${DB}.${table} (id INT NOT NULL PRIMARY KEY, v VARCHAR(20));
      INSERT INTO ${DB}.${table} VALUES (1, 'a'), (2, 'b'); UPDATE ${DB}.${table} SET v = 'c' WHERE id = 1; DELETE FROM ${DB}.${table} WHERE id = 2;
      ALTER TABLE ${DB}.${table} ADD COLUMN w INT; INSERT INTO ${DB}.${table} VALUES (3, 'd', 7)`);
    const [logs] = (await conn.query('SHOW BINARY LOGS')) as unknown as [{ Log_name: string }[]];
    const src = createSource({ tables: `${DB}.${table}`, 'server-id': '5463', 'scan.startup.mode': 'earliest-offset' });
    const infos: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => infos.push(m), warn: () => undefined, error: () => undefined };
    // the whole history is read (the benchmarks can leave gigabytes of it on a developer's server): a wide timeout
    const r = await runReader(src, { until: (ev) => dataEvents(ev).length >= 5, logger, timeoutMs: 300_000 });
    expect(/reading from binlog file (\S+)/.exec(infos.join('\n'))?.[1]).toBe(logs[0].Log_name);
    expect(summary(r.events)).toEqual(['INSERT null [1,"a"]', 'INSERT null [2,"b"]', 'UPDATE [1,"a"] [1,"c"]', 'DELETE [2,"b"] null', 'INSERT null [3,"d",7]']);
    expect(r.events.some((e) => e.kind === 'add.column')).toBe(true);
    // the table as discovered at start, then again from its CREATE TABLE in the history (which resets the schema the
    // older rows are read with): the rows after it have that schema
    const firstData = r.events.findIndex((e) => e.kind === 'data');
    const create = r.events.slice(0, firstData).reverse().find((e) => e.kind === 'create.table');
    expect(create?.kind === 'create.table' && create.schema.columns.map((c) => c.name)).toEqual(['id', 'v']);
  }, 330_000);

  it('timestamp: starts in the binlog file of that time (not the first one) and drops older events', async () => {
    await conn.query(`CREATE TABLE ${DB}.ts (id INT NOT NULL PRIMARY KEY, v VARCHAR(20))`);
    await conn.query('FLUSH BINARY LOGS');
    await conn.query(`INSERT INTO ${DB}.ts VALUES (1, 'old')`);
    // binlog event times are in seconds: start at the next whole second, change after it
    const t = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await sleep(t - Date.now() + 50);
    await conn.query(`INSERT INTO ${DB}.ts VALUES (2, 'new'); UPDATE ${DB}.ts SET v = 'newer' WHERE id = 1`);
    const [logs] = (await conn.query('SHOW BINARY LOGS')) as unknown as [{ Log_name: string }[]];
    const src = createSource({ tables: `${DB}.ts`, 'server-id': '5462', 'scan.startup.mode': 'timestamp', 'scan.startup.timestamp-millis': t });
    const infos: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => infos.push(m), warn: () => undefined, error: () => undefined };
    const r = await runReader(src, { until: (ev) => dataEvents(ev).length >= 2, logger });
    expect(summary(r.events)).toEqual(['INSERT null [2,"new"]', 'UPDATE [1,"old"] [1,"newer"]']);
    const started = /reading from binlog file (\S+)/.exec(infos.join('\n'))?.[1];
    expect(logs.map((l) => l.Log_name)).toContain(started);
    if (logs.length > 1) expect(started).not.toBe(logs[0].Log_name);
  });
});
