import { SchemaError } from './errors.js';
import type { AddColumnEvent, SchemaChangeEvent } from './events.js';
import { columnIndex, type Column, type Schema } from './schema.js';
import { tableIdString } from './table-id.js';
import { withNullability } from './types/data-type.js';

/**
 * The schema after a change. Throws SchemaError when the change does not fit the schema (unknown column,
 * duplicate name), naming the table and column. TruncateTable leaves the schema as it is; DropTable is the
 * caller's business (the table is gone), so it returns the schema unchanged too.
 */
export function applySchemaChange(current: Schema | undefined, event: SchemaChangeEvent): Schema {
  const where = tableIdString(event.tableId);
  if (event.kind === 'create.table') return event.schema;
  if (!current) throw new SchemaError(`${event.kind} for table ${where}, which has no known schema`, { hint: 'the source must send create.table first' });
  const missing = (name: string): never => {
    throw new SchemaError(`${event.kind} on ${where}: column "${name}" does not exist (columns: ${current.columns.map((c) => c.name).join(', ')})`);
  };
  switch (event.kind) {
    case 'add.column':
      return addColumns(current, event, where);
    case 'drop.column': {
      const drop = new Set(event.droppedColumnNames);
      for (const n of drop) if (columnIndex(current, n) < 0) missing(n);
      return {
        ...current,
        columns: current.columns.filter((c) => !drop.has(c.name)),
        primaryKeys: current.primaryKeys.filter((k) => !drop.has(k)),
        partitionKeys: current.partitionKeys.filter((k) => !drop.has(k)),
      };
    }
    case 'rename.column': {
      const map = event.nameMapping;
      for (const n of Object.keys(map)) if (columnIndex(current, n) < 0) missing(n);
      const rename = (n: string) => map[n] ?? n;
      const columns = current.columns.map((c) => (c.name in map ? { ...c, name: map[c.name] } : c));
      assertUnique(columns, where);
      return { ...current, columns, primaryKeys: current.primaryKeys.map(rename), partitionKeys: current.partitionKeys.map(rename) };
    }
    case 'alter.column.type': {
      for (const n of Object.keys(event.typeMapping)) if (columnIndex(current, n) < 0) missing(n);
      const pk = new Set(current.primaryKeys);
      return {
        ...current,
        columns: current.columns.map((c) => {
          const t = event.typeMapping[c.name];
          if (!t) return c;
          // a primary key column stays NOT NULL whatever the source says
          return { ...c, type: pk.has(c.name) ? withNullability(t, false) : t };
        }),
      };
    }
    case 'truncate.table':
    case 'drop.table':
      return current;
  }
}

function addColumns(current: Schema, event: AddColumnEvent, where: string): Schema {
  const columns: Column[] = [...current.columns];
  for (const added of event.columns) {
    if (columns.some((c) => c.name === added.column.name)) {
      throw new SchemaError(`add.column on ${where}: column "${added.column.name}" already exists`);
    }
    const ref = added.existingColumn;
    const refIndex = ref === undefined ? -1 : columns.findIndex((c) => c.name === ref);
    if ((added.position === 'BEFORE' || added.position === 'AFTER') && refIndex < 0) {
      throw new SchemaError(`add.column on ${where}: ${added.position} refers to unknown column "${ref ?? ''}"`);
    }
    const at = added.position === 'FIRST' ? 0 : added.position === 'LAST' ? columns.length : added.position === 'BEFORE' ? refIndex : refIndex + 1;
    columns.splice(at, 0, added.column);
  }
  return { ...current, columns };
}

function assertUnique(columns: readonly Column[], where: string): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new SchemaError(`rename.column on ${where}: two columns would be named "${c.name}"`);
    seen.add(c.name);
  }
}
