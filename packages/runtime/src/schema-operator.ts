/**
 * The schema operator: between the routed upstream tables and the sink tables. It keeps the schema of every
 * upstream table (after transform) and of every sink table ("evolved": what the sink has), turns upstream
 * schema changes into the changes the sink gets under the pipeline's behaviour and the sink's supported
 * changes, and fits every row to its sink table's schema by column name, with exact casts.
 *
 * It sits after route, unlike DESIGN.md's first sketch, as in Flink CDC 3.2+: the evolved schemas belong to
 * sink tables, which only exist once routing is known (several sharded tables can feed one sink table).
 */
import {
  applySchemaChange,
  DataError,
  deriveSchemaChanges,
  formatType,
  makeCaster,
  mergeSchemaChanges,
  SchemaError,
  tableIdString,
  withTableId,
  type Caster,
  type DataChangeEvent,
  type Logger,
  type RowData,
  type Schema,
  type SchemaChangeBehavior,
  type SchemaChangeEvent,
  type SchemaChangeType,
  type TableId,
} from '@cdc/core';
import type { Router } from './route.js';

export interface SchemaOperatorOptions {
  readonly behavior: SchemaChangeBehavior;
  /** Change types the sink accepts (its applier's list, narrowed by include/exclude.schema.changes). */
  readonly supported: ReadonlySet<SchemaChangeType>;
  readonly router: Router;
  readonly logger: Logger;
}

/** One change for one sink table, to be applied by the sink's MetadataApplier. */
export interface PlannedChange {
  readonly sinkTable: TableId;
  readonly event: SchemaChangeEvent;
}

type RowMapper = ((row: RowData) => RowData) | null;

export interface TableSchema {
  readonly id: TableId;
  readonly schema: Schema;
}

export interface SchemaOperatorState {
  readonly upstream: readonly TableSchema[];
  readonly evolved: readonly TableSchema[];
}

export class SchemaOperator {
  private readonly upstream = new Map<string, TableSchema>();
  private readonly evolved = new Map<string, TableSchema>();
  /** sink table -> upstream tables feeding it */
  private readonly feeds = new Map<string, Set<string>>();
  private readonly mappers = new Map<string, RowMapper>();
  private readonly targets = new WeakMap<TableId, { src: string; sinkId: TableId; sinkKey: string; mkey: string; same: boolean }[]>();

  private supported: ReadonlySet<SchemaChangeType>;

  constructor(private readonly opts: SchemaOperatorOptions) {
    this.supported = opts.supported;
  }

  /** The sink's accepted change types are known only once the sink is created. */
  setSupported(types: ReadonlySet<SchemaChangeType>): void {
    this.supported = types;
  }

  snapshot(): SchemaOperatorState {
    return { upstream: [...this.upstream.values()], evolved: [...this.evolved.values()] };
  }

  restore(state: SchemaOperatorState): void {
    for (const t of state.upstream) this.upstream.set(tableIdString(t.id), t);
    for (const t of state.evolved) this.evolved.set(tableIdString(t.id), t);
    for (const t of state.upstream) this.addFeeds(t.id);
  }

  /** Sink tables and their schemas, for re-announcing them to writers after a restart. */
  sinkTables(): readonly TableSchema[] {
    return [...this.evolved.values()];
  }

  sinkSchema(id: TableId): Schema | undefined {
    return this.evolved.get(tableIdString(id))?.schema;
  }

  /**
   * The changes the sink must apply for one upstream change, in order. Does not change state: call
   * `applied()` for each change the sink applied, then `upstreamChanged()`.
   */
  plan(event: SchemaChangeEvent): PlannedChange[] {
    const src = tableIdString(event.tableId);
    const before = this.upstream.get(src)?.schema;
    if (event.kind !== 'create.table' && !before) {
      throw new SchemaError(`schema change ${event.kind} for table ${src} before its create.table`, { hint: 'the source must announce every table with create.table first' });
    }
    const after = event.kind === 'drop.table' ? undefined : applySchemaChange(before, event);
    const out: PlannedChange[] = [];
    for (const sinkId of this.opts.router.route(event.tableId)) {
      const sinkKey = tableIdString(sinkId);
      const evolved = this.evolved.get(sinkKey)?.schema;
      const feeders = new Set(this.feeds.get(sinkKey) ?? []);
      feeders.add(src);
      const merging = feeders.size > 1;
      let derived: SchemaChangeEvent[];
      if (merging && event.kind !== 'create.table' && evolved && after) {
        // several tables feed this sink table: only grow it, never drop or rename what others still send
        derived = this.opts.behavior === 'exception' || this.opts.behavior === 'ignore' ? deriveSchemaChanges(this.opts.behavior, evolved, withTableId(event, sinkId)) : mergeSchemaChanges(sinkId, evolved, after);
      } else if (merging && (event.kind === 'truncate.table' || event.kind === 'drop.table')) {
        derived = this.opts.behavior === 'exception' ? deriveSchemaChanges('exception', evolved, withTableId(event, sinkId)) : [];
      } else {
        derived = deriveSchemaChanges(this.opts.behavior, evolved, withTableId(event, sinkId));
      }
      for (const d of derived) {
        if (d.kind !== 'create.table' && !this.supported.has(d.kind)) {
          this.opts.logger.warn(`sink does not accept ${d.kind}; not applied to ${sinkKey}, rows are fitted to its current schema`);
          continue;
        }
        out.push({ sinkTable: sinkId, event: d });
      }
    }
    return out;
  }

  /** The sink applied a planned change. */
  applied(change: PlannedChange): void {
    const key = tableIdString(change.sinkTable);
    if (change.event.kind === 'drop.table') this.evolved.delete(key);
    else this.evolved.set(key, { id: change.sinkTable, schema: applySchemaChange(this.evolved.get(key)?.schema, change.event) });
    this.invalidate(key);
  }

  /** Records the upstream table's new schema once its planned changes are done. */
  upstreamChanged(event: SchemaChangeEvent): void {
    const src = tableIdString(event.tableId);
    if (event.kind === 'drop.table') {
      this.upstream.delete(src);
    } else {
      this.upstream.set(src, { id: event.tableId, schema: applySchemaChange(this.upstream.get(src)?.schema, event) });
      this.addFeeds(event.tableId);
    }
    this.invalidate(src);
  }

  private addFeeds(id: TableId): void {
    const src = tableIdString(id);
    for (const sinkId of this.opts.router.route(id)) {
      const k = tableIdString(sinkId);
      let f = this.feeds.get(k);
      if (!f) this.feeds.set(k, (f = new Set()));
      f.add(src);
    }
  }

  private invalidate(key: string): void {
    for (const k of this.mappers.keys()) if (k.startsWith(`${key}\u0000`) || k.endsWith(`\u0000${key}`)) this.mappers.delete(k);
  }

  /** A data change of an upstream table as events of its sink tables, rows fitted to their schemas. */
  mapData(e: DataChangeEvent, out: DataChangeEvent[]): void {
    // sources reuse one TableId object per table: the route and the keys are looked up by identity
    let targets = this.targets.get(e.tableId);
    if (!targets) {
      const src = tableIdString(e.tableId);
      targets = this.opts.router.route(e.tableId).map((sinkId) => {
        const sinkKey = tableIdString(sinkId);
        return { src, sinkId, sinkKey, mkey: `${src}\u0000${sinkKey}`, same: sinkKey === src };
      });
      this.targets.set(e.tableId, targets);
    }
    for (const { src, sinkId, sinkKey, mkey, same } of targets) {
      let mapper = this.mappers.get(mkey);
      if (mapper === undefined) {
        mapper = this.buildMapper(src, sinkKey);
        this.mappers.set(mkey, mapper);
      }
      const sameId = same && targets.length === 1;
      if (mapper === null) {
        out.push(sameId ? e : { ...e, tableId: sinkId });
      } else {
        out.push({ ...e, tableId: sinkId, before: e.before && mapper(e.before), after: e.after && mapper(e.after) });
      }
    }
  }

  private buildMapper(src: string, sinkKey: string): RowMapper {
    const up = this.upstream.get(src)?.schema;
    const down = this.evolved.get(sinkKey)?.schema;
    if (!up) throw new SchemaError(`data for table ${src} before its create.table`, { hint: 'the source must announce every table with create.table first' });
    if (!down) throw new SchemaError(`data for sink table ${sinkKey}, which was never created (its create.table was not applied)`);
    const plan: { index: number; cast: Caster; name: string; from: string; to: string }[] = down.columns.map((c) => {
      const index = up.columns.findIndex((u) => u.name === c.name);
      const from = index >= 0 ? up.columns[index].type : c.type;
      return { index, cast: makeCaster(from, c.type), name: c.name, from: formatType(from), to: formatType(c.type) };
    });
    const identity = plan.length === up.columns.length && plan.every((p, i) => p.index === i && formatTypeEq(p.from, p.to));
    if (identity) return null;
    return (row: RowData): RowData =>
      plan.map((p) => {
        if (p.index < 0) return null;
        try {
          return p.cast(row[p.index]);
        } catch (err) {
          throw new DataError(`table ${sinkKey}, column "${p.name}": value from ${src} (${p.from}) does not fit ${p.to}: ${(err as Error).message}`, {
            hint: 'the sink kept the old column type (schema change behaviour or sink refusal); widen the sink column or use try_evolve/evolve',
          });
        }
      });
  }
}

function formatTypeEq(a: string, b: string): boolean {
  return a === b;
}
