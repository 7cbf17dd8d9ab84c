import {
  applySchemaChange,
  ConfigError,
  Events,
  isCdcError,
  parseTableId,
  parseType,
  SchemaError,
  tableIdString,
  type DataChangeEvent,
  type DataType,
  type Event,
  type RowData,
  type Schema,
  type SchemaChangeEvent,
  type TableId,
} from '@cdc/core';
import type { EvalContext } from './compile.js';
import { planTable, type PlanEnv, type TablePlan } from './projection.js';
import { BUILTIN_METADATA_COLUMNS, compileRule, type CompiledRule, type TransformRule } from './rules.js';
import { diffSchemas } from './schema-diff.js';
import type { Udf } from './udf.js';
import { systemTimeZoneId, timeZone } from './values/time-zone.js';

export interface TransformOptions {
  /** User-defined functions (see loadUdfs), callable by name in projections and filters. */
  udfs?: readonly Udf[];
  /** Session time zone for LOCALTIMESTAMP, CURRENT_DATE, DATE_FORMAT, TO_TIMESTAMP ...: an IANA name or '+08:00'. Default: the machine's zone, as Flink CDC's `pipeline.local-time-zone`. */
  timeZone?: string;
  /** The clock, read once per data event (NOW() is the same for a row's before and after). Default: Date.now. */
  now?: () => Date;
  /**
   * Keys of the events' meta map that expressions may read as columns, with their types as type strings
   * or DataTypes (Flink CDC's `metadata.list` columns such as `op_ts`). Default: `{ op_ts: 'BIGINT' }`.
   */
  metadataColumns?: Readonly<Record<string, string | DataType>>;
}

interface TableState {
  readonly tableId: TableId;
  /** The first rule whose source-table matches, or null: the table passes untouched. */
  readonly rule: CompiledRule | null;
  upstream: Schema | undefined;
  plan: TablePlan | undefined;
  /** Reused for every row of the table. */
  readonly ctx: EvalContext;
}

const FILTERED = undefined;

/**
 * Flink CDC's transform (its PreTransformOperator and PostTransformOperator in one): projects and filters
 * the rows of the tables a rule matches, and keeps their schemas in step. Synchronous and stateless
 * besides the upstream schemas, which snapshot() hands to checkpoints.
 */
export class TransformOperator {
  private readonly rules: readonly CompiledRule[];
  private readonly env: PlanEnv;
  private readonly clock: () => number;
  /** By TableId object first (sources reuse them), then by printed id. */
  private readonly byObject = new WeakMap<TableId, TableState>();
  private readonly byKey = new Map<string, TableState>();

  /** @internal Use compileTransforms(). */
  constructor(rules: readonly CompiledRule[], env: PlanEnv, clock: () => number) {
    this.rules = rules;
    this.env = env;
    this.clock = clock;
  }

  /**
   * Upstream events of any table in, events for the sink side out (same tableId; route comes after).
   * Tables no rule matches pass through untouched.
   */
  process(event: Event): Event[] {
    if (event.kind === 'flush') return [event];
    const state = this.state(event.tableId);
    if (state.rule === null) return [event];
    if (event.kind === 'data') return this.processData(state, event);
    return this.processSchemaChange(state, event);
  }

  /** The upstream schemas of the transformed tables, by printed table id. */
  snapshot(): Record<string, Schema> {
    const out: Record<string, Schema> = {};
    for (const [key, s] of this.byKey) if (s.upstream) out[key] = s.upstream;
    return out;
  }

  /** Rebuilds the projected schemas from upstream schemas of a snapshot. */
  restore(upstream: Record<string, Schema>): void {
    for (const [key, schema] of Object.entries(upstream)) {
      const s = this.state(parseTableId(key));
      if (s.rule === null) continue;
      s.upstream = schema;
      s.plan = planTable(s.rule, s.tableId, schema, this.env);
    }
  }

  /** The downstream schema of a table as the transform makes it, if known (for tests and diagnostics). */
  schemaOf(tableId: TableId): Schema | undefined {
    const s = this.state(tableId);
    return s.rule === null ? s.upstream : s.plan?.schema;
  }

  private state(tableId: TableId): TableState {
    const hit = this.byObject.get(tableId);
    if (hit) return hit;
    const key = tableIdString(tableId);
    let s = this.byKey.get(key);
    if (!s) {
      // the first matching rule wins; later rules do not apply to the table (Flink CDC's order)
      const rule = this.rules.find((r) => r.selector.matches(tableId)) ?? null;
      s = { tableId, rule, upstream: undefined, plan: undefined, ctx: { row: [], out: [], op: '+I', tableId, meta: {}, nowMs: 0 } };
      this.byKey.set(key, s);
    }
    this.byObject.set(tableId, s);
    return s;
  }

  private processSchemaChange(s: TableState, e: SchemaChangeEvent): Event[] {
    const rule = s.rule!;
    switch (e.kind) {
      case 'create.table': {
        const plan = planTable(rule, s.tableId, e.schema, this.env);
        s.upstream = e.schema;
        s.plan = plan;
        return [Events.createTable(e.tableId, plan.schema)];
      }
      case 'drop.table':
        s.upstream = undefined;
        s.plan = undefined;
        return [e];
      case 'truncate.table':
        return [e];
      default: {
        if (!s.upstream || !s.plan) {
          throw new SchemaError(`${e.kind} for table ${tableIdString(e.tableId)}, whose schema the transform does not know`, { hint: 'the source must send create.table first' });
        }
        const upstream = applySchemaChange(s.upstream, e);
        let plan: TablePlan;
        try {
          plan = planTable(rule, s.tableId, upstream, this.env);
        } catch (err) {
          if (isCdcError(err) && err.code === 'CONFIG') {
            throw new ConfigError(`${err.reason} — after ${describeChange(e)}`, {
              hint: `the transform ${rule.label} no longer fits the table: update its projection, filter or keys`,
              cause: err,
            });
          }
          throw err;
        }
        const before = s.plan.schema;
        s.upstream = upstream;
        s.plan = plan;
        return diffSchemas(e.tableId, before, plan.schema, e);
      }
    }
  }

  private processData(s: TableState, e: DataChangeEvent): Event[] {
    const plan = s.plan;
    if (!plan || !s.upstream) {
      throw new SchemaError(`data for table ${tableIdString(e.tableId)}, whose schema the transform does not know`, { hint: 'the source must send create.table first' });
    }
    const ctx = s.ctx;
    ctx.meta = e.meta;
    ctx.nowMs = plan.usesNow ? this.clock() : 0;
    const width = s.upstream.columns.length;
    switch (e.op) {
      case 'INSERT':
      case 'REPLACE': {
        const after = this.row(plan, ctx, e.after!, '+I', width, e);
        if (after === FILTERED) return [];
        return [after === e.after ? e : { ...e, after }];
      }
      case 'DELETE': {
        const before = this.row(plan, ctx, e.before!, '-D', width, e);
        if (before === FILTERED) return [];
        return [before === e.before ? e : { ...e, before }];
      }
      case 'UPDATE': {
        const before = e.before === null ? null : this.row(plan, ctx, e.before, '-U', width, e);
        const after = this.row(plan, ctx, e.after!, '+U', width, e);
        // a row that moves in or out of the filter becomes an insert or a delete, as in Flink CDC
        if (before === null) return after === FILTERED ? [] : [after === e.after ? e : { ...e, after }];
        if (before !== FILTERED && after !== FILTERED) return [before === e.before && after === e.after ? e : { ...e, before, after }];
        if (before !== FILTERED) return [Events.delete(e.tableId, before, e.meta)];
        if (after !== FILTERED) return [Events.insert(e.tableId, after, e.meta)];
        return [];
      }
    }
  }

  /** The projected row, or FILTERED. The filter runs first when it reads no computed column. */
  private row(plan: TablePlan, ctx: EvalContext, row: RowData, op: string, width: number, e: DataChangeEvent): RowData | undefined {
    if (row.length !== width) {
      throw new SchemaError(`a row of ${tableIdString(e.tableId)} has ${row.length} values but its schema has ${width} columns`, { hint: 'the source sent data that does not match its last schema change' });
    }
    ctx.row = row;
    ctx.op = op;
    const filter = plan.filter;
    if (filter && !plan.filterReadsOut && filter(ctx) !== true) return FILTERED;
    const out = plan.project(ctx);
    if (filter && plan.filterReadsOut) {
      ctx.out = out;
      if (filter(ctx) !== true) return FILTERED;
    }
    return out;
  }
}

function describeChange(e: SchemaChangeEvent): string {
  switch (e.kind) {
    case 'add.column':
      return `add.column ${e.columns.map((c) => c.column.name).join(', ')}`;
    case 'drop.column':
      return `drop.column ${e.droppedColumnNames.join(', ')}`;
    case 'rename.column':
      return `rename.column ${Object.entries(e.nameMapping).map(([a, b]) => `${a} -> ${b}`).join(', ')}`;
    case 'alter.column.type':
      return `alter.column.type ${Object.keys(e.typeMapping).join(', ')}`;
    default:
      return e.kind;
  }
}

/**
 * Parses every rule up front: a syntax error, an unknown function or a bad option is a ConfigError
 * before any data flows. Type errors need the table's schema and surface at its create.table.
 */
export function compileTransforms(rules: readonly TransformRule[], opts: TransformOptions = {}): TransformOperator {
  const zone = timeZone(opts.timeZone ?? systemTimeZoneId());
  const udfs = new Map<string, Udf>();
  for (const u of opts.udfs ?? []) {
    const key = u.name.toUpperCase();
    if (udfs.has(key)) throw new ConfigError(`user-defined function ${u.name} is defined twice`);
    udfs.set(key, u);
  }
  const metadataColumns = new Map<string, DataType>();
  for (const [key, t] of Object.entries(opts.metadataColumns ?? { op_ts: 'BIGINT' })) {
    if ((BUILTIN_METADATA_COLUMNS as readonly string[]).includes(key)) throw new ConfigError(`metadata column ${key} is built in and cannot be redeclared`);
    metadataColumns.set(key, typeof t === 'string' ? parseType(t) : t);
  }
  const reserved = new Set<string>([...BUILTIN_METADATA_COLUMNS, ...metadataColumns.keys()]);
  const compiled = rules.map((r, i) => compileRule(r, i, new Set(udfs.keys()), reserved));
  const now = opts.now;
  return new TransformOperator(compiled, { zone, udfs, metadataColumns }, now ? () => now().getTime() : Date.now);
}

