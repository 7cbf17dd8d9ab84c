/**
 * Loads the writer's bodies into Doris: one stream load per body with label
 * `<prefix>-<db>_<table>-<subtask>-<checkpoint>-<n>`, retried with backoff under the same label (a retry never
 * loads twice: "Label Already Exists" for our own earlier attempt means it went through). With sink.enable-2pc
 * each load is pre-committed (two_phase_commit) and listed in the committable; a pre-committed leftover of a
 * crashed run met under the same label is aborted first. Without 2PC labels get a per-run suffix and
 * prepareCommit only waits for the loads (at-least-once; UNIQUE KEY upserts make replays harmless).
 */
import { randomBytes } from 'node:crypto';
import { StateError, SinkError, tableIdString, type JsonValue, type Logger } from '@cdc/core';
import { withRetries } from './stream-load/stream-load-client.js';
import { makeLabel } from './stream-load/labels.js';
import { endLeftoverLoads } from './stream-load/leftovers.js';
import type { TableLoader, TableTarget } from './stream-load/buffered-writer.js';
import { dorisName } from './doris-ddl.js';
import type { DorisHttp } from './doris-http.js';
import { CONNECTOR, type DorisConfig } from './doris-options.js';

export interface PendingTxn {
  readonly db: string;
  readonly table: string;
  readonly label: string;
  readonly txnId: number;
}

/** What a writer hands to the committer for one checkpoint (JSON). */
export interface DorisCommittable {
  readonly labelPrefix: string;
  readonly subtask: number;
  readonly txns: PendingTxn[];
  /** Every table this writer knows, so a recovery can look for its leftovers. */
  readonly tables: { db: string; table: string }[];
}

export class DorisLoader implements TableLoader {
  private checkpoint: number;
  private readonly counters = new Map<string, number>();
  private readonly attempted = new Set<string>();
  private pending: PendingTxn[] = [];
  private readonly known = new Map<string, { db: string; table: string }>();
  private readonly run = randomBytes(4).toString('hex');

  constructor(
    private readonly cfg: DorisConfig,
    private readonly http: DorisHttp,
    private readonly subtask: number,
    restoredCheckpoint: number,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {
    this.checkpoint = restoredCheckpoint + 1;
  }

  private headers(t: TableTarget, label: string): Record<string, string> {
    const h: Record<string, string> = { format: 'json', read_json_by_line: 'true', label };
    if (this.cfg.enable2pc) h['two_phase_commit'] = 'true';
    if (t.keyed && this.cfg.enableDelete) h['hidden_columns'] = '__DORIS_DELETE_SIGN__';
    for (const [k, v] of Object.entries(this.cfg.streamLoadProps)) h[k] = v;
    // The body is JSON lines whatever the properties say.
    h['format'] = 'json';
    h['read_json_by_line'] = 'true';
    delete h['strip_outer_array'];
    return h;
  }

  async load(t: TableTarget, body: Buffer, rows: number): Promise<void> {
    const { db, table } = dorisName(t.id);
    this.known.set(t.key, { db, table });
    const n = this.counters.get(t.key) ?? 0;
    this.counters.set(t.key, n + 1);
    const label = makeLabel({ prefix: this.cfg.labelPrefix, db, table, subtask: this.subtask, checkpoint: this.checkpoint, n, ...(this.cfg.enable2pc ? {} : { run: this.run }) });
    const headers = this.headers(t, label);
    await withRetries(
      async () => {
        const ours = this.attempted.has(label);
        this.attempted.add(label);
        const out = await this.http.load(db, table, headers, body, this.signal);
        if (out.kind === 'success') {
          if (out.publishTimeout) this.logger.info(`[doris] load ${label} into ${tableIdString(t.id)}: Publish Timeout (committed, visible shortly)`);
          if (this.cfg.enable2pc) this.pending.push({ db, table, label, txnId: Number(out.response.TxnId) });
          return;
        }
        const status = out.existingStatus;
        if (status === 'RUNNING' || status === 'PREPARE') {
          throw new SinkError(`label ${label} is still loading (an earlier attempt)`, { connector: CONNECTOR, retryable: true });
        }
        if (ours) {
          // Our earlier attempt went through but its answer was lost.
          if (this.cfg.enable2pc) {
            if (status !== 'PRECOMMITTED' || out.txnId === undefined) throw new StateError(`label ${label} is ${status} after a lost answer; expected PRECOMMITTED`, { connector: CONNECTOR });
            this.pending.push({ db, table, label, txnId: out.txnId });
          }
          return;
        }
        if (this.cfg.enable2pc && status === 'PRECOMMITTED') {
          // A leftover of a crashed run (its checkpoint never completed): abort it and load again.
          this.logger.info(`[doris] aborting leftover pre-committed transaction ${out.txnId ?? '?'} (label ${label})`);
          await this.http.abort(db, out.txnId !== undefined ? { txnId: out.txnId } : { label, table });
          throw new SinkError(`label ${label} was held by a leftover transaction (aborted)`, { connector: CONNECTOR, retryable: true });
        }
        if (status === 'FINISHED' || status === 'VISIBLE' || status === 'COMMITTED') {
          throw new StateError(`label ${label} was already used by a committed load into ${db}.${table}`, {
            connector: CONNECTOR,
            hint: 'another pipeline, or this one started without its state, uses the same sink.label-prefix: set a new sink.label-prefix (exactly-once needs one prefix per pipeline run history)',
          });
        }
        throw new SinkError(`label ${label} exists with status ${status}`, { connector: CONNECTOR, retryable: true });
      },
      { maxRetries: this.cfg.maxRetries, baseDelayMs: this.cfg.retryBaseMs, logger: this.logger, what: `stream load ${label} (${rows} rows) into ${db}.${table}`, ...(this.signal ? { signal: this.signal } : {}) },
    );
  }

  async prepareCommit(checkpointId: number): Promise<JsonValue | undefined> {
    if (this.cfg.enable2pc) await this.abortLeftoversAfter(checkpointId);
    this.checkpoint = checkpointId + 1;
    this.counters.clear();
    if (!this.cfg.enable2pc) return undefined;
    const c: DorisCommittable = { labelPrefix: this.cfg.labelPrefix, subtask: this.subtask, txns: this.pending, tables: [...this.known.values()] };
    this.pending = [];
    return c as unknown as JsonValue;
  }

  /**
   * Labels of this checkpoint past the ones this run used (n >= count) can only be leftovers of a crashed run
   * (e.g. of a table the restored checkpoint did not know yet): abort those still pre-committed.
   */
  private async abortLeftoversAfter(checkpointId: number): Promise<void> {
    for (const [key, used] of this.counters) {
      const t = this.known.get(key);
      if (!t) continue;
      await endLeftoverLoads({
        labelAt: (n) => makeLabel({ prefix: this.cfg.labelPrefix, db: t.db, table: t.table, subtask: this.subtask, checkpoint: checkpointId, n }),
        from: used,
        state: (label) => this.http.loadState(t.db, label),
        pending: ['PRECOMMITTED'],
        end: async (label) => {
          this.logger.info(`[doris] aborting leftover pre-committed load ${label}`);
          await this.http.abort(t.db, { label, table: t.table });
        },
      });
    }
  }

  async close(): Promise<void> {
    // Pre-committed loads not handed to a checkpoint are left for the next run's recovery (or Doris' timeout).
  }
}
