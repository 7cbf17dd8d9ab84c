/**
 * Loads the writer's bodies into StarRocks. With the transaction API (exactly-once, or at-least-once with
 * sink.at-least-once.use-transaction-stream-load on a 2.4+ server) each body is one transaction under label
 * `<prefix>-<db>_<table>-<subtask>-<checkpoint>-<n>`: begin, load, prepare, then commit now (at-least-once) or
 * after the checkpoint in the committer (exactly-once). A failed step rolls the transaction back and the whole
 * sequence is retried under the same label. Without the API, a plain stream load per body (at-least-once).
 * At-least-once labels carry a per-run suffix so a replay after a restart is never taken for a retry.
 */
import { randomBytes } from 'node:crypto';
import { SinkError, StateError, tableIdString, type JsonValue, type Logger } from '@cdc/core';
import { endLeftoverLoads, makeLabel, withRetries, type TableLoader, type TableTarget } from '@cdc/connector-doris/stream-load';
import { srName } from './starrocks-ddl.js';
import type { StarRocksHttp } from './starrocks-http.js';
import { CONNECTOR, type StarRocksConfig } from './starrocks-options.js';

export interface StarRocksCommittable {
  readonly labelPrefix: string;
  readonly subtask: number;
  readonly txns: { db: string; table: string; label: string }[];
  readonly tables: { db: string; table: string }[];
}

const DONE = new Set(['FINISHED', 'VISIBLE', 'COMMITTED']);

export class StarRocksLoader implements TableLoader {
  private checkpoint: number;
  private readonly counters = new Map<string, number>();
  private readonly attempted = new Set<string>();
  private pending: StarRocksCommittable['txns'] = [];
  private readonly known = new Map<string, { db: string; table: string }>();
  private readonly run = randomBytes(4).toString('hex');
  private readonly partialCache = new Map<string, { schema: TableTarget['schema']; partial: boolean }>();

  constructor(
    private readonly cfg: StarRocksConfig,
    private readonly http: StarRocksHttp,
    private readonly subtask: number,
    restoredCheckpoint: number,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
    /** Column names of the StarRocks table (for partial update detection). */
    private readonly columnsOf: (db: string, table: string) => Promise<string[]> = async () => [],
  ) {
    this.checkpoint = restoredCheckpoint + 1;
  }

  /**
   * Partial update is detected from the schemas, as the StarRocks connector does since 1.2.8: when the StarRocks
   * table has columns the rows do not carry, the load updates only the carried ones (instead of resetting the
   * others). An explicit sink.properties.partial_update wins. Looked up once per table schema.
   */
  private async partial(t: TableTarget, db: string, table: string): Promise<boolean> {
    const set = this.cfg.streamLoadProps['partial_update'];
    if (set !== undefined) return /^true$/i.test(set);
    const cached = this.partialCache.get(t.key);
    if (cached && cached.schema === t.schema) return cached.partial;
    const cols = await this.columnsOf(db, table);
    const carried = new Set(t.schema.columns.map((c) => c.name.toLowerCase()));
    const partial = cols.some((c) => !carried.has(c.toLowerCase()));
    if (partial) this.logger.info(`[starrocks] ${db}.${table} has columns the source does not send: loads are partial updates`);
    this.partialCache.set(t.key, { schema: t.schema, partial });
    return partial;
  }

  private headers(t: TableTarget, partial: boolean): Record<string, string> {
    const h: Record<string, string> = { ...this.cfg.streamLoadProps };
    if (partial) h['partial_update'] = 'true';
    h['format'] = 'json';
    h['strip_outer_array'] = 'true';
    h['ignore_json_size'] = 'true';
    delete h['read_json_by_line'];
    h['columns'] = [...t.schema.columns.map((c) => `\`${c.name.replace(/`/g, '``')}\``), '__op'].join(',');
    return h;
  }

  async load(t: TableTarget, body: Buffer, rows: number): Promise<void> {
    const { db, table } = srName(t.id);
    this.known.set(t.key, { db, table });
    const n = this.counters.get(t.key) ?? 0;
    this.counters.set(t.key, n + 1);
    const label = makeLabel({ prefix: this.cfg.labelPrefix, db, table, subtask: this.subtask, checkpoint: this.checkpoint, n, ...(this.cfg.exactlyOnce ? {} : { run: this.run }) });
    const useTxn = this.cfg.exactlyOnce || (this.cfg.useTransaction && (await this.http.hasTransactionApi()));
    if (this.cfg.exactlyOnce && !(await this.http.hasTransactionApi())) {
      throw new SinkError('sink.semantic exactly-once needs the transaction stream load API of StarRocks 2.4+', { connector: CONNECTOR, hint: 'upgrade StarRocks or use sink.semantic: at-least-once' });
    }
    const what = `${useTxn ? 'transaction ' : ''}stream load ${label} (${rows} rows) into ${db}.${table}`;
    await withRetries(() => (useTxn ? this.transaction(db, table, t, label, body) : this.plain(db, table, t, label, body)), {
      maxRetries: this.cfg.maxRetries,
      baseDelayMs: this.cfg.retryBaseMs,
      logger: this.logger,
      what,
      ...(this.signal ? { signal: this.signal } : {}),
    });
  }

  private async plain(db: string, table: string, t: TableTarget, label: string, body: Buffer): Promise<void> {
    const ours = this.attempted.has(label);
    this.attempted.add(label);
    const out = await this.http.streamLoad(db, table, { ...this.headers(t, await this.partial(t, db, table)), label }, body, this.signal);
    if (out.kind === 'success') return;
    if (DONE.has(out.existingStatus) && ours) return;
    if (DONE.has(out.existingStatus)) throw new StateError(`label ${label} was already used by a committed load into ${db}.${table}`, { connector: CONNECTOR, hint: 'set a new sink.label-prefix' });
    throw new SinkError(`label ${label} is ${out.existingStatus} (an earlier attempt still loading)`, { connector: CONNECTOR, retryable: true });
  }

  private async transaction(db: string, table: string, t: TableTarget, label: string, body: Buffer): Promise<void> {
    const ours = this.attempted.has(label);
    this.attempted.add(label);
    const begin = await this.http.txn('begin', { db, table, label }, undefined, this.signal);
    if (begin.Status === 'LABEL_ALREADY_EXISTS' || begin.Status === 'Label Already Exists') {
      const status = String(begin.ExistingJobStatus ?? 'UNKNOWN');
      if (DONE.has(status)) {
        if (ours && !this.cfg.exactlyOnce) return; // our earlier attempt committed, its answer was lost
        throw new StateError(`label ${label} was already used by a committed load into ${db}.${table}`, {
          connector: CONNECTOR,
          hint: 'another pipeline, or this one started without its state, uses the same sink.label-prefix: set a new sink.label-prefix',
        });
      }
      if (status === 'PREPARED' && ours) {
        if (this.cfg.exactlyOnce) this.pending.push({ db, table, label });
        else await this.http.commit(db, label);
        return;
      }
      // A leftover of a crashed run (or our own attempt cut short): roll it back and start over.
      this.logger.info(`[starrocks] rolling back ${status} transaction of label ${label} before loading it again`);
      await this.http.rollback(db, label);
      throw new SinkError(`label ${label} was held by a ${status} transaction (rolled back)`, { connector: CONNECTOR, retryable: true });
    }
    if (begin.Status !== 'OK') throw new SinkError(`begin of transaction ${label} failed: ${begin.Status} ${begin.Message ?? ''}`, { connector: CONNECTOR, retryable: !/unknown table|not exist/i.test(String(begin.Message)) });
    try {
      const loaded = await this.http.txn('load', { ...this.headers(t, await this.partial(t, db, table)), db, table, label }, body, this.signal);
      if (loaded.Status !== 'OK' && loaded.Status !== 'Success') throw await this.http.client.failure(loaded, `${this.http.fe()}/api/transaction/load`, label);
      const prepared = await this.http.txn('prepare', { db, label }, undefined, this.signal);
      if (prepared.Status !== 'OK') throw await this.http.client.failure(prepared, `${this.http.fe()}/api/transaction/prepare`, label);
    } catch (e) {
      await this.http.rollback(db, label).catch(() => undefined);
      throw e;
    }
    if (this.cfg.exactlyOnce) this.pending.push({ db, table, label });
    else {
      await this.http.commit(db, label);
      this.logger.debug(`[starrocks] committed ${label} into ${tableIdString(t.id)}`);
    }
  }

  async prepareCommit(checkpointId: number): Promise<JsonValue | undefined> {
    if (this.cfg.exactlyOnce) await this.rollbackLeftoversAfter(checkpointId);
    this.checkpoint = checkpointId + 1;
    this.counters.clear();
    if (!this.cfg.exactlyOnce) return undefined;
    const c: StarRocksCommittable = { labelPrefix: this.cfg.labelPrefix, subtask: this.subtask, txns: this.pending, tables: [...this.known.values()] };
    this.pending = [];
    return c as unknown as JsonValue;
  }

  /** Labels of this checkpoint past the ones this run used can only be a crashed run's: roll back prepared ones. */
  private async rollbackLeftoversAfter(checkpointId: number): Promise<void> {
    for (const [key, used] of this.counters) {
      const t = this.known.get(key);
      if (!t) continue;
      await endLeftoverLoads({
        labelAt: (n) => makeLabel({ prefix: this.cfg.labelPrefix, db: t.db, table: t.table, subtask: this.subtask, checkpoint: checkpointId, n }),
        from: used,
        state: (label) => this.http.loadState(t.db, label),
        pending: ['PREPARED', 'PREPARE'],
        end: async (label) => {
          this.logger.info(`[starrocks] rolling back leftover transaction ${label}`);
          await this.http.rollback(t.db, label);
        },
      });
    }
  }

  async close(): Promise<void> {}
}
