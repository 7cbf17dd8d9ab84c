import { ConfigError, SchemaError } from './errors.js';
import { Events, SCHEMA_CHANGE_TYPES, type SchemaChangeEvent, type SchemaChangeType } from './events.js';
import { findColumn, type Column, type Schema } from './schema.js';
import { tableIdString, type TableId } from './table-id.js';
import { typeEquals, withNullability, type DataType } from './types/data-type.js';
import { isWidening, mergeTypes } from './types/type-compat.js';

/**
 * What the schema operator does with schema changes, as Flink CDC's `schema.change.behavior`:
 * - ignore: no schema change reaches the sink; rows are fitted to the schema the sink already has.
 * - lenient (default): only changes that cannot lose data: columns are added (nullable, last), dropped
 *   columns become nullable and stay, a rename adds the new column, a type changes only when it widens;
 *   truncate and drop table are not forwarded.
 * - try_evolve: forward every change; when the sink fails to apply one, go on with the old sink schema and
 *   cast rows to it.
 * - evolve: forward every change; a sink failure fails the pipeline.
 * - exception: any schema change other than create.table fails the pipeline.
 */
export const SCHEMA_CHANGE_BEHAVIORS = ['ignore', 'lenient', 'try_evolve', 'evolve', 'exception'] as const;
export type SchemaChangeBehavior = (typeof SCHEMA_CHANGE_BEHAVIORS)[number];

export function parseSchemaChangeBehavior(value: string): SchemaChangeBehavior {
  const v = value.trim().toLowerCase().replace(/-/g, '_');
  if ((SCHEMA_CHANGE_BEHAVIORS as readonly string[]).includes(v)) return v as SchemaChangeBehavior;
  throw new ConfigError(`schema.change.behavior "${value}" is not valid`, { hint: `use one of: ${SCHEMA_CHANGE_BEHAVIORS.join(', ')}` });
}

/**
 * Changes to bring the sink table from `evolved` to a table that can also hold rows of `incoming`, losing
 * nothing: missing columns are added (nullable, last) and column types are widened. Used when several source
 * tables are routed into one sink table, and by lenient for a re-created table.
 */
export function mergeSchemaChanges(tableId: TableId, evolved: Schema, incoming: Schema): SchemaChangeEvent[] {
  const adds: Column[] = [];
  const types: Record<string, DataType> = {};
  const oldTypes: Record<string, DataType> = {};
  for (const c of incoming.columns) {
    const existing = findColumn(evolved, c.name);
    if (!existing) {
      adds.push({ ...c, type: withNullability(c.type, true) });
      continue;
    }
    const merged = mergeTypes(existing.type, c.type);
    const target = evolved.primaryKeys.includes(c.name) ? withNullability(merged, existing.type.nullable) : merged;
    if (!typeEquals(target, existing.type)) {
      types[c.name] = target;
      oldTypes[c.name] = existing.type;
    }
  }
  const out: SchemaChangeEvent[] = [];
  if (adds.length) out.push(Events.addColumnLast(tableId, ...adds));
  if (Object.keys(types).length) out.push(Events.alterColumnType(tableId, types, oldTypes));
  return out;
}

/**
 * The changes to send downstream for one upstream change under a behaviour. `evolved` is the schema the sink
 * table has now (undefined before its create.table). The caller applies the returned events to `evolved`.
 */
export function deriveSchemaChanges(behavior: SchemaChangeBehavior, evolved: Schema | undefined, event: SchemaChangeEvent): SchemaChangeEvent[] {
  const id = event.tableId;
  if (event.kind === 'create.table') {
    if (!evolved) return [event];
    if (behavior === 'ignore') return [];
    // an existing sink table is never dropped to re-create it; it grows to hold the new rows
    const merged = mergeSchemaChanges(id, evolved, event.schema);
    if (merged.length && behavior === 'exception') {
      throw new SchemaError(`table ${tableIdString(id)} was created again with another schema, and schema.change.behavior is exception`, {
        hint: 'set pipeline.schema.change.behavior to lenient or evolve to let schema changes through',
      });
    }
    return merged;
  }
  switch (behavior) {
    case 'exception':
      throw new SchemaError(`schema change ${event.kind} on ${tableIdString(id)} is not allowed: schema.change.behavior is exception`, {
        hint: 'set pipeline.schema.change.behavior to lenient, try_evolve or evolve to let schema changes through',
      });
    case 'ignore':
      return [];
    case 'evolve':
    case 'try_evolve':
      return [event];
    case 'lenient':
      return lenient(evolved, event);
  }
}

function lenient(evolved: Schema | undefined, event: Exclude<SchemaChangeEvent, { kind: 'create.table' }>): SchemaChangeEvent[] {
  const id = event.tableId;
  if (!evolved) return [];
  const makeNullable = (names: readonly string[]): SchemaChangeEvent[] => {
    const types: Record<string, DataType> = {};
    const old: Record<string, DataType> = {};
    for (const n of names) {
      const c = findColumn(evolved, n);
      if (c && !c.type.nullable && !evolved.primaryKeys.includes(n)) {
        types[n] = withNullability(c.type, true);
        old[n] = c.type;
      }
    }
    return Object.keys(types).length ? [Events.alterColumnType(id, types, old)] : [];
  };
  switch (event.kind) {
    case 'add.column': {
      const incoming: Schema = { ...evolved, columns: event.columns.map((a) => a.column) };
      return mergeSchemaChanges(id, evolved, incoming);
    }
    case 'drop.column':
      return makeNullable(event.droppedColumnNames);
    case 'rename.column': {
      const adds: Column[] = [];
      for (const [oldName, newName] of Object.entries(event.nameMapping)) {
        const c = findColumn(evolved, oldName);
        if (c && !findColumn(evolved, newName)) adds.push({ ...c, name: newName, type: withNullability(c.type, true) });
      }
      const out: SchemaChangeEvent[] = adds.length ? [Events.addColumnLast(id, ...adds)] : [];
      return [...out, ...makeNullable(Object.keys(event.nameMapping))];
    }
    case 'alter.column.type': {
      const types: Record<string, DataType> = {};
      const old: Record<string, DataType> = {};
      for (const [name, t] of Object.entries(event.typeMapping)) {
        const c = findColumn(evolved, name);
        if (!c) continue;
        // widening goes through; narrowing keeps the wider sink type; anything else becomes the merged type
        const target = isWidening(c.type, t) ? t : isWidening(t, c.type) ? c.type : mergeTypes(c.type, t);
        const fixed = evolved.primaryKeys.includes(name) ? withNullability(target, false) : target;
        if (!typeEquals(fixed, c.type)) {
          types[name] = fixed;
          old[name] = c.type;
        }
      }
      return Object.keys(types).length ? [Events.alterColumnType(id, types, old)] : [];
    }
    case 'truncate.table':
    case 'drop.table':
      return [];
  }
}

/** Parses `include.schema.changes` / `exclude.schema.changes` entries: `add.column`, `column` (prefix), `drop` ... */
export function expandSchemaChangeTypes(patterns: readonly string[], key: string): Set<SchemaChangeType> {
  const out = new Set<SchemaChangeType>();
  for (const raw of patterns) {
    const p = raw.trim().toLowerCase();
    const matched = SCHEMA_CHANGE_TYPES.filter((t) => t === p || t.split('.').includes(p) || t.startsWith(`${p}.`));
    if (!matched.length) {
      throw new ConfigError(`${key}: "${raw}" is not a schema change type`, { hint: `use any of: ${SCHEMA_CHANGE_TYPES.join(', ')} (or a part such as "column" or "drop")` });
    }
    for (const t of matched) out.add(t);
  }
  return out;
}
