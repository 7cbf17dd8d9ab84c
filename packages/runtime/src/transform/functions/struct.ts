import { DataTypes, formatType, withNullability } from '@cdc/core';
import { strict1, strict2 } from '../compile.js';
import { dataError } from '../errors.js';
import { equality } from '../values/compare.js';
import { anyNullable, expectArg, type FunctionDef } from './registry.js';

const CARDINALITY: FunctionDef = {
  name: 'CARDINALITY',
  synopsis: 'CARDINALITY(array | map)',
  minArgs: 1,
  maxArgs: 1,
  bind(args, ctx) {
    expectArg(ctx, CARDINALITY, args, 0, 'array', 'map');
    return { type: DataTypes.INT(anyNullable(args)), eval: strict1(args[0], (v) => (v instanceof Map ? v.size : (v as unknown[]).length)) };
  },
};

function arraySearch(name: 'ARRAY_CONTAINS' | 'ARRAY_POSITION'): FunctionDef {
  const def: FunctionDef = {
    name,
    synopsis: `${name}(array, value)`,
    minArgs: 2,
    maxArgs: 2,
    bind(args, ctx) {
      expectArg(ctx, def, args, 0, 'array');
      const [arr, value] = args;
      const element = arr.type.type === 'ARRAY' ? arr.type.element : DataTypes.STRING();
      const cmp = value.isNull ? undefined : equality(element, value.type);
      if (!value.isNull && !cmp) ctx.fail(value.expr, `${name} cannot look for ${formatType(value.type)} in ${formatType(arr.type)}`);
      const find = (a: unknown, v: unknown) => (a as unknown[]).findIndex((x) => x !== null && x !== undefined && cmp!(x, v) === 0);
      const type = name === 'ARRAY_CONTAINS' ? DataTypes.BOOLEAN(anyNullable(args)) : DataTypes.INT(anyNullable(args));
      return { type, eval: strict2(arr, value, (a, v) => (name === 'ARRAY_CONTAINS' ? find(a, v) >= 0 : find(a, v) + 1)) };
    },
  };
  return def;
}

const ELEMENT: FunctionDef = {
  name: 'ELEMENT',
  synopsis: 'ELEMENT(array)',
  minArgs: 1,
  maxArgs: 1,
  bind(args, ctx) {
    expectArg(ctx, ELEMENT, args, 0, 'array');
    const t = args[0].type.type === 'ARRAY' ? withNullability(args[0].type.element, true) : DataTypes.STRING();
    return { type: t, eval: strict1(args[0], (v) => {
      const a = v as unknown[];
      if (a.length > 1) throw dataError(`ELEMENT of an array with ${a.length} elements`, 'ELEMENT takes an array of at most one element');
      return a.length === 0 ? null : (a[0] ?? null);
    }) };
  },
};

export const STRUCT_FUNCTIONS: FunctionDef[] = [CARDINALITY, arraySearch('ARRAY_CONTAINS'), arraySearch('ARRAY_POSITION'), ELEMENT];
