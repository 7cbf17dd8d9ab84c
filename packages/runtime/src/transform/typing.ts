import { DataTypes, formatType, parseType, withNullability, type DataType, type DecimalType, type PrecisionType, type RowField } from '@cdc/core';
import type { BinaryOp, Expr, LiteralValue } from './ast.js';
import { callBound, constantBound, strict1, strict2, type Bound, type EvalContext, type Evaluator } from './compile.js';
import { dataError, expressionError, type ExpressionSource } from './errors.js';
import { BUILTINS } from './functions/index.js';
import type { BindContext } from './functions/registry.js';
import { arithmeticType, isApproximate, isCharacter, isDecimal, isInteger, isNumeric, leastRestrictive, lengthOf, varchar } from './type-rules.js';
import type { Udf } from './udf.js';
import { castToText, IDENTITY_CASTER, makeCast, makeWidening, type Caster } from './values/cast.js';
import { comparator, equality, type Comparator } from './values/compare.js';
import { dec, decimalText, literalPrecisionScale, ROUND_DOWN } from './values/decimal.js';
import { likeToRegExp, PatternCache, similarToRegExp } from './values/like.js';
import { checkBigint, checkInt } from './values/numbers.js';
import {
  addMonths,
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
  SECONDS_PER_DAY,
  type DateTime,
} from './values/temporal.js';
import { localToUtc, type TimeZone } from './values/time-zone.js';

/** A name an expression can refer to: an upstream column, a computed column, or a metadata column. */
export interface ColumnBinding {
  readonly type: DataType;
  readonly eval: Evaluator;
  /** Reads the projected row (a computed column referenced by a filter). */
  readonly readsOut?: boolean;
}

export interface Scope {
  lookup(name: string): ColumnBinding | undefined;
  /** The message for a name that is not found: the column, the table and what is available. */
  unknownColumn(name: string): string;
}

export interface BindOptions {
  readonly source: ExpressionSource;
  readonly zone: TimeZone;
  /** By upper-cased name. */
  readonly udfs: ReadonlyMap<string, Udf>;
}

const BOOLEAN = DataTypes.BOOLEAN(false);
const isNullish = (v: unknown) => v === null || v === undefined;

/** Type-checks an expression against a scope and compiles it to a closure. */
export function bindExpression(expr: Expr, scope: Scope, opts: BindOptions): Bound {
  return new Binder(scope, opts).bind(expr);
}

class Binder {
  constructor(
    private readonly scope: Scope,
    private readonly opts: BindOptions,
  ) {}

  private fail(at: Expr | number, what: string, hint?: string): never {
    throw expressionError(this.opts.source, typeof at === 'number' ? at : at.pos, what, hint);
  }

  bind(e: Expr): Bound {
    switch (e.kind) {
      case 'literal':
        return this.literal(e, e.value);
      case 'ident': {
        const col = this.scope.lookup(e.name);
        if (!col) this.fail(e, this.scope.unknownColumn(e.name));
        return { expr: e, type: col.type, isNull: false, eval: col.eval, constant: false, value: undefined, usesNow: false, readsOut: col.readsOut ?? false };
      }
      case 'symbol':
        return constantBound(e, DataTypes.STRING(false), e.name);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      case 'is':
        return this.isTest(e);
      case 'distinct':
        return this.distinct(e);
      case 'between':
        return this.between(e);
      case 'in':
        return this.inList(e);
      case 'like':
        return this.like(e);
      case 'case':
        return this.caseExpr(e);
      case 'cast':
        return this.cast(e);
      case 'call':
        return this.call(e);
      case 'item':
        return this.item(e);
      case 'array':
      case 'map':
      case 'row':
        return this.constructor_(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // literals

  private literal(e: Expr, v: LiteralValue): Bound {
    switch (v.type) {
      case 'null':
        return constantBound(e, DataTypes.STRING(true), null, true);
      case 'boolean':
        return constantBound(e, BOOLEAN, v.value);
      case 'string':
        // VARCHAR, not Calcite's CHAR: CASE WHEN .. THEN 'YOUNG' ELSE 'OLD' must not pad 'OLD  '
        return constantBound(e, v.value.length === 0 ? DataTypes.STRING(false) : DataTypes.VARCHAR(v.value.length, false), v.value);
      case 'approx': {
        const n = Number(v.text);
        if (!Number.isFinite(n)) this.fail(e, `number ${v.text} is out of the range of DOUBLE`);
        return constantBound(e, DataTypes.DOUBLE(false), n);
      }
      case 'exact': {
        if (!v.text.includes('.')) {
          const n = BigInt(v.text);
          if (n >= -2147483648n && n <= 2147483647n) return constantBound(e, DataTypes.INT(false), Number(n));
          if (n >= -(2n ** 63n) && n < 2n ** 63n) return constantBound(e, DataTypes.BIGINT(false), n);
        }
        const [p, s] = literalPrecisionScale(v.text);
        if (p > 38) this.fail(e, `number ${v.text} has more than 38 digits`);
        return constantBound(e, DataTypes.DECIMAL(p, s, false), dec(v.text).toFixed(s));
      }
      case 'date': {
        const d = parseDate(v.text);
        if (d === undefined) this.fail(e, `invalid DATE literal '${v.text}'`, "write DATE 'YYYY-MM-DD'");
        return constantBound(e, DataTypes.DATE(false), formatDate(d));
      }
      case 'time': {
        const n = parseTime(v.text);
        if (n === undefined) this.fail(e, `invalid TIME literal '${v.text}'`, "write TIME 'HH:MM:SS[.fff]'");
        const p = (/\.(\d+)/.exec(v.text)?.[1].length ?? 0);
        return constantBound(e, DataTypes.TIME(p, false), formatTime(n, p));
      }
      case 'timestamp':
      case 'timestamp_ltz': {
        const t = parseTimestamp(v.text);
        if (!t) this.fail(e, `invalid TIMESTAMP literal '${v.text}'`, "write TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]'");
        const p = t.digits;
        if (v.type === 'timestamp') {
          if (t.offset !== undefined) this.fail(e, `a TIMESTAMP literal has no time zone: '${v.text}'`, 'use TIMESTAMP_LTZ for an instant');
          return constantBound(e, DataTypes.TIMESTAMP(p, false), formatTimestamp(t, p, false));
        }
        const utc = t.offset === undefined ? localToUtc(t.sec, this.opts.zone) : t.sec - t.offset;
        return constantBound(e, DataTypes.TIMESTAMP_LTZ(p, false), formatTimestamp({ sec: utc, nano: t.nano }, p, true));
      }
      case 'interval':
        return this.fail(e, 'an INTERVAL can only be added to or subtracted from a DATE, TIME or TIMESTAMP');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // operators

  private unary(e: Expr & { kind: 'unary' }): Bound {
    const a = this.bind(e.operand);
    if (e.op === 'NOT') {
      this.expectBoolean(a, 'NOT');
      const ea = a.eval;
      return callBound(e, withNullability(BOOLEAN, a.type.nullable), (c) => {
        const x = ea(c);
        return isNullish(x) ? null : !x;
      }, [a]);
    }
    if (!a.isNull && !isNumeric(a.type)) this.fail(e, `unary ${e.op} expects a number, got ${formatType(a.type)}`);
    if (e.op === '+') return a;
    const t = a.type;
    let neg: (x: unknown) => unknown;
    if (t.type === 'BIGINT') neg = (x) => checkBigint(-(x as bigint));
    else if (isInteger(t)) neg = (x) => checkInt(t.type, -(x as number));
    else if (isDecimal(t)) neg = (x) => decimalText(dec(x).neg(), t.precision, t.scale);
    else neg = (x) => -(x as number);
    return callBound(e, t, strict1(a, neg), [a]);
  }

  private expectBoolean(a: Bound, op: string): void {
    if (!a.isNull && a.type.type !== 'BOOLEAN') this.fail(a.expr, `${op} expects a boolean, got ${formatType(a.type)}`);
  }

  private binary(e: Expr & { kind: 'binary' }): Bound {
    if (e.op === 'AND' || e.op === 'OR') return this.logical(e);
    if ((e.op === '+' || e.op === '-') && (isInterval(e.left) || isInterval(e.right))) return this.intervalArithmetic(e);
    const a = this.bind(e.left);
    const b = this.bind(e.right);
    switch (e.op) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arithmetic(e, e.opPos, e.op, a, b);
      case '||':
        return this.concat(e, a, b);
      default:
        return this.comparison(e, e.op, a, b);
    }
  }

  private logical(e: Expr & { kind: 'binary' }): Bound {
    const a = this.bind(e.left);
    const b = this.bind(e.right);
    this.expectBoolean(a, e.op);
    this.expectBoolean(b, e.op);
    const ea = a.eval;
    const eb = b.eval;
    const type = withNullability(BOOLEAN, a.type.nullable || b.type.nullable);
    // three-valued logic, the right side evaluated only when the left does not decide
    const f: Evaluator =
      e.op === 'AND'
        ? (c) => {
            const x = ea(c);
            if (x === false) return false;
            const y = eb(c);
            if (y === false) return false;
            return isNullish(x) || isNullish(y) ? null : true;
          }
        : (c) => {
            const x = ea(c);
            if (x === true) return true;
            const y = eb(c);
            if (y === true) return true;
            return isNullish(x) || isNullish(y) ? null : false;
          };
    return callBound(e, type, f, [a, b]);
  }

  private arithmetic(e: Expr, opPos: number, op: '+' | '-' | '*' | '/' | '%', a0: Bound, b0: Bound): Bound {
    const [a, b] = this.unifyNull(a0, b0);
    if (!isNumeric(a.type) || !isNumeric(b.type)) {
      const temporal = [a, b].some((x) => x.type.type === 'DATE' || x.type.type === 'TIMESTAMP' || x.type.type === 'TIMESTAMP_LTZ');
      this.fail(
        opPos,
        `operator ${op} expects numbers, got ${formatType(a.type)} ${op} ${formatType(b.type)}`,
        temporal ? "add time with INTERVAL '1' DAY, TIMESTAMPADD or DATE_ADD" : isCharacter(a.type) || isCharacter(b.type) ? 'CAST the string to a number first' : undefined,
      );
    }
    const type = arithmeticType(op, a.type, b.type);
    return callBound(e, type, strict2(a, b, numericOp(op, type)), [a, b]);
  }

  /** A NULL literal next to a typed operand takes the operand's type. */
  private unifyNull(a: Bound, b: Bound): [Bound, Bound] {
    if (a.isNull && !b.isNull) a = { ...a, type: withNullability(b.type, true) };
    if (b.isNull && !a.isNull) b = { ...b, type: withNullability(a.type, true) };
    if (a.isNull && b.isNull) {
      a = { ...a, type: DataTypes.INT(true) };
      b = { ...b, type: DataTypes.INT(true) };
    }
    return [a, b];
  }

  private concat(e: Expr & { kind: 'binary' }, a: Bound, b: Bound): Bound {
    // Flink CDC lets || join any values (id || name): non-strings are converted as CAST(x AS STRING)
    const type = isCharacter(a.type) && isCharacter(b.type) && !a.isNull && !b.isNull ? varchar(lengthOf(a.type) + lengthOf(b.type), a.type.nullable || b.type.nullable) : DataTypes.STRING(a.type.nullable || b.type.nullable);
    const ta = a.type;
    const tb = b.type;
    const sa = isCharacter(ta) ? (x: unknown) => x as string : (x: unknown) => castToText(ta, x);
    const sb = isCharacter(tb) ? (x: unknown) => x as string : (x: unknown) => castToText(tb, x);
    return callBound(e, type, strict2(a, b, (x, y) => sa(x) + sb(y)), [a, b]);
  }

  /**
   * A comparator for two operands. A string literal compared with a number, date or timestamp is
   * converted to that type once, here (`created_at > '2024-01-01 00:00:00'`).
   */
  private comparePair(at: Expr | number, what: string, a0: Bound, b0: Bound, equalityOnly = false): { a: Bound; b: Bound; cmp: Comparator } {
    let [a, b] = this.unifyNull(a0, b0);
    a = this.coerceLiteral(a, b.type);
    b = this.coerceLiteral(b, a.type);
    const cmp = equalityOnly ? equality(a.type, b.type) : comparator(a.type, b.type);
    if (!cmp) {
      const hint = (a.type.type === 'TIMESTAMP' && b.type.type === 'TIMESTAMP_LTZ') || (b.type.type === 'TIMESTAMP' && a.type.type === 'TIMESTAMP_LTZ')
        ? 'CAST one side so both are TIMESTAMP or both TIMESTAMP_LTZ'
        : 'CAST one side to the type of the other';
      this.fail(at, `cannot compare ${formatType(a.type)} with ${formatType(b.type)} in ${what}`, hint);
    }
    return { a, b, cmp };
  }

  private coerceLiteral(lit: Bound, target: DataType): Bound {
    if (!lit.constant || lit.isNull || !isCharacter(lit.type) || isCharacter(target)) return lit;
    if (!(isNumeric(target) || target.type === 'DATE' || target.type === 'TIME' || target.type === 'TIMESTAMP' || target.type === 'TIMESTAMP_LTZ' || target.type === 'BOOLEAN')) return lit;
    const to: DataType =
      isNumeric(target) ? (isApproximate(target) ? DataTypes.DOUBLE(false) : DataTypes.DECIMAL(38, Math.min(18, /\.(\d*)/.exec(String(lit.value))?.[1].length ?? 0), false))
      : target.type === 'TIMESTAMP' || target.type === 'TIMESTAMP_LTZ' || target.type === 'TIME' ? { ...target, precision: 9, nullable: false } as PrecisionType
      : withNullability(target, false);
    const caster = makeCast(lit.type, to, this.opts.zone)!;
    try {
      return constantBound(lit.expr, to, caster(lit.value));
    } catch (err) {
      return this.fail(lit.expr, `'${String(lit.value)}' is not a valid ${formatType(withNullability(target, true))}: ${(err as Error).message.replace(/^\[cdc\] /, '').replace(/ — .*$/, '')}`);
    }
  }

  private comparison(e: Expr & { kind: 'binary' }, op: BinaryOp, a0: Bound, b0: Bound): Bound {
    const { a, b, cmp } = this.comparePair(e.opPos, `${op}`, a0, b0, op === '=' || op === '<>');
    const test = compareTest(op);
    return callBound(e, withNullability(BOOLEAN, a.type.nullable || b.type.nullable), strict2(a, b, (x, y) => test(cmp(x, y))), [a, b]);
  }

  private isTest(e: Expr & { kind: 'is' }): Bound {
    const a = this.bind(e.operand);
    const ea = a.eval;
    let f: (v: unknown) => boolean;
    switch (e.test) {
      case 'NULL':
        f = isNullish;
        break;
      case 'UNKNOWN':
        this.expectBoolean(a, 'IS UNKNOWN');
        f = isNullish;
        break;
      case 'TRUE':
        this.expectBoolean(a, 'IS TRUE');
        f = (v) => v === true;
        break;
      case 'FALSE':
        this.expectBoolean(a, 'IS FALSE');
        f = (v) => v === false;
        break;
    }
    const g = f;
    return callBound(e, BOOLEAN, e.not ? (c) => !g(ea(c)) : (c) => g(ea(c)), [a]);
  }

  private distinct(e: Expr & { kind: 'distinct' }): Bound {
    const { a, b, cmp } = this.comparePair(e, 'IS DISTINCT FROM', this.bind(e.left), this.bind(e.right), true);
    const ea = a.eval;
    const eb = b.eval;
    const distinct = (c: EvalContext) => {
      const x = ea(c);
      const y = eb(c);
      if (isNullish(x) || isNullish(y)) return isNullish(x) !== isNullish(y);
      return cmp(x, y) !== 0;
    };
    return callBound(e, BOOLEAN, e.not ? (c) => !distinct(c) : distinct, [a, b]);
  }

  private between(e: Expr & { kind: 'between' }): Bound {
    const v = this.bind(e.operand);
    const lo = this.comparePair(e.low, 'BETWEEN', v, this.bind(e.low));
    const hi = this.comparePair(e.high, 'BETWEEN', v, this.bind(e.high));
    const ev = lo.a.eval;
    const el = lo.b.eval;
    const eh = hi.b.eval;
    const cl = lo.cmp;
    const ch = hi.cmp;
    const boundsCmp = e.symmetric ? comparator(lo.b.type, hi.b.type) : undefined;
    const not = e.not;
    const f: Evaluator = (c) => {
      const x = ev(c);
      if (isNullish(x)) return null;
      let low = el(c);
      let high = eh(c);
      if (boundsCmp && !isNullish(low) && !isNullish(high) && boundsCmp(low, high) > 0) [low, high] = [high, low];
      const geLow = isNullish(low) ? null : cl(x, low) >= 0;
      const leHigh = isNullish(high) ? null : ch(x, high) <= 0;
      // x >= low AND x <= high, in three-valued logic
      let r: boolean | null;
      if (geLow === false || leHigh === false) r = false;
      else if (geLow === null || leHigh === null) r = null;
      else r = true;
      return r === null ? null : not ? !r : r;
    };
    const nullable = [v, lo.b, hi.b].some((x) => x.type.nullable);
    return callBound(e, withNullability(BOOLEAN, nullable), f, [v, lo.b, hi.b]);
  }

  private inList(e: Expr & { kind: 'in' }): Bound {
    const v = this.bind(e.operand);
    const pairs = e.list.map((item) => this.comparePair(item, 'IN', v, this.bind(item), true));
    const ev = pairs[0].a.eval;
    const not = e.not;
    const items = pairs.map((p) => p.b);
    const nullable = v.type.nullable || items.some((i) => i.type.nullable);
    let f: Evaluator;
    const simple = (t: DataType) => isCharacter(t) || (isInteger(t) && t.type !== 'BIGINT') || t.type === 'DATE' || t.type === 'BOOLEAN';
    if (items.every((i) => i.constant) && simple(v.type) && items.every((i) => i.isNull || (simple(i.type) && (isCharacter(i.type) === isCharacter(v.type))))) {
      // all constants of a primitive representation: one Set lookup per row
      const set = new Set(items.filter((i) => !isNullish(i.value)).map((i) => i.value));
      const hasNull = items.some((i) => isNullish(i.value));
      f = (c) => {
        const x = ev(c);
        if (isNullish(x)) return null;
        if (set.has(x)) return !not;
        return hasNull ? null : not;
      };
    } else {
      const evals = items.map((i) => i.eval);
      const cmps = pairs.map((p) => p.cmp);
      f = (c) => {
        const x = ev(c);
        if (isNullish(x)) return null;
        let sawNull = false;
        for (let i = 0; i < evals.length; i++) {
          const y = evals[i](c);
          if (isNullish(y)) sawNull = true;
          else if (cmps[i](x, y) === 0) return !not;
        }
        return sawNull ? null : not;
      };
    }
    return callBound(e, withNullability(BOOLEAN, nullable), f, [v, ...items]);
  }

  private like(e: Expr & { kind: 'like' }): Bound {
    const name = e.similar ? 'SIMILAR TO' : 'LIKE';
    const v = this.bind(e.operand);
    const p = this.bind(e.pattern);
    const esc = e.escape ? this.bind(e.escape) : undefined;
    for (const x of [v, p, esc]) {
      if (x && !x.isNull && !isCharacter(x.type)) this.fail(x.expr, `${name} expects character strings, got ${formatType(x.type)}`, 'CAST it to STRING first');
    }
    const make = e.similar ? similarToRegExp : likeToRegExp;
    const ev = v.eval;
    const not = e.not;
    let f: Evaluator;
    if (p.constant && (!esc || esc.constant)) {
      if (isNullish(p.value) || (esc && isNullish(esc.value))) {
        f = () => null;
      } else {
        let re: RegExp;
        try {
          re = make(p.value as string, esc?.value as string | undefined);
        } catch (err) {
          return this.fail(e.pattern, (err as Error).message.replace(/^\[cdc\] /, ''));
        }
        f = (c) => {
          const x = ev(c);
          return isNullish(x) ? null : re.test(x as string) !== not;
        };
      }
    } else {
      const cache = new PatternCache(make);
      const ep = p.eval;
      const ee = esc?.eval;
      f = (c) => {
        const x = ev(c);
        if (isNullish(x)) return null;
        const pat = ep(c);
        if (isNullish(pat)) return null;
        const es = ee ? ee(c) : undefined;
        if (ee && isNullish(es)) return null;
        return cache.get(pat as string, es as string | undefined).test(x as string) !== not;
      };
    }
    const nullable = [v, p, esc].some((x) => x && x.type.nullable);
    return callBound(e, withNullability(BOOLEAN, nullable), f, esc ? [v, p, esc] : [v, p]);
  }

  private caseExpr(e: Expr & { kind: 'case' }): Bound {
    const operand = e.operand ? this.bind(e.operand) : undefined;
    const conds: { test: Evaluator; bound: Bound[] }[] = [];
    for (const w of e.whens) {
      const bounds: Bound[] = [];
      const tests: Evaluator[] = [];
      for (const cond of w.conditions) {
        if (operand) {
          const { a, b, cmp } = this.comparePair(cond, 'CASE', operand, this.bind(cond), true);
          const ea = a.eval;
          const eb = b.eval;
          tests.push((c) => {
            const x = ea(c);
            const y = eb(c);
            return !isNullish(x) && !isNullish(y) && cmp(x, y) === 0;
          });
          bounds.push(b);
        } else {
          const b = this.bind(cond);
          this.expectBoolean(b, 'WHEN');
          const eb = b.eval;
          tests.push((c) => eb(c) === true);
          bounds.push(b);
        }
      }
      conds.push({ test: tests.length === 1 ? tests[0] : (c) => tests.some((t) => t(c)), bound: bounds });
    }
    const results = e.whens.map((w) => this.bind(w.result));
    const otherwise = e.otherwise ? this.bind(e.otherwise) : undefined;
    const all = otherwise ? [...results, otherwise] : results;
    const typed = all.filter((r) => !r.isNull);
    if (typed.length === 0) this.fail(e, 'cannot infer the type of a CASE whose results are all NULL', 'write CAST(NULL AS <type>)');
    let type = leastRestrictive(typed.map((r) => r.type));
    if (!type) {
      this.fail(e, `the results of CASE have incompatible types: ${typed.map((r) => formatType(r.type)).join(', ')}`, 'CAST them to one type');
    }
    const nullable = !otherwise || all.some((r) => r.isNull || r.type.nullable);
    type = withNullability(type, nullable);
    const evals = results.map((r) => this.widened(r, type!));
    const elseEval = otherwise ? this.widened(otherwise, type) : () => null;
    const tests = conds.map((c) => c.test);
    const f: Evaluator = (c) => {
      for (let i = 0; i < tests.length; i++) if (tests[i](c)) return evals[i](c);
      return elseEval(c);
    };
    return callBound(e, type, f, [...(operand ? [operand] : []), ...conds.flatMap((c) => c.bound), ...all]);
  }

  /** `b`'s evaluator converted to the representation of the wider type `to`. */
  widened(b: Bound, to: DataType): Evaluator {
    if (b.isNull) return () => null;
    const conv: Caster = makeWidening(b.type, to, this.opts.zone);
    return conv === IDENTITY_CASTER ? b.eval : strict1(b, conv);
  }

  private cast(e: Expr & { kind: 'cast' }): Bound {
    const a = this.bind(e.operand);
    const target = this.castType(e);
    const type = withNullability(target, e.safe || a.isNull || a.type.nullable);
    if (a.isNull) return constantBound(e, type, null);
    const caster = makeCast(a.type, target, this.opts.zone);
    if (!caster) this.fail(e, `cannot cast ${formatType(a.type)} to ${formatType(withNullability(target, true))}`);
    if (!e.safe) return callBound(e, type, strict1(a, caster), [a]);
    return callBound(e, type, strict1(a, (v) => {
      try {
        return caster(v);
      } catch {
        return null;
      }
    }), [a]);
  }

  private castType(e: Expr & { kind: 'cast' }): DataType {
    const text = e.typeText.trim();
    // SQL's VARCHAR without a length is unbounded (Calcite, Flink), core's would be VARCHAR(1)
    if (/^(VARCHAR|CHARACTER\s+VARYING|CHAR\s+VARYING)$/i.test(text)) return DataTypes.STRING();
    if (/^(VARBINARY|BINARY\s+VARYING)$/i.test(text)) return DataTypes.BYTES();
    try {
      return withNullability(parseType(text), true);
    } catch (err) {
      const msg = (err as Error).message;
      const m = /: (.*) at position (\d+)/.exec(msg);
      const at = m && !/unknown type/.test(m[1]) ? e.typePos + Number(m[2]) - 1 : e.typePos;
      return this.fail(at, m ? m[1] : `invalid type '${text}'`, 'write types like INT, BIGINT, DECIMAL(10, 2), VARCHAR(255), STRING, TIMESTAMP(3), DATE');
    }
  }

  private call(e: Expr & { kind: 'call' }): Bound {
    const udf = this.opts.udfs.get(e.name);
    if (udf) {
      const args = e.args.map((a) => this.bind(a));
      const evals = args.map((a) => a.eval);
      const call = udf.call;
      const f: Evaluator = (c) => {
        const values = new Array<unknown>(evals.length);
        for (let i = 0; i < evals.length; i++) {
          const v = evals[i](c);
          values[i] = v === undefined ? null : v;
        }
        return call(values);
      };
      // a UDF may keep state or read the world: never folded
      return callBound(e, udf.returnType, f, args, true);
    }
    if (e.name === 'MOD' && e.args.length === 2) return this.arithmetic(e, e.pos, '%', this.bind(e.args[0]), this.bind(e.args[1]));
    const def = BUILTINS.get(e.name);
    if (!def) {
      this.fail(e, `unknown function ${e.name}`, 'see packages/runtime/src/transform/README.md for the built-in functions, or declare a user-defined function under pipeline.user-defined-function');
    }
    if (e.args.length < def.minArgs || e.args.length > def.maxArgs) {
      const count = def.minArgs === def.maxArgs ? `${def.minArgs}` : def.maxArgs === Infinity ? `at least ${def.minArgs}` : `${def.minArgs} to ${def.maxArgs}`;
      this.fail(e, `${e.name} takes ${count} argument${def.maxArgs === 1 && def.minArgs === 1 ? '' : 's'}, got ${e.args.length}`, `call it as ${def.synopsis}`);
    }
    const args = e.args.map((a) => this.bind(a));
    const ctx: BindContext = { call: e, zone: this.opts.zone, fail: (at, what, hint) => this.fail(at, what, hint) };
    const sig = def.bind(args, ctx);
    return callBound(e, sig.type, sig.eval, args, sig.volatile ?? false, sig.usesNow ?? false);
  }

  private item(e: Expr & { kind: 'item' }): Bound {
    const target = this.bind(e.target);
    const index = this.bind(e.index);
    const t = target.type;
    if (t.type === 'ARRAY') {
      if (!index.isNull && !isInteger(index.type)) this.fail(e.index, `an ARRAY subscript must be an integer, got ${formatType(index.type)}`);
      return callBound(e, withNullability(t.element, true), strict2(target, index, (arr, i) => {
        const n = Number(i);
        const a = arr as unknown[];
        return n >= 1 && n <= a.length ? (a[n - 1] ?? null) : null;
      }), [target, index]);
    }
    if (t.type === 'MAP') {
      const { b, cmp } = this.comparePair(e.index, 'a MAP subscript', constantBound(e.index, t.key, null), index, true);
      return callBound(e, withNullability(t.value, true), strict2(target, b, (m, k) => {
        const map = m as Map<unknown, unknown>;
        if (map.has(k)) return map.get(k) ?? null;
        for (const [key, val] of map) if (!isNullish(key) && cmp(key, k) === 0) return val ?? null;
        return null;
      }), [target, b]);
    }
    if (t.type === 'ROW') {
      if (!index.constant || !isInteger(index.type)) this.fail(e.index, 'a ROW subscript must be a constant integer (1-based)');
      const n = Number(index.value);
      if (n < 1 || n > t.fields.length) this.fail(e.index, `ROW subscript ${n} is out of range 1..${t.fields.length}`);
      const field = t.fields[n - 1];
      return callBound(e, withNullability(field.type, true), strict1(target, (r) => (r as unknown[])[n - 1] ?? null), [target]);
    }
    return this.fail(e, `a subscript [...] applies to ARRAY, MAP or ROW values, not ${formatType(t)}`);
  }

  private constructor_(e: Expr & { kind: 'array' | 'map' | 'row' }): Bound {
    const items = e.items.map((i) => this.bind(i));
    if (e.kind === 'row') {
      const fields: RowField[] = items.map((b, i) => DataTypes.FIELD(`f${i}`, b.isNull ? DataTypes.STRING() : b.type));
      const evals = items.map((b) => b.eval);
      return callBound(e, DataTypes.ROW(fields, false), (c) => evals.map((f) => f(c) ?? null), items);
    }
    if (items.length === 0) this.fail(e, `${e.kind.toUpperCase()}[] needs at least one ${e.kind === 'map' ? 'key and value' : 'element'}`);
    if (e.kind === 'array') {
      const type = this.commonType(e, items, 'ARRAY elements');
      const evals = items.map((b) => this.widened(b, type));
      return callBound(e, DataTypes.ARRAY(type, false), (c) => evals.map((f) => f(c) ?? null), items);
    }
    if (items.length % 2 !== 0) this.fail(e, 'MAP[...] takes keys and values in pairs');
    const keys = items.filter((_, i) => i % 2 === 0);
    const values = items.filter((_, i) => i % 2 === 1);
    const kt = this.commonType(e, keys, 'MAP keys');
    const vt = this.commonType(e, values, 'MAP values');
    const ek = keys.map((b) => this.widened(b, kt));
    const evs = values.map((b) => this.widened(b, vt));
    return callBound(e, DataTypes.MAP(kt, vt, false), (c) => {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < ek.length; i++) m.set(ek[i](c) ?? null, evs[i](c) ?? null);
      return m;
    }, items);
  }

  private commonType(e: Expr, items: readonly Bound[], what: string): DataType {
    const typed = items.filter((b) => !b.isNull);
    if (typed.length === 0) return DataTypes.STRING();
    const t = leastRestrictive(typed.map((b) => b.type));
    if (!t) this.fail(e, `${what} have incompatible types: ${typed.map((b) => formatType(b.type)).join(', ')}`);
    return withNullability(t, t.nullable || items.some((b) => b.isNull));
  }

  // ---------------------------------------------------------------------------------------------
  // temporal +/- INTERVAL

  private intervalArithmetic(e: Expr & { kind: 'binary' }): Bound {
    const intervalOnLeft = isInterval(e.left);
    if (intervalOnLeft && e.op === '-') this.fail(e.opPos, 'an INTERVAL cannot be subtracted from; write <temporal> - INTERVAL ...');
    const ie = (intervalOnLeft ? e.left : e.right) as Expr & { kind: 'literal' };
    const te = intervalOnLeft ? e.right : e.left;
    const iv = parseInterval(ie.value as LiteralValue & { type: 'interval' });
    if (!iv) this.fail(ie, `invalid interval '${(ie.value as { text: string }).text}'`, "write e.g. INTERVAL '1' DAY, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 02:03:04' DAY TO SECOND");
    const sign = e.op === '-' ? -1n : 1n;
    const months = Number(sign) * iv.months;
    const nanos = sign * iv.nanos;
    const t = this.bind(te);
    const type = t.type;
    let f: (v: unknown) => unknown;
    switch (type.type) {
      case 'DATE':
        f = (v) => formatDate(addMonths(parseDate(v as string)!, months) + Number(nanos / (BigInt(SECONDS_PER_DAY) * 1_000_000_000n)));
        break;
      case 'TIME': {
        const p = type.precision;
        const day = BigInt(SECONDS_PER_DAY) * 1_000_000_000n;
        f = (v) => {
          const n = (((BigInt(parseTime(v as string)!) + nanos) % day) + day) % day;
          return formatTime(Number(n), p);
        };
        break;
      }
      case 'TIMESTAMP':
      case 'TIMESTAMP_LTZ': {
        const p = Math.max(type.precision, iv.precision);
        const ltz = type.type === 'TIMESTAMP_LTZ';
        f = (v) => {
          const ts = parseTimestamp(v as string)!;
          const base = { sec: ts.sec - (ts.offset ?? 0), nano: ts.nano };
          return formatTimestamp(plus(base, months, nanos), p, ltz);
        };
        const rt = { ...type, precision: p } as PrecisionType;
        return callBound(e, rt, strict1(t, f), [t]);
      }
      default:
        return this.fail(te, `an INTERVAL is added to a DATE, TIME or TIMESTAMP, not ${formatType(type)}`);
    }
    return callBound(e, type, strict1(t, f), [t]);
  }
}

function isInterval(e: Expr): boolean {
  return e.kind === 'literal' && e.value.type === 'interval';
}

function plus(t: DateTime, months: number, nanos: bigint): DateTime {
  let sec = t.sec;
  if (months !== 0) {
    const days = Math.floor(sec / SECONDS_PER_DAY);
    sec = addMonths(days, months) * SECONDS_PER_DAY + (sec - days * SECONDS_PER_DAY);
  }
  const total = BigInt(sec) * 1_000_000_000n + BigInt(t.nano) + nanos;
  let s = total / 1_000_000_000n;
  let n = total % 1_000_000_000n;
  if (n < 0n) {
    n += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nano: Number(n) };
}

interface Interval {
  months: number;
  nanos: bigint;
  precision: number;
}

const UNIT_NANOS: Record<string, bigint> = {
  WEEK: 7n * 86400n * 1_000_000_000n,
  DAY: 86400n * 1_000_000_000n,
  HOUR: 3600n * 1_000_000_000n,
  MINUTE: 60n * 1_000_000_000n,
  SECOND: 1_000_000_000n,
};

/** INTERVAL '1' DAY, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 02:03:04.5' DAY TO SECOND. */
export function parseInterval(v: { text: string; from: string; to?: string }): Interval | undefined {
  let text = v.text.trim();
  let neg = false;
  if (text.startsWith('-')) {
    neg = true;
    text = text.slice(1).trim();
  } else if (text.startsWith('+')) text = text.slice(1).trim();
  const from = v.from;
  const to = v.to ?? from;
  const sec = (s: string): [bigint, number] => {
    const [i, f = ''] = s.split('.');
    if (f.length > 9) throw new Error('fraction');
    return [BigInt(i) * 1_000_000_000n + BigInt(f.padEnd(9, '0')), f.length];
  };
  let months = 0;
  let nanos = 0n;
  let precision = 0;
  try {
    if (from === 'YEAR' || from === 'MONTH' || from === 'QUARTER') {
      if (from === 'YEAR' && to === 'MONTH') {
        const m = /^(\d+)-(\d+)$/.exec(text);
        if (!m || Number(m[2]) > 11) return undefined;
        months = Number(m[1]) * 12 + Number(m[2]);
      } else if (to === from && /^\d+$/.test(text)) {
        months = Number(text) * (from === 'YEAR' ? 12 : from === 'QUARTER' ? 3 : 1);
      } else return undefined;
    } else if (to === from) {
      if (!(from in UNIT_NANOS)) return undefined;
      if (from === 'SECOND') {
        if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
        const [n, p] = sec(text);
        nanos = n;
        precision = p;
      } else {
        if (!/^\d+$/.test(text)) return undefined;
        nanos = BigInt(text) * UNIT_NANOS[from];
      }
    } else {
      // compound day-time interval: DAY TO HOUR|MINUTE|SECOND, HOUR TO MINUTE|SECOND, MINUTE TO SECOND
      const order = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
      const a = order.indexOf(from);
      const b = order.indexOf(to);
      if (a < 0 || b <= a) return undefined;
      const parts = text.split(/[ :]/);
      if (parts.length !== b - a + 1) return undefined;
      for (let k = 0; k < parts.length; k++) {
        const unit = order[a + k];
        if (unit === 'SECOND') {
          if (!/^\d+(\.\d+)?$/.test(parts[k])) return undefined;
          const [n, p] = sec(parts[k]);
          nanos += n;
          precision = p;
        } else {
          if (!/^\d+$/.test(parts[k])) return undefined;
          nanos += BigInt(parts[k]) * UNIT_NANOS[unit];
        }
      }
    }
  } catch {
    return undefined;
  }
  return { months: neg ? -months : months, nanos: neg ? -nanos : nanos, precision };
}

function compareTest(op: BinaryOp): (c: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '<>':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    default:
      return (c) => c >= 0;
  }
}

/**
 * The operation on two non-null numbers producing a value of type `result`: integers in
 * JS numbers (INT and smaller) or bigints (BIGINT), with overflow errors instead of wrap-around;
 * DECIMAL exactly; FLOAT/DOUBLE as IEEE doubles, as in Java.
 */
function numericOp(op: '+' | '-' | '*' | '/' | '%', result: DataType): (x: unknown, y: unknown) => unknown {
  if (isApproximate(result)) {
    switch (op) {
      case '+':
        return (x, y) => Number(x) + Number(y);
      case '-':
        return (x, y) => Number(x) - Number(y);
      case '*':
        return (x, y) => Number(x) * Number(y);
      case '/':
        return (x, y) => Number(x) / Number(y);
      case '%':
        return (x, y) => Number(x) % Number(y);
    }
  }
  if (isDecimal(result)) {
    const { precision, scale } = result as DecimalType;
    const zeroCheck = (d: ReturnType<typeof dec>) => {
      if (d.isZero()) throw dataError('division by zero');
    };
    switch (op) {
      case '+':
        return (x, y) => decimalText(dec(x).plus(dec(y)), precision, scale);
      case '-':
        return (x, y) => decimalText(dec(x).minus(dec(y)), precision, scale);
      case '*':
        return (x, y) => decimalText(dec(x).times(dec(y)), precision, scale);
      case '/':
        // Flink CDC divides DECIMALs rounding DOWN; the result keeps the declared scale
        return (x, y) => {
          const d = dec(y);
          zeroCheck(d);
          return decimalText(dec(x).div(d), precision, scale, ROUND_DOWN);
        };
      case '%':
        return (x, y) => {
          const d = dec(y);
          zeroCheck(d);
          return decimalText(dec(x).mod(d), precision, scale);
        };
    }
  }
  if (result.type === 'BIGINT') {
    const big = (v: unknown) => (typeof v === 'bigint' ? v : BigInt(v as number));
    switch (op) {
      case '+':
        return (x, y) => checkBigint(big(x) + big(y));
      case '-':
        return (x, y) => checkBigint(big(x) - big(y));
      case '*':
        return (x, y) => checkBigint(big(x) * big(y));
      case '/':
        return (x, y) => {
          const d = big(y);
          if (d === 0n) throw dataError('division by zero');
          return checkBigint(big(x) / d);
        };
      case '%':
        return (x, y) => {
          const d = big(y);
          if (d === 0n) throw dataError('division by zero');
          return big(x) % d;
        };
    }
  }
  // INT, SMALLINT, TINYINT: results of these are exact in doubles
  const t = result.type;
  const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
  switch (op) {
    case '+':
      return (x, y) => checkInt(t, num(x) + num(y));
    case '-':
      return (x, y) => checkInt(t, num(x) - num(y));
    case '*':
      return (x, y) => {
        const r = num(x) * num(y);
        return checkInt(t, r);
      };
    case '/':
      return (x, y) => {
        const d = num(y);
        if (d === 0) throw dataError('division by zero');
        return checkInt(t, Math.trunc(num(x) / d));
      };
    case '%':
      // the divisor's type is the result type (|x % y| < |y|); a BIGINT dividend is exact as a bigint
      return (x, y) => {
        if (num(y) === 0) throw dataError('division by zero');
        if (typeof x === 'bigint') return Number(x % BigInt(y as number));
        const r = num(x) % num(y);
        return r === 0 ? 0 : r;
      };
  }
}

