import { describe, expect, it } from 'vitest';
import { DataTypes, schema } from '@cdc/core';
import { canonicalValue, diffRows, representationProblem } from '../src/index.js';

const S = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'd', type: DataTypes.DECIMAL(38, 10) },
    { name: 'ts', type: DataTypes.TIMESTAMP(6) },
  ],
  primaryKeys: ['id'],
});

describe('row comparison', () => {
  it('checks the in-memory representation per type', () => {
    expect(representationProblem(DataTypes.BIGINT(), 9007199254740993n)).toBeUndefined();
    expect(representationProblem(DataTypes.BIGINT(), 1)).toBe('1 is not a bigint (the in-memory form of BIGINT)');
    expect(representationProblem(DataTypes.DECIMAL(10, 2), 1.5)).toContain('is not a decimal string');
    expect(representationProblem(DataTypes.TIMESTAMP_LTZ(3), '2024-01-01T00:00:00.123')).toContain("'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'");
    expect(representationProblem(DataTypes.BYTES(), 'AAE=')).toContain('is not a Uint8Array');
    expect(representationProblem(DataTypes.INT(), null)).toBeUndefined();
  });

  it('compares values, not spellings: decimal and fraction trailing zeros, T or space', () => {
    expect(canonicalValue(DataTypes.DECIMAL(10, 4), '001.5000')).toBe(canonicalValue(DataTypes.DECIMAL(10, 4), '1.5'));
    expect(canonicalValue(DataTypes.DECIMAL(10, 4), '-0.000')).toBe('0');
    expect(canonicalValue(DataTypes.TIMESTAMP(6), '2024-01-01 10:00:00.120000')).toBe('2024-01-01T10:00:00.12');
    expect(canonicalValue(DataTypes.TIMESTAMP_LTZ(6), '2024-01-01T10:00:00.000000Z')).toBe('2024-01-01T10:00:00Z');
    expect(canonicalValue(DataTypes.BIGINT(), 5)).toBe(canonicalValue(DataTypes.BIGINT(), 5n));
  });

  it('reports missing, unexpected and mistyped rows and extra columns', () => {
    const want = [
      { id: 1n, d: '1.5', ts: '2024-01-01T00:00:00.000001' },
      { id: 2n, d: null, ts: null },
    ];
    expect(diffRows(S, want, [{ id: 2n, d: null, ts: null }, { id: 1n, d: '1.50', ts: '2024-01-01 00:00:00.000001' }])).toEqual([
      'row 1, column ts: "2024-01-01 00:00:00.000001" is not a \'YYYY-MM-DDTHH:MM:SS[.ffffff]\' string (the in-memory form of TIMESTAMP(6))',
    ]);
    expect(diffRows(S, want, [{ id: 1, d: '1.5', ts: '2024-01-01T00:00:00.000001', extra: 1 }])).toEqual([
      'row 0 has columns the table does not have: extra',
      'row 0, column id: 1 is not a bigint (the in-memory form of BIGINT NOT NULL)',
      'missing row {id: 2n, d: null, ts: null}',
      'expected 2 rows, got 1',
    ]);
    expect(diffRows(S, want.slice(0, 1), [{ id: 1n, d: '1.4999999999', ts: '2024-01-01T00:00:00.000001' }])).toEqual([
      'missing row {id: 1n, d: "1.5", ts: "2024-01-01T00:00:00.000001"}',
      'unexpected row {id: 1n, d: "1.4999999999", ts: "2024-01-01T00:00:00.000001"}',
    ]);
  });
});
