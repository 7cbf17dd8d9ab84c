/** Pure functions: LSN text, array literals, numeric typmods. */
import { describe, expect, it } from 'vitest';
import { formatLsn, parseArray, parseLsn, mapType } from '../src/index.js';
import { BUILTIN_TYPES } from '../src/postgres-types.js';

describe('postgres units', () => {
  it('LSNs round-trip and compare as numbers', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/10') < parseLsn('1/0')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not a PostgreSQL LSN/);
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
