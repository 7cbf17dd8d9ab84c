/**
 * The sink conformance suite. It drives a sink the way the runtime does (metadata applier for DDL, then the
 * event to the writer; FlushEvent before a schema change; prepareCommit then Committer.commit at a checkpoint)
 * and checks the result through the connector author's verifier, which reads the external system directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySchemaChange,
  DataTypes,
  Events,
  isCdcError,
  SCHEMA_CHANGE_TYPES,
  validateOptions,
  type Committer,
  type DataSink,
  type Event,
  type MetadataApplier,
  type Schema,
  type SchemaChangeEvent,
  type SchemaChangeType,
  type SinkFactory,
  type SinkWriter,
  type TableId,
} from '@cdc/core';
import { createTestLogger, expectConfigError, factoryContext, makeTableId, mergeOptions, TEST_PIPELINE, uniqueName, withTimeout, wrongValueFor, type TestLogger } from './context.js';
import { ALL_TYPES, ALL_TYPES_ROWS, ALL_TYPES_UPDATED, EVOLVING, EVOLVING_ROWS, rowArray, type Row } from './fixtures.js';
import { diffRows } from './rows.js';
import { checkFactorySpec } from './spec-check.js';

type MaybePromise<T> = T | Promise<T>;

/** Reads what the sink wrote, from the external system itself (not through the sink). */
export interface SinkVerifier {
  /** Rows of a table as objects by column name, values in core's in-memory representation (bigint, decimal text ...). */
  readRows(table: TableId): Promise<Record<string, unknown>[]>;
  /** Cleans up what the suite wrote; called before the first and after the last test. */
  reset?(): Promise<void>;
  /** The table's schema as the external system has it; undefined when the table does not exist. */
  readSchema?(table: TableId): Promise<Schema | undefined>;
}

/** Tests that can be left out (a sink that cannot do something says so here, and the README says why). */
export type SinkConformanceTest = 'round-trip' | 'replay' | 'schema' | 'close';

export interface SinkConformanceSpec {
  readonly factory: SinkFactory;
  /** A valid raw configuration, e.g. pointing at a real server (as the pipeline file's sink section, without `type`). */
  options(): MaybePromise<Record<string, unknown>>;
  /**
   * Configurations that must fail: each is merged over options() (a key set to undefined is removed) and must
   * fail with an error matching `error`, at validation, create(), the first use, or check().
   */
  readonly invalidOptions?: readonly { readonly options: Record<string, unknown>; readonly error: RegExp }[];
  readonly verifier: SinkVerifier;
  /** Table names are tablePrefix + a random suffix; default `cdc_testkit_`. */
  readonly tablePrefix?: string;
  /** Database (schema part of the table id); default `cdc_testkit`. */
  readonly database?: string;
  /** Namespace part of the table id, for three-part ids. */
  readonly namespace?: string;
  /** The sink keeps one row per primary key, so replaying events changes nothing. Default true. */
  readonly upsert?: boolean;
  /** Per test; default 60 s. */
  readonly timeoutMs?: number;
  readonly skip?: readonly SinkConformanceTest[];
  /** Title of the describe block; default `<identifier> sink conformance`. */
  readonly name?: string;
}

const signal = (): AbortSignal => new AbortController().signal;

/** One sink, its applier, one writer and the committer, driven as the runtime drives them. */
class SinkSession {
  private checkpointId = 0;
  private closed = false;

  private constructor(
    readonly sink: DataSink,
    readonly applier: MetadataApplier,
    readonly writer: SinkWriter,
    readonly committer: Committer | undefined,
    readonly logger: TestLogger,
  ) {}

  static async open(spec: SinkConformanceSpec, raw?: Record<string, unknown>): Promise<SinkSession> {
    const logger = createTestLogger();
    const ctx = factoryContext(spec.factory, raw ?? (await spec.options()), logger);
    const sink = spec.factory.create(ctx);
    const applier = sink.metadataApplier();
    const writer = await sink.createWriter({ subtask: 0, parallelism: 1, signal: signal(), logger, pipeline: TEST_PIPELINE });
    const committer = sink.createCommitter?.();
    await committer?.recover?.(undefined);
    return new SinkSession(sink, applier, writer, committer, logger);
  }

  /** A schema change as the schema operator sends it: flush the table, apply the DDL, then tell the writer. */
  async change(event: SchemaChangeEvent): Promise<void> {
    if (event.kind !== 'create.table') await this.writer.write([Events.flush([event.tableId], event.kind)]);
    await this.applier.applySchemaChange(event, signal());
    await this.writer.write([event]);
  }

  async write(events: readonly Event[]): Promise<void> {
    await this.writer.write(events);
  }

  /** prepareCommit + commit, as a checkpoint does. */
  async checkpoint(): Promise<void> {
    const id = ++this.checkpointId;
    const committable = await this.writer.prepareCommit(id);
    if (this.committer) await this.committer.commit(committable === undefined ? [] : [committable], id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    await this.committer?.close?.();
    await this.applier.close?.();
    await this.sink.close?.();
  }

  /** Closing after a failure: the test's own error is what matters. */
  async closeQuietly(): Promise<void> {
    try {
      await this.close();
    } catch {
      // ignored on purpose
    }
  }
}

const inserts = (id: TableId, s: Schema, rows: readonly Row[]): Event[] => rows.map((r) => Events.insert(id, rowArray(s, r)));

/** Registers the sink conformance tests (describe/it) for a connector. */
export function describeSinkConformance(spec: SinkConformanceSpec): void {
  const timeout = spec.timeoutMs ?? 60_000;
  // waits inside a test end before the test's own timeout, so the failure says what was awaited
  const wait = Math.max(1000, Math.floor(timeout * 0.8));
  const skipped = new Set<string>(spec.skip ?? []);
  const prefix = spec.tablePrefix ?? 'cdc_testkit_';
  const newTable = (what: string): TableId => makeTableId(uniqueName(`${prefix}${what}_`), spec.database ?? 'cdc_testkit', spec.namespace);
  const identifier = spec.factory.identifier;

  /** Compares the verifier's rows with the expected ones; a failure shows every difference. */
  const expectRows = async (id: TableId, s: Schema, rows: readonly Row[], when: string): Promise<void> => {
    const actual = await spec.verifier.readRows(id);
    const problems = diffRows(s, rows, actual);
    expect(problems, `rows of ${JSON.stringify(id)} ${when}`).toEqual([]);
    if (spec.verifier.readSchema) {
      const got = await spec.verifier.readSchema(id);
      expect(got?.columns.map((c) => c.name), `columns of ${JSON.stringify(id)} ${when}`).toEqual(s.columns.map((c) => c.name));
    }
  };

  describe(spec.name ?? `${identifier} sink conformance`, () => {
    beforeAll(async () => {
      await spec.verifier.reset?.();
    }, timeout);
    afterAll(async () => {
      await spec.verifier.reset?.();
    }, timeout);

    it('spec: the factory declaration is sane', () => {
      expect(spec.factory.kind).toBe('sink');
      expect(checkFactorySpec(spec.factory)).toEqual([]);
    });

    it('spec: the valid options pass validation', async () => {
      const raw = await spec.options();
      expect(() => factoryContext(spec.factory, raw)).not.toThrow();
    });

    it('check: a good configuration connects (a sink without check() is checked by the round trip)', async () => {
      const sink = spec.factory.create(factoryContext(spec.factory, await spec.options()));
      try {
        const check = sink.check?.bind(sink);
        if (!check) {
          expect(sink.check).toBeUndefined();
          return;
        }
        const res = await withTimeout(check(signal()), wait, 'check()');
        expect(typeof res.system).toBe('string');
        expect(typeof res.version).toBe('string');
        expect(res.problems, 'prerequisites reported by check()').toEqual([]);
      } finally {
        await sink.close?.();
      }
    }, timeout);

    it('invalid config: an unknown option fails validation, naming the key', async () => {
      const raw = { ...(await spec.options()), 'cdc-testkit.no-such-option': 'x' };
      expectConfigError(() => validateOptions({ owner: identifier, section: 'sink', specs: spec.factory.options, raw }), 'cdc-testkit.no-such-option');
    });

    it('invalid config: a value of the wrong type fails validation, naming the key (every option)', async () => {
      const valid = await spec.options();
      for (const o of spec.factory.options) {
        const raw = { ...valid, [o.key]: wrongValueFor(o.type) };
        expectConfigError(() => validateOptions({ owner: identifier, section: 'sink', specs: spec.factory.options, raw }), o.key);
      }
    });

    (spec.invalidOptions ?? []).forEach((bad, i) => {
      it(`invalid config: invalidOptions[${i}] fails with ${bad.error}`, async () => {
        const raw = mergeOptions(await spec.options(), bad.options);
        let session: SinkSession | undefined;
        const attempt = async () => {
          session = await SinkSession.open(spec, raw);
          if (session.sink.check) {
            const res = await session.sink.check(signal());
            if (res.problems.length) throw new Error(res.problems.join('; '));
          }
          const id = newTable('invalid');
          await session.change(Events.createTable(id, EVOLVING));
          await session.write(inserts(id, EVOLVING, EVOLVING_ROWS));
          await session.checkpoint();
        };
        try {
          await expect(withTimeout(attempt(), wait, 'the invalid configuration to fail')).rejects.toThrow(bad.error);
        } finally {
          await session?.closeQuietly();
        }
      }, timeout);
    });

    const test = (name: SinkConformanceTest, title: string, body: () => Promise<void>) => {
      // a test the spec leaves out is not registered at all: a skipped test would read as "not verified"
      if (skipped.has(name)) return;
      it(title, async () => {
        await body();
      }, timeout);
    };

    test('round-trip', 'write: create table, insert, update and delete arrive as written (all types, exact values)', async () => {
      const id = newTable('rt');
      const session = await SinkSession.open(spec);
      try {
        await session.change(Events.createTable(id, ALL_TYPES));
        await session.write(inserts(id, ALL_TYPES, ALL_TYPES_ROWS));
        await session.checkpoint();
        await expectRows(id, ALL_TYPES, ALL_TYPES_ROWS, 'after the inserts');
        await session.write([
          Events.update(id, rowArray(ALL_TYPES, ALL_TYPES_ROWS[1]), rowArray(ALL_TYPES, ALL_TYPES_UPDATED)),
          Events.delete(id, rowArray(ALL_TYPES, ALL_TYPES_ROWS[2])),
        ]);
        await session.checkpoint();
        await expectRows(id, ALL_TYPES, [ALL_TYPES_ROWS[0], ALL_TYPES_UPDATED], 'after an update and a delete');
      } finally {
        await session.closeQuietly();
      }
    });

    if (spec.upsert !== false) test('replay', 'write: replaying the same events (same writer, then after a restart) leaves the same rows', async () => {
      const id = newTable('replay');
      const data: Event[] = [
        ...inserts(id, ALL_TYPES, ALL_TYPES_ROWS),
        Events.update(id, rowArray(ALL_TYPES, ALL_TYPES_ROWS[1]), rowArray(ALL_TYPES, ALL_TYPES_UPDATED)),
        Events.delete(id, rowArray(ALL_TYPES, ALL_TYPES_ROWS[2])),
      ];
      const expected = [ALL_TYPES_ROWS[0], ALL_TYPES_UPDATED];
      const first = await SinkSession.open(spec);
      try {
        await first.change(Events.createTable(id, ALL_TYPES));
        await first.write(data);
        await first.checkpoint();
        await first.write(data);
        await first.checkpoint();
        await expectRows(id, ALL_TYPES, expected, 'after replaying the events in the same writer');
      } finally {
        await first.closeQuietly();
      }
      // a restarted pipeline: a new sink whose writer gets create.table again (the table exists), then the replay
      const second = await SinkSession.open(spec);
      try {
        await second.write([Events.createTable(id, ALL_TYPES), ...data]);
        await second.checkpoint();
        await expectRows(id, ALL_TYPES, expected, 'after replaying the events in a new writer');
      } finally {
        await second.closeQuietly();
      }
    });

    // one test per supported type would need the sink created at registration time; one test covers them all,
    // each type on a table of its own, and a failure names the type
    test('schema', 'schema changes: every type the applier lists, then rows in the new schema', async () => {
      const probe = await SinkSession.open(spec);
      const types = probe.applier.supportedSchemaChanges.filter((t) => t !== 'create.table');
      await probe.closeQuietly();
      for (const type of SCHEMA_CHANGE_TYPES) {
        if (type === 'create.table' || !types.includes(type)) continue;
        const id = newTable(type.replace('.', '_'));
        const session = await SinkSession.open(spec);
        try {
          await session.change(Events.createTable(id, EVOLVING));
          await session.write(inserts(id, EVOLVING, EVOLVING_ROWS));
          await session.checkpoint();
          await schemaChangeCase(type, id, session, expectRows, spec);
        } catch (e) {
          throw new Error(`schema change ${type}: ${(e as Error).message}`, { cause: e });
        } finally {
          await session.closeQuietly();
        }
      }
    });

    test('close', 'close: writer, committer, applier and sink close() twice without error', async () => {
      const session = await SinkSession.open(spec);
      const id = newTable('close');
      await session.change(Events.createTable(id, EVOLVING));
      await session.write(inserts(id, EVOLVING, EVOLVING_ROWS));
      await session.checkpoint();
      for (let i = 0; i < 2; i++) {
        await session.writer.close();
        await session.committer?.close?.();
        await session.applier.close?.();
        await session.sink.close?.();
      }
      // a writer that never wrote closes too
      const idle = await SinkSession.open(spec);
      await idle.writer.close();
      await idle.writer.close();
      await idle.close();
    });
  });
}

type ExpectRows = (id: TableId, s: Schema, rows: readonly Row[], when: string) => Promise<void>;

async function schemaChangeCase(type: SchemaChangeType, id: TableId, session: SinkSession, expectRows: ExpectRows, spec: SinkConformanceSpec): Promise<void> {
  const evolve = async (event: SchemaChangeEvent): Promise<Schema> => {
    await session.change(event);
    return applySchemaChange(EVOLVING, event);
  };
  const finish = async (s: Schema, newRow: Row, expected: readonly Row[]) => {
    await session.write([Events.insert(id, rowArray(s, newRow))]);
    await session.checkpoint();
    await expectRows(id, s, expected, `after ${type}`);
  };
  switch (type) {
    case 'add.column': {
      const s = await evolve(Events.addColumnLast(id, { name: 'note', type: DataTypes.STRING() }));
      const row = { id: 3n, name: 'c', score: 30, note: 'added 😀' };
      return finish(s, row, [...EVOLVING_ROWS.map((r) => ({ ...r, note: null })), row]);
    }
    case 'drop.column': {
      const s = await evolve(Events.dropColumn(id, ['score']));
      const row = { id: 3n, name: 'c' };
      return finish(s, row, [...EVOLVING_ROWS.map(({ score: _s, ...r }) => r), row]);
    }
    case 'rename.column': {
      const s = await evolve(Events.renameColumn(id, { name: 'full_name' }));
      const row = { id: 3n, full_name: 'c', score: 30 };
      return finish(s, row, [...EVOLVING_ROWS.map(({ name, ...r }) => ({ ...r, full_name: name })), row]);
    }
    case 'alter.column.type': {
      const s = await evolve(Events.alterColumnType(id, { score: DataTypes.BIGINT() }, { score: DataTypes.INT() }));
      const row = { id: 3n, name: 'c', score: 9007199254740993n };
      return finish(s, row, [...EVOLVING_ROWS.map((r) => ({ ...r, score: BigInt(r.score as number) })), row]);
    }
    case 'truncate.table': {
      const s = await evolve(Events.truncateTable(id));
      const row = { id: 3n, name: 'c', score: 30 };
      return finish(s, row, [row]);
    }
    case 'drop.table': {
      await session.change(Events.dropTable(id));
      await session.checkpoint();
      if (spec.verifier.readSchema) {
        expect(await spec.verifier.readSchema(id), 'readSchema of a dropped table').toBeUndefined();
      }
      // a dropped table reads as empty or fails to read; it must not still hold the rows
      let rows: Record<string, unknown>[] = [];
      try {
        rows = await spec.verifier.readRows(id);
      } catch {
        rows = [];
      }
      expect(rows, 'rows of a dropped table').toEqual([]);
      return;
    }
    case 'create.table':
      return;
  }
}
