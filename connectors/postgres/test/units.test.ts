/** Pure functions: LSN text, COPY text rows, array literals, numeric typmods. */
import { describe, expect, it } from 'vitest';
import { formatLsn, parseArray, parseLsn, splitCopyRow, mapType } from '../src/index.js';
import { BUILTIN_TYPES } from '../src/postgres-types.js';
import { CopyRowDecoder, copySelect } from '../src/copy-text.js';

describe('postgres units', () => {
  it('LSNs round-trip and compare as numbers', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/10') < parseLsn('1/0')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not a PostgreSQL LSN/);
  });

  it('COPY text rows: \\N is NULL, escapes are decoded, a literal backslash-N text stays', () => {
    expect(splitCopyRow('1\t\\N\ta\\tb\\nc\\\\d\t\\\\N\t\\x41\\101')).toEqual(['1', null, 'a\tb\nc\\d', '\\N', 'AA']);
  });

  it('COPY rows decoded from bytes equal the text fields through the converters, for every field kind and edge form', () => {
    // (type oid, typmod) of each column: int8, int2, int4, numeric(10,2), numeric, float8, float4, bool, text, varchar, uuid,
    // timestamp, timestamptz, date, time, bytea, int4[], oid
    const cols: [number, number][] = [[20, -1], [21, -1], [23, -1], [1700, ((10 << 16) | 2) + 4], [1700, -1], [701, -1], [700, -1], [16, -1], [25, -1], [1043, 14],
      [2950, -1], [1114, 6], [1184, 6], [1082, -1], [1083, -1], [17, -1], [1007, -1], [26, -1]];
    const lookup = (oid: number) => (oid === 1007 ? { oid, name: '_int4', typtype: 'b', category: 'A', baseOid: 0, baseTypmod: -1, elemOid: 23, delim: ',' } : BUILTIN_TYPES.get(oid));
    const reportsA: string[] = [];
    const reportsB: string[] = [];
    const mappedA = cols.map(([o, t]) => mapType(o, t, true, lookup, (w) => reportsA.push(w)));
    const mappedB = cols.map(([o, t]) => mapType(o, t, true, lookup, (w) => reportsB.push(w)));
    const decoder = new CopyRowDecoder(mappedA.map((m) => m.kind), mappedA.map((m) => m.convert));
    const rows = [
      ['1', '0', '0', '0.00', '0', '0', '0', 'f', '', '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '2024-02-29', '00:00:00', '\\\\x', '{}', '0'],
      ['-9223372036854775808', '-32768', '-2147483648', '-99999999.99', 'NaN', 'NaN', '-Infinity', 't', 'tab\\there\\nnew \\\\ 😀 é', 'héllo wörld', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        '0001-01-01 00:00:00.5 BC', '0001-01-01 00:00:00+00 BC', 'infinity', '23:59:59.999999', '\\\\x00ff', '{1,NULL,3}', '4294967295'],
      ['9223372036854775807', '32767', '2147483647', 'NaN', '-Infinity', '1e-308', 'Infinity', 't', '\\\\N', '\\N', '\\N', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00', '-infinity', '\\N', '\\N', '\\N', '\\N'],
      ['999999999999999', '-1', '-50000', 'Infinity', '123456789012345678901234567890.123', '0.14285714285714285', '3.4028235e+38', '\\N', '\\N', '\\N', '\\N', 'infinity', '-infinity', '\\N', '\\N', '\\N', '{{1,2},{3,4}}', '\\N'],
      ['9007199254740993', '\\N', '\\N', '-Infinity', '\\N', '-0', '\\N', 't', '\\t\\b\\f\\r\\v\\101', 'x', '\\N', '2024-06-30 23:59:59.123', '2024-06-30 23:59:59.999999+00', '0044-03-15 BC', '\\N', '\\N', '\\N', '\\N'],
      ['-99999999999999', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N'],
    ];
    const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'number' && !Number.isFinite(x) ? `num:${x}` : Object.is(x, -0) ? 'num:-0' : x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('hex')}` : x));
    // doubles reach the decoder as the hex of their bits (copySelect), the converter gets PostgreSQL's decimal text
    const bits = (f: string) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(f));
      return b.toString('hex');
    };
    const F8 = 5;
    expect(copySelect(mappedA[F8].kind, '"d"')).toBe(`encode(float8send("d"), 'hex')`);
    const text = rows.map((r) => r.map((f, j) => (j === F8 && f !== '\\N' ? bits(f) : f)).join('\t')).join('\n');
    const buf = Buffer.concat([Buffer.from('xx'), Buffer.from(text, 'utf8'), Buffer.from('\nyy')]);
    let at = 2;
    for (const r of rows) {
      const end = buf.indexOf(10, at);
      const fields = splitCopyRow(buf.toString('utf8', at, end)).map((f, j) => (j === F8 && f !== null ? r[F8] : f));
      const expected = fields.map((f, j) => (f === null ? null : mappedB[j].convert(f)));
      expect(json(decoder.decode(buf, at, end, buf.subarray(at, end).includes(92)))).toBe(json(expected));
      if (!buf.subarray(at, end).includes(92)) expect(json(decoder.decode(buf, at, end, true))).toBe(json(expected));
      at = end + 1;
    }
    expect(reportsA).toEqual(reportsB);
    expect(reportsA.length).toBeGreaterThan(0);
    const two = new CopyRowDecoder([mappedA[2].kind, mappedA[2].kind], [mappedA[2].convert, mappedA[2].convert]);
    expect(two.decode(Buffer.from('7\t-8'), 0, 4, false)).toEqual([7, -8]);
    expect(() => two.decode(Buffer.from('1'), 0, 1, false)).toThrow(/1 fields, expected 2/);
    expect(() => two.decode(Buffer.from('1\t2\t3'), 0, 5, false)).toThrow(/more than 2 fields/);
    const f8 = new CopyRowDecoder([mappedA[F8].kind], [mappedA[F8].convert]);
    expect(Object.is(f8.decode(Buffer.from('8000000000000000'), 0, 16, false)[0], -0)).toBe(true);
    expect(f8.decode(Buffer.from('3FC2492492492492'), 0, 16, false)).toEqual([0.14285714285714285]);
    expect(() => f8.decode(Buffer.from('3fc249249249249'), 0, 15, false)).toThrow(/not the 16 hex digits of a double/);
    expect(() => f8.decode(Buffer.from('3fc24924924924g2'), 0, 16, false)).toThrow(/not the 16 hex digits of a double/);
  });

  it('array literals: quotes, escapes, NULL, nesting, dimension decoration', () => {
    expect(parseArray('{1,NULL,3}')).toEqual(['1', null, '3']);
    expect(parseArray('{"a,b","c\\"d",NULL,"NULL"}')).toEqual(['a,b', 'c"d', null, 'NULL']);
    expect(parseArray('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
    expect(parseArray('[0:1]={5,6}')).toEqual(['5', '6']);
    expect(parseArray('{}')).toEqual([]);
    expect(parseArray('{(1,2),(0,0);(3,4),(2,2)}', ';')).toEqual(['(1,2),(0,0)', '(3,4),(2,2)']); // box[] uses ;
  });

  it('numeric typmods: precision/scale, negative scale, unbounded', () => {
    const lookup = (oid: number) => BUILTIN_TYPES.get(oid);
    const t = (typmod: number) => mapType(1700, typmod, true, lookup, () => undefined).type;
    expect(t(((20 << 16) | 4) + 4)).toMatchObject({ type: 'DECIMAL', precision: 20, scale: 4 });
    expect(t(((5 << 16) | (-2 & 0x7ff)) + 4)).toMatchObject({ type: 'DECIMAL', precision: 7, scale: 0 });
    expect(t(-1)).toMatchObject({ type: 'STRING' });
    const reported: string[] = [];
    expect(mapType(1700, ((10 << 16) | 2) + 4, true, lookup, (w) => reported.push(w)).convert('NaN')).toBeNull();
    expect(reported).toEqual(['numeric value NaN']);
  });

  it('bigint text: exact on both sides of 2^53 and at the extremes', () => {
    const conv = mapType(20, -1, true, (oid) => BUILTIN_TYPES.get(oid), () => undefined).convert;
    for (const v of ['0', '-1', '999999999999999', '-99999999999999', '9007199254740993', '-9223372036854775808', '9223372036854775807']) expect(conv(v)).toBe(BigInt(v));
  });

  it('table filter: database.schema.table regexes, exclusions', async () => {
    const { TableFilter } = await import('../src/tables.js');
    const f = new TableFilter('app', 'app.public.order_\\.*, app.s[12].t', 'app.public.order_tmp');
    expect(f.matches('public', 'order_1')).toBe(true);
    expect(f.matches('public', 'order_tmp')).toBe(false);
    expect(f.matches('s2', 't')).toBe(true);
    expect(f.matches('s3', 't')).toBe(false);
    expect(f.matches('public', 'orders')).toBe(false);
  });
});
