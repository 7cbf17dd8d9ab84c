import { applySchemaChange, Events, typeEquals, type AddedColumn, type DataType, type Schema, type SchemaChangeEvent, type TableId } from '@cdc/core';

/**
 * The schema changes that turn the downstream schema `before` into `after`, given the upstream change
 * that caused it. Renames of upstream columns the projection forwards stay renames; columns the
 * projection no longer has are dropped, new ones added at their place, changed types altered. A column
 * that would have to move is dropped and added again (schema changes cannot reorder).
 */
export function diffSchemas(tableId: TableId, before: Schema, after: Schema, cause: SchemaChangeEvent): SchemaChangeEvent[] {
  const events: SchemaChangeEvent[] = [];
  const afterNames = new Set(after.columns.map((c) => c.name));
  let beforeNames = new Set(before.columns.map((c) => c.name));

  if (cause.kind === 'rename.column') {
    const mapping: Record<string, string> = {};
    for (const [from, to] of Object.entries(cause.nameMapping)) {
      if (beforeNames.has(from) && !afterNames.has(from) && afterNames.has(to) && !beforeNames.has(to)) mapping[from] = to;
    }
    if (Object.keys(mapping).length > 0) {
      events.push(Events.renameColumn(tableId, mapping));
      before = applySchemaChange(before, events[events.length - 1]);
      beforeNames = new Set(before.columns.map((c) => c.name));
    }
  }

  // columns kept in both whose order is not the same must move: keep the longest run in order
  const kept = before.columns.map((c) => c.name).filter((n) => afterNames.has(n));
  const afterPos = new Map(after.columns.map((c, i) => [c.name, i]));
  const inOrder = longestIncreasing(kept.map((n) => afterPos.get(n)!)).map((i) => kept[i]);
  const stay = new Set(inOrder);

  const drops = before.columns.map((c) => c.name).filter((n) => !stay.has(n));
  if (drops.length > 0) {
    events.push(Events.dropColumn(tableId, drops));
    before = applySchemaChange(before, events[events.length - 1]);
  }

  const typeMapping: Record<string, DataType> = {};
  const oldTypeMapping: Record<string, DataType> = {};
  for (const c of after.columns) {
    const old = before.columns.find((b) => b.name === c.name);
    if (old && !typeEquals(old.type, c.type)) {
      typeMapping[c.name] = c.type;
      oldTypeMapping[c.name] = old.type;
    }
  }
  if (Object.keys(typeMapping).length > 0) {
    events.push(Events.alterColumnType(tableId, typeMapping, oldTypeMapping));
    before = applySchemaChange(before, events[events.length - 1]);
  }

  const adds: AddedColumn[] = [];
  after.columns.forEach((c, i) => {
    if (stay.has(c.name)) return;
    adds.push(i === 0 ? { column: c, position: 'FIRST' } : { column: c, position: 'AFTER', existingColumn: after.columns[i - 1].name });
  });
  if (adds.length > 0) events.push(Events.addColumn(tableId, adds));
  return events;
}

/** Indexes of a longest strictly increasing subsequence of `xs`. */
function longestIncreasing(xs: readonly number[]): number[] {
  const tails: number[] = [];
  const prev = new Array<number>(xs.length).fill(-1);
  for (let i = 0; i < xs.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]] < xs[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const out: number[] = [];
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) out.push(k);
  return out.reverse();
}
