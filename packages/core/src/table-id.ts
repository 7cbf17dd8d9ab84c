/**
 * Identifies a table: `namespace.schema.table`, `schema.table` or `table`, as in Flink CDC.
 * MySQL tables are `db.table` (schema = database); PostgreSQL tables are `schema.table`.
 */
export interface TableId {
  readonly namespace?: string;
  readonly schema?: string;
  readonly table: string;
}

export function tableId(...parts: string[]): TableId {
  if (parts.length === 1) return { table: parts[0] };
  if (parts.length === 2) return { schema: parts[0], table: parts[1] };
  if (parts.length === 3) return { namespace: parts[0], schema: parts[1], table: parts[2] };
  throw new TypeError(`a table id has 1 to 3 parts, got ${parts.length}`);
}

/** Parses `db.table` (split on dots; use tableId() for names that contain dots). */
export function parseTableId(text: string): TableId {
  return tableId(...text.split('.'));
}

export function tableIdParts(id: TableId): string[] {
  const out: string[] = [];
  if (id.namespace !== undefined) out.push(id.namespace);
  if (id.schema !== undefined) out.push(id.schema);
  out.push(id.table);
  return out;
}

/** The printed form, also used as map key: `db.table`. */
export function tableIdString(id: TableId): string {
  return tableIdParts(id).join('.');
}

export function tableIdEquals(a: TableId, b: TableId): boolean {
  return a.table === b.table && a.schema === b.schema && a.namespace === b.namespace;
}
