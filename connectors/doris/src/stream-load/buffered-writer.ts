/**
 * The SinkWriter both stream-load sinks share: it keeps each table's schema from the schema events, turns data
 * changes into JSON lines (upsert / delete marker per the `RowOps` of the sink), buffers them per table and
 * hands full buffers to a `TableLoader` — by rows, bytes or interval — with at most `queueSize` loads in flight
 * (different tables; one table's loads stay in order). `write` waits when the queue is full, so memory stays
 * bounded by about (queueSize + tables) x maxBytes. An asynchronous load failure fails the next call.
 */
import {
  applySchemaChange,
  InternalError,
  columnIndex,
  tableIdString,
  type DataChangeEvent,
  type Event,
  type JsonValue,
  type Logger,
  type Schema,
  type SinkWriter,
  type TableId,
} from '@cdc/core';
import { rowWriter } from './json-rows.js';

export interface TableTarget {
  readonly id: TableId;
  readonly key: string;
  readonly schema: Schema;
  /** The table has a primary key: deletes and updates of the key apply. */
  readonly keyed: boolean;
}

export interface TableLoader {
  /** Loads (or stages, in a transaction) one body of `rows` JSON lines for a table. Must keep per-table order. */
  load(t: TableTarget, body: Buffer, rows: number): Promise<void>;
  /** After every load of the checkpoint finished: commit (at-least-once) or pre-commit and describe it. */
  prepareCommit(checkpointId: number): Promise<JsonValue | undefined>;
  close(): Promise<void>;
}

export interface RowOps {
  /** JSON members appended to an upsert line (e.g. `"__op":0`), or undefined. */
  readonly upsert: string | undefined;
  /** JSON members appended to a delete line; undefined when deletes are not applied. */
  readonly delete: string | undefined;
}

export interface BufferedWriterOptions {
  readonly connector: string;
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly flushIntervalMs: number;
  readonly queueSize: number;
  readonly ignoreUpdateBefore: boolean;
  readonly zone: string;
  readonly logger: Logger;
  /** Body framing: JSON lines (Doris read_json_by_line) or one JSON array (StarRocks strip_outer_array). */
  readonly framing?: 'lines' | 'array';
  /** Markers of a table (depends on whether it has a key and on options). */
  rowOps(t: TableTarget): RowOps;
}

interface Buffer_ {
  target: TableTarget;
  lines: string[];
  bytes: number;
  write: (row: readonly unknown[], extra?: string) => string;
  keyIdx: number[];
  ops: RowOps;
  /** The table's last load: the next one starts after it. */
  chain: Promise<void>;
}

export class BufferedWriter implements SinkWriter {
  private readonly tables = new Map<string, Buffer_>();
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warnedDuplicateDelete = new Set<string>();

  constructor(
    private readonly o: BufferedWriterOptions,
    private readonly loader: TableLoader,
  ) {
    this.timer = setInterval(() => this.flushAll(), o.flushIntervalMs);
    this.timer.unref();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private setSchema(id: TableId, schema: Schema): void {
    const key = tableIdString(id);
    const target: TableTarget = { id, key, schema, keyed: schema.primaryKeys.length > 0 };
    const prev = this.tables.get(key);
    this.tables.set(key, {
      target,
      lines: prev?.lines ?? [],
      bytes: prev?.bytes ?? 0,
      write: rowWriter(schema.columns, this.o.zone),
      keyIdx: schema.primaryKeys.map((k) => columnIndex(schema, k)),
      ops: this.o.rowOps(target),
      chain: prev?.chain ?? Promise.resolve(),
    });
  }

  async write(events: readonly Event[]): Promise<void> {
    this.check();
    for (const e of events) {
      switch (e.kind) {
        case 'data': {
          const b = this.tables.get(tableIdString(e.tableId));
          if (!b) throw new InternalError(`data for ${tableIdString(e.tableId)} arrived before its create.table`, { connector: this.o.connector, hint: 'this is a bug in the pipeline runtime or a custom source: every table needs a create.table event first' });
          this.add(b, e);
          if (b.lines.length >= this.o.maxRows || b.bytes >= this.o.maxBytes) await this.flush(b);
          break;
        }
        case 'flush':
          await this.flushTables(e.tableIds.length ? e.tableIds.map(tableIdString) : [...this.tables.keys()]);
          break;
        case 'create.table':
          this.setSchema(e.tableId, e.schema);
          break;
        case 'drop.table':
          await this.flushTables([tableIdString(e.tableId)]);
          this.tables.delete(tableIdString(e.tableId));
          break;
        default: {
          const b = this.tables.get(tableIdString(e.tableId));
          if (!b) break;
          await this.flushTables([b.target.key]);
          this.setSchema(e.tableId, applySchemaChange(b.target.schema, e));
        }
      }
    }
    this.check();
  }

  private add(b: Buffer_, e: DataChangeEvent): void {
    const push = (line: string) => {
      b.lines.push(line);
      b.bytes += line.length + 1;
    };
    const del = (row: readonly unknown[]) => {
      if (b.ops.delete === undefined) {
        if (!b.target.keyed && !this.warnedDuplicateDelete.has(b.target.key)) {
          this.warnedDuplicateDelete.add(b.target.key);
          this.o.logger.warn(`[${this.o.connector}] ${b.target.key} has no primary key: its deletes cannot be applied and are skipped`);
        }
        return;
      }
      push(b.write(row, b.ops.delete));
    };
    switch (e.op) {
      case 'INSERT':
      case 'REPLACE':
        push(b.write(e.after!, b.ops.upsert));
        break;
      case 'UPDATE': {
        // The before image is ignored (sink.ignore.update-before), except when the key changed: the old key must go.
        if (e.before && b.target.keyed && (!this.o.ignoreUpdateBefore || b.keyIdx.some((i) => String(e.before![i]) !== String(e.after![i])))) del(e.before);
        push(b.write(e.after!, b.ops.upsert));
        break;
      }
      case 'DELETE':
        del(e.before!);
        break;
    }
  }

  /** Hands the table's buffer to the loader; waits while `queueSize` loads are in flight. */
  private async flush(b: Buffer_): Promise<void> {
    if (!b.lines.length) return;
    const body = Buffer.from(this.o.framing === 'array' ? `[${b.lines.join(',\n')}]` : b.lines.join('\n'), 'utf8');
    const rows = b.lines.length;
    b.lines = [];
    b.bytes = 0;
    while (this.inflight.size >= this.o.queueSize) await Promise.race(this.inflight);
    const run = b.chain.then(() => (this.failure === undefined ? this.loader.load(b.target, body, rows) : undefined));
    const tracked: Promise<void> = run.then(
      () => {
        this.inflight.delete(tracked);
      },
      (e: unknown) => {
        this.inflight.delete(tracked);
        this.failure ??= e;
      },
    );
    b.chain = tracked;
    this.inflight.add(tracked);
  }

  private flushAll(): void {
    if (this.closed || this.failure !== undefined) return;
    void (async () => {
      for (const b of this.tables.values()) await this.flush(b);
    })().catch((e: unknown) => {
      this.failure ??= e;
    });
  }

  private async flushTables(keys: readonly string[]): Promise<void> {
    for (const k of keys) {
      const b = this.tables.get(k);
      if (b) await this.flush(b);
    }
    await Promise.all(keys.map((k) => this.tables.get(k)?.chain));
    this.check();
  }

  async prepareCommit(checkpointId: number): Promise<JsonValue | undefined> {
    this.check();
    await this.flushTables([...this.tables.keys()]);
    await Promise.all([...this.inflight]);
    this.check();
    return this.loader.prepareCommit(checkpointId);
  }

  /** Buffered rows not yet handed to the loader (for tests and metrics). */
  get bufferedRows(): number {
    let n = 0;
    for (const b of this.tables.values()) n += b.lines.length;
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
    await this.loader.close();
  }
}
