/**
 * The source conformance suite, after Airbyte's acceptance tests: spec, check, invalid config, discover
 * (metadata), full read, incremental read, resume from a saved state and from a corrupted one, close.
 * The connector author's driver makes changes in the external system; the suite reads them through the
 * source as the runtime does (createReader with restoredState, batches with a state) and materialises them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  applySchemaChange,
  isCdcError,
  tableIdString,
  validateOptions,
  type DataSource,
  type Event,
  type JsonValue,
  type Schema,
  type SnapshotProgress,
  type SourceFactory,
  type SourceReader,
  type TableId,
} from '@cdc/core';
import { createTestLogger, expectConfigError, factoryContext, makeTableId, mergeOptions, TEST_PIPELINE, uniqueName, withTimeout, wrongValueFor, type TestLogger } from './context.js';
import { SOURCE_ROWS, SOURCE_TABLE, type Row } from './fixtures.js';
import { canonicalValue, describeRow, diffRows } from './rows.js';
import { checkFactorySpec } from './spec-check.js';

type MaybePromise<T> = T | Promise<T>;

/** Makes changes in the external system the source reads (SQL against a real server, lines in a file ...). */
export interface SourceDriver {
  /** Creates a table with this schema (map the types to the system's DDL). */
  createTable(id: TableId, schema: Schema): Promise<void>;
  /** Inserts rows given by column name, values in core's in-memory representation. */
  insert(id: TableId, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Updates the row with this primary key. */
  update(id: TableId, key: Record<string, unknown>, set: Record<string, unknown>): Promise<void>;
  delete(id: TableId, key: Record<string, unknown>): Promise<void>;
  /** Called for every table a test created, after the last test. */
  dropTable?(id: TableId): Promise<void>;
  /** Called after the last test. */
  close?(): Promise<void>;
}

export type SourceConformanceTest = 'metadata' | 'full-read' | 'incremental-read' | 'resume' | 'corrupted-state' | 'close';

export interface SourceConformanceSpec {
  readonly factory: SourceFactory;
  /** A valid raw configuration that captures these tables (as the pipeline file's source section, without `type`). */
  options(tables: readonly TableId[]): MaybePromise<Record<string, unknown>>;
  /** Configurations that must fail, merged over options([]) (a key set to undefined is removed). */
  readonly invalidOptions?: readonly { readonly options: Record<string, unknown>; readonly error: RegExp }[];
  readonly driver: SourceDriver;
  /** Database (schema part of the table ids); default `cdc_testkit`. */
  readonly database?: string;
  readonly namespace?: string;
  /** Table names are tablePrefix + a random suffix; default `cdc_testkit_`. */
  readonly tablePrefix?: string;
  /** The reader keeps reading changes after the snapshot (binlog, WAL ...), rather than ending. */
  readonly supportsStreaming: boolean;
  /** States the source must refuse with a StateError; default: a few shapes no source state has. */
  readonly corruptedStates?: readonly JsonValue[];
  /** Per test; default 60 s. */
  readonly timeoutMs?: number;
  readonly skip?: readonly SourceConformanceTest[];
  /** Title of the describe block; default `<identifier> source conformance`. */
  readonly name?: string;
}

const DEFAULT_CORRUPTED: readonly JsonValue[] = ['\u0000corrupted-state\u0000', { 'cdc-testkit': 'corrupted' }, [[['nested']]]];

/** The state of the external table as seen through the events (one table, keyed by `id`). */
class Materialized {
  schema: Schema | undefined;
  readonly rows = new Map<string, Row>();
  /** Data events in arrival order: op, key, after-image. */
  readonly changes: { op: string; key: string; after: Row | undefined }[] = [];
  createdBeforeData = true;

  constructor(readonly id: TableId) {}

  apply(e: Event): void {
    if (e.kind === 'flush' || tableIdString(e.tableId) !== tableIdString(this.id)) return;
    if (e.kind !== 'data') {
      // a re-announced create.table (e.g. after a restart) keeps the rows; drop/truncate clear them
      if (e.kind === 'truncate.table' || e.kind === 'drop.table') this.rows.clear();
      this.schema = e.kind === 'create.table' ? e.schema : e.kind === 'drop.table' ? undefined : applySchemaChange(this.schema, e);
      return;
    }
    if (!this.schema) {
      this.createdBeforeData = false;
      return;
    }
    const s = this.schema;
    const obj = (r: readonly unknown[]): Row => Object.fromEntries(s.columns.map((c, i) => [c.name, r[i]]));
    const before = e.before ? obj(e.before) : undefined;
    const after = e.after ? obj(e.after) : undefined;
    const key = keyOf((after ?? before)!);
    this.changes.push({ op: e.op, key, after });
    if (before && after && keyOf(before) !== key) this.rows.delete(keyOf(before));
    if (e.op === 'DELETE') this.rows.delete(key);
    else if (after) this.rows.set(key, after);
  }

  matches(expected: readonly Row[]): boolean {
    return this.schema !== undefined && diffRows(SOURCE_TABLE, expected, [...this.rows.values()], { actualSchema: this.schema, strictColumns: false }).length === 0;
  }
}

const keyOf = (row: Row): string => canonicalValue(SOURCE_TABLE.columns[0].type, row.id);

interface ReadResult {
  /** The iteration ended (a bounded source finished). */
  readonly ended: boolean;
  /** State of the last batch that carried one, taken when the batch arrived. */
  readonly state: JsonValue | undefined;
  readonly batches: number;
}

/**
 * Reads batches into `m` until `done()` holds or the iteration ends. Times out with what was seen so far; with
 * `idle`, silence for that long counts as done (a source that neither ends nor sends anything more).
 */
async function readUntil(
  it: AsyncIterator<{ readonly events: readonly Event[]; readonly state?: () => JsonValue }>,
  m: Materialized,
  done: () => boolean,
  opts: { timeoutMs: number; what: string; idleMs?: number },
): Promise<ReadResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let state: JsonValue | undefined;
  let batches = 0;
  while (!done()) {
    const left = deadline - Date.now();
    const wait = opts.idleMs === undefined ? left : Math.min(left, opts.idleMs);
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, wait));
    });
    const r = await Promise.race([it.next(), tick]).finally(() => clearTimeout(timer));
    if (r === 'timeout') {
      if (opts.idleMs !== undefined && wait === opts.idleMs) return { ended: false, state, batches };
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}; rows seen: ${[...m.rows.values()].map((row) => describeRow(SOURCE_TABLE, row)).join(' ') || 'none'}`,
      );
    }
    if (r.done) return { ended: true, state, batches };
    batches++;
    for (const e of r.value.events) m.apply(e);
    if (r.value.state) state = r.value.state();
  }
  return { ended: false, state, batches };
}

/** Registers the source conformance tests (describe/it) for a connector. */
export function describeSourceConformance(spec: SourceConformanceSpec): void {
  const timeout = spec.timeoutMs ?? 60_000;
  // waits inside a test end before the test's own timeout, so the failure says what was awaited and what was seen
  const wait = Math.max(1000, Math.floor(timeout * 0.8));
  const skipped = new Set<string>(spec.skip ?? []);
  const prefix = spec.tablePrefix ?? 'cdc_testkit_';
  const identifier = spec.factory.identifier;
  const created: TableId[] = [];
  const readers: SourceReader[] = [];
  const controllers: AbortController[] = [];

  const newTable = async (what: string, rows: readonly Row[]): Promise<TableId> => {
    const id = makeTableId(uniqueName(`${prefix}${what}_`), spec.database ?? 'cdc_testkit', spec.namespace);
    await spec.driver.createTable(id, SOURCE_TABLE);
    created.push(id);
    if (rows.length) await spec.driver.insert(id, rows);
    return id;
  };

  const openSource = async (tables: readonly TableId[], logger: TestLogger = createTestLogger()): Promise<DataSource> =>
    spec.factory.create(factoryContext(spec.factory, await spec.options(tables), logger));

  const openReader = async (source: DataSource, restoredState?: JsonValue): Promise<SourceReader> => {
    const ac = new AbortController();
    controllers.push(ac);
    const progress: SnapshotProgress[] = [];
    const reader = await source.createReader({
      ...(restoredState === undefined ? {} : { restoredState }),
      signal: ac.signal,
      logger: createTestLogger(),
      metrics: { snapshotProgress: (p) => void progress.push(p), eventTime: () => undefined },
      pipeline: TEST_PIPELINE,
    });
    readers.push(reader);
    return reader;
  };

  const closeReader = async (reader: SourceReader): Promise<void> => {
    await withTimeout(reader.close(), wait, 'reader.close()');
  };

  describe(spec.name ?? `${identifier} source conformance`, () => {
    afterAll(async () => {
      for (const ac of controllers) ac.abort();
      for (const r of readers) await r.close().catch(() => undefined);
      for (const id of created) await spec.driver.dropTable?.(id).catch(() => undefined);
      await spec.driver.close?.();
    }, timeout);

    it('spec: the factory declaration is sane', () => {
      expect(spec.factory.kind).toBe('source');
      expect(checkFactorySpec(spec.factory)).toEqual([]);
    });

    it('spec: the valid options pass validation', async () => {
      const raw = await spec.options([]);
      expect(() => factoryContext(spec.factory, raw)).not.toThrow();
    });

    it('check: a good configuration connects (a source without check() is checked by the reads)', async () => {
      const source = await openSource([]);
      const check = source.check?.bind(source);
      if (!check) {
        expect(source.check).toBeUndefined();
        return;
      }
      const res = await withTimeout(check(new AbortController().signal), wait, 'check()');
      expect(typeof res.system).toBe('string');
      expect(typeof res.version).toBe('string');
      expect(res.problems, 'prerequisites reported by check()').toEqual([]);
    }, timeout);

    it('invalid config: an unknown option fails validation, naming the key', async () => {
      const raw = { ...(await spec.options([])), 'cdc-testkit.no-such-option': 'x' };
      expectConfigError(() => validateOptions({ owner: identifier, section: 'source', specs: spec.factory.options, raw }), 'cdc-testkit.no-such-option');
    });

    it('invalid config: a value of the wrong type fails validation, naming the key (every option)', async () => {
      const valid = await spec.options([]);
      for (const o of spec.factory.options) {
        const raw = { ...valid, [o.key]: wrongValueFor(o.type) };
        expectConfigError(() => validateOptions({ owner: identifier, section: 'source', specs: spec.factory.options, raw }), o.key);
      }
    });

    (spec.invalidOptions ?? []).forEach((bad, i) => {
      it(`invalid config: invalidOptions[${i}] fails with ${bad.error}`, async () => {
        const raw = mergeOptions(await spec.options([]), bad.options);
        let reader: SourceReader | undefined;
        const attempt = async () => {
          const source = spec.factory.create(factoryContext(spec.factory, raw));
          if (source.check) {
            const res = await source.check(new AbortController().signal);
            if (res.problems.length) throw new Error(res.problems.join('; '));
          }
          reader = await openReader(source);
          await reader.read()[Symbol.asyncIterator]().next();
        };
        try {
          await expect(withTimeout(attempt(), wait, 'the invalid configuration to fail')).rejects.toThrow(bad.error);
        } finally {
          await reader?.close().catch(() => undefined);
        }
      }, timeout);
    });

    const test = (name: SourceConformanceTest, title: string, body: () => Promise<void>) => {
      // a test the spec leaves out is not registered at all: a skipped test would read as "not verified"
      if (skipped.has(name)) return;
      it(title, async () => {
        await body();
      }, timeout);
    };

    test('metadata', 'metadata: lists the created table and its schema', async () => {
      const id = await newTable('meta', []);
      const source = await openSource([id]);
      const meta = source.metadata();
      const tables = await meta.listTables(id.namespace, id.schema);
      expect(tables.map(tableIdString), 'listTables').toContain(tableIdString(id));
      const s = await meta.getTableSchema(id);
      expect(s.columns.map((c) => c.name), 'columns').toEqual(SOURCE_TABLE.columns.map((c) => c.name));
      expect([...s.primaryKeys], 'primary key').toEqual(['id']);
    });

    test('full-read', 'full read: a snapshot of the table equals its rows (exact values, create.table first)', async () => {
      const id = await newTable('full', SOURCE_ROWS);
      const reader = await openReader(await openSource([id]));
      const m = new Materialized(id);
      const it = reader.read()[Symbol.asyncIterator]();
      await readUntil(it, m, () => m.matches(SOURCE_ROWS), { timeoutMs: wait, what: 'the snapshot rows' });
      await closeReader(reader);
      expect(m.createdBeforeData, 'create.table arrives before the rows of the table').toBe(true);
      expect(m.schema?.columns.map((c) => c.name), 'columns of create.table').toEqual(SOURCE_TABLE.columns.map((c) => c.name));
      expect(diffRows(SOURCE_TABLE, SOURCE_ROWS, [...m.rows.values()], { actualSchema: m.schema, strictColumns: false })).toEqual([]);
    });

    if (spec.supportsStreaming) test('incremental-read', 'incremental read: inserts, updates and deletes after the snapshot arrive', async () => {
      const initial = SOURCE_ROWS;
      const id = await newTable('incr', initial);
      const reader = await openReader(await openSource([id]));
      const m = new Materialized(id);
      const it = reader.read()[Symbol.asyncIterator]();
      try {
        await readUntil(it, m, () => m.matches(initial), { timeoutMs: wait, what: 'the snapshot rows' });
        const seen = m.changes.length;
        const { expected } = await changeRows(id);
        await readUntil(it, m, () => m.matches(expected), { timeoutMs: wait, what: 'the changes made after the snapshot' });
        const ops = new Set(m.changes.slice(seen).map((c) => c.op));
        expect(ops.has('INSERT'), 'an INSERT after the snapshot').toBe(true);
        expect(ops.has('UPDATE') || ops.has('REPLACE'), 'an UPDATE after the snapshot').toBe(true);
        expect(ops.has('DELETE'), 'a DELETE after the snapshot').toBe(true);
      } finally {
        await closeReader(reader);
      }
    });

    /** Row 3 inserted, row 1 updated, row 2 deleted; row 4 untouched. */
    const changeRows = async (id: TableId) => {
      const inserted: Row = { id: 3n, name: 'gamma', amount: '3.3000', created: '2030-06-15T12:00:00.000001' };
      await spec.driver.insert(id, [inserted]);
      await spec.driver.update(id, { id: 1n }, { name: 'alpha-2', amount: '0.0001' });
      await spec.driver.delete(id, { id: 2n });
      const updated: Row = { ...SOURCE_ROWS[0], name: 'alpha-2', amount: '0.0001' };
      return { inserted, updated, expected: [updated, SOURCE_ROWS[2], inserted] };
    };

    test('resume', 'resume: a reader restored from the last batch state gets only what came after, nothing lost', async () => {
      // rows 1, 2 and an untouched one (key 9007199254740993)
      const id = await newTable('resume', SOURCE_ROWS);
      const source = await openSource([id]);
      const m = new Materialized(id);
      const first = await openReader(source);
      const it1 = first.read()[Symbol.asyncIterator]();
      const r1 = spec.supportsStreaming
        ? await readUntil(it1, m, () => m.matches(SOURCE_ROWS), { timeoutMs: wait, what: 'the snapshot rows' })
        : await readUntil(it1, m, () => false, { timeoutMs: wait, what: 'the end of the bounded read' });
      await closeReader(first);
      expect(r1.state, 'a batch carries a state (SourceBatch.state) to resume from').not.toBeUndefined();
      expect(m.matches(SOURCE_ROWS), 'the rows read before the state').toBe(true);
      const before = m.changes.length;

      let expected: readonly Row[] = SOURCE_ROWS;
      let changed = new Set<string>();
      if (spec.supportsStreaming) {
        const c = await changeRows(id);
        expected = c.expected;
        changed = new Set([c.inserted, c.updated, SOURCE_ROWS[1]].map(keyOf));
      }
      const second = await openReader(await openSource([id]), r1.state);
      const it2 = second.read()[Symbol.asyncIterator]();
      try {
        if (spec.supportsStreaming) {
          await readUntil(it2, m, () => m.matches(expected), { timeoutMs: wait, what: 'the changes made while the reader was closed' });
        } else {
          await readUntil(it2, m, () => false, { timeoutMs: wait, what: 'the end of the resumed read', idleMs: 2000 });
        }
      } finally {
        await closeReader(second);
      }
      const after = m.changes.slice(before);
      const replayed = after.filter((c) => !changed.has(c.key));
      expect(replayed.map((c) => `${c.op} of key ${c.key}`), 'events for rows that did not change after the state (replayed from before it)').toEqual([]);
      const oldImage = (k: string) => SOURCE_ROWS.find((r) => keyOf(r) === k);
      const stale = after.filter((c) => c.after && oldImage(c.key) && canonicalRow(c.after) === canonicalRow(oldImage(c.key)!));
      expect(stale.map((c) => `${c.op} of key ${c.key}`), 'events carrying a row image from before the state').toEqual([]);
      expect(diffRows(SOURCE_TABLE, expected, [...m.rows.values()], { actualSchema: m.schema, strictColumns: false }), 'rows before the state + changes after it').toEqual([]);
    });

    test('corrupted-state', 'corrupted state: restoring garbage fails with a StateError (code STATE) and a clear message', async () => {
      const id = await newTable('corrupt', SOURCE_ROWS.slice(0, 1));
      const source = await openSource([id]);
      for (const garbage of spec.corruptedStates ?? DEFAULT_CORRUPTED) {
        let reader: SourceReader | undefined;
        let error: unknown;
        try {
          reader = await openReader(source, garbage);
          await withTimeout(reader.read()[Symbol.asyncIterator]().next(), wait, 'the first batch');
        } catch (e) {
          error = e;
        } finally {
          await reader?.close();
        }
        const shown = JSON.stringify(garbage);
        expect(error, `restoring ${shown} must fail`).toBeDefined();
        expect(isCdcError(error) ? error.code : String(error), `restoring ${shown}: error code`).toBe('STATE');
        expect((error as Error).message, `restoring ${shown}: the message says what is wrong`).toMatch(/state/i);
      }
    });

    test('close', 'close: close() twice is fine, before and after reading; close() ends a waiting reader', async () => {
      const id = await newTable('close', SOURCE_ROWS.slice(0, 1));
      const source = await openSource([id]);
      const unused = await openReader(source);
      await closeReader(unused);
      await closeReader(unused);

      const reader = await openReader(source);
      const m = new Materialized(id);
      const it = reader.read()[Symbol.asyncIterator]();
      await readUntil(it, m, () => m.rows.size === 1, { timeoutMs: wait, what: 'the first row' });
      if (spec.supportsStreaming) {
        // the reader now waits for changes; close() must end that wait
        const pending = it.next();
        await closeReader(reader);
        const r = await withTimeout(drain(it, pending), wait, 'the read to end after close()');
        expect(r, 'the iteration ends after close()').toBe(true);
      } else {
        await closeReader(reader);
      }
      await closeReader(reader);
    });
  });
}

const canonicalRow = (r: Row): string => JSON.stringify(SOURCE_TABLE.columns.map((c) => canonicalValue(c.type, r[c.name])));

/** Lets a closed reader's pending and remaining batches go by; true once the iteration is done. */
async function drain(it: AsyncIterator<unknown>, pending: Promise<IteratorResult<unknown>>): Promise<boolean> {
  let r = await pending;
  while (!r.done) r = await it.next();
  return true;
}

