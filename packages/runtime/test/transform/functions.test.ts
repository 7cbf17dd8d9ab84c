import { describe, expect, it } from 'vitest';
import { errorOf, value } from './helpers.js';

const s = (expr: string, name: string | null = 'Hello World') => value(expr, { name });

describe('string functions', () => {
  it('CHAR_LENGTH, UPPER, LOWER, INITCAP', () => {
    expect(s('CHAR_LENGTH(name)')).toBe(11);
    expect(s('CHARACTER_LENGTH(name)', '😀ab')).toBe(3);
    expect(s('UPPER(name)')).toBe('HELLO WORLD');
    expect(s('lower(name)')).toBe('hello world');
    expect(s('INITCAP(name)', 'hELLO wORLD-foo')).toBe('Hello World-Foo');
  });
  it('TRIM, LTRIM, RTRIM, BTRIM', () => {
    expect(s('TRIM(name)', '  a b  ')).toBe('a b');
    expect(s("TRIM(LEADING 'x' FROM name)", 'xxaxx')).toBe('axx');
    expect(s("TRIM(TRAILING 'x' FROM name)", 'xxaxx')).toBe('xxa');
    expect(s("TRIM(BOTH 'xy' FROM name)", 'xyaxy')).toBe('a');
    expect(s('LTRIM(name)', '  a  ')).toBe('a  ');
    expect(s('RTRIM(name)', '  a  ')).toBe('  a');
    expect(s("BTRIM(name, '-')", '--a--')).toBe('a');
  });
  it('SUBSTR / SUBSTRING with Flink CDC positions', () => {
    expect(s('SUBSTR(name, 7)')).toBe('World');
    expect(s('SUBSTR(name, 1, 5)')).toBe('Hello');
    expect(s('SUBSTR(name, -5)')).toBe('World');
    expect(s('SUBSTR(name, 0, 2)')).toBe('He');
    expect(s('SUBSTR(name, 20)')).toBe('');
    expect(s('SUBSTRING(name FROM 3)')).toBe('llo World');
    expect(s('SUBSTRING(name FROM 3 FOR 2)')).toBe('ll');
    expect(s('SUBSTRING(name, 3, 2)')).toBe('ll');
    expect(errorOf(() => s('SUBSTR(name, 1, -1)'))).toMatch(/length of SUBSTR\/SUBSTRING must be >= 0/);
  });
  it('CONCAT, CONCAT_WS, ||', () => {
    expect(s("CONCAT(name, '!', 1)")).toBe('Hello World!1');
    expect(s("CONCAT(name, '!')", null)).toBeNull();
    expect(s("CONCAT_WS('-', 'a', name, 'b')", null)).toBe('a-b');
    expect(s("CONCAT_WS(name, 'a', 'b')", null)).toBeNull();
  });
  it('REPLACE, REGEXP_REPLACE and the REGEXP_ family', () => {
    expect(s("REPLACE(name, 'o', '0')")).toBe('Hell0 W0rld');
    expect(s("REGEXP_REPLACE(name, 'o|l', '')")).toBe('He Wrd');
    expect(s("REGEXP_REPLACE(name, '(o)', '$1$1')")).toBe('Hell$1$1 W$1$1rld');
    expect(s("REGEXP_REPLACE(name, '(', 'x')")).toBeNull();
    expect(s("REGEXP_EXTRACT(name, '(\\w+) (\\w+)', 2)")).toBe('World');
    expect(s("REGEXP_EXTRACT(name, 'W\\w+')")).toBe('World');
    expect(s("REGEXP_EXTRACT(name, 'x(y)', 1)")).toBeNull();
    expect(s("REGEXP_EXTRACT(name, '(o)', 3)")).toBeNull();
    expect(s("REGEXP_EXTRACT_ALL(name, '(o)(.)')")).toEqual(['o', 'o']);
    expect(s("REGEXP_EXTRACT_ALL(name, 'o.', 0)")).toEqual(['o ', 'or']);
    expect(s("REGEXP_COUNT(name, 'o')")).toBe(2);
    expect(s("REGEXP_INSTR(name, 'W')")).toBe(7);
    expect(s("REGEXP_INSTR(name, 'z')")).toBe(0);
    expect(s("REGEXP_SUBSTR(name, 'W\\w+')")).toBe('World');
    expect(s("REGEXP_SUBSTR(name, 'z')")).toBeNull();
    expect(s("REGEXP_COUNT(name, '(?i)h')")).toBe(1);
  });
  it('POSITION, LOCATE, INSTR, OVERLAY', () => {
    expect(s("POSITION('o' IN name)")).toBe(5);
    expect(s("POSITION('o' IN name FROM 6)")).toBe(8);
    expect(s("POSITION('z' IN name)")).toBe(0);
    expect(s("POSITION('' IN name)")).toBe(1);
    expect(s("LOCATE('World', name)")).toBe(7);
    expect(s("INSTR(name, 'World')")).toBe(7);
    expect(s("OVERLAY(name PLACING 'Earth' FROM 7)")).toBe('Hello Earth');
    expect(s("OVERLAY(name PLACING 'J' FROM 1 FOR 5)")).toBe('J World');
  });
  it('LPAD, RPAD, REPEAT, LEFT, RIGHT', () => {
    expect(s("LPAD(name, 8, '*')", 'ab')).toBe('******ab');
    expect(s("RPAD(name, 5, 'xy')", 'ab')).toBe('abxyx');
    expect(s("LPAD(name, 1, '*')", 'ab')).toBe('a');
    expect(s("LPAD(name, -1, '*')", 'ab')).toBeNull();
    expect(s("REPEAT(name, 3)", 'ab')).toBe('ababab');
    expect(s("REPEAT(name, 0)", 'ab')).toBe('');
    expect(s('LEFT(name, 5)')).toBe('Hello');
    expect(s('RIGHT(name, 5)')).toBe('World');
    expect(s('RIGHT(name, 50)')).toBe('Hello World');
  });
  it('STARTSWITH, ENDSWITH, base64, SPLIT_INDEX', () => {
    expect(s("STARTSWITH(name, 'Hell')")).toBe(true);
    expect(s("ENDSWITH(name, 'Hell')")).toBe(false);
    expect(s('TO_BASE64(name)')).toBe('SGVsbG8gV29ybGQ=');
    expect(s("FROM_BASE64('SGVsbG8gV29ybGQ=')")).toBe('Hello World');
    expect(s("FROM_BASE64_BINARY('AAH/')")).toEqual(new Uint8Array([0, 1, 255]));
    expect(s("SPLIT_INDEX(name, ' ', 1)")).toBe('World');
    expect(s("SPLIT_INDEX(name, ' ', 5)")).toBeNull();
  });
  it('NULL in, NULL out', () => {
    for (const e of ['UPPER(name)', 'CHAR_LENGTH(name)', 'TRIM(name)', "REPLACE(name, 'a', 'b')", 'SUBSTR(name, 1)', "LPAD(name, 3, 'x')", "POSITION('a' IN name)", "REGEXP_REPLACE(name, 'a', 'b')", "STARTSWITH(name, 'a')", 'TO_BASE64(name)']) {
      expect(s(e, null), e).toBeNull();
    }
  });
});

describe('arithmetic functions', () => {
  it('ABS, CEIL, FLOOR, ROUND, MOD, POWER', () => {
    expect(value('ABS(age)', { age: -5 })).toBe(5);
    expect(value('ABS(price)', { price: '-1.25' })).toBe('1.25');
    expect(value('ABS(id - 10)', { id: 3n })).toBe(7n);
    expect(value('CEIL(price)', { price: '1.01' })).toBe('2');
    expect(value('CEILING(price)', { price: '-1.01' })).toBe('-1');
    expect(value('FLOOR(price)', { price: '-1.01' })).toBe('-2');
    expect(value('FLOOR(score)', { score: 2.7 })).toBe(2);
    expect(value('CEIL(age)', { age: 3 })).toBe(3);
    expect(value('ROUND(price, 1)', { price: '1.25' })).toBe('1.3');
    expect(value('ROUND(price, 1)', { price: '-1.25' })).toBe('-1.3');
    expect(value('ROUND(price)', { price: '2.50' })).toBe('3');
    expect(value('ROUND(score, 2)', { score: 1.005 })).toBe(1.01);
    expect(value('ROUND(age, -1)', { age: 15 })).toBe(20);
    expect(value('ROUND(id, -2)', { id: 1250n })).toBe(1300n);
    expect(value('MOD(age, 3)', { age: 10 })).toBe(1);
    expect(value('POWER(age, 2)', { age: 3 })).toBe(9);
    expect(value('ABS(age)')).toBeNull();
    expect(value('ROUND(price, 1)')).toBeNull();
  });
  it('UUID() is a new RFC 4122 v4 UUID for every row', () => {
    const u = value('UUID()') as string;
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(value('UUID()')).not.toBe(u);
  });
});

describe('conditional functions', () => {
  it('COALESCE, IF, IFNULL, NULLIF', () => {
    expect(value("COALESCE(name, 'none')")).toBe('none');
    expect(value("COALESCE(name, 'none')", { name: 'x' })).toBe('x');
    expect(value('COALESCE(age, id)', { id: 5n })).toBe(5n);
    expect(value('COALESCE(age, id)', { age: 3, id: 5n })).toBe(3n);
    expect(value('COALESCE(NULL, age)')).toBeNull();
    expect(value('IF(age > 18, 1, 0)', { age: 20 })).toBe(1);
    expect(value('IF(age > 18, 1, 0)')).toBe(0);
    expect(value("IF(active, 'y', 'n')", { active: false })).toBe('n');
    expect(value('IFNULL(age, 0)')).toBe(0);
    expect(value('IFNULL(age, 0)', { age: 4 })).toBe(4);
    expect(value('NULLIF(age, 0)', { age: 0 })).toBeNull();
    expect(value('NULLIF(age, 0)', { age: 1 })).toBe(1);
    expect(value('NULLIF(age, id)', { age: 1, id: 1n })).toBeNull();
    expect(value("NULLIF(name, '')", { name: '' })).toBeNull();
  });
});

describe('structured values', () => {
  it('ARRAY and MAP constructors, subscripts, CARDINALITY, ARRAY_CONTAINS, ARRAY_POSITION, ELEMENT', () => {
    expect(value('ARRAY[1, 2, age]', { age: 3 })).toEqual([1, 2, 3]);
    expect(value('ARRAY[1, 2, 3][2]')).toBe(2);
    expect(value('ARRAY[1, 2, 3][5]')).toBeNull();
    expect(value("MAP['a', 1, 'b', 2]['b']")).toBe(2);
    expect(value('CARDINALITY(ARRAY[1, 2, 3])')).toBe(3);
    expect(value('ARRAY_CONTAINS(ARRAY[1, 2, 3], age)', { age: 2 })).toBe(true);
    expect(value('ARRAY_POSITION(ARRAY[1, 2, 3], 3)')).toBe(3);
    expect(value('ELEMENT(ARRAY[7])')).toBe(7);
    expect(value("ROW(1, 'a')[2]")).toBe('a');
    expect(errorOf(() => value('ELEMENT(ARRAY[1, 2])'))).toMatch(/ELEMENT of an array with 2 elements/);
  });
});
