/**
 * The values source: emits a list of events given in the pipeline file (`events`), a JSON-lines file
 * (`events.file`) or a built-in set (`event-set.id`), in batches. Its state is `{ next }`, the index of the next
 * event, carried by every batch; a reader restored from it resumes there. With `source.unbounded` the reader stays
 * open after the last event (following the file as lines are appended) until the pipeline stops.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigError,
  defineSource,
  SchemaError,
  SourceError,
  StateError,
  tableIdString,
  type DataSource,
  type Event,
  type FactoryContext,
  type JsonValue,
  type Logger,
  type MetadataAccessor,
  type Schema,
  type SourceBatch,
  type SourceReader,
  type SourceReaderContext,
  type TableId,
} from '@cdc/core';
import { EventCompiler, eventSetItems, parseEventsText, parseJsonLine, type SpecItem } from './event-spec.js';
import { CONNECTOR, parseSourceConfig, SOURCE_OPTIONS, type SourceConfig } from './options.js';

/** How often an unbounded reader looks for lines appended to events.file. */
const POLL_MS = 20;

/**
 * Reads an events file incrementally: only whole lines (a last line without newline only when it is complete
 * JSON, or when the file is read to its end for good), so a line being appended is never read half.
 */
class EventsFile {
  private consumed = 0;
  private nextLine = 1;
  private index = 0;

  constructor(readonly path: string) {}

  readNew(final: boolean): SpecItem[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError(code === 'ENOENT' ? `events.file ${this.path} does not exist` : `cannot read events.file ${this.path}: ${(e as Error).message}`, {
        connector: CONNECTOR,
        hint: 'events.file is resolved against the working directory',
      });
    }
    if (size < this.consumed) {
      throw new SourceError(`events.file ${this.path} shrank from ${this.consumed} to ${size} bytes while it was read`, {
        connector: CONNECTOR,
        hint: 'the values source only follows appends; restart the pipeline with a fresh state dir after rewriting the file',
      });
    }
    if (size === this.consumed) return [];
    const buf = Buffer.alloc(size - this.consumed);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.consumed);
    } finally {
      closeSync(fd);
    }
    // 0x0A never occurs inside a multi-byte UTF-8 sequence, so cutting at the last newline never splits a character
    const lastNl = buf.lastIndexOf(0x0a);
    let take = lastNl + 1;
    const rest = buf.subarray(take).toString('utf8');
    if (rest.trim() && (final || isCompleteJson(rest))) take = buf.length;
    const text = buf.subarray(0, take).toString('utf8');
    this.consumed += take;
    const out: SpecItem[] = [];
    const lines = text.split('\n');
    if (text.endsWith('\n')) lines.pop();
    for (const raw of lines) {
      const line = this.nextLine++;
      if (!raw.trim()) continue;
      out.push(parseJsonLine(raw, `${this.path}:${line} (event ${this.index++})`));
    }
    return out;
  }
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The events of a source, compiled in order; with a file, more can be appended later. */
class EventLog {
  readonly events: Event[] = [];
  private readonly compiler = new EventCompiler();
  private readonly file: EventsFile | undefined;
  readonly label: string;

  constructor(cfg: SourceConfig, final: boolean) {
    const o = cfg.origin;
    this.label = o.kind === 'inline' ? 'the events option' : o.kind === 'file' ? `events.file ${o.path}` : `event-set.id ${o.id}`;
    if (o.kind === 'file') {
      this.file = new EventsFile(o.path);
      this.pull(final);
    } else {
      this.add(o.kind === 'inline' ? parseEventsText(o.text) : eventSetItems(o.id));
    }
  }

  get follows(): boolean {
    return this.file !== undefined;
  }

  /** Reads lines appended to the file; returns how many events were added. */
  pull(final: boolean): number {
    return this.file ? this.add(this.file.readNew(final)) : 0;
  }

  private add(items: readonly SpecItem[]): number {
    for (const item of items) this.events.push(this.compiler.compile(item));
    return items.length;
  }

  tables(): { readonly id: TableId; readonly schema: Schema }[] {
    return this.compiler.tables();
  }
}

const preview = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
};

/** The index to resume from; a state of another shape is corrupted. */
function restoredNext(raw: JsonValue | undefined, log: EventLog): number {
  if (raw === undefined) return 0;
  const o = raw as Record<string, unknown> | null;
  const ok =
    o !== null && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length === 1 && typeof o.next === 'number' && Number.isSafeInteger(o.next) && o.next >= 0;
  if (!ok) {
    throw new StateError(`values source state is corrupted: expected {"next": <index of the next event>}, got ${preview(raw)}`, {
      connector: CONNECTOR,
      hint: 'delete the pipeline state dir to start over from the first event',
    });
  }
  const next = o.next as number;
  if (next > log.events.length) {
    throw new StateError(`values source state resumes at event ${next}, but ${log.label} has only ${log.events.length} events`, {
      connector: CONNECTOR,
      hint: 'the events changed since the checkpoint was taken; delete the pipeline state dir to start over',
    });
  }
  return next;
}

class ValuesSourceReader implements SourceReader {
  private closed = false;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly cfg: SourceConfig,
    private readonly log: EventLog,
    private readonly start: number,
    ctx: SourceReaderContext,
  ) {
    // close() must also end a reader that is waiting (unbounded), whatever the pipeline's signal does
    this.signal = AbortSignal.any([ctx.signal, this.stop.signal]);
  }

  async *read(): AsyncGenerator<SourceBatch> {
    const { batchSize, failureAfter, delayMs, unbounded } = this.cfg;
    const events = this.log.events;
    let i = this.start;
    let emitted = 0;
    for (;;) {
      while (i < events.length) {
        if (this.signal.aborted) return;
        if (failureAfter !== undefined && emitted >= failureAfter) {
          throw new SourceError(`injected failure after ${emitted} events (source.failure.after: ${failureAfter}), before event ${i}`, {
            connector: CONNECTOR,
            hint: 'remove source.failure.after from the source options; it exists for failure tests',
          });
        }
        let end = Math.min(i + batchSize, events.length);
        if (failureAfter !== undefined) end = Math.min(end, i + failureAfter - emitted);
        const next = end;
        yield { events: events.slice(i, end), state: () => ({ next }) };
        emitted += end - i;
        i = end;
        if (delayMs > 0 && (i < events.length || unbounded) && !(await this.pause(delayMs))) return;
      }
      if (!unbounded || this.signal.aborted) return;
      if (this.log.follows) {
        if (!(await this.pause(POLL_MS))) return;
        this.log.pull(false);
      } else if (!(await this.pause(2 ** 31 - 1))) {
        return;
      }
    }
  }

  /** Sleeps; false when the reader was stopped meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
  }
}

class ValuesMetadata implements MetadataAccessor {
  constructor(private readonly tablesNow: () => { readonly id: TableId; readonly schema: Schema }[]) {}

  async listNamespaces(): Promise<string[]> {
    return [...new Set(this.tablesNow().flatMap((t) => (t.id.namespace === undefined ? [] : [t.id.namespace])))].sort();
  }

  async listSchemas(namespace?: string): Promise<string[]> {
    const ts = this.tablesNow().filter((t) => namespace === undefined || t.id.namespace === namespace);
    return [...new Set(ts.flatMap((t) => (t.id.schema === undefined ? [] : [t.id.schema])))].sort();
  }

  /** Tables created (and not dropped) by the events; an argument left out matches any. */
  async listTables(namespace?: string, schema?: string): Promise<TableId[]> {
    return this.tablesNow()
      .filter((t) => (namespace === undefined || t.id.namespace === namespace) && (schema === undefined || t.id.schema === schema))
      .map((t) => t.id)
      .sort((a, b) => (tableIdString(a) < tableIdString(b) ? -1 : 1));
  }

  /** The schema after all the events (schema changes included). */
  async getTableSchema(id: TableId): Promise<Schema> {
    const all = this.tablesNow();
    const t = all.find((x) => tableIdString(x.id) === tableIdString(id));
    if (!t) {
      throw new SchemaError(`table ${tableIdString(id)} is not created by the values source's events (tables: ${all.map((x) => tableIdString(x.id)).join(', ') || 'none'})`, {
        connector: CONNECTOR,
      });
    }
    return t.schema;
  }
}

class ValuesDataSource implements DataSource {
  private readonly checked: EventLog;

  constructor(
    private readonly cfg: SourceConfig,
    private readonly logger: Logger,
  ) {
    // compile once now so that a bad spec fails before the pipeline starts, naming the event
    this.checked = new EventLog(cfg, !cfg.unbounded);
  }

  /** The file is read again: a reader or the metadata sees what was appended since. */
  private fresh(): EventLog {
    return this.cfg.origin.kind === 'file' ? new EventLog(this.cfg, !this.cfg.unbounded) : this.checked;
  }

  metadata(): MetadataAccessor {
    return new ValuesMetadata(() => this.fresh().tables());
  }

  createReader(ctx: SourceReaderContext): SourceReader {
    const log = this.fresh();
    const start = restoredNext(ctx.restoredState, log);
    this.logger.info(`values source: ${log.events.length} events from ${log.label}, starting at event ${start}${this.cfg.unbounded ? ' (unbounded)' : ''}`);
    return new ValuesSourceReader(this.cfg, log, start, ctx);
  }
}

export const valuesSource = defineSource({
  identifier: CONNECTOR,
  description: 'In-memory source for tests and demos (like Flink CDC values): emits events from the pipeline file, a JSON-lines file or a built-in set',
  options: SOURCE_OPTIONS,
  create(ctx: FactoryContext): DataSource {
    return new ValuesDataSource(parseSourceConfig(ctx.options), ctx.logger);
  },
});
