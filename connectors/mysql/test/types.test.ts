/**
 * Every type of the issue, against the real MariaDB: snapshot values and binlog values are exact and equal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { formatType, type DataChangeEvent } from '@cdc/core';
import { admin, createSource, dataEvents, ensureService, runReader } from './helpers.js';

const DB = 'cdc_mysql_types';
let conn: mysql.Connection;

const DDL = `CREATE TABLE ${DB}.all_types (
  id INT PRIMARY KEY,
  t_tiny TINYINT, t_tiny_u TINYINT UNSIGNED, t_small SMALLINT, t_small_u SMALLINT UNSIGNED, t_med MEDIUMINT, t_med_u MEDIUMINT UNSIGNED,
  t_int INT, t_int_u INT UNSIGNED, t_big BIGINT, t_big_u BIGINT UNSIGNED,
  t_bool BOOL, t_dec DECIMAL(65,30), t_dec2 DECIMAL(10,2), t_float FLOAT, t_double DOUBLE,
  t_bit1 BIT(1), t_bit BIT(12),
  t_char CHAR(10), t_varchar VARCHAR(100) CHARACTER SET utf8mb4, t_latin VARCHAR(20) CHARACTER SET latin1, t_text TEXT, t_mtext MEDIUMTEXT CHARACTER SET latin1,
  t_binary BINARY(4), t_varbinary VARBINARY(10), t_blob BLOB,
  t_date DATE, t_time TIME(6), t_time0 TIME, t_datetime DATETIME(6), t_datetime0 DATETIME, t_ts TIMESTAMP(6) NULL DEFAULT NULL, t_year YEAR,
  t_enum ENUM('small','medium','large'), t_set SET('a','b','c','d'), t_json JSON, t_geo GEOMETRY,
  t_zero_date DATE, t_zero_dt DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00'
) DEFAULT CHARSET=utf8mb4`;

const INSERT_MAX = `INSERT INTO ${DB}.all_types VALUES (1,
  -128, 255, -32768, 65535, -8388608, 16777215,
  -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  TRUE, '-12345678901234567890123456789012345.123456789012345678901234567891', 99999999.99, 3.14, 2.718281828459045,
  b'1', b'101010101010',
  'abc', 'héllo 😀 wörld', 'café ñ ©', 'text ✓', 'latin ®',
  x'0102', x'00ff', x'deadbeef',
  '2024-02-29', '-838:59:59.000000', '12:34:56', '2024-01-02 03:04:05.123456', '1999-12-31 23:59:59', '2024-06-30 12:00:00.000001', 2024,
  'medium', 'a,c,d', '{"k": [1, 2.5, "x"], "n": null}', ST_GeomFromText('POINT(1.5 -2)'),
  '0000-00-00', '0000-00-00 00:00:00')`;

const INSERT_NULLS = `INSERT INTO ${DB}.all_types (id) VALUES (2)`;

const EXPECTED_1: Record<string, unknown> = {
  id: 1,
  t_tiny: -128,
  t_tiny_u: 255,
  t_small: -32768,
  t_small_u: 65535,
  t_med: -8388608,
  t_med_u: 16777215,
  t_int: -2147483648,
  t_int_u: 4294967295n,
  t_big: -9223372036854775808n,
  t_big_u: '18446744073709551615',
  t_bool: true,
  t_dec: '-12345678901234567890123456789012345.123456789012345678901234567891',
  t_dec2: '99999999.99',
  t_float: 3.14,
  t_double: 2.718281828459045,
  t_bit1: true,
  t_bit: new Uint8Array([0x0a, 0xaa]),
  t_char: 'abc',
  t_varchar: 'héllo 😀 wörld',
  t_latin: 'café ñ ©',
  t_text: 'text ✓',
  t_mtext: 'latin ®',
  t_binary: new Uint8Array([1, 2, 0, 0]),
  t_varbinary: new Uint8Array([0, 0xff]),
  t_blob: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
  t_date: '2024-02-29',
  t_time: '-838:59:59.000000',
  t_time0: '12:34:56',
  t_datetime: '2024-01-02T03:04:05.123456',
  t_datetime0: '1999-12-31T23:59:59',
  t_ts: '2024-06-30T12:00:00.000001Z',
  t_year: 2024,
  t_enum: 'medium',
  t_set: ['a', 'c', 'd'],
  t_json: '{"k": [1, 2.5, "x"], "n": null}',
  t_geo: '{"coordinates":[1.5,-2],"type":"Point","srid":0}',
  t_zero_date: null,
  t_zero_dt: '1970-01-01T00:00:00',
};

beforeAll(async () => {
  await ensureService('mariadb');
  conn = await admin();
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; SET SESSION sql_mode = ''; ${DDL}; ${INSERT_MAX}; ${INSERT_NULLS}`);
}, 600_000);

afterAll(async () => {
  await conn?.end();
});

function byName(e: DataChangeEvent, names: string[]): Record<string, unknown> {
  const row = (e.after ?? e.before)!;
  return Object.fromEntries(names.map((n, i) => [n, row[i]]));
}

describe('types: snapshot and binlog give the same exact values', () => {
  it('maps the MySQL types like Flink CDC (lossless where Flink would round)', async () => {
    const src = createSource({ tables: `${DB}.all_types`, 'server-id': '5401', 'scan.startup.mode': 'snapshot' });
    const schema = await src.metadata().getTableSchema({ schema: DB, table: 'all_types' });
    const types = Object.fromEntries(schema.columns.map((c) => [c.name, formatType(c.type)]));
    expect(types).toMatchObject({
      id: 'INT NOT NULL',
      t_tiny: 'TINYINT',
      t_tiny_u: 'SMALLINT',
      t_small_u: 'INT',
      t_med_u: 'INT',
      t_int_u: 'BIGINT',
      t_big: 'BIGINT',
      t_big_u: 'DECIMAL(20, 0)',
      t_bool: 'BOOLEAN',
      t_dec: 'DECIMAL(65, 30)',
      t_float: 'FLOAT',
      t_double: 'DOUBLE',
      t_bit1: 'BOOLEAN',
      t_bit: 'BINARY(2)',
      t_char: 'CHAR(10)',
      t_varchar: 'VARCHAR(100)',
      t_text: 'STRING',
      t_binary: 'BINARY(4)',
      t_varbinary: 'VARBINARY(10)',
      t_blob: 'BYTES',
      t_date: 'DATE',
      t_time: 'TIME(6)',
      t_time0: 'TIME(0)',
      t_datetime: 'TIMESTAMP(6)',
      t_ts: 'TIMESTAMP_LTZ(6)',
      t_year: 'INT',
      t_enum: 'STRING',
      t_set: 'ARRAY<STRING>',
      t_json: 'STRING',
      t_geo: 'STRING',
      t_zero_dt: 'TIMESTAMP(0) NOT NULL',
    });
  });

  it('reads the snapshot with exact values (unsigned max, DECIMAL(65,30), microseconds, negative TIME, emoji, latin1, zero dates)', async () => {
    const src = createSource({ tables: `${DB}.all_types`, 'server-id': '5401', 'scan.startup.mode': 'snapshot' });
    const { events } = await runReader(src, {});
    const create = events.find((e) => e.kind === 'create.table');
    const names = create!.kind === 'create.table' ? create!.schema.columns.map((c) => c.name) : [];
    const rows = dataEvents(events);
    expect(rows.map((r) => r.op)).toEqual(['INSERT', 'INSERT']);
    expect(byName(rows[0], names)).toEqual(EXPECTED_1);
    const nulls = byName(rows[1], names);
    expect(nulls.id).toBe(2);
    expect(Object.entries(nulls).filter(([k, v]) => k !== 'id' && k !== 't_zero_dt' && v !== null)).toEqual([]);
  });

  it('reads the same values from the binlog (insert, update with before image, delete)', async () => {
    const src = createSource({ tables: `${DB}.all_types`, 'server-id': '5401', 'scan.startup.mode': 'latest-offset' });
    let fired = false;
    const { events } = await runReader(src, {
      onBatch: async () => {
        if (fired) return;
        fired = true;
        await conn.query(`SET SESSION sql_mode = ''; DELETE FROM ${DB}.all_types; ${INSERT_MAX}; UPDATE ${DB}.all_types SET t_int = 7, t_big_u = 1 WHERE id = 1; DELETE FROM ${DB}.all_types WHERE id = 1`);
      },
      until: (evs) => dataEvents(evs).filter((e) => e.op === 'DELETE').length >= 3,
    });
    const create = events.find((e) => e.kind === 'create.table');
    const names = create!.kind === 'create.table' ? create!.schema.columns.map((c) => c.name) : [];
    const rows = dataEvents(events);
    expect(rows.map((r) => r.op)).toEqual(['DELETE', 'DELETE', 'INSERT', 'UPDATE', 'DELETE']);
    expect(byName(rows[2], names)).toEqual(EXPECTED_1);
    const upd = rows[3];
    expect(Object.fromEntries(names.map((n, i) => [n, upd.before![i]]))).toEqual(EXPECTED_1);
    expect(Object.fromEntries(names.map((n, i) => [n, upd.after![i]]))).toEqual({ ...EXPECTED_1, t_int: 7, t_big_u: '1' });
    expect(Object.fromEntries(names.map((n, i) => [n, rows[4].before![i]]))).toEqual({ ...EXPECTED_1, t_int: 7, t_big_u: '1' });
    expect(rows[2].meta.file).toMatch(/bin\.\d+/);
    expect(Number(rows[2].meta.op_ts)).toBeGreaterThan(1.6e12);
  });
});
