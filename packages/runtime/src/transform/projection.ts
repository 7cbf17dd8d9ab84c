import { ConfigError, DataTypes, formatType, isCdcError, makeCaster, schema as buildSchema, tableIdString, withNullability, type Column, type DataType, type Schema, type TableId } from '@cdc/core';
import type { Bound, EvalContext, Evaluator } from './compile.js';
import { dataError, describeSource, type ExpressionSource } from './errors.js';
import { BUILTIN_METADATA_COLUMNS, type CompiledRule } from './rules.js';
import { bindExpression, type ColumnBinding, type Scope } from './typing.js';
import type { Udf } from './udf.js';
import type { TimeZone } from './values/time-zone.js';

/** What planning a table needs besides the rule and the schema. */
export interface PlanEnv {
  readonly zone: TimeZone;
  readonly udfs: ReadonlyMap<string, Udf>;
  /** Keys of the events' meta map readable as columns, with their types (`op_ts` BIGINT, ...). */
  readonly metadataColumns: ReadonlyMap<string, DataType>;
}

/** How one table is transformed under the schema it has now: rebuilt on every schema change. */
export interface TablePlan {
  /** The schema downstream (projected, keys and options applied). */
  readonly schema: Schema;
  /** The projection changes nothing: rows pass as they are (only a filter may apply). */
  readonly identity: boolean;
  /** The projected row of ctx.row. */
  readonly project: (ctx: EvalContext) => unknown[];
  /** Undefined without a filter; a row passes only when it returns TRUE. */
  readonly filter: Evaluator | undefined;
  /** The filter reads computed columns, so it runs after the projection. */
  readonly filterReadsOut: boolean;
  /** Some expression reads the clock: `now` is read once per event. */
  readonly usesNow: boolean;
}

const isNullish = (v: unknown) => v === null || v === undefined;

function metadataBindings(env: PlanEnv): Map<string, ColumnBinding> {
  const m = new Map<string, ColumnBinding>([
    ['__namespace_name__', { type: DataTypes.STRING(true), eval: (c) => c.tableId.namespace ?? null }],
    ['__schema_name__', { type: DataTypes.STRING(true), eval: (c) => c.tableId.schema ?? null }],
    ['__table_name__', { type: DataTypes.STRING(false), eval: (c) => c.tableId.table }],
    ['__data_event_type__', { type: DataTypes.STRING(false), eval: (c) => c.op }],
  ]);
  for (const [key, type] of env.metadataColumns) {
    const cast = makeCaster(DataTypes.STRING(), type);
    m.set(key, {
      type: withNullability(type, true),
      eval: (c) => {
        const v = c.meta[key];
        return v === undefined ? null : cast(v);
      },
    });
  }
  return m;
}

function describeColumns(upstream: Schema, env: PlanEnv, extra: readonly string[] = []): string {
  const cols = [...extra, ...upstream.columns.map((c) => c.name)];
  const meta = [...BUILTIN_METADATA_COLUMNS, ...env.metadataColumns.keys()];
  return `columns: ${cols.join(', ') || '(none)'}; metadata: ${meta.join(', ')}`;
}

interface OutColumn {
  column: Column;
  eval: Evaluator;
  /** Index of the upstream column it forwards unchanged, or -1 for a computed column. */
  forwards: number;
  text: string;
}

/** Builds the plan of a table under `rule` for its current upstream schema. Throws ConfigError when the rule does not fit. */
export function planTable(rule: CompiledRule, tableId: TableId, upstream: Schema, env: PlanEnv): TablePlan {
  const table = tableIdString(tableId);
  const meta = metadataBindings(env);
  const upstreamIndex = new Map(upstream.columns.map((c, i) => [c.name, i]));
  const rowBinding = (i: number): ColumnBinding => ({ type: upstream.columns[i].type, eval: (c) => c.row[i] });

  const projectionScope: Scope = {
    lookup: (name) => {
      const i = upstreamIndex.get(name);
      return i !== undefined ? rowBinding(i) : meta.get(name);
    },
    unknownColumn: (name) => `unknown column "${name}" in table ${table} (${describeColumns(upstream, env)})`,
  };

  // ---- projection
  const out: OutColumn[] = [];
  const byName = new Map<string, number>();
  const put = (c: OutColumn) => {
    // a later column of the same name replaces the earlier one in its place, as in Flink CDC
    const at = byName.get(c.column.name);
    if (at === undefined) {
      byName.set(c.column.name, out.length);
      out.push(c);
    } else {
      out[at] = c;
    }
  };
  let usesNow = false;
  const items = rule.projection?.items ?? [{ kind: 'star' as const, pos: 0, end: 0 }];
  for (const item of items) {
    if (item.kind === 'star') {
      upstream.columns.forEach((col, i) => put({ column: col, eval: (c) => c.row[i], forwards: i, text: col.name }));
      continue;
    }
    const source = rule.projection!.source;
    const text = source.text.slice(item.pos, item.end);
    const e = item.expr;
    if (e.kind === 'ident' && upstreamIndex.has(e.name)) {
      // a plain column keeps its comment and default, renamed or not
      const i = upstreamIndex.get(e.name)!;
      const col = upstream.columns[i];
      put({ column: item.alias === undefined ? col : { ...col, name: item.alias }, eval: (c) => c.row[i], forwards: i, text });
      continue;
    }
    const bound = bindExpression(e, projectionScope, { source, zone: env.zone, udfs: env.udfs });
    const name = item.alias ?? (e as { name: string }).name;
    usesNow ||= bound.usesNow;
    put({ column: { name, type: typeOf(bound, source, item.pos) }, eval: bound.eval, forwards: -1, text });
  }

  // ---- keys and options
  const names = out.map((c) => c.column.name);
  const present = new Set(names);
  const checkKeys = (keys: readonly string[], what: string, fromRule: boolean) => {
    for (const k of keys) {
      if (!present.has(k)) {
        throw new ConfigError(
          fromRule
            ? `${what} "${k}" of ${rule.label} is not a column of the transformed table ${table} (columns: ${names.join(', ')})`
            : `${what} column "${k}" of table ${table} is not in the projection of ${rule.label} (columns: ${names.join(', ')})`,
          { hint: fromRule ? `name columns of the projection in ${what === 'primary key' ? 'primary-keys' : 'partition-keys'}` : `project ${k}, or set ${what === 'primary key' ? 'primary-keys' : 'partition-keys'} in the rule` },
        );
      }
    }
  };
  const primaryKeys = rule.primaryKeys ?? upstream.primaryKeys;
  checkKeys(primaryKeys, 'primary key', rule.primaryKeys !== undefined);
  const partitionKeys = rule.partitionKeys ?? upstream.partitionKeys;
  checkKeys(partitionKeys, 'partition key', rule.partitionKeys !== undefined);
  const projected = buildSchema({
    columns: out.map((c) => c.column),
    primaryKeys,
    partitionKeys,
    options: rule.options ?? upstream.options,
    ...(upstream.comment === undefined ? {} : { comment: upstream.comment }),
  });

  const identity = out.length === upstream.columns.length && out.every((c, i) => c.forwards === i && c.column === upstream.columns[i]);
  const project = identity ? (c: EvalContext) => c.row as unknown[] : projector(out, table, rule);

  // ---- filter
  let filter: Evaluator | undefined;
  let filterReadsOut = false;
  if (rule.filter) {
    const source = rule.filter.source;
    const outIndex = new Map(out.map((c, i) => [c.column.name, i]));
    const filterScope: Scope = {
      lookup: (name) => {
        // the projection's columns come first, then the upstream ones it dropped (Flink CDC's order)
        const i = outIndex.get(name);
        if (i !== undefined) {
          const col = out[i];
          if (col.forwards >= 0) return rowBinding(col.forwards);
          return { type: projected.columns[i].type, eval: (c) => c.out[i], readsOut: true };
        }
        return projectionScope.lookup(name);
      },
      unknownColumn: (name) =>
        `unknown column "${name}" in table ${table} (${describeColumns(upstream, env, names.filter((n) => !upstreamIndex.has(n)))})`,
    };
    const bound = bindExpression(rule.filter.expr, filterScope, { source, zone: env.zone, udfs: env.udfs });
    if (!bound.isNull && bound.type.type !== 'BOOLEAN') {
      throw new ConfigError(`${describeSource(source)}: a filter must be a boolean condition, got ${formatType(bound.type)}`, { hint: 'compare the value, e.g. id > 10' });
    }
    usesNow ||= bound.usesNow;
    filterReadsOut = bound.readsOut;
    filter = wrapFilter(bound, source, table);
  }

  return { schema: projected, identity, project, filter, filterReadsOut, usesNow };
}

function typeOf(b: Bound, source: ExpressionSource, pos: number): DataType {
  if (b.isNull) {
    throw new ConfigError(`${describeSource(source)}: cannot infer the type of NULL at position ${pos + 1}`, { hint: 'write CAST(NULL AS <type>) AS <name>' });
  }
  return b.type;
}

/** Adds the table, column and expression to an error raised while evaluating a row. */
function contextualize(e: unknown, where: string): Error {
  const reason = isCdcError(e) ? e.reason : e instanceof Error ? e.message : String(e);
  const hint = isCdcError(e) ? e.hint : undefined;
  return dataError(`${where}: ${reason}`, hint);
}

function projector(out: readonly OutColumn[], table: string, rule: CompiledRule): (c: EvalContext) => unknown[] {
  const evals = out.map((c) => c.eval);
  const n = evals.length;
  return (c) => {
    const row = new Array<unknown>(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        const v = evals[i](c);
        row[i] = v === undefined ? null : v;
      }
    } catch (e) {
      throw contextualize(e, `transform of ${table} (${rule.label}): column ${out[i].column.name} = ${out[i].text}`);
    }
    return row;
  };
}

function wrapFilter(b: Bound, source: ExpressionSource, table: string): Evaluator {
  const f = b.eval;
  return (c) => {
    try {
      const v = f(c);
      return isNullish(v) ? null : v;
    } catch (e) {
      throw contextualize(e, `transform of ${table}: ${describeSource(source)}`);
    }
  };
}
