/**
 * The emulator speaks the real protocols: a stream load through the FE's 307 with Expect: 100-continue, label
 * dedup, Fail with an ErrorURL that serves the filtered rows, Doris 2PC, StarRocks' transaction API, the MySQL
 * port's DDL checks and SHOW CREATE TABLE, and the fault switches.
 */
import http from 'node:http';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureService, mariadbConfig } from '@cdc/services';
import { DEFAULT_FAULTS, startEmulator, type Emulator } from '../src/index.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request the way stream load clients send it (basic auth, Expect: 100-continue). */
function request(port: number, method: string, path: string, headers: Record<string, string>, body = '', auth = 'root:'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, Expect: '100-continue', 'Content-Length': Buffer.byteLength(body), ...headers } });
    let sent = false;
    const send = () => {
      if (!sent) {
        sent = true;
        req.end(body);
      }
    };
    req.on('continue', send);
    let responded = false;
    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      send();
    });
    req.on('error', (e) => {
      if (responded) return;
      if (/socket hang up|ECONNRESET/.test(String(e))) resolve({ status: -1, headers: {}, body: String(e) });
      else reject(e);
    });
  });
}

/** PUT to the FE, follow the 307 to the BE. */
async function streamLoad(emu: Emulator, path: string, headers: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  const first = await request(emu.feHttpPort, 'PUT', path, headers, body);
  expect(first.status).toBe(307);
  const loc = new URL(first.headers.location!);
  expect(Number(loc.port)).toBe(emu.beHttpPort);
  const second = await request(Number(loc.port), 'PUT', loc.pathname, headers, body);
  return JSON.parse(second.body) as Record<string, unknown>;
}

let doris: Emulator;
let sr: Emulator;
let fe: mysql.Connection;
let srFe: mysql.Connection;

beforeAll(async () => {
  await ensureService('mariadb');
  doris = await startEmulator({ flavour: 'doris', version: '2.1.7', storage: mariadbConfig() });
  sr = await startEmulator({ flavour: 'starrocks', version: '3.3.5', storage: mariadbConfig() });
  fe = await mysql.createConnection({ host: '127.0.0.1', port: doris.mysqlPort, user: 'root', password: '', supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  srFe = await mysql.createConnection({ host: '127.0.0.1', port: sr.mysqlPort, user: 'root', password: '', supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  await fe.query('DROP DATABASE IF EXISTS emu_t');
  await fe.query('CREATE DATABASE emu_t');
  await srFe.query('DROP DATABASE IF EXISTS emu_t');
  await srFe.query('CREATE DATABASE emu_t');
}, 120_000);

afterAll(async () => {
  await fe?.query('DROP DATABASE IF EXISTS emu_t').catch(() => undefined);
  await srFe?.query('DROP DATABASE IF EXISTS emu_t').catch(() => undefined);
  await fe?.end();
  await srFe?.end();
  await doris?.close();
  await sr?.close();
});

describe('doris emulator', () => {
  it('checks DDL as the FE does and answers SHOW CREATE TABLE from the kept model', async () => {
    await expect(fe.query('CREATE TABLE emu_t.bad (v VARCHAR(10), id BIGINT) UNIQUE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 PROPERTIES ("replication_num" = "1")')).rejects.toThrow(/ordered prefix/);
    await expect(fe.query('CREATE TABLE emu_t.bad (id BIGINT, v INT) UNIQUE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1')).rejects.toThrow(/Failed to find enough backend/);
    await expect(fe.query('CREATE TABLE emu_t.bad (id STRING, v INT) UNIQUE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 PROPERTIES ("replication_num" = "1")')).rejects.toThrow(/String Type should not be used in key/);
    await fe.query(
      'CREATE TABLE emu_t.t1 (`id` BIGINT NOT NULL, `big` LARGEINT NULL, `amount` DECIMALV3(38, 10) NULL, `at` DATETIMEV2(6) NULL, `name` VARCHAR(12) NULL COMMENT "n", `doc` JSON NULL) UNIQUE KEY(`id`) DISTRIBUTED BY HASH(`id`) BUCKETS AUTO PROPERTIES ("replication_num" = "1")',
    );
    const [rows] = await fe.query('SHOW CREATE TABLE emu_t.t1');
    const ddl = (rows as Record<string, string>[])[0]['Create Table'];
    expect(ddl).toMatch(/UNIQUE KEY\(`id`\)/);
    expect(ddl).toMatch(/"enable_unique_key_merge_on_write" = "true"/);
    expect(ddl).toMatch(/`amount` decimal\(38, 10\)/);
    expect(ddl).toMatch(/`at` datetime\(6\)/);
    const [desc] = await fe.query('DESC emu_t.t1');
    expect((desc as Record<string, string>[]).map((r) => `${r.Field} ${r.Type}`)).toEqual(['id BIGINT', 'big LARGEINT', 'amount DECIMAL(38, 10)', 'at DATETIME(6)', 'name VARCHAR(12)', 'doc JSON']);
  });

  it('loads through the FE redirect, dedups labels, deletes by delete sign and serves the error log of a Fail', async () => {
    const path = '/api/emu_t/t1/_stream_load';
    const h = { format: 'json', read_json_by_line: 'true', hidden_columns: '__DORIS_DELETE_SIGN__', label: 'l1' };
    const body = [
      { id: 1, big: '170141183460469231731687303715884105727', amount: '1234567890123456789012345678.0123456789', at: '2024-02-29 23:59:59.999999', name: 'ab😀', doc: '{"a":1}', __DORIS_DELETE_SIGN__: 0 },
      { id: 2, big: '-1', amount: '0.5', at: '1970-01-01 00:00:00.000001', name: null, doc: null, __DORIS_DELETE_SIGN__: 0 },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const r1 = await streamLoad(doris, path, h, body);
    expect(r1).toMatchObject({ Status: 'Success', Label: 'l1', NumberTotalRows: 2, NumberLoadedRows: 2, TwoPhaseCommit: 'false' });
    const r2 = await streamLoad(doris, path, h, body);
    expect(r2).toMatchObject({ Status: 'Label Already Exists', ExistingJobStatus: 'FINISHED' });
    const del = await streamLoad(doris, path, { ...h, label: 'l2' }, JSON.stringify({ id: 2, __DORIS_DELETE_SIGN__: 1 }));
    expect(del.Status).toBe('Success');
    const [rows] = await fe.query('SELECT * FROM emu_t.t1 ORDER BY id');
    expect(rows).toEqual([{ id: '1', big: '170141183460469231731687303715884105727', amount: '1234567890123456789012345678.0123456789', at: '2024-02-29 23:59:59.999999', name: 'ab😀', doc: '{"a":1}' }]);
    // too long for VARCHAR(12) bytes: filtered, Fail with an ErrorURL
    const bad = await streamLoad(doris, path, { ...h, label: 'l3' }, JSON.stringify({ id: 3, name: 'x'.repeat(13) }));
    expect(bad).toMatchObject({ Status: 'Fail', Message: '[DATA_QUALITY_ERROR]too many filtered rows', NumberFilteredRows: 1 });
    const log = await new Promise<string>((resolve) => http.get(String(bad.ErrorURL), (res) => res.on('data', (c: Buffer) => resolve(c.toString()))));
    expect(log).toMatch(/too long than schema.*schema length: 12; actual length: 13/);
    expect(doris.labelState('emu_t', 'l3')).toBe('ABORTED');
  });

  it('2PC: precommitted rows are invisible until commit; abort by label; auth failures are 401', async () => {
    const path = '/api/emu_t/t1/_stream_load';
    const r = await streamLoad(doris, path, { format: 'json', read_json_by_line: 'true', label: 'p1', two_phase_commit: 'true' }, JSON.stringify({ id: 10, name: 'two' }));
    expect(r).toMatchObject({ Status: 'Success', TwoPhaseCommit: 'true' });
    const [before] = await fe.query('SELECT id FROM emu_t.t1 WHERE id = 10');
    expect(before).toEqual([]);
    const commit = await request(doris.feHttpPort, 'PUT', '/api/emu_t/_stream_load_2pc', { txn_id: String(r.TxnId), txn_operation: 'commit' });
    expect(JSON.parse(commit.body)).toMatchObject({ status: 'Success' });
    const [after] = await fe.query('SELECT id FROM emu_t.t1 WHERE id = 10');
    expect(after).toEqual([{ id: '10' }]);
    const again = await request(doris.feHttpPort, 'PUT', '/api/emu_t/_stream_load_2pc', { txn_id: String(r.TxnId), txn_operation: 'commit' });
    expect(JSON.parse(again.body).msg).toMatch(/already visible/);
    await streamLoad(doris, path, { format: 'json', label: 'p2', two_phase_commit: 'true' }, JSON.stringify({ id: 11 }));
    const abort = await request(doris.feHttpPort, 'PUT', '/api/emu_t/_stream_load_2pc', { label: 'p2', txn_operation: 'abort' });
    expect(JSON.parse(abort.body)).toMatchObject({ status: 'Success' });
    const state = await request(doris.feHttpPort, 'GET', '/api/emu_t/get_load_state?label=p2', {});
    expect(JSON.parse(state.body)).toMatchObject({ data: 'ABORTED' });
    const denied = await request(doris.feHttpPort, 'PUT', path, { format: 'json' }, '{}', 'root:wrong');
    expect(denied.status).toBe(401);
    expect(denied.body).toMatch(/Access denied/);
  });

  it('fault switches: 5xx, lost connection mid-body, publish timeout', async () => {
    const path = '/api/emu_t/t1/_stream_load';
    doris.faults.be5xx = 1;
    const first = await request(doris.feHttpPort, 'PUT', path, { format: 'json', label: 'f1' }, JSON.stringify({ id: 20 }));
    const five = await request(Number(new URL(first.headers.location!).port), 'PUT', path, { format: 'json', label: 'f1' }, JSON.stringify({ id: 20 }));
    expect(five.status).toBe(503);
    doris.faults.dropMidBody = 1;
    const dropped = await request(doris.beHttpPort, 'PUT', path, { format: 'json', label: 'f1' }, JSON.stringify({ id: 20 }));
    expect(dropped.status).toBe(-1);
    expect(doris.labelState('emu_t', 'f1')).toBe('UNKNOWN');
    doris.faults.publishTimeout = 1;
    const slow = await streamLoad(doris, path, { format: 'json', label: 'f1' }, JSON.stringify({ id: 20 }));
    expect(slow.Status).toBe('Publish Timeout');
  });

  it('csv: a wrong column count filters the line (Fail, or loaded within max_filter_ratio); the body limit answers Fail', async () => {
    await fe.query('CREATE TABLE emu_t.c1 (id INT NOT NULL, a VARCHAR(10), b INT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 PROPERTIES ("replication_num" = "1")');
    const path = '/api/emu_t/c1/_stream_load';
    const body = '1\tx\t10\n2\ty\n3\t\\N\t30\n';
    const strict = await streamLoad(doris, path, { label: 'c1', column_separator: '\\t' }, body);
    expect(strict).toMatchObject({ Status: 'Fail', NumberTotalRows: 3, NumberFilteredRows: 1 });
    const log = await new Promise<string>((resolve) => http.get(String(strict.ErrorURL), (res) => res.on('data', (c: Buffer) => resolve(c.toString()))));
    expect(log).toMatch(/actual column number in csv file is\s+less than\s+schema column number.actual number: 2/);
    const lenient = await streamLoad(doris, path, { label: 'c2', max_filter_ratio: '0.5' }, body);
    expect(lenient).toMatchObject({ Status: 'Success', NumberLoadedRows: 2, NumberFilteredRows: 1 });
    const [rows] = await fe.query('SELECT * FROM emu_t.c1 ORDER BY id');
    expect(rows).toEqual([
      { id: 1, a: 'x', b: 10 },
      { id: 3, a: null, b: 30 },
    ]);
    doris.faults.maxBodyBytes = 10;
    const big = await streamLoad(doris, path, { label: 'c3' }, body);
    doris.faults.maxBodyBytes = DEFAULT_FAULTS.maxBodyBytes;
    expect(big).toMatchObject({ Status: 'Fail' });
    expect(String(big.Message)).toMatch(/body exceed max size/);
  });

  it('ALTER TABLE ADD/MODIFY/RENAME/DROP COLUMN', async () => {
    await fe.query('ALTER TABLE emu_t.t1 ADD COLUMN `extra` INT NULL DEFAULT "7" COMMENT "e"');
    await fe.query('ALTER TABLE emu_t.t1 MODIFY COLUMN `name` VARCHAR(30) NULL');
    await expect(fe.query('ALTER TABLE emu_t.t1 MODIFY COLUMN `name` VARCHAR(3) NULL')).rejects.toThrow(/Cannot shorten/);
    await fe.query('ALTER TABLE emu_t.t1 RENAME COLUMN `extra` `extra2`');
    await fe.query('ALTER TABLE emu_t.t1 DROP COLUMN `doc`');
    await expect(fe.query('ALTER TABLE emu_t.t1 DROP COLUMN `id`')).rejects.toThrow(/key column/);
    const [desc] = await fe.query('DESC emu_t.t1');
    expect((desc as Record<string, string>[]).map((r) => r.Field)).toEqual(['id', 'big', 'amount', 'at', 'name', 'extra2']);
    const [rows] = await fe.query('SELECT id, extra2 FROM emu_t.t1 WHERE id = 1');
    expect(rows).toEqual([{ id: '1', extra2: 7 }]);
  });
});

describe('starrocks emulator', () => {
  it('primary key tables, __op deletes, transaction stream load begin/load/prepare/commit/rollback', async () => {
    await expect(srFe.query('CREATE TABLE emu_t.bad (id DECIMAL(10, 2) NOT NULL, v INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id)')).rejects.toThrow(/primary key column/);
    await srFe.query('CREATE TABLE emu_t.s1 (id BIGINT NOT NULL, v VARCHAR(30), at DATETIME) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 2 PROPERTIES ("replication_num" = "1")');
    const h = { format: 'json', strip_outer_array: 'true', ignore_json_size: 'true', columns: 'id,v,at,__op' };
    const r = await streamLoad(sr, '/api/emu_t/s1/_stream_load', { ...h, label: 's1' }, JSON.stringify([{ id: 1, v: 'a', at: '2024-01-01 00:00:00.123456', __op: 0 }, { id: 2, v: 'b', __op: 0 }, { id: 2, __op: 1 }]));
    expect(r).toMatchObject({ Status: 'Success', NumberLoadedRows: 3 });
    const begin = await request(sr.feHttpPort, 'POST', '/api/transaction/begin', { label: 't1', db: 'emu_t', table: 's1' });
    expect(JSON.parse(begin.body)).toMatchObject({ Status: 'OK', Label: 't1' });
    const redirect = await request(sr.feHttpPort, 'PUT', '/api/transaction/load', { label: 't1', db: 'emu_t', table: 's1', ...h }, '[]');
    expect(redirect.status).toBe(307);
    const load = await request(sr.beHttpPort, 'PUT', '/api/transaction/load', { label: 't1', db: 'emu_t', table: 's1', ...h }, JSON.stringify([{ id: 3, v: 'c', __op: 0 }]));
    expect(JSON.parse(load.body)).toMatchObject({ Status: 'OK', NumberLoadedRows: 1 });
    expect(JSON.parse((await request(sr.feHttpPort, 'POST', '/api/transaction/prepare', { label: 't1', db: 'emu_t' })).body)).toMatchObject({ Status: 'OK' });
    expect(sr.labelState('emu_t', 't1')).toBe('PREPARED');
    const [mid] = await srFe.query('SELECT id FROM emu_t.s1 ORDER BY id');
    expect(mid).toEqual([{ id: '1' }]);
    expect(JSON.parse((await request(sr.feHttpPort, 'POST', '/api/transaction/commit', { label: 't1', db: 'emu_t' })).body)).toMatchObject({ Status: 'OK' });
    const again = JSON.parse((await request(sr.feHttpPort, 'POST', '/api/transaction/begin', { label: 't1', db: 'emu_t', table: 's1' })).body);
    expect(again).toMatchObject({ Status: 'LABEL_ALREADY_EXISTS', ExistingJobStatus: 'FINISHED' });
    await request(sr.feHttpPort, 'POST', '/api/transaction/begin', { label: 't2', db: 'emu_t', table: 's1' });
    await request(sr.beHttpPort, 'PUT', '/api/transaction/load', { label: 't2', db: 'emu_t', table: 's1', ...h }, JSON.stringify([{ id: 4, __op: 0 }]));
    expect(JSON.parse((await request(sr.feHttpPort, 'POST', '/api/transaction/rollback', { label: 't2', db: 'emu_t' })).body)).toMatchObject({ Status: 'OK' });
    const [rows] = await srFe.query('SELECT * FROM emu_t.s1 ORDER BY id');
    expect(rows).toEqual([
      { id: '1', v: 'a', at: '2024-01-01 00:00:00.123456' },
      { id: '3', v: 'c', at: null },
    ]);
  });

  it('StarRocks 2.3 has no transaction API', async () => {
    const old = await startEmulator({ flavour: 'starrocks', version: '2.3.0', storage: mariadbConfig() });
    try {
      const r = await request(old.feHttpPort, 'POST', '/api/transaction/begin', { label: 'x', db: 'emu_t', table: 's1' });
      expect(r.status).toBe(404);
    } finally {
      await old.close();
    }
  });
});
