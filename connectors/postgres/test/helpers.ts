import pg from 'pg';
import { ensureService, postgresConfig } from '@cdc/services';
import { validateOptions, type DataChangeEvent, type Event, type JsonValue, type Logger, type Schema, type SourceReader, type SourceReaderContext } from '@cdc/core';
import { postgresSourceFactory } from '../src/index.js';
import type { PostgresDataSource } from '../src/postgres-source.js';

export { ensureService, postgresConfig };

/** A client of the shared server as the cdc superuser, in `database` (default cdc). */
export async function admin(database = 'cdc'): Promise<pg.Client> {
  const c = postgresConfig();
  const client = new pg.Client({ host: c.host, port: c.port, user: c.user, password: c.password, database });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Drops the slots of `database` (terminating their readers) and the database, then creates it again. */
export async function recreateDatabase(database: string): Promise<void> {
  const c = await admin();
  try {
    await dropSlots(c, database);
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${database}`);
  } finally {
    await c.end();
  }
}

export async function dropSlots(c: pg.Client, database: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = await c.query<{ slot_name: string; active_pid: number | null }>('SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1', [database]);
    if (!r.rows.length) return;
    for (const s of r.rows) {
      if (s.active_pid) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]).catch(() => undefined);
      await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]).catch(() => undefined);
    }
    await sleep(200);
  }
}

/** Drops one slot (terminating its reader first): tests free their slots as they go (max_replication_slots). */
export async function dropSlot(name: string): Promise<void> {
  const c = await admin();
  try {
    for (let i = 0; i < 20; i++) {
      const r = await c.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [name]);
      if (!r.rows.length) return;
      if (r.rows[0].active_pid) await c.query('SELECT pg_terminate_backend($1)', [r.rows[0].active_pid]).catch(() => undefined);
      else await c.query('SELECT pg_drop_replication_slot($1)', [name]).catch(() => undefined);
      await sleep(100);
    }
  } finally {
    await c.end();
  }
}

export async function dropDatabase(database: string): Promise<void> {
  const c = await admin();
  try {
    await dropSlots(c, database);
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

export interface Captured {
  readonly warnings: string[];
  readonly logger: Logger;
}

export function captureLogger(): Captured {
  const warnings: string[] = [];
  return {
    warnings,
    logger: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
  };
}

export function createSource(extra: Record<string, unknown>, logger: Logger = captureLogger().logger): PostgresDataSource {
  const c = postgresConfig();
  const raw = { hostname: c.host, port: c.port, username: c.user, password: c.password, 'heartbeat.interval': '1s', ...extra };
  const { options } = validateOptions({ owner: 'postgres', specs: postgresSourceFactory.options, prefixes: postgresSourceFactory.passThroughPrefixes, raw });
  return postgresSourceFactory.create({
    identifier: 'postgres',
    options,
    pipeline: { name: 'test', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' },
    logger,
  }) as PostgresDataSource;
}

export interface RunResult {
  events: Event[];
  state: JsonValue | undefined;
  batches: number;
  reader: SourceReader;
}

/** Runs a reader until `until(events)` holds, calling `onBatch` after each batch; fails after `timeoutMs`. */
export async function runReader(
  source: PostgresDataSource,
  opts: {
    parallelism?: number;
    restoredState?: JsonValue;
    until?: (events: Event[]) => boolean;
    onBatch?: (n: number, events: Event[], reader: SourceReader, state: JsonValue | undefined) => Promise<void> | void;
    timeoutMs?: number;
    logger?: Logger;
  },
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
      await opts.onBatch?.(batches, events, reader, state);
      if (opts.until?.(events)) break;
    }
  })();
  try {
    await Promise.race([
      run,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reader did not finish within ${timeout} ms; ${events.length} events so far: ${JSON.stringify(events.slice(-3), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    ac.abort();
    await reader.close();
  }
  return { events, state, batches, reader };
}

export const dataEvents = (events: Event[]): DataChangeEvent[] => events.filter((e): e is DataChangeEvent => e.kind === 'data');

/** Applies events to a key -> row mirror of each table, the way an upserting sink would. */
export class Mirror {
  readonly schemas = new Map<string, Schema>();
  readonly rows = new Map<string, Map<string, unknown[]>>();

  apply(events: readonly Event[]): this {
    for (const e of events) {
      if (e.kind === 'flush') continue;
      const k = `${e.tableId.schema}.${e.tableId.table}`;
      if (e.kind === 'create.table') {
        this.schemas.set(k, e.schema);
        if (!this.rows.has(k)) this.rows.set(k, new Map());
      } else if (e.kind === 'truncate.table') {
        this.rows.get(k)?.clear();
      } else if (e.kind === 'add.column') {
        const s = this.schemas.get(k)!;
        const cols = [...s.columns, ...e.columns.map((c) => c.column)];
        this.schemas.set(k, { ...s, columns: cols });
        for (const r of this.table(k).values()) for (let i = 0; i < e.columns.length; i++) r.push(null);
      } else if (e.kind === 'rename.column') {
        const s = this.schemas.get(k)!;
        this.schemas.set(k, { ...s, columns: s.columns.map((c) => ({ ...c, name: e.nameMapping[c.name] ?? c.name })) });
      } else if (e.kind === 'drop.column') {
        const s = this.schemas.get(k)!;
        const keep = s.columns.map((c, i) => (e.droppedColumnNames.includes(c.name) ? -1 : i)).filter((i) => i >= 0);
        this.schemas.set(k, { ...s, columns: keep.map((i) => s.columns[i]) });
        const m = this.table(k);
        for (const [key, r] of m) m.set(key, keep.map((i) => r[i]));
      } else if (e.kind === 'data') {
        const s = this.schemas.get(k)!;
        const idx = s.primaryKeys.map((p) => s.columns.findIndex((c) => c.name === p));
        const key = (r: readonly unknown[]) => idx.map((i) => String(r[i])).join('|');
        const m = this.table(k);
        if (e.before && (e.op === 'DELETE' || e.op === 'UPDATE')) m.delete(key(e.before));
        if (e.after) m.set(key(e.after), [...e.after]);
      }
    }
    return this;
  }

  table(k: string): Map<string, unknown[]> {
    let m = this.rows.get(k);
    if (!m) {
      m = new Map();
      this.rows.set(k, m);
    }
    return m;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
