import { describe, expect, it } from 'vitest';
import { DataTypes as T, formatType, isWidening, makeCaster, mergeTypes, parseType, toDecimalString, typeEquals } from '../src/index.js';

describe('type strings', () => {
  const cases: [string, string][] = [
    ['DECIMAL(38, 10) NOT NULL', 'DECIMAL(38, 10) NOT NULL'],
    ['decimal(38,10) not null', 'DECIMAL(38, 10) NOT NULL'],
    ['TIMESTAMP_LTZ(6)', 'TIMESTAMP_LTZ(6)'],
    ['TIMESTAMP(3) WITH LOCAL TIME ZONE', 'TIMESTAMP_LTZ(3)'],
    ['TIMESTAMP WITHOUT TIME ZONE', 'TIMESTAMP(6)'],
    ['ARRAY<INT>', 'ARRAY<INT>'],
    ['ARRAY<INT NOT NULL> NOT NULL', 'ARRAY<INT NOT NULL> NOT NULL'],
    ['MAP<STRING, BIGINT>', 'MAP<STRING, BIGINT>'],
    ['ROW<a INT, b STRING>', 'ROW<a INT, b STRING>'],
    ['ROW<`a b` INT NOT NULL, c ARRAY<ROW<d DOUBLE>>>', 'ROW<`a b` INT NOT NULL, c ARRAY<ROW<d DOUBLE>>>'],
    ['INTEGER', 'INT'],
    ['NUMERIC', 'DECIMAL(10, 0)'],
    ['DOUBLE PRECISION', 'DOUBLE'],
    ['VARCHAR(255)', 'VARCHAR(255)'],
    ['CHAR', 'CHAR(1)'],
    ['TIME', 'TIME(0)'],
    ['TIME(6)', 'TIME(6)'],
    ['BYTES', 'BYTES'],
    ['DATE NULL', 'DATE'],
    ['DECIMAL(65, 30)', 'DECIMAL(65, 30)'],
  ];
  for (const [input, printed] of cases) {
    it(`parses ${input}`, () => {
      const t = parseType(input);
      expect(formatType(t)).toBe(printed);
      expect(typeEquals(parseType(formatType(t)), t)).toBe(true);
    });
  }
  it('rejects bad types with a position', () => {
    expect(() => parseType('DECIMAL(10')).toThrow(/expected '\)' at position 11/);
    expect(() => parseType('FOO')).toThrow(/unknown type 'FOO'/);
    expect(() => parseType('INT NOT')).toThrow(/expected NULL after NOT/);
    expect(() => parseType('DECIMAL(5, 6)')).toThrow(/scale/);
    expect(() => parseType('TIMESTAMP(12)')).toThrow(/precision must be between 0 and 9/);
    expect(() => parseType('ARRAY<INT')).toThrow(/expected '>'/);
    expect(() => parseType('INT INT')).toThrow(/unexpected 'INT'/);
  });
});

describe('widening', () => {
  it('integers widen up, not down', () => {
    expect(isWidening(T.INT(), T.BIGINT())).toBe(true);
    expect(isWidening(T.BIGINT(), T.INT())).toBe(false);
    expect(isWidening(T.TINYINT(), T.SMALLINT())).toBe(true);
  });
  it('nullability: NOT NULL -> NULL widens, the reverse does not', () => {
    expect(isWidening(T.INT(false), T.INT())).toBe(true);
    expect(isWidening(T.INT(), T.INT(false))).toBe(false);
  });
  it('decimals keep integer digits and scale', () => {
    expect(isWidening(T.DECIMAL(10, 2), T.DECIMAL(12, 2))).toBe(true);
    expect(isWidening(T.DECIMAL(10, 2), T.DECIMAL(12, 4))).toBe(true);
    expect(isWidening(T.DECIMAL(10, 2), T.DECIMAL(11, 4))).toBe(false);
    expect(isWidening(T.INT(), T.DECIMAL(10, 0))).toBe(true);
    expect(isWidening(T.BIGINT(), T.DECIMAL(18, 0))).toBe(false);
  });
  it('strings, binaries, timestamps', () => {
    expect(isWidening(T.VARCHAR(10), T.VARCHAR(20))).toBe(true);
    expect(isWidening(T.VARCHAR(20), T.VARCHAR(10))).toBe(false);
    expect(isWidening(T.CHAR(5), T.STRING())).toBe(true);
    expect(isWidening(T.VARCHAR(5), T.CHAR(5))).toBe(false);
    expect(isWidening(T.BINARY(4), T.BYTES())).toBe(true);
    expect(isWidening(T.TIMESTAMP(3), T.TIMESTAMP(6))).toBe(true);
    expect(isWidening(T.TIMESTAMP(6), T.TIMESTAMP(3))).toBe(false);
    expect(isWidening(T.FLOAT(), T.DOUBLE())).toBe(true);
    expect(isWidening(T.BIGINT(), T.DOUBLE())).toBe(false);
    expect(isWidening(T.INT(), T.STRING())).toBe(false);
  });
  it('merges to the narrowest common type, else STRING', () => {
    expect(formatType(mergeTypes(T.INT(), T.BIGINT()))).toBe('BIGINT');
    expect(formatType(mergeTypes(T.DECIMAL(10, 2), T.DECIMAL(8, 4)))).toBe('DECIMAL(12, 4)');
    expect(formatType(mergeTypes(T.BIGINT(), T.DECIMAL(10, 2)))).toBe('DECIMAL(21, 2)');
    expect(formatType(mergeTypes(T.VARCHAR(10), T.CHAR(20)))).toBe('VARCHAR(20)');
    expect(formatType(mergeTypes(T.INT(false), T.INT()))).toBe('INT');
    expect(formatType(mergeTypes(T.INT(), T.DATE()))).toBe('STRING');
    expect(formatType(mergeTypes(T.INT(false), T.BOOLEAN(false)))).toBe('STRING NOT NULL');
  });
});

describe('casts are exact', () => {
  it('INT -> BIGINT gives bigint', () => {
    expect(makeCaster(T.INT(), T.BIGINT())(42)).toBe(42n);
  });
  it('BIGINT -> DECIMAL keeps every digit', () => {
    expect(makeCaster(T.BIGINT(), T.DECIMAL(20, 0))(18446744073709551615n)).toBe('18446744073709551615');
  });
  it('numbers to decimal text without exponent', () => {
    expect(toDecimalString(1e21)).toBe('1000000000000000000000');
    expect(toDecimalString(1.5e-7)).toBe('0.00000015');
    expect(toDecimalString('-2.50')).toBe('-2.50');
    expect(() => toDecimalString('abc')).toThrow(/not a decimal/);
  });
  it('narrowing that does not fit throws, never wraps', () => {
    expect(() => makeCaster(T.BIGINT(), T.TINYINT())(300n)).toThrow(/out of range for TINYINT/);
    expect(makeCaster(T.BIGINT(), T.INT())(7n)).toBe(7);
    expect(() => makeCaster(T.STRING(), T.INT())('x')).toThrow(/not an integer/);
  });
  it('null stays null', () => {
    expect(makeCaster(T.INT(), T.BIGINT())(null)).toBe(null);
    expect(makeCaster(T.STRING(), T.BOOLEAN())(null)).toBe(null);
  });
  it('to STRING', () => {
    expect(makeCaster(T.BIGINT(), T.STRING())(9007199254740993n)).toBe('9007199254740993');
    expect(makeCaster(T.BOOLEAN(), T.VARCHAR(5))(true)).toBe('true');
    expect(makeCaster(T.BYTES(), T.STRING())(new TextEncoder().encode('hé'))).toBe('hé');
  });
  it('temporal', () => {
    expect(makeCaster(T.TIMESTAMP(6), T.DATE())('2024-01-02T03:04:05.123456')).toBe('2024-01-02');
    expect(makeCaster(T.DATE(), T.TIMESTAMP(6))('2024-01-02')).toBe('2024-01-02T00:00:00');
    expect(makeCaster(T.TIMESTAMP(3), T.TIMESTAMP(6))('2024-01-02T03:04:05.123')).toBe('2024-01-02T03:04:05.123');
  });
});
