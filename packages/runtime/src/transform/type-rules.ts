import { DataTypes, INTEGER_DIGITS, MAX_DECIMAL_PRECISION, MAX_LENGTH, typeEquals, typeFamily, withNullability, type DataType, type DecimalType, type LengthType, type PrecisionType } from '@cdc/core';

/** Typing rules of transform expressions, after Calcite's (which Flink CDC type-checks with). */

const INTEGER_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };

export const isInteger = (t: DataType) => typeFamily(t) === 'integer';
export const isApproximate = (t: DataType) => typeFamily(t) === 'approximate';
export const isDecimal = (t: DataType): t is DecimalType => t.type === 'DECIMAL';
export const isNumeric = (t: DataType) => isInteger(t) || isApproximate(t) || isDecimal(t);
export const isCharacter = (t: DataType) => typeFamily(t) === 'character';
export const isBinary = (t: DataType) => typeFamily(t) === 'binary';
export const isTimestamp = (t: DataType) => t.type === 'TIMESTAMP' || t.type === 'TIMESTAMP_LTZ';
export const isTemporal = (t: DataType) => t.type === 'DATE' || t.type === 'TIME' || isTimestamp(t);

/** Precision and scale an integer or decimal type needs as a DECIMAL. */
export function decimalShape(t: DataType): [number, number] {
  if (t.type === 'DECIMAL') return [t.precision, t.scale];
  return [INTEGER_DIGITS[t.type] ?? 19, 0];
}

/** The largest DECIMAL precision a result may take: 38, or more when an input already has more (MySQL's 65). */
export function maxPrecision(...types: DataType[]): number {
  return Math.max(MAX_DECIMAL_PRECISION, ...types.map((t) => (t.type === 'DECIMAL' ? t.precision : 0)));
}

export function lengthOf(t: DataType): number {
  return t.type === 'STRING' || t.type === 'BYTES' ? MAX_LENGTH : (t as LengthType).length;
}

/** VARCHAR(n), or STRING when n is unbounded. */
export function varchar(length: number, nullable: boolean): DataType {
  return length >= MAX_LENGTH ? DataTypes.STRING(nullable) : DataTypes.VARCHAR(Math.max(1, length), nullable);
}

/**
 * The narrowest type all of `types` convert to without loss (CASE branches, COALESCE, IN lists), or
 * undefined when they do not share a family. Nullable when any input is.
 */
export function leastRestrictive(types: readonly DataType[]): DataType | undefined {
  if (types.length === 0) return undefined;
  const nullable = types.some((t) => t.nullable);
  const first = types[0];
  if (types.every((t) => typeEquals(withNullability(t, true), withNullability(first, true)))) return withNullability(first, nullable);
  if (types.every(isNumeric)) {
    if (types.some(isApproximate)) {
      const onlyFloat = types.every((t) => t.type === 'FLOAT' || isInteger(t));
      return onlyFloat ? DataTypes.FLOAT(nullable) : DataTypes.DOUBLE(nullable);
    }
    if (types.some(isDecimal)) {
      let intDigits = 0;
      let scale = 0;
      for (const t of types) {
        const [p, s] = decimalShape(t);
        intDigits = Math.max(intDigits, p - s);
        scale = Math.max(scale, s);
      }
      const max = maxPrecision(...types);
      const precision = Math.min(intDigits + scale, max);
      return DataTypes.DECIMAL(precision, Math.min(scale, precision), nullable);
    }
    const widest = types.reduce((a, b) => (INTEGER_RANK[b.type] > INTEGER_RANK[a.type] ? b : a));
    return withNullability(widest, nullable);
  }
  if (types.every(isCharacter)) {
    if (types.every((t) => t.type === 'CHAR' && (t as LengthType).length === (first as LengthType).length)) return withNullability(first, nullable);
    return varchar(Math.max(...types.map(lengthOf)), nullable);
  }
  if (types.every(isBinary)) {
    const n = Math.max(...types.map(lengthOf));
    return n >= MAX_LENGTH ? DataTypes.BYTES(nullable) : DataTypes.VARBINARY(n, nullable);
  }
  if (types.every((t) => t.type === 'DATE' || t.type === 'TIMESTAMP')) {
    const p = Math.max(...types.map((t) => (t.type === 'TIMESTAMP' ? t.precision : 0)));
    return DataTypes.TIMESTAMP(p, nullable);
  }
  if (types.every((t) => t.type === first.type) && (first.type === 'TIME' || first.type === 'TIMESTAMP_LTZ')) {
    const p = Math.max(...types.map((t) => (t as PrecisionType).precision));
    return { type: first.type, precision: p, nullable } as PrecisionType;
  }
  return undefined;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

/** Result type of `a op b` for numeric operands (Calcite's derivation, decimal precision capped at 38). */
export function arithmeticType(op: ArithmeticOp, a: DataType, b: DataType): DataType {
  const nullable = a.nullable || b.nullable;
  if (isApproximate(a) || isApproximate(b)) {
    const float = (a.type === 'FLOAT' || isInteger(a)) && (b.type === 'FLOAT' || isInteger(b));
    return float ? DataTypes.FLOAT(nullable) : DataTypes.DOUBLE(nullable);
  }
  if (isDecimal(a) || isDecimal(b)) {
    const [p1, s1] = decimalShape(a);
    const [p2, s2] = decimalShape(b);
    const max = maxPrecision(a, b);
    let p: number;
    let s: number;
    switch (op) {
      case '+':
      case '-':
        s = Math.max(s1, s2);
        p = Math.min(Math.max(p1 - s1, p2 - s2) + s + 1, max);
        break;
      case '*':
        s = Math.min(s1 + s2, max);
        p = Math.min(p1 + p2, max);
        break;
      case '/': {
        const dout = Math.min(p1 - s1 + s2, max);
        s = Math.min(Math.max(6, s1 + p2 + 1), max - dout);
        p = dout + s;
        break;
      }
      case '%':
        s = Math.max(s1, s2);
        p = Math.min(Math.min(p1 - s1, p2 - s2) + s, max);
        break;
    }
    return DataTypes.DECIMAL(Math.max(p, 1), Math.min(s, p), nullable);
  }
  if (op === '%') return withNullability(b, nullable);
  return withNullability(INTEGER_RANK[a.type] >= INTEGER_RANK[b.type] ? a : b, nullable);
}
