/**
 * Sends each change to one of `parallelism` sink writers by hash of table + primary key, so all changes of one
 * key go to one writer and keep their order. Tables without a primary key hash by table only.
 */
import { tableIdString, valueToString, type DataChangeEvent, type Schema, type TableId } from '@cdc/core';

/** FNV-1a, 32 bit: fast and stable across runs and machines. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Partitioner {
  private readonly keyIndexes = new Map<string, { tableHash: number; pk: number[] }>();

  constructor(
    private readonly parallelism: number,
    private readonly schemaOf: (table: TableId) => Schema | undefined,
  ) {}

  /** Forget cached key positions of a table (its schema changed). */
  invalidate(tableKey: string): void {
    this.keyIndexes.delete(tableKey);
  }

  partition(e: DataChangeEvent): number {
    if (this.parallelism === 1) return 0;
    const key = tableIdString(e.tableId);
    let info = this.keyIndexes.get(key);
    if (!info) {
      const s = this.schemaOf(e.tableId);
      info = { tableHash: fnv1a(key), pk: s ? s.primaryKeys.map((k) => s.columns.findIndex((c) => c.name === k)).filter((i) => i >= 0) : [] };
      this.keyIndexes.set(key, info);
    }
    if (!info.pk.length) return info.tableHash % this.parallelism;
    const row = e.after ?? e.before;
    if (!row) return info.tableHash % this.parallelism;
    let h = info.tableHash;
    for (const i of info.pk) h = fnv1a(valueToString(row[i]) + '\u0001', h);
    return h % this.parallelism;
  }
}
