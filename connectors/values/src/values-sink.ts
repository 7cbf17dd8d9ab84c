/**
 * The values sink: writes into a named in-memory ValuesDatabase, optionally prints every event (Flink CDC's
 * values-sink format) and writes the database to a JSON file at every checkpoint, so a test can see what a
 * `cdc run` subprocess made durable.
 *
 * Who does what, as in Flink CDC: the metadata applier applies schema changes to the database (schema and
 * stored rows, once); each writer keeps its own view of every table's schema, built from the schema change
 * events it receives, to read the rows that follow them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  applySchemaChange as applyToSchema,
  defineSink,
  formatType,
  SinkError,
  tableIdString,
  UnsupportedError,
  type Column,
  type DataSink,
  type DataType,
  type Event,
  type FactoryContext,
  type JsonValue,
  type Logger,
  type MetadataApplier,
  type Schema,
  type SchemaChangeEvent,
  type SchemaChangeType,
  type SinkWriter,
  type SinkWriterContext,
} from '@cdc/core';
import { CONNECTOR, parseSinkConfig, SINK_OPTIONS, type FailurePoint, type SinkConfig } from './options.js';
import { ValuesDatabase } from './values-database.js';

// ---------------------------------------------------------------------------------------------
// Print format

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Map) return `{${[...v.entries()].map(([k, x]) => `${formatValue(k)}=${formatValue(x)}`).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return String(v);
}

const formatRow = (row: readonly unknown[] | null): string => `[${(row ?? []).map(formatValue).join(', ')}]`;
const formatPairs = (m: Readonly<Record<string, string>>): string => `{${Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
/** `()` when empty, `({k=v, ...})` otherwise, as Flink CDC prints meta and options. */
const formatParenMap = (m: Readonly<Record<string, string>>): string => (Object.keys(m).length ? `(${formatPairs(m)})` : '()');

function formatColumn(c: Column): string {
  const comment = c.comment === undefined ? '' : ` '${c.comment.replace(/'/g, "''")}'`;
  const def = c.defaultValue === undefined ? '' : ` DEFAULT ${c.defaultValue}`;
  return `\`${c.name}\` ${formatType(c.type)}${comment}${def}`;
}

function formatSchemaFlink(s: Schema): string {
  const parts = [`columns={${s.columns.map(formatColumn).join(',')}}`, `primaryKeys=${s.primaryKeys.join(';')}`];
  if (s.partitionKeys.length) parts.push(`partitionKeys=${s.partitionKeys.join(';')}`);
  parts.push(`options=${formatParenMap(s.options)}`);
  if (s.comment !== undefined) parts.push(`comment=${s.comment}`);
  return parts.join(', ');
}

/**
 * One line per event, in the format of Flink CDC's values sink, e.g.
 * `CreateTableEvent{tableId=db.t, schema=columns={`id` BIGINT NOT NULL,`name` STRING}, primaryKeys=id, options=()}`,
 * `DataChangeEvent{tableId=db.t, before=[], after=[1, a], op=INSERT, meta=()}`. Values print as text: null as
 * `null`, bytes as base64, BIGINT and DECIMAL exactly.
 */
export function formatEvent(event: Event): string {
  if (event.kind === 'flush') return `FlushEvent{tableIds=[${event.tableIds.map(tableIdString).join(', ')}], reason=${event.reason}}`;
  const t = tableIdString(event.tableId);
  switch (event.kind) {
    case 'data':
      return `DataChangeEvent{tableId=${t}, before=${formatRow(event.before)}, after=${formatRow(event.after)}, op=${event.op}, meta=${formatParenMap(event.meta)}}`;
    case 'create.table':
      return `CreateTableEvent{tableId=${t}, schema=${formatSchemaFlink(event.schema)}}`;
    case 'add.column': {
      const cols = event.columns.map((a) => `ColumnWithPosition{column=${formatColumn(a.column)}, position=${a.position}, existedColumnName=${a.existingColumn ?? 'null'}}`);
      return `AddColumnEvent{tableId=${t}, addedColumns=[${cols.join(', ')}]}`;
    }
    case 'drop.column':
      return `DropColumnEvent{tableId=${t}, droppedColumnNames=[${event.droppedColumnNames.join(', ')}]}`;
    case 'rename.column':
      return `RenameColumnEvent{tableId=${t}, nameMapping=${formatPairs(event.nameMapping)}}`;
    case 'alter.column.type': {
      const types = (m: Readonly<Record<string, DataType>>) => formatPairs(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, formatType(v)])));
      return `AlterColumnTypeEvent{tableId=${t}, typeMapping=${types(event.typeMapping)}${event.oldTypeMapping ? `, oldTypeMapping=${types(event.oldTypeMapping)}` : ''}}`;
    }
    case 'truncate.table':
      return `TruncateTableEvent{tableId=${t}}`;
    case 'drop.table':
      return `DropTableEvent{tableId=${t}}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Failure injection

function injected(point: FailurePoint, detail: string): InstanceType<typeof SinkError> {
  return new SinkError(`injected failure (sink.failure.at: ${point.text}) ${detail}`, {
    connector: CONNECTOR,
    hint: 'remove sink.failure.at from the sink options; it exists for failure tests',
  });
}

function failCall(cfg: SinkConfig, db: ValuesDatabase, kind: 'write' | 'prepare-commit'): void {
  const n = db.countCall(kind);
  const point = cfg.failures.find((p) => p.kind === kind && p.nth === n);
  if (point) throw injected(point, `at ${kind} call ${n}`);
}

// ---------------------------------------------------------------------------------------------

class ValuesMetadataApplier implements MetadataApplier {
  readonly supportedSchemaChanges: readonly SchemaChangeType[];

  constructor(
    private readonly cfg: SinkConfig,
    private readonly db: ValuesDatabase,
  ) {
    this.supportedSchemaChanges = cfg.errorOnSchemaChange ? ['create.table'] : cfg.supportedSchemaChanges;
  }

  async applySchemaChange(event: SchemaChangeEvent, _signal: AbortSignal): Promise<void> {
    const point = this.cfg.failures.find((p) => p.kind === 'apply' && (p.change === '*' || p.change === event.kind));
    if (point) throw injected(point, `applying ${event.kind} to ${tableIdString(event.tableId)}`);
    if (this.cfg.errorOnSchemaChange && event.kind !== 'create.table') {
      throw new UnsupportedError(`rejected schema change ${formatEvent(event)} since error.on.schema.change is enabled`, {
        connector: CONNECTOR,
        hint: 'set error.on.schema.change: false on the sink, or pipeline.schema.change.behavior to ignore or lenient',
      });
    }
    if (!this.supportedSchemaChanges.includes(event.kind)) {
      throw new UnsupportedError(`schema change ${event.kind} on ${tableIdString(event.tableId)} is not among supported.schema.changes (${this.supportedSchemaChanges.join(', ')})`, {
        connector: CONNECTOR,
        hint: 'add it to the sink option supported.schema.changes',
      });
    }
    this.db.applySchemaChange(event);
  }

  async close(): Promise<void> {}
}

class ValuesSinkWriter implements SinkWriter {
  /** This writer's view of each table's schema: the layout of the rows it receives. */
  private readonly views = new Map<string, Schema>();
  private closed = false;
  private readonly prefix: string;

  constructor(
    private readonly cfg: SinkConfig,
    private readonly db: ValuesDatabase,
    private readonly ctx: SinkWriterContext,
  ) {
    // Flink prefixes printed lines with the subtask when there are several
    this.prefix = ctx.parallelism > 1 ? `${ctx.subtask}> ` : '';
  }

  async write(events: readonly Event[]): Promise<void> {
    if (this.closed) throw new SinkError('write() after close()', { connector: CONNECTOR });
    failCall(this.cfg, this.db, 'write');
    if (this.cfg.writeDelayMs > 0) await sleep(this.cfg.writeDelayMs, undefined, { signal: this.ctx.signal });
    const lines: string[] = [];
    try {
      for (const e of events) {
        if (e.kind === 'flush') continue;
        this.writeOne(e);
        if (this.cfg.print) lines.push(this.prefix + formatEvent(e));
      }
    } finally {
      // what was applied is printed, also when a later event of the call fails
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    }
  }

  private writeOne(e: Exclude<Event, { kind: 'flush' }>): void {
    const key = tableIdString(e.tableId);
    if (e.kind === 'data') {
      const view = this.views.get(key);
      if (!view) {
        throw new SinkError(`${e.op} for table ${key} before its create.table reached this writer`, {
          connector: CONNECTOR,
          hint: 'a writer must receive create.table for every table before its rows (also after a restart)',
        });
      }
      if (this.cfg.materialized) this.db.applyDataChange(e, view);
      return;
    }
    switch (e.kind) {
      case 'create.table':
        this.views.set(key, e.schema);
        // used without the metadata applier (a writer alone), the writer creates the table itself
        if (this.cfg.materialized && !this.db.hasTable(e.tableId)) this.db.applySchemaChange(e);
        return;
      case 'drop.table':
        this.views.delete(key);
        return;
      default: {
        const view = this.views.get(key);
        if (!view) {
          throw new SinkError(`${e.kind} for table ${key} before its create.table reached this writer`, { connector: CONNECTOR });
        }
        this.views.set(key, applyToSchema(view, e));
      }
    }
  }

  async prepareCommit(checkpointId: number): Promise<JsonValue | undefined> {
    if (this.closed) throw new SinkError('prepareCommit() after close()', { connector: CONNECTOR });
    failCall(this.cfg, this.db, 'prepare-commit');
    // everything is applied in write(); with an output file, make the content durable now
    if (this.cfg.outputFile) this.db.writeOutputFile(this.cfg.outputFile, checkpointId);
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

class ValuesDataSink implements DataSink {
  private readonly db: ValuesDatabase;
  private started = false;

  constructor(
    private readonly cfg: SinkConfig,
    private readonly logger: Logger,
  ) {
    this.db = ValuesDatabase.instance(cfg.sinkId);
  }

  /** On first use, not in create(): creating a sink (e.g. to validate it) must not touch the database. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    if (this.cfg.outputFile && this.db.loadOutputFile(this.cfg.outputFile)) {
      this.logger.info(`values sink "${this.cfg.sinkId}": restored ${this.db.tables().length} table(s) from ${this.cfg.outputFile}`);
    }
  }

  metadataApplier(): MetadataApplier {
    this.start();
    return new ValuesMetadataApplier(this.cfg, this.db);
  }

  createWriter(ctx: SinkWriterContext): SinkWriter {
    this.start();
    return new ValuesSinkWriter(this.cfg, this.db, ctx);
  }

  async close(): Promise<void> {}
}

export const valuesSink = defineSink({
  identifier: CONNECTOR,
  description: 'In-memory sink for tests and demos (like Flink CDC values): upserts rows into a named ValuesDatabase, can print events and write its content to a file',
  options: SINK_OPTIONS,
  create(ctx: FactoryContext): DataSink {
    return new ValuesDataSink(parseSinkConfig(ctx.options), ctx.logger);
  },
});
