/**
 * The values connector against @cdc/testkit. The sink is verified through ValuesDatabase; the source driver
 * appends event specs to a JSON-lines file the source reads (and, with source.unbounded, follows as it grows:
 * that is the values source's streaming mode).
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Events, rowToJson, tableIdString, type Schema, type TableId } from '@cdc/core';
import { describeSinkConformance, describeSourceConformance, type SourceDriver } from '@cdc/testkit';
import { eventSpecToJsonLine, toEventSpec, ValuesDatabase, valuesSink, valuesSource } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-values-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SINK_ID = 'testkit-conformance';
const db = ValuesDatabase.instance(SINK_ID);

describeSinkConformance({
  factory: valuesSink,
  options: () => ({ 'sink.id': SINK_ID }),
  invalidOptions: [
    { options: { 'sink.failure.at': 'explode:1' }, error: /sink\.failure\.at.*unknown point "explode"/ },
    { options: { 'supported.schema.changes': 'add.column, bogus' }, error: /"bogus" is not a schema change type/ },
    { options: { 'sink.output.file': join(dir, 'out.json'), 'materialized.in.memory': false }, error: /needs materialized\.in\.memory: true/ },
    { options: { 'sink.failure.at': 'write:1' }, error: /injected failure \(sink\.failure\.at: write:1\)/ },
  ],
  verifier: {
    readRows: async (t) => db.rowsAsObjects(t),
    readSchema: async (t) => db.schema(t),
    reset: async () => db.reset(),
  },
});

/** Writes event specs for the driver's changes; keeps each table's schema and rows to write full before images. */
function fileDriver(file: string): SourceDriver {
  writeFileSync(file, '');
  const tables = new Map<string, { schema: Schema; rows: Map<string, Record<string, unknown>> }>();
  const append = (line: string) => appendFileSync(file, line + '\n');
  const table = (id: TableId) => {
    const t = tables.get(tableIdString(id));
    if (!t) throw new Error(`driver: unknown table ${tableIdString(id)}`);
    return t;
  };
  const keyText = (t: { schema: Schema }, row: Record<string, unknown>) => JSON.stringify(rowToJson(t.schema, t.schema.columns.map((c) => (t.schema.primaryKeys.includes(c.name) ? row[c.name] : null))));
  const arr = (s: Schema, row: Record<string, unknown>) => s.columns.map((c) => row[c.name] ?? null);
  return {
    async createTable(id, schema) {
      tables.set(tableIdString(id), { schema, rows: new Map() });
      append(eventSpecToJsonLine(toEventSpec(Events.createTable(id, schema))));
    },
    async insert(id, rows) {
      const t = table(id);
      for (const r of rows) {
        t.rows.set(keyText(t, r), r);
        append(eventSpecToJsonLine(toEventSpec(Events.insert(id, arr(t.schema, r)), t.schema)));
      }
    },
    async update(id, key, set) {
      const t = table(id);
      const before = t.rows.get(keyText(t, key));
      if (!before) throw new Error(`driver: no row with key ${JSON.stringify(rowToJson(t.schema, arr(t.schema, key)))}`);
      const after = { ...before, ...set };
      t.rows.set(keyText(t, key), after);
      append(eventSpecToJsonLine(toEventSpec(Events.update(id, arr(t.schema, before), arr(t.schema, after)), t.schema)));
    },
    async delete(id, key) {
      const t = table(id);
      const before = t.rows.get(keyText(t, key));
      if (!before) throw new Error('driver: no row with that key');
      t.rows.delete(keyText(t, key));
      append(eventSpecToJsonLine(toEventSpec(Events.delete(id, arr(t.schema, before)), t.schema)));
    },
    async dropTable(id) {
      tables.delete(tableIdString(id));
      append(eventSpecToJsonLine(toEventSpec(Events.dropTable(id))));
    },
  };
}

const streamingFile = join(dir, 'streaming.jsonl');
describeSourceConformance({
  name: 'values source conformance (events.file followed as it grows: source.unbounded)',
  factory: valuesSource,
  options: () => ({ 'events.file': streamingFile, 'source.unbounded': true, 'batch.size': 2 }),
  invalidOptions: [
    { options: { 'events.file': join(dir, 'missing.jsonl') }, error: /events\.file .*missing\.jsonl does not exist/ },
    { options: { 'event-set.id': 'SINGLE_SPLIT_SINGLE_TABLE' }, error: /events\.file and event-set\.id are exclusive/ },
    { options: { 'batch.size': 0 }, error: /"batch\.size" must be at least 1/ },
  ],
  driver: fileDriver(streamingFile),
  supportsStreaming: true,
  timeoutMs: 20_000,
});

const boundedFile = join(dir, 'bounded.jsonl');
describeSourceConformance({
  name: 'values source conformance (bounded events.file)',
  factory: valuesSource,
  options: () => ({ 'events.file': boundedFile, 'batch.size': 3 }),
  driver: fileDriver(boundedFile),
  supportsStreaming: false,
  timeoutMs: 20_000,
});
