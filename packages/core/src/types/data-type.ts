/**
 * The logical data types of the pipeline, as in Flink CDC's `DataTypes`. Plain, serialisable objects.
 *
 * In-memory values (lossless): BOOLEAN -> boolean; TINYINT/SMALLINT/INT -> number; BIGINT -> bigint;
 * FLOAT/DOUBLE -> number; DECIMAL -> string (plain decimal notation); CHAR/VARCHAR/STRING -> string;
 * BINARY/VARBINARY/BYTES -> Uint8Array; DATE -> 'YYYY-MM-DD'; TIME -> 'HH:MM:SS[.ffffff]' (may be negative or
 * above 24h for MySQL TIME); TIMESTAMP -> 'YYYY-MM-DDTHH:MM:SS[.fffffffff]' (no zone); TIMESTAMP_LTZ -> the
 * same in UTC with a trailing 'Z'; ARRAY -> unknown[]; MAP -> Map; ROW -> unknown[] aligned to the fields.
 * Temporal values are strings so that microseconds (and nanoseconds) survive everywhere.
 */
export const SIMPLE_TYPES = [
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'STRING',
  'BYTES',
  'DATE',
] as const;
export type SimpleTypeName = (typeof SIMPLE_TYPES)[number];

export const LENGTH_TYPES = ['CHAR', 'VARCHAR', 'BINARY', 'VARBINARY'] as const;
export type LengthTypeName = (typeof LENGTH_TYPES)[number];

export const PRECISION_TYPES = ['TIME', 'TIMESTAMP', 'TIMESTAMP_LTZ'] as const;
export type PrecisionTypeName = (typeof PRECISION_TYPES)[number];

export interface SimpleType {
  readonly type: SimpleTypeName;
  readonly nullable: boolean;
}
export interface LengthType {
  readonly type: LengthTypeName;
  readonly length: number;
  readonly nullable: boolean;
}
export interface PrecisionType {
  readonly type: PrecisionTypeName;
  readonly precision: number;
  readonly nullable: boolean;
}
export interface DecimalType {
  readonly type: 'DECIMAL';
  readonly precision: number;
  readonly scale: number;
  readonly nullable: boolean;
}
export interface ArrayType {
  readonly type: 'ARRAY';
  readonly element: DataType;
  readonly nullable: boolean;
}
export interface MapType {
  readonly type: 'MAP';
  readonly key: DataType;
  readonly value: DataType;
  readonly nullable: boolean;
}
export interface RowField {
  readonly name: string;
  readonly type: DataType;
  readonly description?: string;
}
export interface RowType {
  readonly type: 'ROW';
  readonly fields: readonly RowField[];
  readonly nullable: boolean;
}

export type DataType = SimpleType | LengthType | PrecisionType | DecimalType | ArrayType | MapType | RowType;
export type TypeName = DataType['type'];

export const MAX_DECIMAL_PRECISION = 38;
/** MySQL allows DECIMAL(65, 30); we keep it, sinks with lower limits map it (usually to STRING). */
export const MAX_SOURCE_DECIMAL_PRECISION = 65;
export const MAX_TIMESTAMP_PRECISION = 9;
export const MAX_LENGTH = 2147483647;

const simple = (type: SimpleTypeName) => (nullable = true): SimpleType => ({ type, nullable });

/** Factory functions, named like Flink CDC's `DataTypes`. */
export const DataTypes = {
  BOOLEAN: simple('BOOLEAN'),
  TINYINT: simple('TINYINT'),
  SMALLINT: simple('SMALLINT'),
  INT: simple('INT'),
  BIGINT: simple('BIGINT'),
  FLOAT: simple('FLOAT'),
  DOUBLE: simple('DOUBLE'),
  STRING: simple('STRING'),
  BYTES: simple('BYTES'),
  DATE: simple('DATE'),
  CHAR: (length = 1, nullable = true): LengthType => ({ type: 'CHAR', length, nullable }),
  VARCHAR: (length = 1, nullable = true): LengthType => ({ type: 'VARCHAR', length, nullable }),
  BINARY: (length = 1, nullable = true): LengthType => ({ type: 'BINARY', length, nullable }),
  VARBINARY: (length = 1, nullable = true): LengthType => ({ type: 'VARBINARY', length, nullable }),
  DECIMAL: (precision = 10, scale = 0, nullable = true): DecimalType => ({ type: 'DECIMAL', precision, scale, nullable }),
  TIME: (precision = 0, nullable = true): PrecisionType => ({ type: 'TIME', precision, nullable }),
  TIMESTAMP: (precision = 6, nullable = true): PrecisionType => ({ type: 'TIMESTAMP', precision, nullable }),
  TIMESTAMP_LTZ: (precision = 6, nullable = true): PrecisionType => ({ type: 'TIMESTAMP_LTZ', precision, nullable }),
  ARRAY: (element: DataType, nullable = true): ArrayType => ({ type: 'ARRAY', element, nullable }),
  MAP: (key: DataType, value: DataType, nullable = true): MapType => ({ type: 'MAP', key, value, nullable }),
  ROW: (fields: readonly RowField[], nullable = true): RowType => ({ type: 'ROW', fields, nullable }),
  FIELD: (name: string, type: DataType, description?: string): RowField =>
    description === undefined ? { name, type } : { name, type, description },
} as const;

export function withNullability<T extends DataType>(t: T, nullable: boolean): T {
  return t.nullable === nullable ? t : { ...t, nullable };
}
export const notNull = <T extends DataType>(t: T): T => withNullability(t, false);
export const nullable = <T extends DataType>(t: T): T => withNullability(t, true);

/** Structural equality, nullability included. */
export function typeEquals(a: DataType, b: DataType): boolean {
  if (a.type !== b.type || a.nullable !== b.nullable) return false;
  switch (a.type) {
    case 'CHAR':
    case 'VARCHAR':
    case 'BINARY':
    case 'VARBINARY':
      return a.length === (b as LengthType).length;
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return a.precision === (b as PrecisionType).precision;
    case 'DECIMAL':
      return a.precision === (b as DecimalType).precision && a.scale === (b as DecimalType).scale;
    case 'ARRAY':
      return typeEquals(a.element, (b as ArrayType).element);
    case 'MAP':
      return typeEquals(a.key, (b as MapType).key) && typeEquals(a.value, (b as MapType).value);
    case 'ROW': {
      const bf = (b as RowType).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.name === bf[i].name && typeEquals(f.type, bf[i].type));
    }
    default:
      return true;
  }
}

export type TypeFamily = 'boolean' | 'integer' | 'approximate' | 'decimal' | 'character' | 'binary' | 'date' | 'time' | 'timestamp' | 'constructed';

export function typeFamily(t: DataType): TypeFamily {
  switch (t.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'approximate';
    case 'DECIMAL':
      return 'decimal';
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      return 'character';
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return 'binary';
    case 'DATE':
      return 'date';
    case 'TIME':
      return 'time';
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return 'timestamp';
    default:
      return 'constructed';
  }
}

/** Decimal digits an integer type needs, used when an integer column widens to DECIMAL. */
export const INTEGER_DIGITS: Readonly<Record<string, number>> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 };
