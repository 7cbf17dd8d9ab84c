/**
 * `convertNativeRow` skips a column's converter only where the converter would return the value unchanged: for
 * every column type and every kind of native value the decoder can give (and some it should not), the row equals
 * the one made by calling each converter.
 */
import { describe, expect, it } from 'vitest';
import { convertNativeRow, makeConverter, nativeShape, parseEnumValues, toDataType, type MysqlColumn } from '../src/mysql-types.js';

function col(dataType: string, columnType: string, extra: Partial<MysqlColumn> = {}): MysqlColumn {
  return {
    name: `c_${dataType}`,
    position: 1,
    dataType,
    columnType,
    unsigned: columnType.includes('unsigned'),
    nullable: true,
    defaultValue: null,
    comment: '',
    charset: null,
    length: null,
    precision: null,
    scale: null,
    fsp: null,
    generated: false,
    ...(dataType === 'enum' || dataType === 'set' ? { enumValues: parseEnumValues(columnType), setValues: parseEnumValues(columnType) } : {}),
    ...extra,
  };
}

const COLUMNS: MysqlColumn[] = [
  col('tinyint', 'tinyint(1)'),
  col('tinyint', 'tinyint(4)'),
  col('int', 'int(10) unsigned'),
  col('int', 'int(11)'),
  col('bigint', 'bigint(20)'),
  col('bigint', 'bigint(20) unsigned'),
  col('decimal', 'decimal(18,6)', { precision: 18, scale: 6 }),
  col('double', 'double'),
  col('float', 'float'),
  col('bit', 'bit(12)'),
  col('varchar', 'varchar(10)', { length: 10 }),
  col('text', 'text'),
  col('binary', 'binary(4)', { length: 4 }),
  col('date', 'date'),
  col('datetime', 'datetime(6)', { fsp: 6 }),
  col('timestamp', 'timestamp(6)', { fsp: 6 }),
  col('time', 'time(6)', { fsp: 6 }),
  col('year', 'year(4)'),
  col('enum', "enum('a','b')"),
  col('set', "set('a','b')"),
  col('json', 'json'),
  col('geometry', 'geometry'),
];

const VALUES: unknown[] = [null, undefined, 0, 1, -5, 4294967295, 12n, '', 'x', '7', '2024-02-29', '0000-00-00', '2024-00-10T00:00:00', '2024-01-02T03:04:05.123456Z', new Uint8Array([1, 2]), 2.5];

const show = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : JSON.stringify(v) ?? 'undefined');

describe('convertNativeRow', () => {
  it('gives the same row as calling every converter, for every column type and value kind', () => {
    const types = COLUMNS.map((c) => toDataType(c));
    const converters = COLUMNS.map((c, i) => makeConverter(c, types[i]));
    const shapes = Uint8Array.from(COLUMNS.map((c, i) => nativeShape(c, types[i])));
    let compared = 0;
    for (const v of VALUES) {
      const expected: string[] = [];
      for (let i = 0; i < COLUMNS.length; i++) {
        try {
          expected.push(show(converters[i](v)));
        } catch (e) {
          expected.push(`throws ${(e as Error).name}`);
        }
      }
      const got: string[] = [];
      for (let i = 0; i < COLUMNS.length; i++) {
        const row = COLUMNS.map(() => null as unknown);
        row[i] = v;
        try {
          got.push(show(convertNativeRow(shapes, converters, row)[i]));
        } catch (e) {
          got.push(`throws ${(e as Error).name}`);
        }
        compared++;
      }
      expect(got, `value ${show(v)}`).toEqual(expected);
    }
    expect(compared).toBe(COLUMNS.length * VALUES.length);
    // the point of it: most columns pass through without their converter
    expect(shapes.filter((s) => s !== 0).length).toBeGreaterThan(COLUMNS.length / 2);
  });
});
