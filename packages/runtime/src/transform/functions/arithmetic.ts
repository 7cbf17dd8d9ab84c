import { randomUUID } from 'node:crypto';
import { DataTypes, withNullability, type DecimalType } from '@cdc/core';
import { strict1, strict2 } from '../compile.js';
import { isApproximate, isDecimal, isInteger } from '../type-rules.js';
import { Dec, dec, decimalText, ROUND_CEIL, ROUND_FLOOR, ROUND_HALF_UP } from '../values/decimal.js';
import { checkBigint, checkInt } from '../values/numbers.js';
import { anyNullable, expectArg, type FunctionDef } from './registry.js';

const ABS: FunctionDef = {
  name: 'ABS',
  synopsis: 'ABS(numeric)',
  minArgs: 1,
  maxArgs: 1,
  bind(args, ctx) {
    expectArg(ctx, ABS, args, 0, 'numeric');
    const t = args[0].isNull ? DataTypes.INT() : args[0].type;
    if (t.type === 'BIGINT') return { type: t, eval: strict1(args[0], (x) => checkBigint((x as bigint) < 0n ? -(x as bigint) : (x as bigint))) };
    if (isInteger(t)) return { type: t, eval: strict1(args[0], (x) => checkInt(t.type, Math.abs(x as number))) };
    if (isDecimal(t)) return { type: t, eval: strict1(args[0], (x) => (x as string).replace(/^-/, '')) };
    return { type: t, eval: strict1(args[0], (x) => Math.abs(x as number)) };
  },
};

function ceilFloor(name: 'CEIL' | 'FLOOR'): FunctionDef {
  const def: FunctionDef = {
    name,
    synopsis: `${name}(numeric)`,
    minArgs: 1,
    maxArgs: 1,
    bind(args, ctx) {
      expectArg(ctx, def, args, 0, 'numeric');
      const t = args[0].isNull ? DataTypes.INT() : args[0].type;
      if (isInteger(t)) return { type: t, eval: args[0].eval };
      if (isDecimal(t)) {
        const rt = DataTypes.DECIMAL(t.precision, 0, t.nullable);
        const mode = name === 'CEIL' ? ROUND_CEIL : ROUND_FLOOR;
        return { type: rt, eval: strict1(args[0], (x) => decimalText(dec(x), rt.precision, 0, mode)) };
      }
      const f = name === 'CEIL' ? Math.ceil : Math.floor;
      return { type: t, eval: strict1(args[0], (x) => f(x as number)) };
    },
  };
  return def;
}

/** Rounds half-up to `places` decimal places (negative: to tens, hundreds, ...). */
function roundDec(d: Dec, places: number): Dec {
  if (places >= 0) return d.toDecimalPlaces(places, ROUND_HALF_UP);
  const f = new Dec(10).pow(-places);
  return d.div(f).toDecimalPlaces(0, ROUND_HALF_UP).times(f);
}

const ROUND: FunctionDef = {
  name: 'ROUND',
  synopsis: 'ROUND(numeric[, places])',
  minArgs: 1,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, ROUND, args, 0, 'numeric');
    if (args.length > 1) expectArg(ctx, ROUND, args, 1, 'integer');
    const a = args[0];
    const t = a.isNull ? DataTypes.INT() : a.type;
    const nullable = anyNullable(args);
    const placesArg = args[1];
    const constPlaces = placesArg === undefined ? 0 : placesArg.constant && placesArg.value !== null ? Number(placesArg.value) : undefined;
    const evalWith = (f: (x: unknown, places: number) => unknown) =>
      placesArg === undefined ? strict1(a, (x) => f(x, 0)) : strict2(a, placesArg, (x, p) => f(x, Number(p)));
    if (isDecimal(t)) {
      // Flink's LogicalTypeMerging.findRoundDecimalType
      let rt: DecimalType = t;
      if (constPlaces !== undefined && constPlaces < t.scale) {
        rt = constPlaces < 0 ? DataTypes.DECIMAL(Math.min(38, 1 + t.precision - t.scale), 0) : DataTypes.DECIMAL(1 + t.precision - t.scale + constPlaces, constPlaces);
      }
      rt = withNullability(rt, nullable);
      return { type: rt, eval: evalWith((x, p) => decimalText(roundDec(dec(x), p), rt.precision, rt.scale)) };
    }
    const type = withNullability(t, nullable);
    if (isApproximate(t)) return { type, eval: evalWith((x, p) => (Number.isFinite(x) ? roundDec(new Dec(x as number), p).toNumber() : x)) };
    if (t.type === 'BIGINT') return { type, eval: evalWith((x, p) => (p >= 0 ? x : checkBigint(BigInt(roundDec(dec(x), p).toFixed())))) };
    return { type, eval: evalWith((x, p) => (p >= 0 ? x : checkInt(t.type, roundDec(dec(x), p).toNumber()))) };
  },
};

const MOD: FunctionDef = {
  name: 'MOD',
  synopsis: 'MOD(numeric, numeric)',
  minArgs: 2,
  maxArgs: 2,
  bind() {
    // rewritten to the % operator by the binder
    throw new Error('unreachable');
  },
};

const POWER: FunctionDef = {
  name: 'POWER',
  synopsis: 'POWER(numeric, numeric)',
  minArgs: 2,
  maxArgs: 2,
  bind(args, ctx) {
    expectArg(ctx, POWER, args, 0, 'numeric');
    expectArg(ctx, POWER, args, 1, 'numeric');
    return { type: DataTypes.DOUBLE(anyNullable(args)), eval: strict2(args[0], args[1], (x, y) => Math.pow(Number(x), Number(y))) };
  },
};

const UUID: FunctionDef = {
  name: 'UUID',
  synopsis: 'UUID()',
  minArgs: 0,
  maxArgs: 0,
  bind() {
    return { type: DataTypes.CHAR(36, false), eval: () => randomUUID(), volatile: true };
  },
};

export const ARITHMETIC_FUNCTIONS: FunctionDef[] = [ABS, ceilFloor('CEIL'), ceilFloor('FLOOR'), ROUND, MOD, POWER, UUID];

