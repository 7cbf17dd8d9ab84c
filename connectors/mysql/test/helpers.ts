import mysql from 'mysql2/promise';
import { ensureService, mariadbConfig } from '@cdc/services';
import { validateOptions, type Event, type JsonValue, type Logger, type SourceReaderContext, type SourceReader, type DataChangeEvent, type Schema } from '@cdc/core';
import { mysqlSourceFactory } from '../src/index.js';
import type { MysqlDataSource } from '../src/mysql-source.js';

export { ensureService, mariadbConfig };

export async function admin(): Promise<mysql.Connection> {
  const c = mariadbConfig();
  return mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
}

export interface Captured {
  readonly warnings: string[];
  readonly logger: Logger;
}

export function captureLogger(): Captured {
  const warnings: string[] = [];
  return {
    warnings,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m) => warnings.push(m),
      error: (m) => warnings.push(m),
    },
  };
}

export function createSource(extra: Record<string, unknown>, logger: Logger = captureLogger().logger): MysqlDataSource {
  const c = mariadbConfig();
  const raw = { hostname: c.host, port: c.port, username: c.user, password: c.password, ...extra };
  const { options } = validateOptions({ owner: 'mysql', specs: mysqlSourceFactory.options, prefixes: mysqlSourceFactory.passThroughPrefixes, raw });
  return mysqlSourceFactory.create({
    identifier: 'mysql',
    options,
    pipeline: { name: 'test', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' },
    logger,
  }) as MysqlDataSource;
}

export interface RunResult {
  events: Event[];
  state: JsonValue | undefined;
  batches: number;
}

/**
 * Runs a reader until `until(events)` is true (or the source ends), calling `onBatch` after each batch.
 * Stops with an error after `timeoutMs`.
 */
export async function runReader(
  source: MysqlDataSource,
  opts: { parallelism?: number; onReader?: (reader: SourceReader) => void; restoredState?: JsonValue; until?: (events: Event[]) => boolean; onBatch?: (n: number, events: Event[]) => Promise<void> | void; timeoutMs?: number; logger?: Logger; stopAfterState?: (events: Event[]) => boolean },
): Promise<RunResult> {
  const ac = new AbortController();
  const ctx: SourceReaderContext = {
    ...(opts.restoredState !== undefined ? { restoredState: opts.restoredState } : {}),
    signal: ac.signal,
    logger: opts.logger ?? captureLogger().logger,
    metrics: { snapshotProgress: () => undefined, eventTime: () => undefined },
    pipeline: { name: 'test', parallelism: opts.parallelism ?? 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' },
  };
  const reader = await source.createReader(ctx);
  opts.onReader?.(reader);
  const events: Event[] = [];
  let state: JsonValue | undefined;
  let batches = 0;
  const timeout = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const run = (async () => {
    for await (const b of reader.read()) {
      batches++;
      events.push(...b.events);
      if (b.state) state = b.state();
      await opts.onBatch?.(batches, events);
      if (opts.stopAfterState && b.state && opts.stopAfterState(events)) break;
      if (opts.until?.(events)) break;
    }
  })();
  try {
    await Promise.race([
      run,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reader did not finish within ${timeout} ms; ${events.length} events so far`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    ac.abort();
    await reader.close();
  }
  return { events, state, batches };
}

export const dataEvents = (events: Event[]): DataChangeEvent[] => events.filter((e): e is DataChangeEvent => e.kind === 'data');

/** Applies events to a key -> row mirror of each table, the way an upserting sink would. */
export class Mirror {
  readonly schemas = new Map<string, Schema>();
  readonly rows = new Map<string, Map<string, readonly unknown[]>>();

  apply(events: readonly Event[]): this {
    for (const e of events) {
      if (e.kind === 'create.table') {
        const k = `${e.tableId.schema}.${e.tableId.table}`;
        this.schemas.set(k, e.schema);
        if (!this.rows.has(k)) this.rows.set(k, new Map());
      } else if (e.kind === 'truncate.table') {
        this.rows.get(`${e.tableId.schema}.${e.tableId.table}`)?.clear();
      } else if (e.kind === 'data') {
        const k = `${e.tableId.schema}.${e.tableId.table}`;
        const s = this.schemas.get(k)!;
        const idx = s.primaryKeys.map((p) => s.columns.findIndex((c) => c.name === p));
        const key = (r: readonly unknown[]) => idx.map((i) => String(r[i])).join('|');
        const m = this.rows.get(k)!;
        if (e.before && (e.op === 'DELETE' || e.op === 'UPDATE')) m.delete(key(e.before));
        if (e.after) m.set(key(e.after), e.after);
      }
    }
    return this;
  }

  table(k: string): Map<string, readonly unknown[]> {
    return this.rows.get(k) ?? new Map();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
