/**
 * The suites against a small connector written here the way a third party would write one, independent of the
 * values connector: a sink into a Map, and a snapshot-then-log source (like a binlog/WAL reader) over an
 * in-memory "server" with a change log and a log sequence number.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  applySchemaChange,
  defineSink,
  defineSource,
  Events,
  StateError,
  tableIdString,
  type Event,
  type JsonValue,
  type Schema,
  type SchemaChangeEvent,
  type SourceBatch,
  type TableId,
} from '@cdc/core';
import { describeSinkConformance, describeSourceConformance } from '../src/index.js';

// ---------------------------------------------------------------------------------------------
// Sink: tables of row objects keyed by primary key

interface MemTable {
  schema: Schema;
  rows: Map<string, Record<string, unknown>>;
}
const stores = new Map<string, Map<string, MemTable>>();
const store = (name: string) => {
  let s = stores.get(name);
  if (!s) stores.set(name, (s = new Map()));
  return s;
};
const keyOf = (s: Schema, row: Record<string, unknown>) => JSON.stringify(s.primaryKeys.map((k) => String(row[k])));

const memorySink = defineSink({
  identifier: 'memory',
  options: [
    { key: 'store', type: 'string', required: true, description: 'Name of the in-memory store' },
    { key: 'flush.rows', type: 'int', default: 100, description: 'Rows buffered before a flush' },
  ],
  create(ctx) {
    const name = ctx.options.requireString('store');
    if (name === 'forbidden') throw new Error('store "forbidden" is not allowed');
    const tables = store(name);
    const toObj = (s: Schema, r: readonly unknown[]) => Object.fromEntries(s.columns.map((c, i) => [c.name, r[i]]));
    return {
      metadataApplier: () => ({
        // a sink that supports only some changes: the suite skips the others
        supportedSchemaChanges: ['create.table', 'add.column', 'drop.column', 'truncate.table'] as const,
        async applySchemaChange(e: SchemaChangeEvent) {
          const key = tableIdString(e.tableId);
          const t = tables.get(key);
          if (e.kind === 'create.table') {
            if (!t) tables.set(key, { schema: e.schema, rows: new Map() });
            return;
          }
          if (!t) throw new Error(`no table ${key}`);
          if (e.kind === 'truncate.table') t.rows.clear();
          if (e.kind === 'drop.column') for (const r of t.rows.values()) for (const n of e.droppedColumnNames) delete r[n];
          t.schema = applySchemaChange(t.schema, e);
        },
      }),
      createWriter() {
        const views = new Map<string, Schema>();
        const buffer: Event[] = [];
        const flush = () => {
          for (const e of buffer.splice(0)) {
            if (e.kind !== 'data') continue;
            const key = tableIdString(e.tableId);
            const view = views.get(key)!;
            const t = tables.get(key)!;
            if (e.op === 'DELETE') t.rows.delete(keyOf(view, toObj(view, e.before!)));
            else t.rows.set(keyOf(view, toObj(view, e.after!)), toObj(view, e.after!));
          }
        };
        return {
          async write(events: readonly Event[]) {
            for (const e of events) {
              if (e.kind === 'flush') flush();
              else if (e.kind === 'data') buffer.push(e);
              else {
                flush();
                const key = tableIdString(e.tableId);
                views.set(key, e.kind === 'create.table' ? e.schema : applySchemaChange(views.get(key), e));
              }
            }
          },
          async prepareCommit() {
            flush();
            return undefined;
          },
          async close() {},
        };
      },
    };
  },
});

const SINK_STORE = 'conformance';
describeSinkConformance({
  factory: memorySink,
  options: () => ({ store: SINK_STORE }),
  invalidOptions: [
    { options: { store: undefined }, error: /required option "store" is missing/ },
    { options: { store: 'forbidden' }, error: /not allowed/ },
  ],
  verifier: {
    async readRows(id) {
      const t = store(SINK_STORE).get(tableIdString(id));
      if (!t) return [];
      return [...t.rows.values()].map((r) => Object.fromEntries(t.schema.columns.map((c) => [c.name, r[c.name] ?? null])));
    },
    async readSchema(id) {
      return store(SINK_STORE).get(tableIdString(id))?.schema;
    },
    async reset() {
      store(SINK_STORE).clear();
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Source: a "server" with tables and a change log; the reader snapshots, then follows the log from an LSN

interface LogEntry {
  readonly lsn: number;
  readonly event: Event;
}
const server = { lsn: 0, log: [] as LogEntry[], tables: new Map<string, { id: TableId; schema: Schema; rows: Map<string, Record<string, unknown>> }>() };
const record = (event: Event) => server.log.push({ lsn: ++server.lsn, event });
const row = (s: Schema, o: Record<string, unknown>) => s.columns.map((c) => o[c.name] ?? null);

const memorySource = defineSource({
  identifier: 'memory-log',
  options: [{ key: 'tables', type: 'list', required: true, description: 'Tables to capture (db.table)' }],
  create(ctx) {
    const wanted = new Set(ctx.options.list('tables'));
    const captured = () => [...server.tables.values()].filter((t) => wanted.has(tableIdString(t.id)));
    return {
      metadata: () => ({
        listTables: async () => captured().map((t) => t.id),
        getTableSchema: async (id: TableId) => server.tables.get(tableIdString(id))!.schema,
      }),
      createReader(rctx) {
        const st = rctx.restoredState as { lsn?: unknown } | undefined;
        if (st !== undefined && (typeof st !== 'object' || st === null || Array.isArray(st) || typeof st.lsn !== 'number' || Object.keys(st).length !== 1)) {
          throw new StateError(`memory-log state is corrupted: expected {"lsn": n}, got ${JSON.stringify(st)}`);
        }
        let closed = false;
        return {
          async *read(): AsyncGenerator<SourceBatch> {
            let lsn: number;
            const creates = captured().map((t) => Events.createTable(t.id, t.schema));
            if (st === undefined) {
              lsn = server.lsn;
              const snapshot = captured().flatMap((t) => [...t.rows.values()].map((r) => Events.insert(t.id, row(t.schema, r))));
              const at = lsn;
              yield { events: [...creates, ...snapshot], state: (): JsonValue => ({ lsn: at }) };
            } else {
              lsn = st.lsn as number;
              yield { events: creates };
            }
            while (!closed && !rctx.signal.aborted) {
              const next = server.log.filter((e) => e.lsn > lsn);
              const mine = next.filter((e) => e.event.kind !== 'flush' && wanted.has(tableIdString(e.event.tableId)));
              if (next.length) {
                lsn = next[next.length - 1].lsn;
                const at = lsn;
                if (mine.length) yield { events: mine.map((e) => e.event), state: () => ({ lsn: at }) };
              }
              await sleep(5);
            }
          },
          async close() {
            closed = true;
          },
        };
      },
    };
  },
});

describeSourceConformance({
  factory: memorySource,
  options: (tables) => ({ tables: tables.map(tableIdString) }),
  invalidOptions: [{ options: { tables: undefined }, error: /required option "tables" is missing/ }],
  supportsStreaming: true,
  timeoutMs: 10_000,
  driver: {
    async createTable(id, schema) {
      server.tables.set(tableIdString(id), { id, schema, rows: new Map() });
      record(Events.createTable(id, schema));
    },
    async insert(id, rows) {
      const t = server.tables.get(tableIdString(id))!;
      for (const r of rows) {
        t.rows.set(keyOf(t.schema, r), r);
        record(Events.insert(id, row(t.schema, r)));
      }
    },
    async update(id, key, set) {
      const t = server.tables.get(tableIdString(id))!;
      const before = t.rows.get(keyOf(t.schema, key))!;
      const after = { ...before, ...set };
      t.rows.set(keyOf(t.schema, key), after);
      record(Events.update(id, row(t.schema, before), row(t.schema, after)));
    },
    async delete(id, key) {
      const t = server.tables.get(tableIdString(id))!;
      const before = t.rows.get(keyOf(t.schema, key))!;
      t.rows.delete(keyOf(t.schema, key));
      record(Events.delete(id, row(t.schema, before)));
    },
    async dropTable(id) {
      server.tables.delete(tableIdString(id));
    },
  },
});
