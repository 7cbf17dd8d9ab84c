/**
 * What an upserting sink would hold after a stream of events, for a source's tests to compare with the database:
 * one row per primary key per table. create.table, truncate.table, add/rename/drop.column and data events are
 * applied; alter.column.type and drop.table leave the rows as they are.
 */
import type { Event, Schema } from '@cdc/core';

export class Mirror {
  readonly schemas = new Map<string, Schema>();
  readonly rows = new Map<string, Map<string, unknown[]>>();

  apply(events: readonly Event[]): this {
    for (const e of events) {
      if (e.kind === 'flush') continue;
      const k = `${e.tableId.schema}.${e.tableId.table}`;
      if (e.kind === 'create.table') {
        this.schemas.set(k, e.schema);
        if (!this.rows.has(k)) this.rows.set(k, new Map());
      } else if (e.kind === 'truncate.table') {
        this.rows.get(k)?.clear();
      } else if (e.kind === 'add.column') {
        const s = this.schemas.get(k)!;
        const cols = [...s.columns, ...e.columns.map((c) => c.column)];
        this.schemas.set(k, { ...s, columns: cols });
        for (const r of this.table(k).values()) for (let i = 0; i < e.columns.length; i++) r.push(null);
      } else if (e.kind === 'rename.column') {
        const s = this.schemas.get(k)!;
        this.schemas.set(k, { ...s, columns: s.columns.map((c) => ({ ...c, name: e.nameMapping[c.name] ?? c.name })) });
      } else if (e.kind === 'drop.column') {
        const s = this.schemas.get(k)!;
        const keep = s.columns.map((c, i) => (e.droppedColumnNames.includes(c.name) ? -1 : i)).filter((i) => i >= 0);
        this.schemas.set(k, { ...s, columns: keep.map((i) => s.columns[i]) });
        const m = this.table(k);
        for (const [key, r] of m) m.set(key, keep.map((i) => r[i]));
      } else if (e.kind === 'data') {
        const s = this.schemas.get(k)!;
        const idx = s.primaryKeys.map((p) => s.columns.findIndex((c) => c.name === p));
        const key = (r: readonly unknown[]) => idx.map((i) => String(r[i])).join('|');
        const m = this.table(k);
        if (e.before && (e.op === 'DELETE' || e.op === 'UPDATE')) m.delete(key(e.before));
        if (e.after) m.set(key(e.after), [...e.after]);
      }
    }
    return this;
  }

  table(k: string): Map<string, unknown[]> {
    let m = this.rows.get(k);
    if (!m) {
      m = new Map();
      this.rows.set(k, m);
    }
    return m;
  }
}
