/**
 * The `postgres` DataSource and its reader. A new pipeline creates the publication, then the replication slot
 * with an exported snapshot; the snapshot is read in chunks (in parallel, every connection importing the same
 * snapshot) and the slot streams exactly the transactions committed after it: no gap, no duplicate. The state
 * carried by every batch says where to resume; the slot's confirmed flush LSN only moves in
 * notifyCheckpointComplete, once the sink has committed.
 */
import type pg from 'pg';
import {
  ConfigError,
  Events,
  SchemaError,
  StateError,
  describeError,
  isCdcError,
  type ConnectionCheck,
  type DataSource,
  type Event,
  type JsonValue,
  type Logger,
  type MetadataAccessor,
  type Schema,
  type SourceBatch,
  type SourceReader,
  type SourceReaderContext,
  type TableId,
} from '@cdc/core';
import { connect, destroy, sleep } from './connection.js';
import { formatLsn, isLsnText, parseLsn, type Lsn } from './lsn.js';
import { ReplicationStream, type CopyOut } from './pg-wire.js';
import { PG_EPOCH_MICROS, UNCHANGED_TOAST, decodePgOutput, type PgOutputMessage, type TupleValue } from './pgoutput.js';
import { CONNECTOR, mapPgError } from './postgres-errors.js';
import type { PostgresSourceConfig } from './postgres-options.js';
import { planChunks, readChunk, type Chunk, type KeyText } from './snapshot.js';
import { lsnMap, lsnRecord, parseState, type PostgresState, type SnapshotState, type StreamState } from './postgres-state.js';
import { checkServer, createSlot, slotInfo } from './slots.js';
import { diffColumns } from './relation-diff.js';
import { TableFilter, TypeRegistry, buildRuntime, discoverTables, qualified, quoteIdent, tableKey, type PgColumn, type PgTable, type TableRuntime } from './tables.js';

export const HEARTBEAT_PREFIX = 'cdc_heartbeat';


// ---------------------------------------------------------------------------------------------

const SNAPSHOT_META: Readonly<Record<string, string>> = Object.freeze({ op_ts: '0', snapshot: 'true' });

export class PostgresDataSource implements DataSource {
  readonly filter: TableFilter;

  constructor(
    readonly cfg: PostgresSourceConfig,
    readonly logger: Logger,
  ) {
    this.filter = new TableFilter(cfg.database, cfg.tables, cfg.tablesExclude);
  }

  connect(opts: { replication?: boolean; signal?: AbortSignal; retries?: number } = {}): Promise<pg.Client> {
    return connect(this.cfg, this.logger, opts);
  }

  metadata(): MetadataAccessor {
    const withConn = async <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => {
      const c = await this.connect();
      try {
        return await f(c);
      } catch (e) {
        throw mapPgError(e, { user: this.cfg.username, doing: 'reading the catalog' });
      } finally {
        destroy(c);
      }
    };
    return {
      listNamespaces: async () => [this.cfg.database],
      listTables: (namespace?: string, schemaName?: string): Promise<TableId[]> =>
        withConn(async (c) => {
          const tables = await discoverTables(c, this.filter, false);
          return tables.filter((t) => schemaName === undefined || t.schema === schemaName).map((t) => ({ schema: t.schema, table: t.name }));
        }),
      getTableSchema: (id: TableId): Promise<Schema> =>
        withConn(async (c) => {
          const all = new TableFilter(this.cfg.database, `${this.cfg.database}.\\.*.\\.*`, undefined);
          const [t] = await discoverTables(c, all, this.cfg.includeComments, { schema: id.schema ?? 'public', name: id.table });
          if (!t) throw new SchemaError(`table ${id.schema ?? 'public'}.${id.table} does not exist in database ${this.cfg.database}`, { connector: CONNECTOR });
          const types = new TypeRegistry();
          await types.load(c, t.columns.map((x) => x.typeOid));
          return buildRuntime(t, types, this.logger).schema;
        }),
    };
  }

  async check(signal?: AbortSignal): Promise<ConnectionCheck> {
    const c = await this.connect({ signal });
    try {
      return await checkServer(c, this.cfg.username);
    } catch (e) {
      throw mapPgError(e, { user: this.cfg.username, doing: 'checking the server' });
    } finally {
      destroy(c);
    }
  }

  createReader(ctx: SourceReaderContext): SourceReader {
    return new PostgresSourceReader(this, ctx);
  }
}


// ---------------------------------------------------------------------------------------------

interface Worker {
  readonly client: pg.Client;
  readonly own: boolean;
}

export class PostgresSourceReader implements SourceReader {
  private readonly cfg: PostgresSourceConfig;
  private readonly logger: Logger;
  private conn: pg.Client | undefined;
  private repl: pg.Client | undefined;
  private snapRepl: pg.Client | undefined;
  private readonly extra: pg.Client[] = [];
  private stream: ReplicationStream | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly types = new TypeRegistry();
  private tables = new Map<string, PgTable>();
  private runtimes = new Map<string, TableRuntime>();
  /** LSNs of completed checkpoints still to confirm (scan.lsn-commit.checkpoints-num-delay). */
  private readonly completed: Lsn[] = [];
  private confirmTarget: Lsn = 0n;
  private readonly toastWarned = new Set<string>();
  /** Most chunk reads in flight at once (tests, logs). */
  inFlightMax = 0;

  constructor(
    private readonly source: PostgresDataSource,
    private readonly ctx: SourceReaderContext,
  ) {
    this.cfg = source.cfg;
    this.logger = ctx.logger;
  }

  private runtime(key: string): TableRuntime | undefined {
    let r = this.runtimes.get(key);
    if (!r) {
      const def = this.tables.get(key);
      if (!def) return undefined;
      const kc = typeof this.cfg.chunkKeyColumns === 'string' ? this.cfg.chunkKeyColumns : this.cfg.chunkKeyColumns?.get(key);
      r = buildRuntime(def, this.types, this.logger, kc);
      this.runtimes.set(key, r);
    }
    return r;
  }

  private setTable(def: PgTable): void {
    const key = tableKey(def.schema, def.name);
    this.tables.set(key, def);
    this.runtimes.delete(key);
  }

  private tablesRecord(): Record<string, PgTable> {
    return Object.fromEntries(this.tables);
  }

  private err(e: unknown, doing: string) {
    return mapPgError(e, { address: `${this.cfg.hostname}:${this.cfg.port}`, user: this.cfg.username, slot: this.cfg.slotName, doing });
  }

  async *read(): AsyncGenerator<SourceBatch> {
    const cfg = this.cfg;
    let state = parseState(this.ctx.restoredState, cfg.slotName);
    if (state) state = this.dropRemovedTables(state);
    const conn = await this.source.connect({ signal: this.ctx.signal });
    this.conn = conn;
    if (this.closed) return;
    const check = await checkServer(conn, cfg.username).catch((e) => {
      throw this.err(e, 'checking the server');
    });
    const needsSlot = cfg.startupMode !== 'snapshot' || !!state?.stream;
    if (needsSlot && check.problems.length) {
      throw new ConfigError(`the server is not ready for logical replication: ${check.problems.join('; ')}`, { connector: CONNECTOR, hint: 'change the settings above (a wal_level change needs a server restart)' });
    }
    let exported: string | undefined;
    if (state) {
      for (const [k, t] of Object.entries(state.tables)) this.tables.set(k, t);
      await this.types.load(conn, [...this.tables.values()].flatMap((t) => t.columns.map((c) => c.typeOid)));
      if (state.stream) await this.checkSlotForResume(conn, parseLsn(state.stream.lsn));
      else if (cfg.startupMode !== 'snapshot') await this.checkSlotForResume(conn, parseLsn(state.snapshot!.start));
      if (state.stream && cfg.newlyAddedTables) {
        const added = yield* this.addNewTables(conn, state);
        if (added) {
          state = added.state;
          exported = added.snapshot;
        }
      }
    } else {
      const fresh = await this.freshStart(conn);
      state = fresh.state;
      exported = fresh.snapshot;
      const s0 = state;
      const creates: Event[] = [...this.tables.keys()].map((k) => Events.createTable(this.runtime(k)!.id, this.runtime(k)!.schema));
      yield { events: creates, state: () => s0 as unknown as JsonValue };
    }
    if (this.closed) return;
    if (state.snapshot) {
      state = yield* this.snapshotPhase(state, exported);
      if (cfg.startupMode === 'snapshot' || this.closed) return;
    }
    yield* this.streamPhase(state);
  }

  /**
   * On a restart, tables of the state that `tables` / `tables.exclude` no longer match are no longer captured: their
   * snapshot is not finished and their changes are skipped (as Flink CDC drops them from its state).
   */
  private dropRemovedTables(state: PostgresState): PostgresState {
    const gone = new Set(Object.values(state.tables).filter((t) => !this.source.filter.matches(t.schema, t.name)).map((t) => tableKey(t.schema, t.name)));
    if (!gone.size) return state;
    this.logger.info(`table(s) ${[...gone].join(', ')} no longer match tables / tables.exclude: no longer captured`);
    const keep = <T>(r: Record<string, T> | undefined): Record<string, T> | undefined => {
      const kept = r && Object.entries(r).filter(([k]) => !gone.has(k));
      return kept?.length ? Object.fromEntries(kept) : undefined;
    };
    const snap = state.snapshot;
    let snapshot: SnapshotState | undefined;
    if (snap) {
      const pending = snap.pending.filter((k) => !gone.has(k));
      // `from` is a key of the first pending table: it goes with it
      const { from, hw, ...rest } = snap;
      const kept = keep(hw);
      snapshot = { ...rest, pending, ...(from && pending[0] === snap.pending[0] ? { from } : {}), ...(kept ? { hw: kept } : {}) };
    }
    let stream: StreamState | undefined;
    if (state.stream) {
      const { hw, ...rest } = state.stream;
      const kept = keep(hw);
      stream = { ...rest, ...(kept ? { hw: kept } : {}) };
    }
    return { ...state, tables: keep(state.tables) ?? {}, ...(snapshot ? { snapshot } : {}), ...(stream ? { stream } : {}) };
  }

  /**
   * scan.newly-added-table.enabled: tables that match `tables` now but are not in the state are added to the
   * publication and read in a new exported snapshot (LSN L); streaming then goes on from the saved position, and
   * their transactions before L are skipped (they are in the snapshot). The publication only publishes them from
   * the ALTER PUBLICATION on, which is before L: nothing is missed.
   */
  private async *addNewTables(conn: pg.Client, state: PostgresState): AsyncGenerator<SourceBatch, { state: PostgresState; snapshot: string } | undefined> {
    const found = await discoverTables(conn, this.source.filter, this.cfg.includeComments).catch((e) => {
      throw this.err(e, 'reading the catalog');
    });
    const added = found.filter((t) => !this.tables.has(tableKey(t.schema, t.name)));
    if (!added.length) return undefined;
    for (const t of added) this.setTable(t);
    await this.types.load(conn, added.flatMap((t) => t.columns.map((c) => c.typeOid)));
    await this.ensurePublication(conn, [...this.tables.values()]);
    const t = await this.temporarySnapshot();
    const keys = added.map((x) => tableKey(x.schema, x.name));
    this.logger.info(`newly added table(s) ${keys.join(', ')}: snapshot at ${formatLsn(t.lsn)}, then their changes`);
    const st = state.stream!;
    const next: PostgresState = {
      v: 1,
      kind: 'postgres',
      slot: this.cfg.slotName,
      tables: this.tablesRecord(),
      snapshot: { start: st.lsn, pending: keys, hw: { ...(st.hw ?? {}), ...Object.fromEntries(keys.map((k) => [k, formatLsn(t.lsn)])) }, ...(st.skip ? { skip: st.skip } : {}) },
    };
    yield { events: keys.map((k) => Events.createTable(this.runtime(k)!.id, this.runtime(k)!.schema)), state: () => next as unknown as JsonValue };
    return { state: next, snapshot: t.snapshot };
  }

  /** A restored stream position must still be in the slot (nobody else consumed past it, slot not dropped). */
  private async checkSlotForResume(conn: pg.Client, lsn: Lsn): Promise<void> {
    const s = await slotInfo(conn, this.cfg.slotName).catch((e) => {
      throw this.err(e, 'looking up the replication slot');
    });
    if (!s.exists) {
      throw new StateError(`replication slot "${this.cfg.slotName}" does not exist any more, so the changes since the last checkpoint (${formatLsn(lsn)}) are gone`, {
        connector: CONNECTOR,
        hint: 'delete the state dir to start over with a new snapshot (the slot is created again)',
      });
    }
    if (s.confirmedFlush !== undefined && s.confirmedFlush > lsn) {
      throw new StateError(`replication slot "${this.cfg.slotName}" was advanced to ${formatLsn(s.confirmedFlush)}, past the saved position ${formatLsn(lsn)}: changes in between are gone`, {
        connector: CONNECTOR,
        hint: 'another consumer uses this slot: give every pipeline its own slot.name, and delete the state dir to start over with a new snapshot',
      });
    }
  }

  private async freshStart(conn: pg.Client): Promise<{ state: PostgresState; snapshot?: string }> {
    const cfg = this.cfg;
    const found = await discoverTables(conn, this.source.filter, cfg.includeComments).catch((e) => {
      throw this.err(e, 'reading the catalog');
    });
    if (!found.length) {
      throw new ConfigError(`no table in database ${cfg.database} matches tables "${cfg.tables}"${cfg.tablesExclude ? ` minus "${cfg.tablesExclude}"` : ''}`, {
        connector: CONNECTOR,
        hint: 'check the names (database.schema.table, each part a regular expression; escape a regex dot as \\.)',
      });
    }
    const unmatched = this.source.filter.unmatched(found);
    if (unmatched.length) this.logger.warn(`table patterns that match no table: ${unmatched.join(', ')} (check the names: database.schema.table, each part a regular expression)`);
    for (const t of found) this.setTable(t);
    await this.types.load(conn, found.flatMap((t) => t.columns.map((c) => c.typeOid)));
    for (const t of found) {
      const rt = this.runtime(tableKey(t.schema, t.name))!;
      if (!t.primaryKey.length) {
        this.logger.warn(`table ${rt.key} has no primary key: its updates and deletes carry ${t.replicaIdentity === 'f' ? 'full row images (REPLICA IDENTITY FULL)' : 'no row image unless it has REPLICA IDENTITY FULL'}, and sinks cannot upsert it`);
      }
    }
    const mode = cfg.startupMode;
    const tables = this.tablesRecord();
    const base = { v: 1 as const, kind: 'postgres' as const, slot: cfg.slotName, tables };
    const pending = [...this.tables.keys()];
    if (mode === 'snapshot') {
      return { state: { ...base, snapshot: { start: '0/0', pending } } };
    }
    await this.ensurePublication(conn, found);
    const slot = await slotInfo(conn, cfg.slotName);
    if (slot.exists && slot.plugin !== 'pgoutput') {
      throw new ConfigError(`replication slot "${cfg.slotName}" uses the output plugin ${slot.plugin}, not pgoutput`, { connector: CONNECTOR, hint: 'choose another slot.name (or drop that slot)' });
    }
    if (slot.exists && slot.database !== cfg.database) {
      throw new ConfigError(`replication slot "${cfg.slotName}" belongs to database ${slot.database}, not ${cfg.database}`, { connector: CONNECTOR, hint: 'choose another slot.name' });
    }
    if (slot.active) {
      throw new StateError(`replication slot "${cfg.slotName}" is in use by another process`, { connector: CONNECTOR, hint: 'stop the other consumer, or give this pipeline its own slot.name' });
    }
    const repl = await this.source.connect({ replication: true, signal: this.ctx.signal });
    this.repl = repl;
    if (mode === 'initial') {
      if (!slot.exists) {
        const s = await createSlot(repl, cfg.slotName, { exportSnapshot: true }).catch((e) => {
          throw this.err(e, `creating replication slot ${cfg.slotName}`);
        });
        this.logger.info(`created replication slot ${cfg.slotName} at ${formatLsn(s.lsn)}`);
        return { state: { ...base, snapshot: { start: formatLsn(s.lsn), pending } }, snapshot: s.snapshot };
      }
      // an existing slot: read the tables at a new point (a temporary slot's exported snapshot) and start there
      const t = await this.temporarySnapshot();
      this.logger.info(`reusing replication slot ${cfg.slotName}; snapshot at ${formatLsn(t.lsn)}`);
      const hw = Object.fromEntries(pending.map((k) => [k, formatLsn(t.lsn)]));
      return { state: { ...base, snapshot: { start: formatLsn(t.lsn), pending, hw } }, snapshot: t.snapshot };
    }
    let start: Lsn;
    let hw: Record<string, string> | undefined;
    if (!slot.exists) {
      const s = await createSlot(repl, cfg.slotName, { exportSnapshot: false }).catch((e) => {
        throw this.err(e, `creating replication slot ${cfg.slotName}`);
      });
      start = s.lsn;
    } else if (mode === 'committed-offset') {
      start = slot.confirmedFlush ?? 0n;
    } else {
      const r = await conn.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      start = parseLsn(r.rows[0].lsn);
      hw = Object.fromEntries(pending.map((k) => [k, formatLsn(start)]));
    }
    return { state: { ...base, stream: { lsn: formatLsn(start), skip: 0, ...(hw ? { hw } : {}) } } };
  }

  /** A temporary slot's exported snapshot and consistent point (the slot goes with its connection). */
  private async temporarySnapshot(): Promise<{ lsn: Lsn; snapshot: string }> {
    const c = await this.source.connect({ replication: true, signal: this.ctx.signal });
    this.snapRepl = c;
    const name = `${this.cfg.slotName.slice(0, 40)}_snap_${process.pid}_${Date.now() % 100000}`;
    const s = await createSlot(c, name, { temporary: true, exportSnapshot: true }).catch((e) => {
      throw this.err(e, 'creating a temporary replication slot for the snapshot');
    });
    return { lsn: s.lsn, snapshot: s.snapshot! };
  }

  private async ensurePublication(conn: pg.Client, tables: readonly PgTable[]): Promise<void> {
    const cfg = this.cfg;
    const pub = cfg.publicationName;
    try {
      const r = await conn.query<{ puballtables: boolean; pubviaroot: boolean }>('SELECT puballtables, pubviaroot FROM pg_publication WHERE pubname = $1', [pub]);
      // changes of a partitioned table come under its own name only when published via the partition root
      const partitioned = tables.filter((t) => t.partitioned);
      if (!r.rows.length) {
        if (cfg.publicationMode === 'disabled') {
          throw new ConfigError(`publication "${pub}" does not exist and debezium.publication.autocreate.mode is disabled`, { connector: CONNECTOR, hint: `CREATE PUBLICATION ${pub} FOR TABLE ... (the captured tables)` });
        }
        const what = cfg.publicationMode === 'all_tables' ? 'FOR ALL TABLES' : `FOR TABLE ${tables.map(qualified).join(', ')}`;
        const via = partitioned.length ? ' WITH (publish_via_partition_root = true)' : '';
        await conn.query(`CREATE PUBLICATION ${quoteIdent(pub)} ${what}${via}`);
        this.logger.info(`created publication ${pub} ${what}${via}`);
        return;
      }
      if (partitioned.length && !r.rows[0].pubviaroot) {
        throw new ConfigError(`publication "${pub}" publishes the partitioned table(s) ${partitioned.map((t) => tableKey(t.schema, t.name)).join(', ')} under their partitions' names`, {
          connector: CONNECTOR,
          hint: `ALTER PUBLICATION ${pub} SET (publish_via_partition_root = true)`,
        });
      }
      if (r.rows[0].puballtables) return;
      const have = await conn.query<{ schemaname: string; tablename: string }>('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [pub]);
      const inPub = new Set(have.rows.map((x) => tableKey(x.schemaname, x.tablename)));
      const missing = tables.filter((t) => !inPub.has(tableKey(t.schema, t.name)));
      if (!missing.length) return;
      if (cfg.publicationMode !== 'filtered') {
        throw new ConfigError(`publication "${pub}" does not include ${missing.map((t) => tableKey(t.schema, t.name)).join(', ')}`, {
          connector: CONNECTOR,
          hint: `ALTER PUBLICATION ${pub} ADD TABLE ...; or set debezium.publication.autocreate.mode to filtered`,
        });
      }
      await conn.query(`ALTER PUBLICATION ${quoteIdent(pub)} ADD TABLE ${missing.map(qualified).join(', ')}`);
      this.logger.info(`added ${missing.map((t) => tableKey(t.schema, t.name)).join(', ')} to publication ${pub}`);
    } catch (e) {
      if (isCdcError(e)) throw e;
      throw this.err(e, `creating publication ${pub}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Snapshot

  /**
   * The snapshot's connections. Each table is read in its own transactions that import the exported snapshot
   * (kept alive by an idle connection that holds no table lock), so a DDL statement on a table waits for that
   * table's read only, not for the whole snapshot.
   */
  private async openWorkers(): Promise<Worker[]> {
    const n = Math.max(1, Math.min(this.ctx.pipeline.parallelism, this.cfg.poolSize));
    const workers: Worker[] = [{ client: this.conn!, own: false }];
    for (let i = 1; i < n; i++) {
      const c = await this.source.connect({ signal: this.ctx.signal });
      this.extra.push(c);
      workers.push({ client: c, own: true });
    }
    if (n > 1) this.logger.info(`snapshot chunks are read in parallel by ${n} connections`);
    return workers;
  }

  private async beginSnapshot(workers: Worker[], snapshot: string): Promise<void> {
    await Promise.all(
      workers.map(async (w) => {
        await w.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await w.client.query(`SET TRANSACTION SNAPSHOT ${w.client.escapeLiteral(snapshot)}`);
      }),
    );
  }

  private async endSnapshot(workers: Worker[]): Promise<void> {
    await Promise.all(workers.map((w) => w.client.query('COMMIT').catch(() => undefined)));
  }

  /** Snapshot-only mode needs no slot: an idle transaction exports its snapshot to the readers. */
  private async exportPlainSnapshot(): Promise<string> {
    const c = await this.source.connect({ signal: this.ctx.signal });
    this.extra.push(c);
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0].s;
  }

  private async *snapshotPhase(initial: PostgresState, exported: string | undefined): AsyncGenerator<SourceBatch, PostgresState> {
    const cfg = this.cfg;
    const snap = initial.snapshot!;
    const hw = lsnMap(snap.hw);
    let snapshotName = exported;
    if (!snapshotName && cfg.startupMode === 'snapshot') snapshotName = await this.exportPlainSnapshot();
    if (!snapshotName) {
      // resumed: the exported snapshot died with the old process; read what is left at a new point
      const t = await this.temporarySnapshot();
      snapshotName = t.snapshot;
      snap.pending.forEach((k, i) => {
        // the partly read table gets no filter: its changes since `start` are replayed after its remaining rows
        if (i > 0 || !snap.from) hw.set(k, t.lsn);
      });
      this.logger.info(`resuming the snapshot at ${formatLsn(t.lsn)}: ${snap.pending.length} table(s) left`);
    }
    const workers = await this.openWorkers();
    const snapshotId = snapshotName;
    const tablesRec = this.tablesRecord();
    const pending = [...snap.pending];
    let from: KeyText | null = snap.from ?? null;
    const streamState = (): PostgresState => ({ v: 1, kind: 'postgres', slot: cfg.slotName, tables: tablesRec, stream: { lsn: snap.start, skip: snap.skip ?? 0, ...(hw.size ? { hw: lsnRecord(hw) } : {}) } });
    const snapState = (rest: string[], next: KeyText | null): PostgresState => ({
      v: 1,
      kind: 'postgres',
      slot: cfg.slotName,
      tables: tablesRec,
      snapshot: { start: snap.start, pending: rest, ...(next ? { from: [...next] } : {}), ...(hw.size ? { hw: lsnRecord(hw) } : {}), ...(snap.skip ? { skip: snap.skip } : {}) },
    });
    while (pending.length && !this.closed) {
      const key = pending[0];
      const rt = this.runtime(key);
      if (!rt) {
        pending.shift();
        continue;
      }
      await this.beginSnapshot(workers, snapshotId).catch((e) => {
        throw this.err(e, 'importing the exported snapshot');
      });
      const plan = await planChunks(workers[0].client, rt, { chunkSize: cfg.chunkSize, from: rt.chunkKey.length ? from : null, distributionLower: cfg.distributionLower, distributionUpper: cfg.distributionUpper }).catch((e) => {
        throw this.err(e, `planning the snapshot of ${key}`);
      });
      let rowsRead = 0;
      const chunks = plan.chunks;
      for await (const { index, events, last: chunkDone } of this.readChunks(workers, rt, chunks)) {
        rowsRead += events.length;
        if (!chunkDone) {
          // rows of a chunk not finished yet: the state stays that of the chunk before
          yield { events };
          continue;
        }
        const last = index === chunks.length - 1;
        if (last) await this.endSnapshot(workers);
        this.ctx.metrics.snapshotProgress({ table: rt.id, rowsRead, ...(plan.estimatedRows !== undefined ? { rowsTotal: plan.estimatedRows } : {}), done: last });
        const st = last ? (pending.length === 1 ? streamState() : snapState(pending.slice(1), null)) : snapState([...pending], chunks[index].pages ? null : chunks[index + 1].lo);
        yield { events, state: () => st as unknown as JsonValue };
        if (this.closed) return st;
      }
      pending.shift();
      from = null;
    }
    await this.endSnapshot(workers);
    for (const c of this.extra.splice(0)) destroy(c);
    destroy(this.snapRepl);
    this.snapRepl = undefined;
    this.logger.info('snapshot done');
    return streamState();
  }

  /**
   * Reads chunks with every worker, at most one chunk ahead per worker, and yields their rows in chunk order,
   * as they arrive: a chunk is never held whole (a worker's socket is paused while its rows wait), so memory
   * stays at a few thousand rows per worker whatever the chunk size. `last` marks the final batch of a chunk.
   */
  private async *readChunks(workers: Worker[], rt: TableRuntime, chunks: Chunk[]): AsyncGenerator<{ index: number; events: Event[]; last: boolean }> {
    interface Live {
      rows: unknown[][];
      done: boolean;
      error: unknown;
      copy?: CopyOut;
    }
    const BATCH = 1024;
    const HIGH = 8192;
    const AHEAD = 1024;
    const live: (Live | undefined)[] = new Array(chunks.length);
    let next = 0;
    let emitted = 0;
    let inFlight = 0;
    let wake: (() => void) | undefined;
    const signal = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const windowWaiters: (() => void)[] = [];
    const id = rt.id;
    const read = async (w: Worker, i: number): Promise<void> => {
      const l: Live = { rows: [], done: false, error: undefined };
      live[i] = l;
      inFlight++;
      this.inFlightMax = Math.max(this.inFlightMax, inFlight);
      try {
        const copy = readChunk(w.client, rt, chunks[i], (row) => {
          const n = l.rows.push(row);
          // the head chunk's rows go out in batches while its COPY keeps flowing; a chunk whose rows wait (a slow
          // consumer) holds its socket, and so does a chunk that is not the head yet after a batch: with
          // parallel connections, four waiting chunks of 8096 rows took the RSS past 200 MB
          if (i === emitted) {
            if (n === BATCH) signal();
            if (n >= HIGH) l.copy?.pause();
          } else if (n >= AHEAD) l.copy?.pause();
        });
        l.copy = copy;
        await copy.done;
      } catch (e) {
        l.error = this.err(e, `reading ${rt.key}`);
      } finally {
        inFlight--;
        l.done = true;
        signal();
      }
    };
    const loops = workers.map(async (w) => {
      // two COPYs in flight per connection: the next chunk's query is sent before the current one ends, so the
      // server goes on with it while the rows of the current one are still being decoded here
      const own: Promise<void>[] = [];
      for (;;) {
        if (this.closed) break;
        const i = next;
        if (i >= chunks.length) break;
        if (own.length >= 2) {
          await own.shift();
          continue;
        }
        // at most two chunks ahead per worker (each holds at most HIGH rows while it waits)
        if (i >= emitted + 2 * workers.length) {
          await new Promise<void>((r) => windowWaiters.push(r));
          continue;
        }
        next++;
        signal();
        own.push(read(w, i));
      }
      await Promise.all(own);
    });
    Promise.all(loops).catch(() => undefined);
    try {
      for (let i = 0; i < chunks.length; i++) {
        for (;;) {
          if (this.closed) return;
          const l = live[i];
          if (l && (l.rows.length >= BATCH || l.done)) {
            if (l.error) throw l.error;
            // events are made when they go out, not while their rows wait: V8 allocated every later event in
            // the old generation (twice the CPU, 190 MB of RSS) in runs where many waiting events had survived a
            // young-generation collection early on
            const rows = l.rows;
            l.rows = [];
            l.copy?.resume();
            const events: Event[] = [];
            for (let k = 0; k < rows.length; k++) events.push(Events.insert(id, rows[k], SNAPSHOT_META));
            const last = l.done && true;
            if (events.length || last) yield { index: i, events, last };
            if (last) break;
            continue;
          }
          await new Promise<void>((r) => {
            wake = r;
          });
        }
        live[i] = undefined;
        emitted = i + 1;
        for (const w of windowWaiters.splice(0)) w();
        if (this.closed) return;
      }
    } finally {
      for (const w of windowWaiters.splice(0)) w();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Streaming

  private async *streamPhase(initial: PostgresState): AsyncGenerator<SourceBatch> {
    const cfg = this.cfg;
    const st = initial.stream!;
    let committed: Lsn = parseLsn(st.lsn);
    let resumeSkip = st.skip;
    const hw = lsnMap(st.hw);
    let maxHw = [...hw.values()].reduce((a, b) => (b > a ? b : a), 0n);
    let tablesRec = this.tablesRecord();
    let inTxn = false;
    let txnEvents = 0;
    let txnFinal: Lsn = 0n;
    let txnMeta: Readonly<Record<string, string>> = Object.freeze({});
    let failures = 0;
    /** pgoutput relation OID -> captured table key (undefined: not captured) */
    const relations = new Map<number, string | undefined>();

    const makeState = (): PostgresState => ({
      v: 1,
      kind: 'postgres',
      slot: cfg.slotName,
      tables: tablesRec,
      stream: { lsn: formatLsn(committed), skip: inTxn ? txnEvents : 0, ...(hw.size ? { hw: lsnRecord(hw) } : {}) },
    });

    const fresh = (): boolean => {
      txnEvents++;
      return txnEvents > resumeSkip;
    };

    const withMeta = cfg.metadataList;

    while (!this.closed) {
      let repl = this.repl;
      this.repl = undefined;
      try {
        if (!repl) repl = await this.source.connect({ replication: true, signal: this.ctx.signal });
        if (this.closed) {
          destroy(repl);
          return;
        }
        this.repl = repl;
        const opts = `proto_version '1', publication_names ${repl.escapeLiteral(cfg.publicationName)}, messages 'true'`;
        const stream = new ReplicationStream(repl, `START_REPLICATION SLOT ${quoteIdent(cfg.slotName)} LOGICAL ${formatLsn(committed)} (${opts})`, this.confirmTarget > 0n ? this.confirmTarget : 0n);
        this.stream = stream;
        await stream.start();
        if (this.confirmTarget > 0n) stream.confirm(this.confirmTarget);
        this.startHeartbeat();
        inTxn = false;
        txnEvents = 0;
        relations.clear();
        failures = 0;
        for (;;) {
          const msgs = await stream.next(this.ctx.signal);
          if (!msgs) break;
          const out: Event[] = [];
          for (const wal of msgs) {
            const m = decodePgOutput(wal.buf, wal.offset);
            switch (m.tag) {
              case 'begin':
                inTxn = true;
                txnEvents = 0;
                txnFinal = m.finalLsn;
                {
                  const ms = Number((m.commitTimeMicros + PG_EPOCH_MICROS) / 1000n);
                  txnMeta = Object.freeze({ op_ts: String(ms), lsn: formatLsn(m.finalLsn), xid: String(m.xid) });
                  this.ctx.metrics.eventTime(ms);
                }
                break;
              case 'commit':
                committed = m.endLsn;
                inTxn = false;
                txnEvents = 0;
                resumeSkip = 0;
                if (maxHw && committed >= maxHw) {
                  hw.clear();
                  maxHw = 0n;
                }
                break;
              case 'relation': {
                const key = tableKey(m.namespace, m.name);
                if (!this.tables.has(key)) {
                  relations.set(m.oid, undefined);
                  const renamed = [...this.tables.values()].find((t) => t.oid === m.oid);
                  if (renamed) {
                    this.logger.warn(`captured table ${renamed.schema}.${renamed.name} was renamed to ${key}: its changes are not captured any more (add the new name to tables and start over with a new snapshot)`);
                  }
                  break;
                }
                relations.set(m.oid, key);
                const changes = await this.onRelation(key, m);
                if (changes.length) {
                  tablesRec = this.tablesRecord();
                  if (cfg.schemaChangeEnabled) out.push(...changes);
                }
                break;
              }
              case 'insert':
              case 'update':
              case 'delete': {
                const key = relations.get(m.oid);
                if (key === undefined) break;
                const h = hw.get(key);
                if (h !== undefined && txnFinal < h) break;
                if (!fresh()) break;
                const rt = this.runtime(key)!;
                const meta = withMeta.length ? this.meta(txnMeta, rt) : txnMeta;
                if (m.tag === 'insert') {
                  out.push(Events.insert(rt.id, this.convert(rt, m.after, null), meta));
                } else if (m.tag === 'update') {
                  // the after image first: it may take unchanged TOASTed values from the raw old tuple
                  const toast = !m.old && m.after.includes(UNCHANGED_TOAST) ? rt.keyIdx.map((i) => m.after[i]) : undefined;
                  let after = this.convert(rt, m.after, m.old);
                  const old = m.old ? this.convert(rt, m.old, null) : m.key ? this.keyRow(rt, m.key) : null;
                  if (after.includes(UNCHANGED_TOAST)) after = await this.fillToast(rt, after, toast ?? []);
                  out.push(Events.update(rt.id, old, after, meta));
                } else {
                  const before = m.old ? this.convert(rt, m.old, null) : this.keyRow(rt, m.key!);
                  out.push(Events.delete(rt.id, before, meta));
                }
                break;
              }
              case 'truncate':
                for (const oid of m.oids) {
                  const key = relations.get(oid);
                  if (key === undefined) continue;
                  const h = hw.get(key);
                  if (h !== undefined && txnFinal < h) continue;
                  if (!fresh()) continue;
                  out.push(Events.truncateTable(this.runtime(key)!.id));
                }
                break;
              case 'message':
                // heartbeats: once received, everything before them was delivered
                if (!m.transactional && !inTxn && m.prefix === HEARTBEAT_PREFIX && m.lsn > committed) committed = m.lsn;
                break;
              default:
                break;
            }
          }
          if (this.closed) return;
          const s = makeState();
          yield { events: out, state: () => s as unknown as JsonValue };
        }
        if (this.closed || this.ctx.signal.aborted) return;
        throw mapPgError({ code: 'ECONNRESET', message: 'the replication stream ended' }, { doing: 'streaming changes' });
      } catch (e) {
        if (this.closed || this.ctx.signal.aborted) return;
        const err = this.err(e, 'streaming changes');
        this.stopHeartbeat();
        destroy(this.repl);
        this.repl = undefined;
        if (!err.retryable || failures >= cfg.connectMaxRetries) throw err;
        failures++;
        const wait = Math.min(30_000, 1000 * 2 ** (failures - 1));
        this.logger.warn(`replication stream lost (${describeError(err)}); reconnecting from ${formatLsn(committed)} in ${wait} ms (attempt ${failures}/${cfg.connectMaxRetries})`);
        resumeSkip = inTxn ? txnEvents : 0;
        await sleep(wait, this.ctx.signal);
      } finally {
        this.stream?.stop();
        this.stream = undefined;
      }
    }
  }

  private meta(base: Readonly<Record<string, string>>, rt: TableRuntime): Readonly<Record<string, string>> {
    const m: Record<string, string> = { ...base };
    for (const k of this.cfg.metadataList) {
      if (k === 'database_name') m.database_name = this.cfg.database;
      else if (k === 'schema_name') m.schema_name = rt.def.schema;
      else if (k === 'table_name') m.table_name = rt.def.name;
    }
    return m;
  }

  private convert(rt: TableRuntime, tuple: TupleValue[], old: TupleValue[] | null): unknown[] {
    const conv = rt.converters;
    if (tuple.length !== conv.length) {
      throw new SchemaError(`a change of ${rt.key} has ${tuple.length} columns but the known schema has ${conv.length}`, {
        connector: CONNECTOR,
        hint: 'a schema change was missed: delete the state dir to start over with a new snapshot',
      });
    }
    // converted in place: the decoded tuple is this event's own array
    const out = tuple as unknown[];
    for (let i = 0; i < conv.length; i++) {
      let v = tuple[i];
      if (v === null) continue;
      // REPLICA IDENTITY FULL: the old tuple holds the value the update left unchanged
      if (v === UNCHANGED_TOAST) {
        if (!old || typeof old[i] === 'symbol' || old[i] === null) {
          out[i] = old && old[i] === null ? null : UNCHANGED_TOAST;
          continue;
        }
        v = old[i] as string;
      }
      out[i] = conv[i](v);
    }
    return out;
  }

  /** A before image from the replica identity key: key columns set, the others unknown (null). */
  private keyRow(rt: TableRuntime, key: TupleValue[]): unknown[] {
    const row = this.convert(rt, key, null);
    return row.map((v) => (v === UNCHANGED_TOAST ? null : v));
  }

  /**
   * REPLICA IDENTITY DEFAULT: an update that did not touch a TOASTed column does not carry it. The current value
   * is read from the table by primary key: it is the value of this update or of a later change, which arrives
   * after this event, so the sink ends with the right value (never NULL in its place).
   */
  private async fillToast(rt: TableRuntime, after: unknown[], rawKey: TupleValue[]): Promise<unknown[]> {
    const missing = after.map((v, i) => (v === UNCHANGED_TOAST ? i : -1)).filter((i) => i >= 0);
    if (!this.toastWarned.has(rt.key)) {
      this.toastWarned.add(rt.key);
      this.logger.warn(`${rt.key}: updates leave TOASTed values out (REPLICA IDENTITY DEFAULT); they are read back from the table by key. ALTER TABLE ${qualified(rt.def)} REPLICA IDENTITY FULL avoids these reads`);
    }
    const out = [...after];
    if (!rt.keyIdx.length || !this.conn || rawKey.length !== rt.keyIdx.length) {
      throw new SchemaError(`${rt.key}: an update left TOASTed column(s) ${missing.map((i) => rt.def.columns[i].name).join(', ')} out and the table has no primary key to read them back`, {
        connector: CONNECTOR,
        hint: `ALTER TABLE ${qualified(rt.def)} REPLICA IDENTITY FULL`,
      });
    }
    const c = this.conn;
    const cols = missing.map((i) => `${quoteIdent(rt.def.columns[i].name)}::text`).join(', ');
    const where = rt.keyIdx.map((i, j) => `${quoteIdent(rt.def.columns[i].name)} = ${c.escapeLiteral(String(rawKey[j]))}`).join(' AND ');
    const r = await c.query<string[]>({ text: `SELECT ${cols} FROM ${qualified(rt.def)} WHERE ${where}`, rowMode: 'array' }).catch((e) => {
      throw this.err(e, `reading unchanged TOASTed values of ${rt.key}`);
    });
    const row = r.rows[0];
    missing.forEach((i, j) => {
      const v = row ? row[j] : null;
      // no row: it was deleted since, and that delete follows this event
      out[i] = v === null || v === undefined ? null : rt.converters[i](v);
    });
    return out;
  }

  /** Compares a Relation message with the known table; returns the schema change events it implies. */
  private async onRelation(key: string, m: Extract<PgOutputMessage, { tag: 'relation' }>): Promise<Event[]> {
    const old = this.tables.get(key)!;
    const sameCols =
      old.columns.length === m.columns.length && old.columns.every((c, i) => c.name === m.columns[i].name && c.typeOid === m.columns[i].typeOid && c.typmod === m.columns[i].typmod);
    if (sameCols) {
      if (old.replicaIdentity !== m.replicaIdentity || old.oid !== m.oid) this.setTable({ ...old, replicaIdentity: m.replicaIdentity, oid: m.oid });
      return [];
    }
    await this.types.load(this.conn!, m.columns.map((c) => c.typeOid));
    // attribute numbers from the catalog tell a rename from a drop + add (when the catalog still matches)
    let cat: PgColumn[] | undefined;
    try {
      const all = new TableFilter(this.cfg.database, `${this.cfg.database}.\\.*.\\.*`, undefined);
      const [t] = await discoverTables(this.conn!, all, this.cfg.includeComments, { schema: old.schema, name: old.name });
      if (t && t.columns.length === m.columns.length && t.columns.every((c, i) => c.name === m.columns[i].name)) cat = [...t.columns];
    } catch {
      cat = undefined;
    }
    const oldByName = new Map(old.columns.map((c) => [c.name, c]));
    const newCols: PgColumn[] = m.columns.map((c, i) => {
      const fromCat = cat?.[i];
      const prev = oldByName.get(c.name);
      return {
        name: c.name,
        typeOid: c.typeOid,
        typmod: c.typmod,
        notNull: fromCat ? fromCat.notNull : (prev?.notNull ?? false),
        attnum: fromCat ? fromCat.attnum : (prev?.attnum ?? -1),
        ...(fromCat?.defaultValue !== undefined ? { defaultValue: fromCat.defaultValue } : {}),
        ...(fromCat?.comment ? { comment: fromCat.comment } : {}),
      };
    });
    const next: PgTable = { ...old, oid: m.oid, replicaIdentity: m.replicaIdentity, columns: newCols, primaryKey: old.primaryKey.filter((k) => newCols.some((c) => c.name === k)) };
    const before = this.runtime(key)!;
    this.setTable(next);
    const after = this.runtime(key)!;
    const events = diffColumns(after.id, old.columns, before.schema, newCols, after.schema, cat !== undefined);
    this.logger.info(`schema of ${key} changed: ${events.map((e) => e.kind).join(', ')}`);
    return events;
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const every = this.cfg.heartbeatIntervalMs;
    if (every <= 0 || !this.conn) return;
    const c = this.conn;
    this.heartbeat = setInterval(() => {
      c.query(`SELECT pg_logical_emit_message(false, '${HEARTBEAT_PREFIX}', '')`).catch((e) => this.logger.warn(`heartbeat failed: ${describeError(e)}`));
    }, every);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async notifyCheckpointComplete(_checkpointId: number, state: JsonValue): Promise<void> {
    const s = state as unknown as PostgresState | null;
    if (!s || typeof s !== 'object' || !s.stream || !isLsnText(s.stream.lsn)) return;
    this.completed.push(parseLsn(s.stream.lsn));
    const delay = this.cfg.lsnCommitDelay;
    if (this.completed.length <= delay) return;
    const target = this.completed[this.completed.length - 1 - delay];
    this.completed.splice(0, this.completed.length - 1 - delay);
    if (target > this.confirmTarget) {
      this.confirmTarget = target;
      this.stream?.confirm(target);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    this.stream?.stop();
    destroy(this.repl);
    destroy(this.snapRepl);
    destroy(this.conn);
    for (const c of this.extra) destroy(c);
  }
}
