/**
 * The connector SPI, after Flink CDC's Factory / DataSource / DataSink / MetadataApplier.
 *
 * Checkpoint protocol (the runtime drives it):
 *   1. the runner stops pulling from the source, takes the state of the last batch it processed, and asks
 *      every SinkWriter to `prepareCommit(id)`: flush (at-least-once) or pre-commit a transaction
 *      (exactly-once) and return its committables;
 *   2. it writes {source state, schemas, committables} atomically to the state dir;
 *   3. it calls `Committer.commit(committables)` and `SourceReader.notifyCheckpointComplete(id)`.
 * After a crash, the runner restores the last state, re-commits its committables (commit is idempotent),
 * lets the committer abort anything else it left behind, and resumes the source from its state.
 */
import type { Event, SchemaChangeEvent, SchemaChangeType } from './events.js';
import type { OptionSpec, PassThroughPrefix, ResolvedOptions } from './options.js';
import type { Schema } from './schema.js';
import type { SchemaChangeBehavior } from './schema-behavior.js';
import type { TableId } from './table-id.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface PipelineInfo {
  readonly name: string;
  readonly parallelism: number;
  /** IANA zone or offset used to interpret TIMESTAMP_LTZ for sources/sinks that need one. */
  readonly localTimeZone: string;
  readonly schemaChangeBehavior: SchemaChangeBehavior;
}

export interface FactoryContext {
  readonly identifier: string;
  readonly options: ResolvedOptions;
  readonly pipeline: PipelineInfo;
  readonly logger: Logger;
}

interface FactoryBase {
  readonly identifier: string;
  readonly description?: string;
  readonly options: readonly OptionSpec[];
  readonly passThroughPrefixes?: readonly PassThroughPrefix[];
}

export interface SourceFactory extends FactoryBase {
  readonly kind: 'source';
  create(ctx: FactoryContext): DataSource;
}

export interface SinkFactory extends FactoryBase {
  readonly kind: 'sink';
  create(ctx: FactoryContext): DataSink;
}

export type Factory = SourceFactory | SinkFactory;

/** What `cdc check --connect` learns from a live server. */
export interface ConnectionCheck {
  /** e.g. `MariaDB`, `PostgreSQL`, `Elasticsearch` */
  readonly system: string;
  readonly version: string;
  /** Prerequisites that are not met (binlog off, wal_level not logical ...), each with what to change. */
  readonly problems: readonly string[];
}

export interface MetadataAccessor {
  listNamespaces?(): Promise<string[]>;
  listSchemas?(namespace?: string): Promise<string[]>;
  listTables(namespace?: string, schema?: string): Promise<TableId[]>;
  getTableSchema(id: TableId): Promise<Schema>;
}

/** Progress of a snapshot, for metrics and the progress bar. */
export interface SnapshotProgress {
  readonly table: TableId;
  readonly rowsRead: number;
  /** Estimate (e.g. from table statistics); undefined when unknown. */
  readonly rowsTotal?: number;
  readonly done: boolean;
}

export interface SourceMetrics {
  snapshotProgress(p: SnapshotProgress): void;
  /** Event time of the change being read, for lag (ms since epoch). */
  eventTime(epochMillis: number): void;
}

export interface SourceReaderContext {
  /** The batch state stored by the last completed checkpoint; undefined on a fresh start. */
  readonly restoredState?: JsonValue;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly metrics: SourceMetrics;
  readonly pipeline: PipelineInfo;
}

/**
 * A batch of events and the source position just after its last event. The position travels with the data
 * because only the runner knows which batches it has processed when a checkpoint is taken: a reader's own
 * "current position" may already be past a batch the runner has not received yet.
 */
export interface SourceBatch {
  readonly events: readonly Event[];
  /**
   * The state to resume from after this batch, JSON. A function so it is built only when a checkpoint needs
   * it; it must capture what it needs (not read mutable reader fields later). Omitted: same as the batch before.
   */
  readonly state?: () => JsonValue;
}

export interface SourceReader {
  /** Events in order, in batches (fewer awaits per event). A bounded source ends the iteration. */
  read(): AsyncIterable<SourceBatch>;
  /** Checkpoint `checkpointId` is durable and committed downstream: the source may release what it kept for it. */
  notifyCheckpointComplete?(checkpointId: number, state: JsonValue): Promise<void>;
  close(): Promise<void>;
}

export interface DataSource {
  metadata(): MetadataAccessor;
  createReader(ctx: SourceReaderContext): SourceReader | Promise<SourceReader>;
  check?(signal: AbortSignal): Promise<ConnectionCheck>;
}

export interface MetadataApplier {
  /** The schema change types this sink applies; the schema operator never sends it others. */
  readonly supportedSchemaChanges: readonly SchemaChangeType[];
  /** Applies one change to the external system (DDL). Throw to refuse; the behaviour decides what follows. */
  applySchemaChange(event: SchemaChangeEvent, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface SinkWriterContext {
  /** Index of this writer among `parallelism` writers; events are partitioned by table + primary key. */
  readonly subtask: number;
  readonly parallelism: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly pipeline: PipelineInfo;
}

export interface SinkWriter {
  /**
   * Data changes and the (already applied) schema changes, in order. A writer sees create.table for every
   * table before its rows, also after a restart. Resolving means accepted, not yet durable.
   */
  write(events: readonly Event[]): Promise<void>;
  /** Make everything written so far durable, or pre-commit it; returns what the Committer needs. */
  prepareCommit(checkpointId: number): Promise<JsonValue | undefined>;
  close(): Promise<void>;
}

export interface Committer {
  /** Commits what prepareCommit returned. Called after the checkpoint is durable; must be idempotent. */
  commit(committables: readonly JsonValue[], checkpointId: number): Promise<void>;
  /**
   * Called once on start, before any write: the committables of the restored checkpoint (to be committed) are
   * passed, so the committer can abort every other pending transaction it left behind.
   */
  recover?(restored: { checkpointId: number; committables: readonly JsonValue[] } | undefined): Promise<void>;
  close?(): Promise<void>;
}

export interface DataSink {
  metadataApplier(): MetadataApplier;
  createWriter(ctx: SinkWriterContext): SinkWriter | Promise<SinkWriter>;
  /** Sinks with two-phase commit (exactly-once) provide one. */
  createCommitter?(): Committer;
  check?(signal: AbortSignal): Promise<ConnectionCheck>;
  close?(): Promise<void>;
}

/** What a connector module exports (default export or a `factories` export). */
export type ConnectorModule = { readonly factories: readonly Factory[] } | { readonly default: Factory | readonly Factory[] };

function checkSpecs(f: Factory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(f.identifier)) {
    throw new TypeError(`connector identifier "${f.identifier}" must be lower-case letters, digits and dashes`);
  }
  const keys = new Set<string>();
  for (const o of f.options) {
    if (keys.has(o.key)) throw new TypeError(`connector "${f.identifier}" declares option "${o.key}" twice`);
    keys.add(o.key);
    if (o.type === 'enum' && !o.values?.length) throw new TypeError(`enum option "${o.key}" of "${f.identifier}" lists no values`);
  }
}

/** Declares a source connector; checks the declaration once, at definition time. */
export function defineSource(f: Omit<SourceFactory, 'kind'>): SourceFactory {
  const out: SourceFactory = { ...f, kind: 'source' };
  checkSpecs(out);
  return out;
}

/** Declares a sink connector; checks the declaration once, at definition time. */
export function defineSink(f: Omit<SinkFactory, 'kind'>): SinkFactory {
  const out: SinkFactory = { ...f, kind: 'sink' };
  checkSpecs(out);
  return out;
}
