import { formatType, withNullability, type DataType } from '@cdc/core';
import type { Bound, Evaluator } from '../compile.js';
import { leastRestrictive } from '../type-rules.js';
import { makeWidening, IDENTITY_CASTER } from '../values/cast.js';
import { comparator, equality } from '../values/compare.js';
import type { TimeZone } from '../values/time-zone.js';
import { expectArg, type BindContext, type FunctionDef } from './registry.js';

const isNullish = (v: unknown) => v === null || v === undefined;

/** The common type of `args` (NULL literals excluded), or a type error naming them. */
function commonType(def: FunctionDef, args: readonly Bound[], ctx: BindContext): DataType {
  const typed = args.filter((a) => !a.isNull);
  if (typed.length === 0) return ctx.fail(ctx.call, `cannot infer the type of ${def.name} of NULLs`, 'write CAST(NULL AS <type>)');
  const t = leastRestrictive(typed.map((a) => a.type));
  if (!t) ctx.fail(ctx.call, `the arguments of ${def.name} have incompatible types: ${typed.map((a) => formatType(a.type)).join(', ')}`, 'CAST them to one type');
  return t;
}

function widen(b: Bound, to: DataType, zone: TimeZone): Evaluator {
  if (b.isNull) return () => null;
  const conv = makeWidening(b.type, to, zone);
  if (conv === IDENTITY_CASTER) return b.eval;
  const e = b.eval;
  return (c) => {
    const v = e(c);
    return isNullish(v) ? null : conv(v);
  };
}

const COALESCE: FunctionDef = {
  name: 'COALESCE',
  synopsis: 'COALESCE(value1, value2, ...)',
  minArgs: 1,
  maxArgs: Infinity,
  bind(args, ctx) {
    const t = commonType(COALESCE, args, ctx);
    // not null as soon as one argument cannot be NULL
    const type = withNullability(t, args.every((a) => a.isNull || a.type.nullable));
    const evals = args.map((a) => widen(a, type, ctx.zone));
    return {
      type,
      eval: (c) => {
        for (let i = 0; i < evals.length; i++) {
          const v = evals[i](c);
          if (!isNullish(v)) return v;
        }
        return null;
      },
    };
  },
};

const IF: FunctionDef = {
  name: 'IF',
  synopsis: 'IF(condition, true_value, false_value)',
  minArgs: 3,
  maxArgs: 3,
  bind(args, ctx) {
    expectArg(ctx, IF, args, 0, 'boolean');
    const t = commonType(IF, args.slice(1), ctx);
    const type = withNullability(t, args[1].isNull || args[2].isNull || args[1].type.nullable || args[2].type.nullable);
    const cond = args[0].eval;
    const a = widen(args[1], type, ctx.zone);
    const b = widen(args[2], type, ctx.zone);
    return { type, eval: (c) => (cond(c) === true ? a(c) : b(c)) };
  },
};

const IFNULL: FunctionDef = {
  name: 'IFNULL',
  synopsis: 'IFNULL(value, replacement)',
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    const t = commonType(IFNULL, args, ctx);
    // Flink SQL's rule: the result is NULL only when the replacement can be
    const type = withNullability(t, args[1].isNull || args[1].type.nullable);
    const a = widen(args[0], type, ctx.zone);
    const b = widen(args[1], type, ctx.zone);
    return {
      type,
      eval: (c) => {
        const v = a(c);
        return isNullish(v) ? b(c) : v;
      },
    };
  },
};

const NULLIF: FunctionDef = {
  name: 'NULLIF',
  synopsis: 'NULLIF(value1, value2)',
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    const [a, b] = args;
    if (a.isNull) return { type: withNullability(b.type, true), eval: () => null };
    const cmp = b.isNull ? () => 1 : equality(a.type, b.type) ?? comparator(a.type, b.type);
    if (!cmp) return ctx.fail(ctx.call, `NULLIF cannot compare ${formatType(a.type)} with ${formatType(b.type)}`, 'CAST one side to the type of the other');
    const ea = a.eval;
    const eb = b.eval;
    return {
      type: withNullability(a.type, true),
      eval: (c) => {
        const x = ea(c);
        if (isNullish(x)) return null;
        const y = eb(c);
        return !isNullish(y) && cmp(x, y) === 0 ? null : x;
      },
    };
  },
};

export const CONDITIONAL_FUNCTIONS: FunctionDef[] = [COALESCE, IF, IFNULL, NULLIF];
