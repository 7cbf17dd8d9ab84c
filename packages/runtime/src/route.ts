/**
 * Route rules (Flink CDC `route:`): a source-table selector to a sink table, with an optional replace symbol
 * (`sink-table: ods.ods_<>` with `replace-symbol: <>` maps app.orders to ods.ods_orders). A table that matches
 * several routes goes to each sink table; one that matches none keeps its id.
 */
import { parseTableId, tableIdString, type TableId } from '@cdc/core';
import { at, type RouteDef } from './pipeline-def.js';
import { compileSelectors, type TableSelector } from './selectors.js';

interface CompiledRoute {
  readonly selector: TableSelector;
  readonly sinkTable: string;
  readonly replaceSymbol?: string;
}

export class Router {
  private readonly routes: CompiledRoute[];
  private readonly cache = new Map<string, readonly TableId[]>();

  constructor(defs: readonly RouteDef[], file?: string) {
    this.routes = defs.map((r, i) => ({
      selector: compileSelectors(r.sourceTable, at(file, r.line, `route[${i}].source-table`)),
      sinkTable: r.sinkTable,
      ...(r.replaceSymbol ? { replaceSymbol: r.replaceSymbol } : {}),
    }));
  }

  get isEmpty(): boolean {
    return this.routes.length === 0;
  }

  /** Sink tables for a source table (cached). */
  route(id: TableId): readonly TableId[] {
    const key = tableIdString(id);
    let out = this.cache.get(key);
    if (!out) {
      const targets: TableId[] = [];
      const seen = new Set<string>();
      for (const r of this.routes) {
        if (!r.selector.matches(id)) continue;
        const name = r.replaceSymbol ? r.sinkTable.split(r.replaceSymbol).join(id.table) : r.sinkTable;
        if (!seen.has(name)) {
          seen.add(name);
          targets.push(parseTableId(name));
        }
      }
      out = targets.length ? targets : [id];
      this.cache.set(key, out);
    }
    return out;
  }
}
