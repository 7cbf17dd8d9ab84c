/** The JSON/CSV text of single values, against what Java (Double/Float/BigDecimal.toString, Jackson CSV) prints. */
import { describe, expect, it } from 'vitest';
import { DataTypes } from '@cdc/core';
import { bigDecimalText, csvEncoder, DEFAULT_ENCODING, javaDoubleText, javaFloatText, jsonEncoder, plainDecimalText } from '../src/index.js';
import { plainDecimal } from './topic-state.js';

describe('value text', () => {
  it('DOUBLE and FLOAT as Java prints them', () => {
    const cases: [number, string][] = [[1, '1.0'], [0.1, '0.1'], [100, '100.0'], [1e7, '1.0E7'], [9999999, '9999999.0'], [0.001, '0.001'], [0.0001, '1.0E-4'], [1e21, '1.0E21'], [-1.25, '-1.25'], [123456789.125, '1.23456789125E8'], [0, '0.0'], [-0, '-0.0'], [Number.MAX_VALUE, '1.7976931348623157E308']];
    for (const [v, t] of cases) expect(javaDoubleText(v), String(v)).toBe(t);
    expect(javaFloatText(Math.fround(5.1))).toBe('5.1');
    expect(javaFloatText(Math.fround(0.3))).toBe('0.3');
    expect(javaFloatText(Math.fround(16777216))).toBe('1.6777216E7');
    expect(jsonEncoder(DataTypes.DOUBLE(), DEFAULT_ENCODING)(NaN)).toBe('"NaN"');
  });

  it('DECIMAL: BigDecimal.toString at the column scale, or plain; exact, never rounded', () => {
    expect(bigDecimalText('7.123', 3)).toBe('7.123');
    expect(bigDecimalText('1.5', 10)).toBe('1.5000000000');
    expect(bigDecimalText('-0.0000000001', 10)).toBe('-1E-10');
    expect(bigDecimalText('0', 10)).toBe('0E-10');
    expect(bigDecimalText('0.000001', 6)).toBe('0.000001');
    expect(bigDecimalText('0.0000001', 7)).toBe('1E-7');
    expect(bigDecimalText('0.0000012', 7)).toBe('0.0000012');
    expect(bigDecimalText('12345678901234567890123456789012345678', 0)).toBe('12345678901234567890123456789012345678');
    expect(bigDecimalText('-99999999999999999999999999.9999999999', 10)).toBe('-99999999999999999999999999.9999999999');
    expect(plainDecimalText('-0.0000000001', 10)).toBe('-0.0000000001');
    expect(plainDecimalText('0', 2)).toBe('0.00');
    expect(() => bigDecimalText('1.23', 1)).toThrow(/more than 1 fraction digits/);
    for (const [t, scale, out] of [['12.30', 2, '12.30'], ['-5', 0, '-5'], ['0', 0, '0'], ['-0.00', 2, '0.00'], ['9.9', 2, '9.90'], ['007.5', 1, '7.5'], ['1e5', 0, '']] as const) {
      if (out === '') expect(() => bigDecimalText(t, scale)).toThrow(/not a decimal/);
      else expect(bigDecimalText(t, scale), `${t} at scale ${scale}`).toBe(out);
    }
    for (const t of ['-1E-10', '0E-10', '1.5000000000', '1E+3', '12.30']) expect(plainDecimal(t)).toBe({ '-1E-10': '-0.0000000001', '0E-10': '0.0000000000', '1.5000000000': '1.5000000000', '1E+3': '1000', '12.30': '12.30' }[t]);
  });

  it('temporal and binary values', () => {
    const enc = (t: Parameters<typeof jsonEncoder>[0], v: unknown, o = DEFAULT_ENCODING) => jsonEncoder(t, o)(v);
    expect(enc(DataTypes.TIMESTAMP(6), '2024-01-02T03:04:05.120000')).toBe('"2024-01-02 03:04:05.12"');
    expect(enc(DataTypes.TIMESTAMP(6), '2024-01-02T03:04:05.000000')).toBe('"2024-01-02 03:04:05"');
    expect(enc(DataTypes.TIMESTAMP(9), '2024-01-02T03:04:05.123456789', { ...DEFAULT_ENCODING, timestampStandard: 'ISO-8601' })).toBe('"2024-01-02T03:04:05.123456789"');
    expect(enc(DataTypes.TIMESTAMP_LTZ(3), '2024-01-02T03:04:05.100Z')).toBe('"2024-01-02 03:04:05.1Z"');
    expect(enc(DataTypes.DATE(), '2024-02-29')).toBe('"2024-02-29"');
    expect(enc(DataTypes.TIME(6), '12:00:00.500000')).toBe('"12:00:00.5"');
    expect(enc(DataTypes.BYTES(), new Uint8Array([5, 6, 7]))).toBe('"BQYH"');
    expect(enc(DataTypes.ARRAY(DataTypes.BIGINT()), [1n, null, -9223372036854775808n])).toBe('[1,null,-9223372036854775808]');
  });

  it('CSV cells quoted as Jackson quotes them', () => {
    const s = csvEncoder(DataTypes.STRING(), DEFAULT_ENCODING);
    expect(s('1')).toBe('1');
    expect(s('abc.def')).toBe('abc.def');
    expect(s('a b')).toBe('"a b"');
    expect(s('a,b')).toBe('"a,b"');
    expect(s('say "hi"')).toBe('"say ""hi"""');
    expect(s('default_namespace.default_schema.table1')).toBe('"default_namespace.default_schema.table1"');
    expect(s('')).toBe('""');
    expect(csvEncoder(DataTypes.DECIMAL(10, 4), DEFAULT_ENCODING)('-0.0001')).toBe('-0.0001');
    expect(csvEncoder(DataTypes.BIGINT(), DEFAULT_ENCODING)(9223372036854775807n)).toBe('9223372036854775807');
  });
});
