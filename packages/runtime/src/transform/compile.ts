import type { DataType, RowData, TableId } from '@cdc/core';
import type { Expr } from './ast.js';

/**
 * Expressions compile to closures over an evaluation context that the operator reuses for every row:
 * evaluating allocates nothing but the values the functions themselves create.
 */
export interface EvalContext {
  /** The upstream row being transformed. */
  row: RowData;
  /** The projected row, for filters that refer to computed columns. */
  out: unknown[];
  /** `+I`, `-U`, `+U` or `-D` (Flink CDC's `__data_event_type__`). */
  op: string;
  tableId: TableId;
  meta: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, fixed for one event. */
  nowMs: number;
}

export type Evaluator = (ctx: EvalContext) => unknown;

/** A type-checked, compiled expression. */
export interface Bound {
  readonly expr: Expr;
  readonly type: DataType;
  /** An untyped NULL literal: it takes whatever type its context needs. */
  readonly isNull: boolean;
  readonly eval: Evaluator;
  /** Known at compile time (literals and calls on literals): `value` holds it. */
  readonly constant: boolean;
  readonly value: unknown;
  /** Reads the clock: the operator then reads `now` once per event. */
  readonly usesNow: boolean;
  /** Reads computed columns of the projection (filters only). */
  readonly readsOut: boolean;
}

const EMPTY_CONTEXT: EvalContext = { row: [], out: [], op: '+I', tableId: { table: '' }, meta: {}, nowMs: 0 };

export function constantBound(expr: Expr, type: DataType, value: unknown, isNull = false): Bound {
  return { expr, type, isNull, eval: () => value, constant: true, value, usesNow: false, readsOut: false };
}

/**
 * A call's result: folded into a constant when every argument is constant and the function is
 * deterministic (a failure is left for run time, where it names the row's table).
 */
export function callBound(expr: Expr, type: DataType, evaluator: Evaluator, args: readonly Bound[], volatile = false, usesNow = false): Bound {
  const now = usesNow || args.some((a) => a.usesNow);
  const readsOut = args.some((a) => a.readsOut);
  if (!volatile && !now && args.every((a) => a.constant)) {
    try {
      const value = evaluator(EMPTY_CONTEXT);
      return { expr, type, isNull: false, eval: () => value, constant: true, value, usesNow: false, readsOut: false };
    } catch {
      // evaluated per row, where the error gets the table's name
    }
  }
  return { expr, type, isNull: false, eval: evaluator, constant: false, value: undefined, usesNow: now, readsOut };
}

const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined;

/** NULL in, NULL out: the usual shape of a SQL function of one argument. */
export function strict1(a: Bound, f: (x: unknown) => unknown): Evaluator {
  if (a.constant) {
    const x = a.value;
    return isNullish(x) ? () => null : () => f(x);
  }
  const ea = a.eval;
  return (c) => {
    const x = ea(c);
    return isNullish(x) ? null : f(x);
  };
}

export function strict2(a: Bound, b: Bound, f: (x: unknown, y: unknown) => unknown): Evaluator {
  const ea = a.eval;
  if (b.constant) {
    const y = b.value;
    if (isNullish(y)) return () => null;
    return (c) => {
      const x = ea(c);
      return isNullish(x) ? null : f(x, y);
    };
  }
  const eb = b.eval;
  return (c) => {
    const x = ea(c);
    if (isNullish(x)) return null;
    const y = eb(c);
    return isNullish(y) ? null : f(x, y);
  };
}

export function strict3(a: Bound, b: Bound, d: Bound, f: (x: unknown, y: unknown, z: unknown) => unknown): Evaluator {
  const ea = a.eval;
  const eb = b.eval;
  const ed = d.eval;
  return (c) => {
    const x = ea(c);
    if (isNullish(x)) return null;
    const y = eb(c);
    if (isNullish(y)) return null;
    const z = ed(c);
    return isNullish(z) ? null : f(x, y, z);
  };
}

/** NULL when any argument is NULL, else `f` of all of them. */
export function strictN(args: readonly Bound[], f: (values: unknown[]) => unknown): Evaluator {
  if (args.length === 1) return strict1(args[0], (x) => f([x]));
  if (args.length === 2) return strict2(args[0], args[1], (x, y) => f([x, y]));
  if (args.length === 3) return strict3(args[0], args[1], args[2], (x, y, z) => f([x, y, z]));
  const evals = args.map((a) => a.eval);
  return (c) => {
    const values = new Array<unknown>(evals.length);
    for (let i = 0; i < evals.length; i++) {
      const v = evals[i](c);
      if (isNullish(v)) return null;
      values[i] = v;
    }
    return f(values);
  };
}

/** An evaluator producing `b`'s value converted by `conv` (NULL stays NULL). */
export function mapped(b: Bound, conv: (v: unknown) => unknown): Evaluator {
  return strict1(b, conv);
}
