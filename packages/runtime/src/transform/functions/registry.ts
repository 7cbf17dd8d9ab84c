import { formatType, type DataType } from '@cdc/core';
import type { Expr } from '../ast.js';
import type { Bound, Evaluator } from '../compile.js';
import { isBinary, isCharacter, isInteger, isNumeric, isTimestamp } from '../type-rules.js';
import type { TimeZone } from '../values/time-zone.js';

/** What a function's binder can use besides its arguments. */
export interface BindContext {
  /** The call being bound, for error positions. */
  readonly call: Expr;
  /** The session time zone (`timeZone` option). */
  readonly zone: TimeZone;
  /** Throws the ConfigError of a type error at `at`. */
  fail(at: Expr, what: string, hint?: string): never;
}

export interface Signature {
  readonly type: DataType;
  readonly eval: Evaluator;
  /** A new value on every call (UUID): never folded into a constant. */
  readonly volatile?: boolean;
  /** Reads the per-event clock. */
  readonly usesNow?: boolean;
}

export interface FunctionDef {
  readonly name: string;
  /** How it is called, for messages: `SUBSTR(string, start[, length])`. */
  readonly synopsis: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  bind(args: readonly Bound[], ctx: BindContext): Signature;
}

export type Family = 'string' | 'binary' | 'numeric' | 'integer' | 'boolean' | 'date' | 'time' | 'timestamp' | 'datetime' | 'temporal' | 'array' | 'map' | 'any';

const FAMILY_TEST: Record<Family, (t: DataType) => boolean> = {
  string: isCharacter,
  binary: isBinary,
  numeric: isNumeric,
  integer: isInteger,
  boolean: (t) => t.type === 'BOOLEAN',
  date: (t) => t.type === 'DATE',
  time: (t) => t.type === 'TIME',
  timestamp: isTimestamp,
  datetime: (t) => t.type === 'DATE' || isTimestamp(t),
  temporal: (t) => t.type === 'DATE' || t.type === 'TIME' || isTimestamp(t),
  array: (t) => t.type === 'ARRAY',
  map: (t) => t.type === 'MAP',
  any: () => true,
};

const FAMILY_NAME: Record<Family, string> = {
  string: 'a character string',
  binary: 'a binary string',
  numeric: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  date: 'a DATE',
  time: 'a TIME',
  timestamp: 'a TIMESTAMP or TIMESTAMP_LTZ',
  datetime: 'a DATE, TIMESTAMP or TIMESTAMP_LTZ',
  temporal: 'a DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ',
  array: 'an ARRAY',
  map: 'a MAP',
  any: 'a value',
};

export function isFamily(b: Bound, ...families: Family[]): boolean {
  return b.isNull || families.some((f) => FAMILY_TEST[f](b.type));
}

/** Checks argument `i` of a call: a NULL literal fits any family. */
export function expectArg(ctx: BindContext, def: FunctionDef, args: readonly Bound[], i: number, ...families: Family[]): void {
  if (isFamily(args[i], ...families)) return;
  const want = families.map((f) => FAMILY_NAME[f]).join(' or ');
  ctx.fail(args[i].expr, `${def.name} expects ${want} as argument ${i + 1}, got ${formatType(args[i].type)}`, `call it as ${def.synopsis}`);
}

/** Nullable when any argument is (a NULL literal counts). */
export function anyNullable(args: readonly Bound[]): boolean {
  return args.some((a) => a.isNull || a.type.nullable);
}

/** The keyword argument of EXTRACT / TIMESTAMPADD, written bare (DAY) or as a string ('DAY'). */
export function unitArg(ctx: BindContext, def: FunctionDef, arg: Bound, allowed: readonly string[]): string {
  const raw = arg.expr.kind === 'symbol' ? arg.expr.name : arg.constant && typeof arg.value === 'string' ? arg.value.toUpperCase() : undefined;
  const unit = raw?.replace(/^SQL_TSI_/, '');
  if (unit === undefined || !allowed.includes(unit)) {
    ctx.fail(arg.expr, `${def.name} expects a time unit (${allowed.join(', ')}) as argument 1`, `call it as ${def.synopsis}`);
  }
  return unit;
}

export class FunctionRegistry {
  private readonly defs = new Map<string, FunctionDef>();

  add(...defs: FunctionDef[]): this {
    for (const d of defs) this.defs.set(d.name, d);
    return this;
  }

  alias(alias: string, name: string): this {
    const d = this.defs.get(name);
    if (!d) throw new Error(`no function ${name}`);
    this.defs.set(alias, { ...d, name: alias, bind: d.bind.bind(d), synopsis: d.synopsis.replace(name, alias) });
    return this;
  }

  get(name: string): FunctionDef | undefined {
    return this.defs.get(name.toUpperCase());
  }

  names(): string[] {
    return [...this.defs.keys()].sort();
  }
}
