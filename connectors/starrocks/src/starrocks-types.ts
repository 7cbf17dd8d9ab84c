/**
 * CDC types -> StarRocks column types, after Flink CDC's StarRocksUtils: CHAR/VARCHAR lengths are bytes
 * (characters x unicode-char.max-bytes, VARCHAR at most 1048576), CHAR and DECIMAL keys become VARCHAR (StarRocks
 * primary keys cannot be either), timestamps DATETIME (microseconds kept), TIME a VARCHAR. Differences: DECIMAL(20,0)
 * (MySQL BIGINT UNSIGNED) -> LARGEINT, DECIMAL wider than 38 -> VARCHAR (exact text), ARRAY/MAP/ROW -> JSON.
 */
import { formatType, UnsupportedError, type DataType } from '@cdc/core';
import { CONNECTOR } from './starrocks-options.js';

export const MAX_VARCHAR = 1048576;
export const MAX_CHAR = 255;

export function starRocksType(t: DataType, isKey: boolean, charBytes = 3): string {
  switch (t.type) {
    case 'BOOLEAN':
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
      return t.type;
    case 'DECIMAL':
      if (t.precision === 20 && t.scale === 0) return 'LARGEINT';
      if (isKey || t.precision > 38) return `VARCHAR(${Math.min(t.scale !== 0 ? t.precision + 2 : t.precision + 1, MAX_VARCHAR)})`;
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'CHAR': {
      const n = t.length * charBytes;
      return n <= MAX_CHAR && !isKey ? `CHAR(${n})` : `VARCHAR(${Math.min(n, MAX_VARCHAR)})`;
    }
    case 'VARCHAR':
      return `VARCHAR(${Math.min(t.length * charBytes, MAX_VARCHAR)})`;
    case 'STRING':
      return `VARCHAR(${MAX_VARCHAR})`;
    case 'BINARY':
    case 'VARBINARY':
      return `VARBINARY(${Math.min(t.length, MAX_VARCHAR)})`;
    case 'BYTES':
      return `VARBINARY(${MAX_VARCHAR})`;
    case 'DATE':
      return 'DATE';
    case 'TIME':
      return `VARCHAR(${t.precision > 0 ? 9 + t.precision : 8})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return 'DATETIME';
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      return 'JSON';
  }
  throw new UnsupportedError(`type ${formatType(t as DataType)} has no StarRocks mapping`, { connector: CONNECTOR });
}
