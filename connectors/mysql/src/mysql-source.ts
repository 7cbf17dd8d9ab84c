/**
 * The `mysql` DataSource and its reader: incremental snapshot (chunks with low/high watermark backfill, as Flink
 * CDC / Netflix DBLog) followed by the binlog from the snapshot's starting point, filtered so that nothing is lost
 * and nothing duplicated; resumable from the state carried by every batch.
 */
import mysql from 'mysql2';
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
import { BinlogStream, query, type ConnectionConfig, type StartPosition, type StreamEvent } from './binlog/client.js';
import type { BinlogEvent } from './binlog/decoder.js';
import { MariadbGtidPos, MysqlGtidSet, isMariadbGtidText } from './binlog/gtid.js';
import { applyDdl } from './ddl/apply.js';
import { isTransactionControl } from './ddl/parser.js';
import { CONNECTOR, mapMysqlError } from './mysql-errors.js';
import type { MysqlSourceConfig } from './mysql-options.js';
import { convertNativeRow } from './mysql-types.js';
import { comparePositions, formatPosition, type BinlogPosition } from './position.js';
import { ChunkSplitter, type ChunkRange, type KeyTuple, toParam } from './snapshot/chunks.js';
import { discoverTables, type MysqlTable } from './snapshot/discovery.js';
import { readChunkRows, streamRows } from './snapshot/reader.js';
import { arrayRows, type ChunkRows } from './snapshot/chunk-rows.js';
import { TableFilter } from './table-filter.js';
import { buildRuntime, compareKeys, keyString, tableKey, type TableRuntime } from './tables.js';

// ---------------------------------------------------------------------------------------------
// State

interface Watermark extends BinlogPosition {
  readonly gtid?: string;
}

interface FinishedChunk {
  readonly lo: KeyTuple | null;
  readonly hi: KeyTuple | null;
  readonly hw: BinlogPosition;
}

interface SnapshotState {
  /** Binlog position before the first chunk: the binlog phase starts here. */
  readonly start: Watermark;
  /** Tables left to read, in order (the first may be partly read). */
  readonly pending: string[];
  /** Finished chunks per table (with their high watermarks, for the binlog filter). */
  readonly chunks: Record<string, FinishedChunk[]>;
  /** The last finished chunk of the first pending table. */
  readonly last?: { index: number; lo: KeyTuple | null; hi: KeyTuple | null };
}

interface BinlogState {
  readonly file: string;
  readonly pos: number;
  /** Events of the transaction starting at file:pos already emitted (skip them on resume). */
  readonly skip: number;
  readonly gtid?: string;
  /** Drop data events before this time (timestamp startup mode). */
  readonly sinceMillis?: number;
}

export interface MysqlState {
  readonly v: 1;
  readonly mode: string;
  readonly tables: Record<string, MysqlTable>;
  readonly snapshot?: SnapshotState;
  readonly binlog?: BinlogState;
  /** Chunks whose high watermark the binlog has not passed yet. */
  readonly catchUp?: Record<string, FinishedChunk[]>;
  /**
   * Tables added on a restart (scan.newly-added-table.enabled) -> the position their snapshot started at: their
   * binlog events (rows and DDL) before it are in the snapshot already and are skipped.
   */
  readonly since?: Record<string, BinlogPosition>;
}

function parseState(v: JsonValue | undefined): MysqlState | undefined {
  if (v === undefined || v === null) return undefined;
  const s = v as unknown as MysqlState;
  if (typeof s !== 'object' || s.v !== 1 || typeof s.tables !== 'object' || (!s.snapshot && !s.binlog)) {
    throw new StateError('the saved state of the mysql source is not readable', { connector: CONNECTOR, hint: 'delete the state dir to start over with a new snapshot' });
  }
  return s;
}

// ---------------------------------------------------------------------------------------------

const SNAPSHOT_META: Readonly<Record<string, string>> = Object.freeze({ op_ts: '0', snapshot: 'true' });

export class MysqlDataSource implements DataSource {
  readonly filter: TableFilter;

  constructor(
    readonly cfg: MysqlSourceConfig,
    readonly logger: Logger,
  ) {
    this.filter = new TableFilter(cfg.tables, cfg.tablesExclude);
  }

  get connectionConfig(): ConnectionConfig {
    const jdbc = this.cfg.jdbcProperties;
    const extra: Record<string, unknown> = {};
    if (jdbc.useSSL === 'true' || jdbc.sslMode === 'REQUIRED' || jdbc.sslMode === 'VERIFY_CA' || jdbc.sslMode === 'VERIFY_IDENTITY') {
      extra.ssl = { rejectUnauthorized: jdbc.sslMode === 'VERIFY_CA' || jdbc.sslMode === 'VERIFY_IDENTITY' };
    }
    return { host: this.cfg.hostname, port: this.cfg.port, user: this.cfg.username, password: this.cfg.password, connectTimeoutMs: this.cfg.connectTimeoutMs, extra };
  }

  /** A query connection: exact values as text, UTC session time zone. Retries retryable failures. */
  async connect(signal?: AbortSignal): Promise<mysql.Connection> {
    const cc = this.connectionConfig;
    let attempt = 0;
    for (;;) {
      try {
        return await new Promise<mysql.Connection>((resolve, reject) => {
          const conn = mysql.createConnection({
            host: cc.host,
            port: cc.port,
            user: cc.user,
            password: cc.password,
            connectTimeout: cc.connectTimeoutMs,
            supportBigNumbers: true,
            bigNumberStrings: true,
            dateStrings: true,
            jsonStrings: true,
            charset: 'UTF8MB4_GENERAL_CI',
            ...cc.extra,
          });
          conn.once('error', (e) => reject(e));
          conn.connect((err) => {
            if (err) {
              conn.destroy();
              return reject(err);
            }
            conn.on('error', () => undefined);
            conn.query("SET time_zone = '+00:00'", (e) => (e ? reject(e) : resolve(conn)));
          });
        });
      } catch (e) {
        const err = mapMysqlError(e, { address: `${cc.host}:${cc.port}`, user: cc.user, doing: 'connecting' });
        if (!err.retryable || attempt >= this.cfg.connectMaxRetries || signal?.aborted) throw err;
        attempt++;
        const wait = Math.min(30_000, 500 * 2 ** attempt);
        this.logger.warn(`connection failed (${describeError(err)}), retry ${attempt}/${this.cfg.connectMaxRetries} in ${wait} ms`);
        await sleep(wait, signal);
      }
    }
  }

  metadata(): MetadataAccessor {
    return {
      listTables: async (namespace?: string, schemaName?: string): Promise<TableId[]> => {
        const conn = await this.connect();
        try {
          const tables = await discoverTables(conn, this.filter);
          return tables.filter((t) => (schemaName ?? namespace) === undefined || t.db === (schemaName ?? namespace)).map((t) => ({ schema: t.db, table: t.name }));
        } finally {
          conn.destroy();
        }
      },
      getTableSchema: async (id: TableId): Promise<Schema> => {
        const conn = await this.connect();
        try {
          const [t] = await discoverTables(conn, new TableFilter([`${escapeRe(id.schema ?? '')}.${escapeRe(id.table)}`]), { db: id.schema ?? '', table: id.table });
          if (!t) throw new SchemaError(`table ${id.schema}.${id.table} does not exist`, { connector: CONNECTOR });
          return buildRuntime(t, { includeComments: this.cfg.includeComments, tinyInt1isBit: this.cfg.tinyInt1isBit }).schema;
        } finally {
          conn.destroy();
        }
      },
    };
  }

  /** Server version and the binlog prerequisites that are not met, each saying what to change. */
  async check(signal?: AbortSignal): Promise<ConnectionCheck> {
    const conn = await this.connect(signal);
    try {
      return await checkServer(conn);
    } finally {
      conn.destroy();
    }
  }

  createReader(ctx: SourceReaderContext): SourceReader {
    return new MysqlSourceReader(this, ctx);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '.' ? '\\.' : `\\${c}`));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

export async function checkServer(conn: mysql.Connection): Promise<ConnectionCheck> {
  const [v] = await query<Record<string, string | number | null>[]>(conn, 'SELECT VERSION() AS version, @@log_bin AS log_bin, @@binlog_format AS fmt, @@binlog_row_image AS img');
  const version = String(v.version);
  const mariadb = /mariadb/i.test(version);
  const problems: string[] = [];
  if (String(v.log_bin) !== '1' && String(v.log_bin).toUpperCase() !== 'ON') {
    problems.push('the binary log is off: start the server with log_bin (log-bin=mysql-bin) and server_id set');
  }
  if (String(v.fmt).toUpperCase() !== 'ROW') problems.push(`binlog_format is ${v.fmt}: set binlog_format=ROW (SET GLOBAL binlog_format='ROW' and in the server config)`);
  if (String(v.img).toUpperCase() !== 'FULL') problems.push(`binlog_row_image is ${v.img}: set binlog_row_image=FULL (SET GLOBAL binlog_row_image='FULL' and in the server config)`);
  return { system: mariadb ? 'MariaDB' : 'MySQL', version, problems };
}

/** `withGtid: false`: file and position only (chunk watermarks: one round trip less per watermark on MariaDB). */
async function currentPosition(conn: mysql.Connection, mariadb: boolean, withGtid = true): Promise<Watermark> {
  let rows: Record<string, unknown>[];
  try {
    rows = await query<Record<string, unknown>[]>(conn, mariadb ? 'SHOW MASTER STATUS' : 'SHOW MASTER STATUS');
  } catch (e) {
    if ((e as { errno?: number }).errno === 1064) rows = await query<Record<string, unknown>[]>(conn, 'SHOW BINARY LOG STATUS');
    else throw e;
  }
  if (!rows.length) throw new ConfigError('the binary log is off', { connector: CONNECTOR, hint: 'start the server with log_bin and binlog_format=ROW' });
  const r = rows[0];
  let gtid: string | undefined;
  if (mariadb && withGtid) {
    const [g] = await query<{ g: string }[]>(conn, 'SELECT @@global.gtid_binlog_pos AS g');
    gtid = g.g || undefined;
  } else {
    gtid = (r.Executed_Gtid_Set as string | undefined)?.replace(/\s+/g, '') || undefined;
  }
  return { file: String(r.File), pos: Number(r.Position), ...(gtid ? { gtid } : {}) };
}

type Phase = 'snapshot' | 'binlog' | 'done';

interface ChunkBounds {
  readonly lo: unknown[] | null;
  readonly hi: unknown[] | null;
  readonly hw: BinlogPosition;
}

interface SnapshotWorker {
  readonly conn: mysql.Connection;
  /** Server id of this reader's backfill binlog connection. */
  readonly serverId: number;
}

export class MysqlSourceReader implements SourceReader {
  private readonly cfg: MysqlSourceConfig;
  private readonly logger: Logger;
  private conn: mysql.Connection | undefined;
  private stream: BinlogStream | undefined;
  /** Binlog reads of snapshot chunk backfills in progress (one per parallel chunk reader). */
  private readonly backfills = new Set<BinlogStream>();
  private readonly extraConns: mysql.Connection[] = [];
  private workers: SnapshotWorker[] | undefined;
  /** Most chunk reads in flight at once (for tests and logs). */
  inFlightMax = 0;
  private closed = false;
  private mariadb = false;
  private tables = new Map<string, MysqlTable>();
  private runtimes = new Map<string, TableRuntime>();

  constructor(
    private readonly source: MysqlDataSource,
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
      const keyCol = typeof this.cfg.chunkKeyColumns === 'string' ? this.cfg.chunkKeyColumns : this.cfg.chunkKeyColumns?.get(key);
      r = buildRuntime(def, { includeComments: this.cfg.includeComments, tinyInt1isBit: this.cfg.tinyInt1isBit, chunkKeyColumn: keyCol, logger: this.logger });
      this.runtimes.set(key, r);
    }
    return r;
  }

  private setTables(map: ReadonlyMap<string, MysqlTable>): void {
    this.tables = new Map(map);
    this.runtimes.clear();
  }

  private tablesRecord(): Record<string, MysqlTable> {
    return Object.fromEntries(this.tables);
  }

  async *read(): AsyncGenerator<SourceBatch> {
    const conn = await this.source.connect(this.ctx.signal);
    this.conn = conn;
    const check = await checkServer(conn).catch((e) => {
      throw mapMysqlError(e, { doing: 'checking the server' });
    });
    this.mariadb = check.system === 'MariaDB';
    const needsBinlog = !(this.cfg.startupMode === 'snapshot' && this.cfg.backfillSkip);
    if (needsBinlog && check.problems.length) {
      throw new ConfigError(`the server is not ready for change data capture: ${check.problems.join('; ')}`, { connector: CONNECTOR, hint: 'change the server settings above and restart the server' });
    }
    await this.checkGrants(conn);
    let state = parseState(this.ctx.restoredState);
    if (state) {
      state = this.dropRemovedTables(state);
      this.setTables(new Map(Object.entries(state.tables)));
      if (this.cfg.newlyAddedTables) {
        const added = await this.addNewTables(conn, state);
        if (added) {
          state = added.state;
          const s1 = state;
          yield { events: added.creates, state: () => s1 as unknown as JsonValue };
        }
      }
    } else {
      state = await this.freshState(conn);
      const creates: Event[] = [...this.tables.keys()].map((k) => Events.createTable(this.runtime(k)!.id, this.runtime(k)!.schema));
      const s0 = state;
      yield { events: creates, state: () => s0 as unknown as JsonValue };
    }
    if (state.snapshot) {
      state = yield* this.snapshotPhase(conn, state);
      if (this.cfg.startupMode === 'snapshot') return;
    }
    if (this.closed) return;
    yield* this.binlogPhase(state);
  }

  /**
   * On a restart, tables of the state that `tables` / `tables.exclude` no longer match are no longer captured: their
   * snapshot is not finished and their binlog events are skipped, as Flink CDC drops them from its state.
   */
  private dropRemovedTables(state: MysqlState): MysqlState {
    const gone = new Set(Object.values(state.tables).filter((t) => !this.source.filter.matches(t.db, t.name)).map((t) => tableKey(t.db, t.name)));
    if (!gone.size) return state;
    this.logger.info(`table(s) ${[...gone].join(', ')} no longer match tables / tables.exclude: no longer captured`);
    const keep = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).filter(([k]) => !gone.has(k)));
    const snap = state.snapshot;
    let snapshot: SnapshotState | undefined;
    if (snap) {
      const pending = snap.pending.filter((k) => !gone.has(k));
      // `last` belongs to the first pending table: it goes with it
      const { last, ...rest } = snap;
      snapshot = { ...rest, pending, chunks: keep(snap.chunks), ...(last && pending[0] === snap.pending[0] ? { last } : {}) };
    }
    return {
      ...state,
      tables: keep(state.tables),
      ...(snapshot ? { snapshot } : {}),
      ...(state.catchUp ? { catchUp: keep(state.catchUp) } : {}),
      ...(state.since ? { since: keep(state.since) } : {}),
    };
  }

  /**
   * scan.newly-added-table.enabled on a restart: tables that match `tables` now but are not in the state (created
   * while the pipeline was down, or `tables` was widened) are snapshotted, as Flink CDC does, then the binlog goes
   * on from the saved position; their binlog events before their snapshot started are skipped (`since`).
   */
  private async addNewTables(conn: mysql.Connection, state: MysqlState): Promise<{ state: MysqlState; creates: Event[] } | undefined> {
    const found = (await discoverTables(conn, this.source.filter)).filter((t) => !(tableKey(t.db, t.name) in state.tables));
    if (!found.length) return undefined;
    const start = await currentPosition(conn, this.mariadb);
    const keys = found.map((t) => tableKey(t.db, t.name));
    const tables = { ...state.tables, ...Object.fromEntries(found.map((t) => [tableKey(t.db, t.name), t])) };
    this.setTables(new Map(Object.entries(tables)));
    const since = { ...(state.since ?? {}), ...Object.fromEntries(keys.map((k) => [k, { file: start.file, pos: start.pos }])) };
    this.logger.info(`newly added table(s) ${keys.join(', ')}: snapshot, then the binlog from the saved position (scan.newly-added-table.enabled)`);
    const snapshot: SnapshotState = state.snapshot ? { ...state.snapshot, pending: [...state.snapshot.pending, ...keys] } : { start, pending: keys, chunks: {} };
    const creates = keys.map((k) => Events.createTable(this.runtime(k)!.id, this.runtime(k)!.schema));
    return { state: { ...state, tables, snapshot, since }, creates };
  }

  private async checkGrants(conn: mysql.Connection): Promise<void> {
    try {
      const grants = await query<Record<string, string>[]>(conn, 'SHOW GRANTS');
      const text = grants.map((g) => Object.values(g)[0]).join('\n').toUpperCase();
      if (!/ALL PRIVILEGES ON \*\.\*/.test(text) && !/REPLICATION SLAVE|REPLICA/.test(text)) {
        throw mapMysqlError({ errno: 1227, message: `user "${this.cfg.username}" lacks the REPLICATION SLAVE privilege` }, { user: this.cfg.username, doing: 'checking privileges' });
      }
    } catch (e) {
      if (isCdcError(e)) throw e;
      // SHOW GRANTS may be refused in some managed services; the binlog connection reports it then
    }
  }

  private async freshState(conn: mysql.Connection): Promise<MysqlState> {
    const found = await discoverTables(conn, this.source.filter);
    const unmatched = this.source.filter.unmatched(found.map((t) => ({ db: t.db, table: t.name })));
    if (!found.length) this.logger.warn(`no table matches tables "${this.cfg.tables.join(',')}"${this.cfg.tablesExclude.length ? ` minus "${this.cfg.tablesExclude.join(',')}"` : ''}`);
    else if (unmatched.length) this.logger.warn(`table patterns that match no table: ${unmatched.join(', ')}`);
    this.setTables(new Map(found.map((t) => [tableKey(t.db, t.name), t])));
    for (const t of found) {
      if (t.primaryKey.length) continue;
      const k = tableKey(t.db, t.name);
      const keyCol = typeof this.cfg.chunkKeyColumns === 'string' ? this.cfg.chunkKeyColumns : this.cfg.chunkKeyColumns?.get(k);
      const rt = this.runtime(k)!;
      if (keyCol !== undefined && typeof this.cfg.chunkKeyColumns !== 'string' && !rt.keyIdx.length) {
        throw new ConfigError(`scan.incremental.snapshot.chunk.key-column: table ${k} has no column "${keyCol}"`, {
          connector: CONNECTOR,
          hint: `use one of its columns (${t.columns.map((c) => c.name).join(', ')}), e.g. db.table:column`,
        });
      }
      if (!rt.keyIdx.length) {
        this.logger.warn(`table ${k} has no primary key: it is read in one pass (no chunks, no watermark merge: changes during its snapshot may be delivered twice, and a restart during it reads it again); set scan.incremental.snapshot.chunk.key-column to read it in chunks`);
      } else {
        this.logger.info(`table ${k} has no primary key: chunked by ${rt.keyCols[0].name} (scan.incremental.snapshot.chunk.key-column); changes made while a chunk is read may be delivered twice`);
      }
    }
    const mode = this.cfg.startupMode;
    const tables = this.tablesRecord();
    if (mode === 'initial' || mode === 'snapshot') {
      const start = this.cfg.startupMode === 'snapshot' && this.cfg.backfillSkip ? { file: '', pos: 0 } : await currentPosition(conn, this.mariadb);
      return { v: 1, mode, tables, snapshot: { start, pending: [...this.tables.keys()], chunks: {} } };
    }
    let binlog: BinlogState;
    if (mode === 'latest-offset') {
      const p = await currentPosition(conn, this.mariadb);
      binlog = { file: p.file, pos: p.pos, skip: 0, ...(p.gtid ? { gtid: p.gtid } : {}) };
    } else if (mode === 'earliest-offset' || mode === 'timestamp') {
      const logs = await query<{ Log_name: string }[]>(conn, 'SHOW BINARY LOGS');
      if (!logs.length) throw new ConfigError('the binary log is off', { connector: CONNECTOR });
      if (mode === 'timestamp') {
        const since = this.cfg.startupTimestampMillis!;
        const file = await this.binlogFileAt(logs.map((l) => l.Log_name), since);
        this.logger.info(`scan.startup.mode timestamp: reading from binlog file ${file} (the last one begun by ${new Date(since).toISOString()})`);
        binlog = { file, pos: 4, skip: 0, sinceMillis: since };
      } else {
        this.logger.info(`scan.startup.mode earliest-offset: reading from binlog file ${logs[0].Log_name} (the oldest of ${logs.length} on the server)`);
        binlog = { file: logs[0].Log_name, pos: 4, skip: 0 };
      }
    } else {
      const o = this.cfg.specificOffset;
      if (o.file && o.pos !== undefined) {
        const logs = await query<{ Log_name: string; File_size: string | number }[]>(conn, 'SHOW BINARY LOGS');
        const log = logs.find((l) => l.Log_name === o.file);
        if (!log) {
          throw new ConfigError(`scan.startup.specific-offset.file ${o.file} is not on the server (it has ${logs.map((l) => l.Log_name).join(', ') || 'no binlog'})`, {
            connector: CONNECTOR,
            hint: 'the file was purged or the name is wrong: pick one from SHOW BINARY LOGS, or use scan.startup.mode initial',
          });
        }
        if (o.pos < 4 || o.pos > Number(log.File_size)) {
          throw new ConfigError(`scan.startup.specific-offset.pos ${o.pos} is outside ${o.file} (size ${log.File_size})`, { connector: CONNECTOR });
        }
        binlog = { file: o.file, pos: o.pos, skip: o.skipEvents + o.skipRows, ...(o.gtidSet ? { gtid: o.gtidSet } : {}) };
      } else {
        const g = o.gtidSet!;
        try {
          if (isMariadbGtidText(g)) MariadbGtidPos.parse(g);
          else MysqlGtidSet.parse(g);
        } catch (e) {
          throw new ConfigError(`scan.startup.specific-offset.gtid-set "${g}" is not a GTID set: ${(e as Error).message}`, { connector: CONNECTOR, hint: 'MySQL: uuid:1-100,uuid2:1-5; MariaDB: domain-server-sequence, e.g. 0-1-100' });
        }
        binlog = { file: '', pos: 0, skip: o.skipEvents + o.skipRows, gtid: g };
      }
    }
    return { v: 1, mode, tables, binlog };
  }

  /**
   * timestamp startup mode: the last binlog file that began before `millis` (binary search on the time of
   * each file's first event, as Flink CDC does), so the binlog is not read from its very first file; events older
   * than `millis` in that file are dropped by the binlog phase.
   */
  private async binlogFileAt(files: readonly string[], millis: number): Promise<string> {
    // event times are whole seconds: a file begun in the second of `millis` may hold events of that second
    // before it began in the previous file, so only a file begun in an earlier second qualifies
    const second = Math.floor(millis / 1000) * 1000;
    let lo = 0;
    let hi = files.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const began = await this.binlogFileStart(files[mid]);
      if (began < second) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return files[found];
  }

  /** Time (epoch ms) of the first event of a binlog file: its FORMAT_DESCRIPTION event. */
  private async binlogFileStart(file: string): Promise<number> {
    const stream = new BinlogStream({
      connection: this.source.connectionConfig,
      serverId: this.cfg.serverIdStart,
      start: { kind: 'file', file, position: 4 },
      nonBlocking: true,
      heartbeatIntervalMs: 0,
      includeTable: () => false,
      signal: this.ctx.signal,
    });
    try {
      await stream.start();
      for await (const batch of stream.batches()) {
        for (const { event } of batch) if (event.header.timestamp > 0) return event.header.timestamp * 1000;
      }
      return Number.POSITIVE_INFINITY;
    } finally {
      stream.close();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Snapshot

  private async *snapshotPhase(conn: mysql.Connection, state: MysqlState): AsyncGenerator<SourceBatch, MysqlState> {
    let snap = state.snapshot!;
    const tablesRec = state.tables;
    // a snapshot of tables added on a restart carries the binlog state to go on from
    const carried = { ...(state.binlog ? { binlog: state.binlog } : {}), ...(state.catchUp ? { catchUp: state.catchUp } : {}), ...(state.since ? { since: state.since } : {}) };
    const mk = (s: SnapshotState): MysqlState => ({ v: 1, mode: state.mode, tables: tablesRec, snapshot: s, ...carried });
    while (snap.pending.length && !this.closed) {
      const key = snap.pending[0];
      const rt = this.runtime(key);
      if (!rt) {
        snap = { ...snap, pending: snap.pending.slice(1), last: undefined };
        continue;
      }
      const finished = [...(snap.chunks[key] ?? [])];
      let rowsRead = 0;
      if (!rt.keyIdx.length) {
        // no key and no chunk key column: one pass, streamed in batches with back-pressure, no watermark merge;
        // the state moves only at the end of the table (a restart reads it again: at-least-once)
        let batch: Event[] = [];
        try {
          for await (const row of streamRows(conn, rt.def, [], undefined, this.cfg.fetchSize)) {
            batch.push(Events.insert(rt.id, this.convertSnapshotRow(rt, row), SNAPSHOT_META));
            if (batch.length >= this.cfg.fetchSize) {
              yield { events: batch };
              batch = [];
            }
            if (this.closed) return mk(snap);
          }
        } catch (e) {
          throw mapMysqlError(e, { doing: `reading ${rt.key}` });
        }
        const next: SnapshotState = { ...snap, pending: snap.pending.slice(1), last: undefined };
        snap = next;
        const st = mk(next);
        yield { events: batch, state: () => st as unknown as JsonValue };
        continue;
      }
      const splitter = new ChunkSplitter(conn, rt.def, rt.keyCols, this.cfg.chunkSize);
      let prev: ChunkRange | undefined = snap.last ? { index: snap.last.index, lo: snap.last.lo, hi: snap.last.hi } : undefined;
      // Up to `workers.length` chunks are read at once, each on its own connection with its own watermarks and
      // backfill; they are emitted in chunk order, so the state (finished chunks, last chunk) stays a prefix.
      const workers = await this.snapshotWorkers(conn);
      const free = [...workers];
      const queue: { chunk: ChunkRange; read: Promise<{ rows: ChunkRows; hw: BinlogPosition }> }[] = [];
      let splitFrom = prev;
      let exhausted = false;
      // starts chunk reads on free workers; called again as soon as a read ends, so the next chunk is read
      // while the batches of the finished one are consumed
      const fill = async () => {
        while (!exhausted && free.length && queue.length < workers.length) {
          const chunk = await splitter.next(splitFrom).catch((e) => {
            throw mapMysqlError(e, { doing: `splitting ${key} into chunks` });
          });
          if (!chunk) {
            exhausted = true;
            break;
          }
          splitFrom = chunk;
          const w = free.shift()!;
          const read = this.readSnapshotChunk(w, rt, chunk).finally(() => free.push(w));
          read.catch(() => undefined); // seen when it reaches the head of the queue
          queue.push({ chunk, read });
          this.inFlightMax = Math.max(this.inFlightMax, workers.length - free.length);
        }
      };
      for (;;) {
        if (this.closed) return mk(snap);
        await fill();
        const head = queue.shift();
        if (!head) break;
        const { chunk } = head;
        const { rows: all, hw } = await head.read;
        if (this.closed) return mk(snap);
        await fill();
        rowsRead += all.length;
        const fin: FinishedChunk = { lo: chunk.lo, hi: chunk.hi, hw: { file: hw.file, pos: hw.pos } };
        finished.push(fin);
        const next: SnapshotState = { ...snap, chunks: { ...snap.chunks, [key]: [...finished] }, last: { index: chunk.index, lo: chunk.lo, hi: chunk.hi } };
        snap = next;
        const st = mk(next);
        for (let i = 0; i < all.length; i += this.cfg.fetchSize) {
          const end = Math.min(all.length, i + this.cfg.fetchSize);
          // rows are decoded (or handed out) batch by batch and not kept by the chunk afterwards: the heap holds
          // little more than the batch being consumed while the next chunk is read
          const rows = all.slice(i, end);
          const part: Event[] = new Array<Event>(rows.length);
          for (let j = 0; j < rows.length; j++) part[j] = Events.insert(rt.id, rows[j], SNAPSHOT_META);
          const last = end >= all.length;
          yield last ? { events: part, state: () => st as unknown as JsonValue } : { events: part };
        }
        if (!all.length) yield { events: [], state: () => st as unknown as JsonValue };
        this.ctx.metrics.snapshotProgress({ table: rt.id, rowsRead, rowsTotal: rt.def.rowsEstimate || undefined, done: false });
        prev = chunk;
      }
      this.ctx.metrics.snapshotProgress({ table: rt.id, rowsRead, rowsTotal: rt.def.rowsEstimate || undefined, done: true });
      const next: SnapshotState = { ...snap, pending: snap.pending.slice(1), last: undefined };
      snap = next;
      const st = mk(next);
      yield { events: [], state: () => st as unknown as JsonValue };
    }
    // the chunk readers' own connections are not needed by the binlog phase
    for (const c of this.extraConns.splice(0)) c.destroy();
    this.workers = undefined;
    // snapshot done: the binlog starts where the snapshot started (or goes on from the saved position, for tables
    // added on a restart), filtered by the chunks' high watermarks
    const start = snap.start;
    const catchUp = this.cfg.startupMode === 'snapshot' ? undefined : { ...(state.binlog ? state.catchUp : {}), ...snap.chunks };
    const done: MysqlState = {
      v: 1,
      mode: state.mode,
      tables: tablesRec,
      binlog: state.binlog ?? { file: start.file, pos: start.pos, skip: 0, ...(start.gtid ? { gtid: start.gtid } : {}) },
      ...(catchUp && Object.keys(catchUp).length ? { catchUp } : {}),
      ...(state.since ? { since: state.since } : {}),
    };
    yield { events: [], state: () => done as unknown as JsonValue };
    return done;
  }

  /**
   * Snapshot chunk readers: min(pipeline parallelism, connection.pool.size, ids in the server-id range), as Flink
   * CDC (one server id per reader, for the backfill binlog reads). One reader uses the main connection.
   */
  private async snapshotWorkers(conn: mysql.Connection): Promise<SnapshotWorker[]> {
    if (this.workers) return this.workers;
    const ids = this.cfg.serverIdEnd - this.cfg.serverIdStart + 1;
    const n = Math.max(1, Math.min(this.ctx.pipeline.parallelism, this.cfg.poolSize, ids));
    if (this.ctx.pipeline.parallelism > n) {
      this.logger.warn(`snapshot chunks are read by ${n} connection(s), not ${this.ctx.pipeline.parallelism} (pipeline parallelism): connection.pool.size is ${this.cfg.poolSize} and server-id has ${ids} id(s); give server-id a range (e.g. ${this.cfg.serverIdStart}-${this.cfg.serverIdStart + this.ctx.pipeline.parallelism - 1})`);
    }
    if (n === 1) {
      this.workers = [{ conn, serverId: this.cfg.serverIdStart }];
      return this.workers;
    }
    const workers: SnapshotWorker[] = [];
    for (let i = 0; i < n; i++) {
      const c = await this.source.connect(this.ctx.signal);
      this.extraConns.push(c);
      workers.push({ conn: c, serverId: this.cfg.serverIdStart + i });
    }
    this.logger.info(`snapshot chunks are read in parallel by ${n} connections`);
    this.workers = workers;
    return workers;
  }

  /** Reads one chunk between its low and high watermark and merges the binlog in between (DBLog). */
  private async readSnapshotChunk(w: SnapshotWorker, rt: TableRuntime, chunk: ChunkRange): Promise<{ rows: ChunkRows; hw: BinlogPosition }> {
    // chunk watermarks are compared and replayed by file and position only
    const lw = this.cfg.backfillSkip ? undefined : await currentPosition(w.conn, this.mariadb, false);
    let rows = await readChunkRows(w.conn, rt.def, rt.keyCols, chunk, rt.snapshotColumns).catch((e) => {
      throw mapMysqlError(e, { doing: `reading ${rt.key}` });
    });
    let hw: BinlogPosition = { file: '', pos: 0 };
    if (lw && !rt.def.primaryKey.length) {
      // chunked by scan.incremental.snapshot.chunk.key-column, no primary key: a row cannot be identified, so there
      // is no merge; the binlog skips only the chunk's changes before its read began (they are in it) and delivers
      // those made while it was read, which the read may have seen too (at-least-once, as Flink CDC)
      hw = { file: lw.file, pos: lw.pos };
    } else if (lw) {
      hw = await currentPosition(w.conn, this.mariadb, false);
      if (comparePositions(lw, hw) !== 0) {
        // rows by key only when the binlog moved during the read (the common quiet case needs no map)
        const byKey = new Map<string, unknown[]>();
        for (const r of rows.slice(0, rows.length)) byKey.set(keyString(r, rt.keyIdx), r);
        await this.backfill(rt, chunk, byKey, lw, hw, w.serverId);
        rows = arrayRows([...byKey.values()]);
      }
    }
    return { rows, hw };
  }

  /** Converts in place: the array is mysql2's fresh row, and one array less per row is less garbage. */
  private convertSnapshotRow(rt: TableRuntime, row: unknown[]): unknown[] {
    const conv = rt.snapshotConverters;
    for (let i = 0; i < conv.length; i++) row[i] = conv[i](row[i]);
    return row;
  }

  private convertBinlogRow(rt: TableRuntime, row: unknown[]): unknown[] {
    const conv = rt.converters;
    if (row.length !== conv.length) {
      throw new SchemaError(`binlog row of ${rt.key} has ${row.length} columns but the known schema has ${conv.length}`, {
        connector: CONNECTOR,
        hint: 'a schema change was missed (DDL not understood?): restart with a new snapshot (scan.startup.mode initial, empty state)',
      });
    }
    return convertNativeRow(rt.nativeShapes, conv, row);
  }

  private chunkBounds(rt: TableRuntime, c: { lo: KeyTuple | null; hi: KeyTuple | null; hw: BinlogPosition }): ChunkBounds {
    const conv = (t: KeyTuple | null) => (t === null ? null : t.map((v, i) => rt.snapshotConverters[rt.keyIdx[i]](typeof v === 'string' ? v : toParam(v))));
    return { lo: conv(c.lo), hi: conv(c.hi), hw: c.hw };
  }

  /** true / false when certain, undefined when the key order is not known here. */
  private inChunk(rt: TableRuntime, b: { lo: unknown[] | null; hi: unknown[] | null }, key: unknown[]): boolean | undefined {
    if (b.lo) {
      const c = compareKeys(key, b.lo, rt.keyKinds);
      if (c === undefined) return undefined;
      if (c < 0) return false;
    }
    if (b.hi) {
      const c = compareKeys(key, b.hi, rt.keyKinds);
      if (c === undefined) return undefined;
      if (c >= 0) return false;
    }
    return true;
  }

  /** Applies the binlog between the chunk's low and high watermark to the chunk's rows (DBLog). */
  private async backfill(rt: TableRuntime, chunk: ChunkRange, rows: Map<string, unknown[]>, lw: BinlogPosition, hw: BinlogPosition, serverId: number): Promise<void> {
    const bounds = this.chunkBounds(rt, { lo: chunk.lo, hi: chunk.hi, hw });
    const stream = new BinlogStream({
      connection: this.source.connectionConfig,
      serverId,
      start: { kind: 'file', file: lw.file, position: lw.pos },
      nonBlocking: true,
      heartbeatIntervalMs: 0,
      includeTable: (db, t) => db === rt.def.db && t === rt.def.name,
      columnHints: () => rt.hints,
      compactJson: this.cfg.legacyJson,
      signal: this.ctx.signal,
    });
    this.backfills.add(stream);
    try {
      await stream.start();
      const keyOf = (r: unknown[]) => rt.keyIdx.map((i) => r[i]);
      const apply = (r: unknown[], del: boolean) => {
        const k = keyString(r, rt.keyIdx);
        const inside = this.inChunk(rt, bounds, keyOf(r));
        if (inside === false) return;
        if (inside === undefined && !rows.has(k)) return; // not certain: only keys the chunk holds
        if (del) rows.delete(k);
        else rows.set(k, r);
      };
      outer: for await (const batch of stream.batches()) {
        for (const { event, file } of batch) {
          const flat = event.type === 'transaction-payload' ? event.events.map((e) => ({ e, logPos: event.header.logPos })) : [{ e: event, logPos: event.header.logPos }];
          for (const { e, logPos } of flat) {
            if (logPos > 0 && e.type !== 'rotate' && comparePositions({ file, pos: logPos }, hw) > 0) break outer;
            if (e.type !== 'rows') continue;
            for (let i = 0; i < e.rows.length; i++) {
              const row = this.convertBinlogRow(rt, e.rows[i]);
              if (e.op === 'delete') apply(row, true);
              else if (e.op === 'insert') apply(row, false);
              else {
                const before = this.convertBinlogRow(rt, e.before![i]);
                if (keyString(before, rt.keyIdx) !== keyString(row, rt.keyIdx)) apply(before, true);
                apply(row, false);
              }
            }
          }
        }
      }
    } finally {
      stream.close();
      this.backfills.delete(stream);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Binlog

  private async *binlogPhase(initial: MysqlState): AsyncGenerator<SourceBatch> {
    const bl = initial.binlog!;
    const mode = initial.mode;
    const cfg = this.cfg;
    // chunk high watermarks still to filter, per table
    let catchUp: Map<string, ChunkBounds[]> | undefined;
    let catchUpRaw = initial.catchUp;
    let maxHw: BinlogPosition | undefined;
    if (catchUpRaw) {
      catchUp = new Map();
      for (const [k, list] of Object.entries(catchUpRaw)) {
        const rt = this.runtime(k);
        if (!rt) continue;
        catchUp.set(k, list.map((c) => this.chunkBounds(rt, c)));
        for (const c of list) if (c.hw.file && (!maxHw || comparePositions(c.hw, maxHw) > 0)) maxHw = c.hw;
      }
      if (!maxHw) {
        catchUp = undefined;
        catchUpRaw = undefined;
      }
    }
    const gtidIsMaria = bl.gtid !== undefined ? isMariadbGtidText(bl.gtid) : this.mariadb;
    const mysqlGtids = gtidIsMaria ? undefined : bl.gtid ? MysqlGtidSet.parse(bl.gtid) : new MysqlGtidSet();
    const mariaGtids = gtidIsMaria ? MariadbGtidPos.parse(bl.gtid ?? '') : undefined;
    const gtidText = (): string | undefined => (mysqlGtids ? mysqlGtids.toString() : mariaGtids!.toString()) || undefined;

    let failures = 0;
    let committed: BinlogPosition = { file: bl.file, pos: bl.pos };
    let resumeSkip = bl.skip;
    let inTxn = false;
    let txnEvents = 0;
    let txnGtid: string | undefined;
    const sinceMillis = bl.sinceMillis;
    let since = initial.since;
    let maxSince: BinlogPosition | undefined;
    for (const p of Object.values(since ?? {})) if (!maxSince || comparePositions(p, maxSince) > 0) maxSince = p;
    /** The table was added on a restart and its snapshot started after this position. */
    const beforeAdded = (key: string, here: BinlogPosition): boolean => !!since && key in since && comparePositions(here, since[key]) <= 0;
    let useGtidStart = !bl.file && !!bl.gtid;
    let tablesRec = this.tablesRecord();
    let stream: BinlogStream | undefined;

    const makeState = (): MysqlState => {
      const g = gtidText();
      const b: BinlogState = { file: committed.file, pos: committed.pos, skip: inTxn ? txnEvents : 0, ...(g ? { gtid: g } : {}), ...(sinceMillis ? { sinceMillis } : {}) };
      return { v: 1, mode, tables: tablesRec, binlog: b, ...(catchUpRaw ? { catchUp: catchUpRaw } : {}), ...(since ? { since } : {}) };
    };

    const commit = (file: string, logPos: number) => {
      if (logPos > 0 && file) committed = { file, pos: logPos };
      if (txnGtid) {
        if (mysqlGtids) mysqlGtids.add(txnGtid);
        else mariaGtids!.add(txnGtid);
      }
      txnGtid = undefined;
      inTxn = false;
      txnEvents = 0;
      resumeSkip = 0;
      useGtidStart = false;
      if (maxSince && committed.file && comparePositions(committed, maxSince) >= 0) {
        since = undefined;
        maxSince = undefined;
      }
      if (maxHw && committed.file && comparePositions(committed, maxHw) >= 0) {
        catchUp = undefined;
        catchUpRaw = undefined;
        maxHw = undefined;
      }
    };

    /** Counts an event of the open transaction; false when it was emitted before the restart. */
    const fresh = (): boolean => {
      txnEvents++;
      return txnEvents > resumeSkip;
    };

    const handleDdl = (db: string, sql: string, here: BinlogPosition, out: Event[]) => {
      let r = applyDdl(sql, db, this.tables, { filter: this.source.filter, tinyInt1isBit: cfg.tinyInt1isBit, includeComments: cfg.includeComments, logger: this.logger });
      // DDL of a table added on a restart that is older than its snapshot: its definition is already today's
      const early = new Set(r.touched.filter((k) => beforeAdded(k, here)));
      if (early.size) {
        const kept = new Map(r.tables);
        for (const k of early) {
          const old = this.tables.get(k);
          if (old) kept.set(k, old);
          else kept.delete(k);
        }
        r = { ...r, tables: kept, touched: r.touched.filter((k) => !early.has(k)) };
      }
      const isEarly = (e: Event): boolean => early.size > 0 && 'tableId' in e && early.has(tableKey(e.tableId.schema ?? '', e.tableId.table));
      if (r.unknown) {
        const msg = `DDL on captured table(s) ${r.unknown.tables.join(', ')} was not understood (${r.unknown.reason}); statement: ${sql}`;
        if (this.ctx.pipeline.schemaChangeBehavior === 'exception') throw new SchemaError(msg, { connector: CONNECTOR });
        this.logger.warn(msg, { statement: sql });
      }
      if (r.touched.length) {
        this.setTables(r.tables);
        tablesRec = this.tablesRecord();
        for (const k of r.touched) {
          const [d, t] = [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)];
          stream?.decoder.invalidate(d, t);
        }
      }
      for (const e of r.events) {
        if (!fresh() || isEarly(e)) continue;
        if (cfg.schemaChangeEnabled || e.kind === 'create.table') out.push(e);
      }
    };

    const handle = (ev: BinlogEvent, file: string, logPos: number, out: Event[]) => {
      switch (ev.type) {
        case 'rotate':
          if (!inTxn && !(useGtidStart && ev.header.logPos === 0)) committed = { file: ev.nextFile, pos: ev.nextPosition };
          return;
        case 'gtid':
          inTxn = true;
          txnEvents = 0;
          txnGtid = ev.gtid;
          return;
        case 'query': {
          const q = ev.query;
          if (/^\s*BEGIN\b/i.test(q) || /^\s*XA\s+START/i.test(q)) {
            inTxn = true;
            return;
          }
          if (/^\s*(COMMIT|ROLLBACK)\b/i.test(q) || /^\s*XA\s+(END|PREPARE|COMMIT|ROLLBACK)/i.test(q)) {
            if (!/^\s*XA\s+(END|PREPARE)/i.test(q)) commit(file, logPos);
            return;
          }
          if (!isTransactionControl(q)) handleDdl(ev.schema, q, { file, pos: logPos }, out);
          commit(file, logPos);
          return;
        }
        case 'xid':
          commit(file, logPos);
          return;
        case 'rows': {
          const key = tableKey(ev.tableMap.schema, ev.tableMap.table);
          const rt = this.runtime(key);
          if (!rt) return;
          const meta = Object.freeze({ op_ts: String(ev.header.timestamp * 1000), file, pos: String(logPos), ...(txnGtid ? { gtid: txnGtid } : {}) });
          const old = sinceMillis !== undefined && ev.header.timestamp * 1000 < sinceMillis;
          const chunks = catchUp?.get(key);
          const here: BinlogPosition = { file, pos: logPos };
          const skipByChunk = (row: unknown[]): boolean => {
            if (!chunks) return false;
            const k = rt.keyIdx.map((i) => row[i]);
            for (const c of chunks) {
              const inside = this.inChunk(rt, c, k);
              if (inside === true) return comparePositions(here, c.hw) <= 0;
            }
            return false;
          };
          const early = beforeAdded(key, here);
          for (let i = 0; i < ev.rows.length; i++) {
            if (!fresh() || old || early) continue;
            const row = this.convertBinlogRow(rt, ev.rows[i]);
            if (ev.op === 'insert') {
              if (!skipByChunk(row)) out.push(Events.insert(rt.id, row, meta));
            } else if (ev.op === 'delete') {
              if (!skipByChunk(row)) out.push(Events.delete(rt.id, row, meta));
            } else {
              const before = this.convertBinlogRow(rt, ev.before![i]);
              if (!skipByChunk(row) || !skipByChunk(before)) out.push(Events.update(rt.id, before, row, meta));
            }
          }
          return;
        }
        default:
          return;
      }
    };

    while (!this.stopping) {
      const start: StartPosition = useGtidStart ? { kind: 'gtid', gtid: bl.gtid! } : { kind: 'file', file: committed.file, position: committed.pos };
      stream = new BinlogStream({
        connection: this.source.connectionConfig,
        serverId: cfg.serverIdStart,
        start,
        heartbeatIntervalMs: cfg.heartbeatIntervalMs,
        includeTable: (db, t) => this.tables.has(tableKey(db, t)),
        columnHints: (db, t) => this.runtime(tableKey(db, t))?.hints,
        compactJson: cfg.legacyJson,
        signal: this.ctx.signal,
      });
      this.stream = stream;
      inTxn = false;
      txnEvents = 0;
      txnGtid = undefined;
      try {
        await stream.start();
        failures = 0;
        for await (const batch of stream.batches()) {
          const out: Event[] = [];
          for (const se of batch) {
            const ev = se.event;
            if (ev.type === 'transaction-payload') {
              for (const inner of ev.events) handle(inner, se.file, ev.header.logPos, out);
            } else {
              handle(ev, se.file, ev.header.logPos, out);
            }
            if (ev.header.timestamp) this.ctx.metrics.eventTime(ev.header.timestamp * 1000);
          }
          if (this.stopping) return;
          const st = makeState();
          yield { events: out, state: () => st as unknown as JsonValue };
        }
        if (this.stopping) return;
        throw mapMysqlError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'the binlog stream ended' }, { doing: 'reading the binlog' });
      } catch (e) {
        if (this.stopping) return;
        const err = mapMysqlError(e, { doing: 'reading the binlog' });
        if (!err.retryable || failures >= cfg.connectMaxRetries) throw err;
        failures++;
        const wait = Math.min(30_000, 1000 * 2 ** (failures - 1));
        this.logger.warn(`binlog connection lost (${describeError(err)}); reconnecting from ${formatPosition(committed)} in ${wait} ms (attempt ${failures}/${cfg.connectMaxRetries})`);
        // restart at the open transaction's start, skipping what was already emitted of it
        resumeSkip = inTxn ? txnEvents : 0;
        await sleep(wait, this.ctx.signal);
      } finally {
        stream.close();
        this.stream = undefined;
      }
    }
  }

  /** Closed, or the pipeline is stopping (the signal also ends the binlog stream: not a lost connection). */
  private get stopping(): boolean {
    return this.closed || this.ctx.signal.aborted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.close();
    for (const b of this.backfills) b.close();
    this.conn?.destroy();
    for (const c of this.extraConns) c.destroy();
  }
}

