/**
 * The snapshot's binary COPY decoder against the real server: for every column kind and its edge values (and a few
 * thousand random numerics, timestamps and texts), the value decoded from the binary form equals what the column's
 * text converter (the streaming path) makes of the server's text of the same value, and the same values are
 * reported as having no value in their type.
 */
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestLogger } from '@cdc/testkit';
import { BinaryRowDecoder, binaryCopySql, copySelect, FieldKind } from '../src/copy-binary.js';
import { copyOut } from '../src/pg-wire.js';
import { mapType } from '../src/postgres-types.js';
import { TypeRegistry, quoteIdent } from '../src/tables.js';
import { createSource, useDatabase } from './helpers.js';

const DB = 'cdc_pg_binary';
let db: pg.Client;
useDatabase(DB, (c) => void (db = c));

const json = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? `${x}n` : typeof x === 'number' && !Number.isFinite(x) ? `num:${x}` : Object.is(x, -0) ? 'num:-0' : x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('hex')}` : x,
  );

interface Compared {
  rows: number;
  names: string[];
  values: unknown[][];
  binaryReports: string[];
  textReports: string[];
  kinds: FieldKind[];
}

/** Reads `table` once as binary COPY (our decoder) and once as text (the converters), and compares every value. */
async function compare(client: pg.Client, table: string): Promise<Compared> {
  const cols = await client.query<{ attname: string; atttypid: number; atttypmod: number }>(
    `SELECT attname, atttypid::int AS atttypid, atttypmod FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  const types = new TypeRegistry();
  await types.load(client, cols.rows.map((c) => c.atttypid));
  const binaryReports: string[] = [];
  const textReports: string[] = [];
  const mapped = (reports: string[]) => cols.rows.map((c) => mapType(c.atttypid, c.atttypmod, true, (o) => types.get(o), (w) => reports.push(`${c.attname}: ${w}`)));
  const forBinary = mapped(binaryReports);
  const forText = mapped(textReports);
  const names = cols.rows.map((c) => quoteIdent(c.attname));
  // the text of each value as the session's output functions make it (no type parsing in pg)
  const text = await client.query<unknown[]>({ text: `SELECT ${names.join(', ')} FROM ${table} ORDER BY 1`, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
  const decoder = new BinaryRowDecoder(
    forBinary.map((m) => m.kind),
    forBinary.map((m) => m.convert),
  );
  const decoded: unknown[][] = [];
  const selectList = names.map((n, i) => copySelect(forBinary[i].kind, n)).join(', ');
  await copyOut(client, binaryCopySql(selectList, `${table} ORDER BY 1`), (buf, start, end) => decoded.push(decoder.decode(buf, start, end))).done;
  expect(decoded.length).toBe(text.rows.length);
  for (let r = 0; r < decoded.length; r++) {
    const expected = (text.rows[r] as (string | null)[]).map((t, j) => (t === null ? null : forText[j].convert(t)));
    for (let j = 0; j < expected.length; j++) {
      if (json(decoded[r][j]) !== json(expected[j])) {
        expect.fail(`row ${r + 1} column ${cols.rows[j].attname}: binary ${json(decoded[r][j])}, text ${json(expected[j])} (server text ${JSON.stringify(text.rows[r][j])})`);
      }
    }
  }
  return { rows: decoded.length, names: cols.rows.map((c) => c.attname), values: decoded, binaryReports, textReports, kinds: forBinary.map((m) => m.kind) };
}

describe('postgres binary COPY decoder', () => {
  it('decodes every kind and edge value exactly as the text converters read the server text', async () => {
    await db.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'très content');
      CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
      CREATE DOMAIN flag AS boolean;
      CREATE DOMAIN money2 AS numeric(12,2);
      CREATE TYPE pair AS (a int, b text);
      CREATE TABLE edge (
        id int PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, o oid, n numeric(20,4), n0 numeric(10,0), nu numeric, r real, d double precision,
        b boolean, t text, vc varchar(10), c char(5), nm name, ch "char", by bytea, dt date, tm time, tm3 time(3), tmtz timetz, ts timestamp, ts0 timestamp(0),
        tstz timestamptz(6), iv interval, u uuid, j json, jb jsonb, x xml, ai integer[], at text[], ats timestamp[], e mood, ine inet, ci cidr,
        mac macaddr, m money, bt bit(4), vb varbit, pos positive, fl flag, m2 money2, pr pair, rg int4range)`);
    const rows = [
      `(1, -32768, -2147483648, -9223372036854775808, 0, '-9999999999999999.9999', 0, '0', '-0', '-0', false, '', '', '', '', 'a', '\\x', '0001-01-01', '00:00:00', '00:00:00',
        '00:00:00+00', '0001-01-01 00:00:00', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', '0 seconds', '00000000-0000-0000-0000-000000000000', '""', '""', '<a/>',
        '{}', '{}', '{}', 'sad', '0.0.0.0', '0.0.0.0/0', '00:00:00:00:00:00', 0, B'0000', B'', 1, false, 0, ROW(0, ''), 'empty')`,
      `(2, 32767, 2147483647, 9223372036854775807, 4294967295, '9999999999999999.9999', 9999999999, '123456789012345678901234567890.123456789012345678901', '3.4028235e+38',
        '1.7976931348623157e308', true, 'tab\there, newline\nand backslash \\\\ 😀 ü 中文', 'héllo wörl', 'ab', 'a name', E'\\\\377', '\\x00ff10', '9999-12-31',
        '23:59:59.999999', '23:59:59.999', '23:59:59.999999-15:59', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999+00',
        '-178000000 years -1 month 5 days -04:05:06.789', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"a": [1, 2.50, "é\\u00e9"]}', '{"b": 1, "a": [1, 2.50]}',
        '<a x="1">é</a>', '{1,NULL,3}', '{"a,b","c\\"d",NULL,"NULL",""}', '{"2024-01-01 00:00:00.5",NULL}', 'très content', '2001:db8::1/64', '2001:db8::/32',
        'ff:ff:ff:ff:ff:ff', -92233720368547758.08, B'1111', B'10101', 2147483647, true, -9999999999.99, ROW(-1, 'a "b" c'), '[1,10)')`,
      `(3, 0, 0, 0, 1, 'NaN', NULL, 'NaN', 'NaN', 'NaN', NULL, 'Ascii only text', 'x', 'abcde', repeat('n', 63), '', NULL, 'infinity', '24:00:00', NULL,
        '24:00:00+15:59', 'infinity', 'infinity', 'infinity', NULL, NULL, NULL, 'null', NULL, '{{1,2},{3,4}}', NULL, NULL, NULL, '::ffff:1.2.3.4', NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      `(4, -1, -1, -1, NULL, '-0.0001', NULL, 'Infinity', 'Infinity', 'Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-infinity', NULL, NULL,
        NULL, '-infinity', '-infinity', '-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ROW(NULL, NULL), NULL)`,
      `(5, NULL, NULL, 9007199254740993, NULL, '1.5', NULL, '-Infinity', '1e-45', '4.9e-324', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0044-03-15 BC', NULL, NULL,
        NULL, '0044-03-15 12:00:00.25 BC', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      `(6, NULL, NULL, -9007199254740993, NULL, '0.0001', NULL, '0.000000000000000000000000000001', '0.1', '0.1', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        '1999-12-31', '12:34:56.1', '12:34:56.12', NULL, '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00', '1969-12-31 23:59:59.000001+00', NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      `(7, NULL, NULL, 9007199254740991, NULL, '-0.5', NULL, '-1e100000', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2000-01-01', NULL, NULL, NULL,
        '2262-04-11 23:47:16.854775', '1677-09-21 00:12:43', '294276-12-31 23:59:59.999999+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      `(8, NULL, NULL, -9007199254740992, NULL, '12345678901234.5', NULL, '1e100000', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1970-01-01', NULL, NULL, NULL,
        '4713-01-01 00:00:00 BC', NULL, '4713-01-01 00:00:00+00 BC', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    ];
    await db.query(`INSERT INTO edge VALUES ${rows.join(', ')}`);
    const client = await createSource({ tables: `${DB}.public.edge`, 'slot.name': 'cdc_pg_binary' }).connect();
    try {
      const res = await compare(client, 'edge');
      expect(res.rows).toBe(rows.length);
      expect(res.values[3][res.names.indexOf('pr')]).toBe('(,)'); // a composite of NULLs is a value, not NULL
      expect(res.binaryReports).toEqual(res.textReports);
      // NaN/±Infinity numeric(20,4), infinite and BC/5-digit-year dates and timestamps have no value in their types
      expect(res.binaryReports.length).toBeGreaterThan(10);
      // every kind with a decoder of its own is exercised (the rest go as their output function's text)
      expect(new Set(res.kinds)).toEqual(new Set(Object.values(FieldKind)));
    } finally {
      await client.end();
    }
  }, 60_000);

  it('decodes thousands of random numerics, timestamps, dates, times and texts exactly', async () => {
    await db.query(`CREATE TABLE rnd (id int PRIMARY KEY, n numeric, n6 numeric(18,6), n2 numeric(38,2), ts timestamp, tstz timestamptz, dt date, tm time, t text, u uuid, f double precision)`);
    await db.query(`SELECT setseed(0.42)`);
    await db.query(`INSERT INTO rnd SELECT g,
        round(((random() - 0.5) * 10 ^ (g % 40 - 12))::numeric, g % 17),
        round(((random() - 0.5) * 10 ^ (g % 13))::numeric, 6),
        round(((random() - 0.5) * 10 ^ (g % 37))::numeric, 2),
        timestamp '0001-01-01' + random() * (timestamp '9999-12-31 23:59:59.999999' - timestamp '0001-01-01'),
        timestamptz '1900-01-01 00:00:00+00' + (random() * 200 * 365 * 86400 * 1000000)::bigint * interval '1 microsecond',
        date '0001-01-01' + (random() * 3652058)::int,
        time '00:00' + (random() * 86400 * 1000000)::bigint * interval '1 microsecond',
        substr(repeat(md5(g::text) || 'é€😀ß', 1 + g % 9), 1 + g % 7, g % 97),
        md5(g::text || 'u')::uuid,
        (random() - 0.5) * 10 ^ (g % 600 - 300)
      FROM generate_series(1, 5000) g`);
    const client = await createSource({ tables: `${DB}.public.rnd`, 'slot.name': 'cdc_pg_binary' }).connect();
    try {
      const res = await compare(client, 'rnd');
      expect(res.rows).toBe(5000);
      expect(res.binaryReports).toEqual([]);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('rejects a row whose field count or field lengths do not match the table', () => {
    const dec = new BinaryRowDecoder([FieldKind.INT4, FieldKind.INT4], [Number, Number]);
    const row = (...fields: Buffer[]) => Buffer.concat([Buffer.from([0, fields.length]), ...fields]);
    const int4 = (v: number) => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(4, 0);
      b.writeInt32BE(v, 4);
      return b;
    };
    const ok = row(int4(7), int4(-8));
    expect(dec.decode(ok, 0, ok.length)).toEqual([7, -8]);
    const one = row(int4(1));
    expect(() => dec.decode(one, 0, one.length)).toThrow(/1 fields, expected 2/);
    const wide = row(int4(1), Buffer.from([0, 0, 0, 2, 0, 1]));
    expect(() => dec.decode(wide, 0, wide.length)).toThrow(/field 2 has 2 bytes/);
    const long = Buffer.concat([ok, Buffer.from([0])]);
    expect(() => dec.decode(long, 0, long.length)).toThrow(/1 bytes after its 2 fields/);
    const cut = row(int4(1), Buffer.from([0, 0, 0, 4, 0, 0]));
    expect(() => dec.decode(cut, 0, cut.length)).toThrow(/field 2 has 4 bytes, which does not fit/);
  });
});
