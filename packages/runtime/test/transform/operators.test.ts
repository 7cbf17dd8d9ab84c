import { describe, expect, it } from 'vitest';
import { column, DataTypes as T, schema } from '@cdc/core';
import { errorOf, value } from './helpers.js';

const NUMS = schema({
  columns: [
    column('id', T.BIGINT(false)),
    column('i', T.INT()),
    column('j', T.INT()),
    column('b', T.BIGINT()),
    column('d', T.DECIMAL(38, 10)),
    column('e', T.DECIMAL(38, 10)),
    column('x', T.DOUBLE()),
    column('s', T.STRING()),
    column('t', T.TINYINT()),
    column('flag', T.BOOLEAN()),
  ],
  primaryKeys: ['id'],
});
const v = (expr: string, row: Record<string, unknown> = {}) => value(expr, row, { schema: NUMS });

describe('arithmetic', () => {
  it('BIGINT is exact beyond 2^53', () => {
    expect(v('b + 1', { b: 9007199254740993n })).toBe(9007199254740994n);
    expect(v('b * 3', { b: 3074457345618258602n })).toBe(9223372036854775806n);
    expect(v('b - i', { b: 9007199254740993n, i: 1 })).toBe(9007199254740992n);
    expect(v('9007199254740993 + 1')).toBe(9007199254740994n);
  });
  it('integer overflow is an error, not a wrap-around', () => {
    expect(errorOf(() => v('i + 1', { i: 2147483647 }))).toMatch(/integer overflow: 2147483648 does not fit INT/);
    expect(errorOf(() => v('b * 2', { b: 9223372036854775807n }))).toMatch(/does not fit BIGINT/);
    expect(errorOf(() => v('t + t', { t: 100 }))).toMatch(/does not fit TINYINT/);
    expect(v('CAST(i AS BIGINT) + 1', { i: 2147483647 })).toBe(2147483648n);
  });
  it('integer division truncates toward zero, % keeps the sign of the dividend', () => {
    expect(v('i / j', { i: 7, j: 2 })).toBe(3);
    expect(v('i / j', { i: -7, j: 2 })).toBe(-3);
    expect(v('i % j', { i: -7, j: 3 })).toBe(-1);
    expect(v('MOD(i, j)', { i: 7, j: 3 })).toBe(1);
    expect(v('b / 2', { b: 9007199254740993n })).toBe(4503599627370496n);
    expect(v('b % 10', { b: 9007199254740993n })).toBe(3);
    expect(errorOf(() => v('i / j', { i: 1, j: 0 }))).toMatch(/division by zero/);
  });
  it('DECIMAL is exact: 0.1 + 0.2 = 0.3', () => {
    expect(v('0.1 + 0.2')).toBe('0.3');
    expect(v('d + e', { d: '0.1000000000', e: '0.2000000000' })).toBe('0.3000000000');
    expect(v('d + e', { d: '1234567890123456789012345678.0123456789', e: '0.0000000001' })).toBe('1234567890123456789012345678.0123456790');
    expect(v('d * 2', { d: '1.0000000001' })).toBe('2.0000000002');
    expect(v('d - e', { d: '0.3', e: '0.1' })).toBe('0.2000000000');
    expect(v('i + 0.5', { i: 1 })).toBe('1.5');
  });
  it('DECIMAL division is cut (rounded down) at the result scale; overflow is an error', () => {
    expect(v('CAST(1 AS DECIMAL(10, 2)) / 3')).toBe('0.3333333333333');
    expect(v('CAST(2 AS DECIMAL(10, 2)) / 3')).toBe('0.6666666666666');
    expect(errorOf(() => v('d * e', { d: '99999999999999999999999999.0', e: '99999999999999999999999999.0' }))).toMatch(/does not fit DECIMAL\(38, 20\)/);
    expect(errorOf(() => v('d / 0', { d: '1' }))).toMatch(/division by zero/);
  });
  it('DOUBLE follows IEEE like Java', () => {
    expect(v('x + 1', { x: 0.5 })).toBe(1.5);
    expect(v('x / 0', { x: 1 })).toBe(Infinity);
    expect(v('x + d', { x: 0.5, d: '0.25' })).toBe(0.75);
    expect(v('i / 2.0e0', { i: 3 })).toBe(1.5);
  });
  it('unary minus', () => {
    expect(v('-i', { i: 5 })).toBe(-5);
    expect(v('-b', { b: 5n })).toBe(-5n);
    expect(v('-d', { d: '1.50' })).toBe('-1.5000000000');
    expect(errorOf(() => v('-(-2147483648)'))).toMatch(/integer overflow/);
    expect(v('-(-2147483648.0)')).toBe('2147483648.0');
  });
  it('NULL in, NULL out', () => {
    for (const e of ['i + 1', 'i * j', 'b - 1', 'd + e', 'x * 2', '-i', 'i % 2', 'i / 0']) expect(v(e)).toBeNull();
    expect(v('NULL + 1')).toBeNull();
  });
});

describe('comparison and logic (three-valued)', () => {
  it('compares across numeric types exactly', () => {
    expect(v('b = i', { b: 5n, i: 5 })).toBe(true);
    expect(v('b > 9007199254740992', { b: 9007199254740993n })).toBe(true);
    expect(v('d = 1.5', { d: '1.5000000000' })).toBe(true);
    expect(v('d < i', { d: '1.5', i: 2 })).toBe(true);
    expect(v('x >= 0.5', { x: 0.5 })).toBe(true);
    expect(v('i <> j', { i: 1, j: 2 })).toBe(true);
    expect(v('i != j', { i: 1, j: 1 })).toBe(false);
  });
  it('compares strings, booleans, dates and timestamps', () => {
    expect(value("name < 'b'", { name: 'abc' })).toBe(true);
    expect(value('active = TRUE', { active: true })).toBe(true);
    expect(value("birthday = DATE '2024-01-01'", { birthday: '2024-01-01' })).toBe(true);
    expect(value("created > '2024-01-01 00:00:00'", { created: '2024-01-01T00:00:00.000001' })).toBe(true);
    expect(value("created = TIMESTAMP '2024-01-01 00:00:00.5'", { created: '2024-01-01T00:00:00.500000' })).toBe(true);
    expect(value("updated < '2024-01-02 00:00:00'", { updated: '2024-01-01T23:00:00.000Z' })).toBe(true);
  });
  it('comparison with NULL is NULL', () => {
    expect(v('i = 1')).toBeNull();
    expect(v('i > NULL', { i: 1 })).toBeNull();
    expect(v('NOT (i = 1)')).toBeNull();
  });
  it('AND / OR / NOT truth tables', () => {
    const table: [string, unknown][] = [
      ['TRUE AND flag', null],
      ['FALSE AND flag', false],
      ['TRUE OR flag', true],
      ['FALSE OR flag', null],
      ['flag AND FALSE', false],
      ['flag OR TRUE', true],
      ['NOT flag', null],
      ['NOT TRUE', false],
    ];
    for (const [e, want] of table) expect(v(e), e).toBe(want);
  });
  it('AND short-circuits: the right side is not evaluated when the left decides', () => {
    expect(v('j <> 0 AND i / j > 1', { i: 1, j: 0 })).toBe(false);
    expect(v('j = 0 OR i / j > 1', { i: 1, j: 0 })).toBe(true);
  });
  it('IS [NOT] NULL / TRUE / FALSE / UNKNOWN / DISTINCT FROM', () => {
    expect(v('i IS NULL')).toBe(true);
    expect(v('i IS NOT NULL', { i: 1 })).toBe(true);
    expect(v('flag IS TRUE')).toBe(false);
    expect(v('flag IS NOT TRUE')).toBe(true);
    expect(v('flag IS FALSE', { flag: false })).toBe(true);
    expect(v('flag IS NOT FALSE')).toBe(true);
    expect(v('flag IS UNKNOWN')).toBe(true);
    expect(v('(i = 1) IS NOT UNKNOWN')).toBe(false);
    expect(v('i IS DISTINCT FROM j')).toBe(false);
    expect(v('i IS DISTINCT FROM j', { i: 1 })).toBe(true);
    expect(v('i IS NOT DISTINCT FROM j', { i: 1, j: 1 })).toBe(true);
  });
  it('BETWEEN, NOT BETWEEN, SYMMETRIC', () => {
    expect(v('i BETWEEN 1 AND 3', { i: 3 })).toBe(true);
    expect(v('i NOT BETWEEN 1 AND 3', { i: 4 })).toBe(true);
    expect(v('i BETWEEN 3 AND 1', { i: 2 })).toBe(false);
    expect(v('i BETWEEN SYMMETRIC 3 AND 1', { i: 2 })).toBe(true);
    expect(v('i BETWEEN 1 AND j', { i: 0 })).toBe(false);
    expect(v('i BETWEEN 1 AND j', { i: 2 })).toBeNull();
    expect(v('i BETWEEN 1 AND 2')).toBeNull();
    expect(value("name BETWEEN 'a' AND 'c'", { name: 'b' })).toBe(true);
  });
  it('IN and NOT IN, with NULLs', () => {
    expect(v('i IN (1, 2, 3)', { i: 2 })).toBe(true);
    expect(v('i IN (1, 2, 3)', { i: 4 })).toBe(false);
    expect(v('i NOT IN (1, 2, 3)', { i: 4 })).toBe(true);
    expect(v('i IN (1, NULL)', { i: 4 })).toBeNull();
    expect(v('i NOT IN (1, NULL)', { i: 4 })).toBeNull();
    expect(v('i IN (1, NULL)', { i: 1 })).toBe(true);
    expect(v('i IN (1, 2)')).toBeNull();
    expect(v('b IN (1, 9007199254740993)', { b: 9007199254740993n })).toBe(true);
    expect(v('d IN (1.5, 2)', { d: '2.0000000000' })).toBe(true);
    expect(v('i IN (j, 3)', { i: 5, j: 5 })).toBe(true);
    expect(value("name IN ('Bob', 'Derrida')", { name: 'Bob' })).toBe(true);
  });
  it('LIKE with % and _ and ESCAPE; SIMILAR TO', () => {
    const like = (s: string | null, p: string) => v(`s LIKE '${p}'`, { s });
    expect(like('apple', 'a%')).toBe(true);
    expect(like('apple', 'A%')).toBe(false);
    expect(like('apple', '_pple')).toBe(true);
    expect(like('apple', 'app')).toBe(false);
    expect(like('a.c', 'a.c')).toBe(true);
    expect(like('abc', 'a.c')).toBe(false);
    expect(like('a(b)[c]*+?', 'a(b)[c]*+?')).toBe(true);
    expect(like('line1\nline2', 'line1%')).toBe(true);
    expect(like(null, 'a%')).toBeNull();
    expect(v("s NOT LIKE 'a%'", { s: 'bob' })).toBe(true);
    expect(v("s LIKE '10!%' ESCAPE '!'", { s: '10%' })).toBe(true);
    expect(v("s LIKE '10!%' ESCAPE '!'", { s: '100' })).toBe(false);
    expect(v('s LIKE s', { s: 'x%' })).toBe(true);
    expect(v("s SIMILAR TO '(ab|cd)%'", { s: 'cdxyz' })).toBe(true);
    expect(v("s NOT SIMILAR TO 'a[0-9]+'", { s: 'a12' })).toBe(false);
  });
  it('CASE: searched and simple forms, ELSE, NULLs', () => {
    const c = "CASE WHEN i < 18 THEN 'YOUNG' WHEN i >= 18 THEN 'OLD' END";
    expect(v(c, { i: 10 })).toBe('YOUNG');
    expect(v(c, { i: 30 })).toBe('OLD');
    expect(v(c)).toBeNull();
    expect(v("CASE i WHEN 1 THEN 'one' WHEN 2, 3 THEN 'few' ELSE 'many' END", { i: 3 })).toBe('few');
    expect(v("CASE i WHEN 1 THEN 'one' ELSE 'many' END")).toBe('many');
    expect(v('CASE WHEN flag THEN i ELSE b END', { flag: true, i: 7 })).toBe(7n);
    expect(v('CASE WHEN flag THEN i ELSE d END', { flag: true, i: 7 })).toBe('7.0000000000');
    // only TRUE conditions match
    expect(v("CASE WHEN i > 1 THEN 'a' ELSE 'b' END")).toBe('b');
  });
  it('|| concatenates and turns values into text like CAST(x AS STRING)', () => {
    expect(v("s || '-' || i", { s: 'a', i: 1 })).toBe('a-1');
    expect(v("id || s", { id: 1n, s: 'Alice' })).toBe('1Alice');
    expect(v("s || x", { s: 'a', x: 1 })).toBe('a1.0');
    expect(v("s || flag", { s: 'a', flag: true })).toBe('atrue');
    expect(v("s || 'x'")).toBeNull();
  });
});

describe('CAST and TRY_CAST', () => {
  it('numbers', () => {
    expect(v("CAST('42' AS INT)")).toBe(42);
    expect(v("CAST(' 42 ' AS BIGINT)")).toBe(42n);
    expect(v("CAST('9223372036854775807' AS BIGINT)")).toBe(9223372036854775807n);
    expect(v('CAST(x AS INT)', { x: 3.9 })).toBe(3);
    expect(v('CAST(x AS INT)', { x: -3.9 })).toBe(-3);
    expect(v('CAST(d AS BIGINT)', { d: '12345678901234.99' })).toBe(12345678901234n);
    expect(v("CAST('1.5' AS DECIMAL(5, 2))")).toBe('1.50');
    expect(v("CAST('1.005' AS DECIMAL(5, 2))")).toBe('1.01');
    expect(v('CAST(x AS DECIMAL(10, 3))', { x: 0.1 })).toBe('0.100');
    expect(v('CAST(b AS DECIMAL(20, 0))', { b: 9007199254740993n })).toBe('9007199254740993');
    expect(v("CAST('2.5e2' AS DOUBLE)")).toBe(250);
    expect(v('CAST(flag AS INT)', { flag: true })).toBe(1);
    expect(v('CAST(i AS DOUBLE)', { i: 3 })).toBe(3);
  });
  it('failures are DataErrors naming the value and type; TRY_CAST gives NULL', () => {
    expect(errorOf(() => v("CAST('abc' AS INT)", {}))).toMatch(/cannot cast 'abc' to INT — use TRY_CAST/);
    expect(errorOf(() => v('CAST(s AS INT)', { s: 'abc' }))).toMatch(/^\[cdc\] transform of mydb\.orders \(rule #1 \(source-table mydb\.orders\)\): column v = CAST\(s AS INT\) AS v: cannot cast 'abc' to INT/);
    expect(errorOf(() => v('CAST(b AS INT)', { b: 2147483648n }))).toMatch(/cannot cast 2147483648 to INT: out of range/);
    expect(errorOf(() => v("CAST('123.45' AS DECIMAL(4, 2))"))).toMatch(/cannot cast '123.45' to DECIMAL\(4, 2\): out of range/);
    expect(errorOf(() => v("CAST('hello world' AS VARCHAR(5))"))).toMatch(/longer than 5 characters/);
    expect(errorOf(() => v("CAST('2024-02-30' AS DATE)"))).toMatch(/cannot cast '2024-02-30' to DATE/);
    expect(v("TRY_CAST('abc' AS INT)")).toBeNull();
    expect(v('TRY_CAST(s AS BIGINT)', { s: '12' })).toBe(12n);
    expect(v("TRY_CAST('2024-02-30' AS DATE)")).toBeNull();
  });
  it('strings and booleans', () => {
    expect(v('CAST(i AS STRING)', { i: 5 })).toBe('5');
    expect(v('CAST(x AS STRING)', { x: 1 })).toBe('1.0');
    expect(v('CAST(x AS STRING)', { x: 1e7 })).toBe('1.0E7');
    expect(v('CAST(x AS STRING)', { x: 0.0001 })).toBe('1.0E-4');
    expect(v('CAST(x AS VARCHAR)', { x: 123.456 })).toBe('123.456');
    expect(v('CAST(d AS STRING)', { d: '1.5000000000' })).toBe('1.5000000000');
    expect(v('CAST(b AS STRING)', { b: 9007199254740993n })).toBe('9007199254740993');
    expect(v('CAST(flag AS STRING)', { flag: true })).toBe('true');
    expect(v("CAST('ab' AS CHAR(4))")).toBe('ab  ');
    expect(v("CAST('yes' AS BOOLEAN)")).toBe(true);
    expect(v("CAST('F' AS BOOLEAN)")).toBe(false);
    expect(v('CAST(i AS BOOLEAN)', { i: 2 })).toBe(true);
    expect(errorOf(() => v("CAST('maybe' AS BOOLEAN)"))).toMatch(/cannot cast 'maybe' to BOOLEAN/);
    expect(v("CAST('abc' AS BYTES)")).toEqual(new Uint8Array([97, 98, 99]));
  });
  it('temporal', () => {
    expect(value("CAST('2024-01-02 03:04:05.123456' AS TIMESTAMP(6))")).toBe('2024-01-02T03:04:05.123456');
    expect(value("CAST('2024-01-02T03:04:05.123456' AS TIMESTAMP(3))")).toBe('2024-01-02T03:04:05.123');
    expect(value("CAST('2024-01-02' AS TIMESTAMP)")).toBe('2024-01-02T00:00:00.000000');
    expect(value('CAST(created AS DATE)', { created: '2024-01-02T23:59:59.999999' })).toBe('2024-01-02');
    expect(value('CAST(created AS TIME(3))', { created: '2024-01-02T23:59:59.999999' })).toBe('23:59:59.999');
    expect(value('CAST(birthday AS TIMESTAMP(0))', { birthday: '2024-01-02' })).toBe('2024-01-02T00:00:00');
    // TIMESTAMP <-> TIMESTAMP_LTZ go through the session time zone
    expect(value('CAST(created AS TIMESTAMP_LTZ(3))', { created: '2024-01-02T08:00:00' }, { timeZone: 'Asia/Shanghai' })).toBe('2024-01-02T00:00:00.000Z');
    expect(value('CAST(updated AS TIMESTAMP(3))', { updated: '2024-01-02T00:00:00.000Z' }, { timeZone: '+08:00' })).toBe('2024-01-02T08:00:00.000');
    expect(value("CAST('2024-01-02T00:00:00Z' AS TIMESTAMP(0))", {}, { timeZone: 'America/New_York' })).toBe('2024-01-01T19:00:00');
    expect(value("CAST('10:11:12.5' AS TIME(1))")).toBe('10:11:12.5');
    expect(value('CAST(birthday AS STRING)', { birthday: '2024-01-02' })).toBe('2024-01-02');
  });
  it('NULL stays NULL', () => {
    expect(v('CAST(i AS STRING)')).toBeNull();
    expect(v('CAST(NULL AS INT)')).toBeNull();
  });
});

describe('INTERVAL arithmetic', () => {
  it('adds and subtracts intervals to timestamps, dates and times', () => {
    expect(value("created + INTERVAL '1' DAY", { created: '2024-02-28T10:00:00.123456' })).toBe('2024-02-29T10:00:00.123456');
    expect(value("created - INTERVAL '90' MINUTE", { created: '2024-01-01T00:30:00' })).toBe('2023-12-31T23:00:00.000000');
    expect(value("created + INTERVAL '1' MONTH", { created: '2024-01-31T00:00:00' })).toBe('2024-02-29T00:00:00.000000');
    expect(value("created + INTERVAL '1-2' YEAR TO MONTH", { created: '2024-01-15T00:00:00' })).toBe('2025-03-15T00:00:00.000000');
    expect(value("created + INTERVAL '1 02:03:04.5' DAY TO SECOND", { created: '2024-01-01T00:00:00' })).toBe('2024-01-02T02:03:04.500000');
    expect(value("INTERVAL '2' HOUR + created", { created: '2024-01-01T23:00:00' })).toBe('2024-01-02T01:00:00.000000');
    expect(value("birthday + INTERVAL '1' YEAR", { birthday: '2024-02-29' })).toBe('2025-02-28');
    expect(value("birthday - INTERVAL '3' DAY", { birthday: '2024-03-01' })).toBe('2024-02-27');
    expect(value("TIME '23:30:00' + INTERVAL '1' HOUR")).toBe('00:30:00');
    expect(value("updated + INTERVAL '1' HOUR", { updated: '2024-01-01T23:30:00.000Z' })).toBe('2024-01-02T00:30:00.000Z');
    expect(value("created + INTERVAL '1' DAY")).toBeNull();
  });
});
