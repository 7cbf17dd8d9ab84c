/** Pure functions: LSN text, COPY text rows, array literals, numeric typmods. */
import { describe, expect, it } from 'vitest';
import { formatLsn, parseArray, parseLsn, splitCopyRow, mapType } from '../src/index.js';
import { BUILTIN_TYPES } from '../src/postgres-types.js';

describe('postgres units', () => {
  it('LSNs round-trip and compare as numbers', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/10') < parseLsn('1/0')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not a PostgreSQL LSN/);
  });

  it('COPY text rows: \\N is NULL, escapes are decoded, a literal backslash-N text stays', () => {
    expect(splitCopyRow('1\t\\N\ta\\tb\\nc\\\\d\t\\\\N\t\\x41\\101')).toEqual(['1', null, 'a\tb\nc\\d', '\\N', 'AA']);
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
});
