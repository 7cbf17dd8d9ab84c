/**
 * The schema change events between two versions of a table's columns (the known one and the one a pgoutput
 * Relation message describes). Columns are paired by attribute number when the catalog still matched the
 * message (a rename keeps its number, a drop + add does not), else by name.
 */
import { Events, typeEquals, withNullability, type DataType, type Schema, type SchemaChangeEvent, type TableId } from '@cdc/core';
import type { PgColumn } from './tables.js';

export function diffColumns(id: TableId, oldCols: readonly PgColumn[], oldSchema: Schema, newCols: readonly PgColumn[], newSchema: Schema, byAttnum: boolean): SchemaChangeEvent[] {
  const events: SchemaChangeEvent[] = [];
  const pairOf = (c: PgColumn): PgColumn | undefined => (byAttnum && c.attnum > 0 ? newCols.find((n) => n.attnum === c.attnum) : newCols.find((n) => n.name === c.name));
  const renames: Record<string, string> = {};
  const retyped: Record<string, DataType> = {};
  const oldTypes: Record<string, DataType> = {};
  const dropped: string[] = [];
  const kept = new Set<PgColumn>();
  oldCols.forEach((c, i) => {
    const n = pairOf(c);
    if (!n) {
      dropped.push(c.name);
      return;
    }
    kept.add(n);
    if (n.name !== c.name) renames[c.name] = n.name;
    const ot = oldSchema.columns[i].type;
    const nt = newSchema.columns[newCols.indexOf(n)].type;
    // nullability is not in the Relation message: only the type itself counts
    if (!typeEquals(withNullability(ot, true), withNullability(nt, true))) {
      retyped[n.name] = nt;
      oldTypes[n.name] = ot;
    }
  });
  if (Object.keys(renames).length) events.push(Events.renameColumn(id, renames));
  if (Object.keys(retyped).length) events.push(Events.alterColumnType(id, retyped, oldTypes));
  if (dropped.length) events.push(Events.dropColumn(id, dropped));
  const added = newCols
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !kept.has(c))
    .map(({ i }) => {
      const column = newSchema.columns[i];
      return i === 0 ? { column, position: 'FIRST' as const } : { column, position: 'AFTER' as const, existingColumn: newCols[i - 1].name };
    });
  if (added.length) {
    // columns appended at the end are LAST (what most sinks support)
    const atEnd = added.every((a, j) => a.column === newSchema.columns[newCols.length - added.length + j]);
    events.push(Events.addColumn(id, atEnd ? added.map((a) => ({ column: a.column, position: 'LAST' as const })) : added));
  }
  return events;
}
