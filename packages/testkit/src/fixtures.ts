/**
 * Schemas and rows the suites write and read. Values are in core's in-memory representation and chosen at the
 * edges where a connector loses data if it goes through a JS number or a float: the BIGINT extremes, a
 * DECIMAL(38, 10) with 28 integer digits, microseconds, astral-plane characters.
 */
import { DataTypes, schema, type Schema } from '@cdc/core';

export type Row = Readonly<Record<string, unknown>>;

/** Every type the sink round trip covers. */
export const ALL_TYPES: Schema = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'big', type: DataTypes.BIGINT() },
    { name: 'amount', type: DataTypes.DECIMAL(38, 10) },
    { name: 'ts', type: DataTypes.TIMESTAMP(6) },
    { name: 'name', type: DataTypes.STRING() },
    { name: 'flag', type: DataTypes.BOOLEAN() },
    { name: 'day', type: DataTypes.DATE() },
    { name: 'qty', type: DataTypes.INT() },
    { name: 'ratio', type: DataTypes.DOUBLE() },
  ],
  primaryKeys: ['id'],
});

export const ALL_TYPES_ROWS: readonly Row[] = [
  {
    id: 1n,
    big: 9223372036854775807n,
    amount: '1234567890123456789012345678.1234567890',
    ts: '2024-02-29T23:59:59.123456',
    name: 'héllo 😀 世界',
    flag: true,
    day: '2024-02-29',
    qty: 2147483647,
    ratio: 0.5,
  },
  {
    id: 2n,
    big: -9223372036854775808n,
    amount: '-0.0000000001',
    ts: '1970-01-01T00:00:00.000001',
    name: '',
    flag: false,
    day: '1970-01-01',
    qty: -2147483648,
    ratio: -1.25,
  },
  { id: 3n, big: null, amount: null, ts: null, name: null, flag: null, day: null, qty: null, ratio: null },
];

/** Row 2 after the round trip's update. */
export const ALL_TYPES_UPDATED: Row = { ...ALL_TYPES_ROWS[1], name: 'updated 🚀', amount: '99999999999999999999999999.9999999999', ts: '2000-01-01T00:00:00.999999' };

/** The table the schema change tests start from. */
export const EVOLVING: Schema = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'name', type: DataTypes.STRING() },
    { name: 'score', type: DataTypes.INT() },
  ],
  primaryKeys: ['id'],
});

export const EVOLVING_ROWS: readonly Row[] = [
  { id: 1n, name: 'a', score: 10 },
  { id: 2n, name: 'b', score: 20 },
];

/** The table the source tests create through the driver. */
export const SOURCE_TABLE: Schema = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'name', type: DataTypes.VARCHAR(100) },
    { name: 'amount', type: DataTypes.DECIMAL(20, 4) },
    { name: 'created', type: DataTypes.TIMESTAMP(6) },
  ],
  primaryKeys: ['id'],
});

export const SOURCE_ROWS: readonly Row[] = [
  { id: 1n, name: 'alpha', amount: '12345678901234.5678', created: '2024-01-02T03:04:05.123456' },
  { id: 2n, name: 'béta 😀', amount: '-0.0001', created: '1999-12-31T23:59:59.999999' },
  { id: 9007199254740993n, name: null, amount: null, created: null },
];

/** Positional row of an object row. */
export function rowArray(s: Schema, row: Row): unknown[] {
  return s.columns.map((c) => (c.name in row ? row[c.name] : null));
}
