import { ConfigError, DataError, type CdcError } from '@cdc/core';

/** Which part of a transform rule an expression comes from; named in every message. */
export type ExpressionRole = 'projection' | 'filter';

/**
 * A syntax or type error in an expression: names the expression, the 1-based column of the problem and
 * what was expected, e.g. `transform filter "id >" of rule #1: expected an expression at position 5 (end of input)`.
 */
export function expressionError(source: ExpressionSource, pos: number, what: string, hint?: string): CdcError {
  const at = pos >= source.text.length ? `position ${source.text.length + 1} (end of input)` : `position ${pos + 1}`;
  return new ConfigError(`${describeSource(source)}: ${what} at ${at}`, hint === undefined ? {} : { hint });
}

/** The text of one expression and where it comes from. */
export interface ExpressionSource {
  readonly text: string;
  readonly role: ExpressionRole;
  /** `rule #2 (source-table mydb.orders)` */
  readonly rule: string;
}

export function describeSource(s: ExpressionSource): string {
  return `transform ${s.role} "${s.text}" of ${s.rule}`;
}

/** A value-level failure while evaluating an expression for a row; the operator adds the table and column. */
export function dataError(message: string, hint?: string): CdcError {
  return new DataError(message, hint === undefined ? {} : { hint });
}
