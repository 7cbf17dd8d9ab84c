/**
 * Pipeline metrics: per-table change counts, throughput, lag and snapshot progress; reported as a progress
 * bar on a terminal and as log lines otherwise.
 */
import { tableIdString, type DataChangeEvent, type Logger, type SnapshotProgress, type SourceMetrics } from '@cdc/core';

export interface TableCounters {
  inserts: number;
  updates: number;
  deletes: number;
  schemaChanges: number;
}

export interface MetricsSnapshot {
  readonly startedAt: string;
  readonly uptimeMs: number;
  readonly events: number;
  /** Events per second since the previous snapshot. */
  readonly eventsPerSecond: number;
  /** Now minus the source time of the last change (ms); undefined before the first change with a time. */
  readonly lagMs: number | undefined;
  readonly tables: Readonly<Record<string, Readonly<TableCounters>>>;
  readonly snapshot: readonly SnapshotProgress[];
  readonly checkpoints: { readonly completed: number; readonly lastId?: number; readonly lastDurationMs?: number; readonly lastAt?: string };
}

export class PipelineMetrics implements SourceMetrics {
  private readonly started = Date.now();
  private events = 0;
  private lastEventTime: number | undefined;
  /** Parsed only when a snapshot is taken. */
  private lastOpTs: string | undefined;
  private readonly tables = new Map<string, TableCounters>();
  private readonly progress = new Map<string, SnapshotProgress>();
  private checkpoints: { completed: number; lastId?: number; lastDurationMs?: number; lastAt?: string } = { completed: 0 };
  private rateMark = { at: Date.now(), events: 0 };

  private counters(key: string): TableCounters {
    let c = this.tables.get(key);
    if (!c) this.tables.set(key, (c = { inserts: 0, updates: 0, deletes: 0, schemaChanges: 0 }));
    return c;
  }

  /** Sources reuse one TableId object per table: look counters up by identity first (hot path). */
  private readonly byId = new WeakMap<object, TableCounters>();

  dataChange(e: DataChangeEvent): void {
    this.events++;
    let c = this.byId.get(e.tableId);
    if (!c) {
      c = this.counters(tableIdString(e.tableId));
      this.byId.set(e.tableId, c);
    }
    if (e.op === 'INSERT' || e.op === 'REPLACE') c.inserts++;
    else if (e.op === 'UPDATE') c.updates++;
    else c.deletes++;
    const ts = e.meta.op_ts;
    if (ts !== undefined) this.lastOpTs = ts;
  }

  schemaChange(table: string): void {
    this.events++;
    this.counters(table).schemaChanges++;
  }

  snapshotProgress(p: SnapshotProgress): void {
    this.progress.set(tableIdString(p.table), p);
  }

  eventTime(epochMillis: number): void {
    this.lastEventTime = epochMillis;
  }

  checkpointDone(id: number, durationMs: number): void {
    this.checkpoints = { completed: this.checkpoints.completed + 1, lastId: id, lastDurationMs: durationMs, lastAt: new Date().toISOString() };
  }

  snapshot(): MetricsSnapshot {
    const now = Date.now();
    if (this.lastOpTs !== undefined) {
      const n = Number(this.lastOpTs);
      if (n > 0) this.lastEventTime = n;
      this.lastOpTs = undefined;
    }
    const dt = (now - this.rateMark.at) / 1000;
    const rate = dt > 0 ? (this.events - this.rateMark.events) / dt : 0;
    this.rateMark = { at: now, events: this.events };
    return {
      startedAt: new Date(this.started).toISOString(),
      uptimeMs: now - this.started,
      events: this.events,
      eventsPerSecond: Math.round(rate),
      lagMs: this.lastEventTime === undefined ? undefined : Math.max(0, now - this.lastEventTime),
      tables: Object.fromEntries([...this.tables].map(([k, v]) => [k, { ...v }])),
      snapshot: [...this.progress.values()],
      checkpoints: { ...this.checkpoints },
    };
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function bar(fraction: number, width = 24): string {
  const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** One line describing snapshot progress and throughput. */
export function describeProgress(m: MetricsSnapshot): string {
  const running = m.snapshot.filter((p) => !p.done);
  const doneTables = m.snapshot.filter((p) => p.done).length;
  const parts: string[] = [];
  if (running.length) {
    const read = running.reduce((a, p) => a + p.rowsRead, 0);
    const total = running.every((p) => p.rowsTotal !== undefined) ? running.reduce((a, p) => a + (p.rowsTotal ?? 0), 0) : undefined;
    const name = running.length === 1 ? tableIdString(running[0].table) : `${running.length} tables`;
    if (total) {
      const f = Math.min(1, read / total);
      const eta = m.eventsPerSecond > 0 ? Math.max(0, Math.round((total - read) / m.eventsPerSecond)) : undefined;
      parts.push(`snapshot ${name} ${bar(f)} ${Math.floor(f * 100)}% ${fmt(read)}/${fmt(total)} rows${eta !== undefined ? ` ETA ${eta}s` : ''}`);
    } else {
      parts.push(`snapshot ${name} ${fmt(read)} rows`);
    }
    if (doneTables) parts.push(`${doneTables} tables done`);
  } else if (m.snapshot.length) {
    parts.push(`snapshot done (${doneTables} tables)`);
  }
  parts.push(`${fmt(m.events)} events`, `${fmt(m.eventsPerSecond)}/s`);
  if (m.lagMs !== undefined) parts.push(`lag ${(m.lagMs / 1000).toFixed(1)}s`);
  if (m.checkpoints.lastId !== undefined) parts.push(`checkpoint #${m.checkpoints.lastId}`);
  return parts.join(' | ');
}

/**
 * Reports metrics: on a terminal a progress line redrawn in place; otherwise a log line every interval.
 * `clear()` lets log lines print over a drawn progress line.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly metrics: PipelineMetrics,
    private readonly logger: Logger,
    private readonly opts: { tty: boolean; intervalMs: number; stream?: NodeJS.WriteStream },
  ) {}

  start(): void {
    const every = this.opts.tty ? 500 : this.opts.intervalMs;
    this.timer = setInterval(() => this.report(), every);
    this.timer.unref();
  }

  clear(): void {
    if (this.drawn && this.opts.stream) {
      this.opts.stream.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  report(): void {
    const line = describeProgress(this.metrics.snapshot());
    if (this.opts.tty && this.opts.stream) {
      const width = this.opts.stream.columns ?? 120;
      this.opts.stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
      this.drawn = true;
    } else {
      this.logger.info(line);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
