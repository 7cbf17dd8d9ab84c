/**
 * CDC types -> Doris column types, after Flink CDC's DorisMetadataApplier / DorisTypeMapper: VARCHAR lengths
 * are bytes in Doris, so characters x3 (utf8), STRING above 65533; DECIMAL(p<=38) -> DECIMALV3, wider -> STRING
 * (exact text); DECIMAL(20,0) (MySQL BIGINT UNSIGNED) -> LARGEINT; timestamps -> DATETIMEV2(p<=6).
 */
import { formatType, UnsupportedError, type DataType } from '@cdc/core';
import { CONNECTOR } from './doris-options.js';

export const MAX_VARCHAR = 65533;
export const MAX_CHAR = 255;
export const MAX_DECIMAL_PRECISION = 38;

export function dorisType(t: DataType, isKey = false): string {
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
      if (t.precision <= MAX_DECIMAL_PRECISION) return `DECIMALV3(${t.precision}, ${t.scale})`;
      return isKey ? `VARCHAR(${t.precision + 2})` : 'STRING';
    case 'CHAR': {
      const n = t.length * 3;
      return n <= MAX_CHAR ? `CHAR(${n})` : n <= MAX_VARCHAR ? `VARCHAR(${n})` : isKey ? `VARCHAR(${MAX_VARCHAR})` : 'STRING';
    }
    case 'VARCHAR': {
      const n = t.length * 3;
      return n <= MAX_VARCHAR ? `VARCHAR(${n})` : isKey ? `VARCHAR(${MAX_VARCHAR})` : 'STRING';
    }
    case 'STRING':
      return isKey ? `VARCHAR(${MAX_VARCHAR})` : 'STRING';
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
    case 'TIME':
      return isKey ? `VARCHAR(${MAX_VARCHAR})` : 'STRING';
    case 'DATE':
      return 'DATEV2';
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `DATETIMEV2(${Math.min(Math.max(t.precision, 0), 6)})`;
    case 'ARRAY':
      return `ARRAY<${dorisType(t.element)}>`;
    case 'MAP':
    case 'ROW':
      return 'JSON';
  }
  throw new UnsupportedError(`type ${formatType(t as DataType)} has no Doris mapping`, { connector: CONNECTOR });
}
