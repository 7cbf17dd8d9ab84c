/**
 * Doris' HTTP endpoints: where a stream load goes (FE with redirect, a BE from benodes, or a BE from the FE's
 * backend list), 2PC commit/abort on `/api/{db}/_stream_load_2pc`, and label states.
 */
import { SinkError, StateError } from '@cdc/core';
import { StreamLoadClient, withRetries, type LoadOutcome } from './stream-load/stream-load-client.js';
import { CONNECTOR, type DorisConfig } from './doris-options.js';

const enc = encodeURIComponent;

export class DorisHttp {
  readonly client: StreamLoadClient;
  private next = 0;
  private backends: Promise<string[]> | undefined;

  constructor(readonly cfg: DorisConfig) {
    this.client = new StreamLoadClient({ connector: CONNECTOR, user: cfg.username, password: cfg.password });
  }

  /** An FE base URL (round robin over fenodes). */
  feUrl(): string {
    return this.fe();
  }

  private fe(): string {
    return `http://${this.cfg.feNodes[this.next++ % this.cfg.feNodes.length]}`;
  }

  /** BEs from `benodes`, or asked from the FE (`/api/backends?is_alive=true`). */
  private async be(): Promise<string> {
    if (this.cfg.beNodes.length) return `http://${this.cfg.beNodes[this.next++ % this.cfg.beNodes.length]}`;
    this.backends ??= (async () => {
      const res = await this.client.request('GET', `${this.fe()}/api/backends?is_alive=true`, {});
      const body = this.client.json<{ data?: { backends?: { ip: string; http_port: number; is_alive: boolean }[] } }>(res);
      const list = (body.data?.backends ?? []).filter((b) => b.is_alive).map((b) => `http://${b.ip}:${b.http_port}`);
      if (!list.length) throw new SinkError('the FE lists no alive BE', { connector: CONNECTOR, retryable: true, hint: 'check the cluster, or set benodes / auto-redirect: true' });
      return list;
    })().catch((e) => {
      this.backends = undefined;
      throw e;
    });
    const list = await this.backends;
    return list[this.next++ % list.length];
  }

  async loadUrl(db: string, table: string): Promise<string> {
    const base = this.cfg.autoRedirect && !this.cfg.beNodes.length ? this.fe() : await this.be();
    return `${base}/api/${enc(db)}/${enc(table)}/_stream_load`;
  }

  async load(db: string, table: string, headers: Readonly<Record<string, string>>, body: Buffer, signal?: AbortSignal): Promise<LoadOutcome> {
    return this.client.load(await this.loadUrl(db, table), headers, body, signal);
  }

  private async twoPc(db: string, headers: Record<string, string>): Promise<{ status: string; msg: string }> {
    const res = await this.client.request('PUT', `${this.fe()}/api/${enc(db)}/_stream_load_2pc`, headers);
    const body = this.client.json<{ status?: string; msg?: string; Status?: string; Message?: string }>(res);
    return { status: body.status ?? body.Status ?? '', msg: body.msg ?? body.Message ?? '' };
  }

  /** Commits a pre-committed transaction; already visible counts as done (commit is idempotent). */
  async commit(db: string, txnId: number, label: string): Promise<void> {
    await withRetries(
      async () => {
        const r = await this.twoPc(db, { txn_id: String(txnId), txn_operation: 'commit' });
        if (/^success$/i.test(r.status)) return;
        if (/already visible|already committed|is already COMMITTED/i.test(r.msg)) return;
        if (/aborted|not found|not pre-?committed/i.test(r.msg)) {
          throw new StateError(`cannot commit transaction ${txnId} (label ${label}) of database ${db}: ${r.msg}`, {
            connector: CONNECTOR,
            hint: 'the pre-committed load was aborted or expired (streaming_label_keep_max_second / 2PC timeout) before the checkpoint was committed: its rows are not in Doris; restart the pipeline from an earlier state or re-snapshot',
          });
        }
        throw new SinkError(`committing transaction ${txnId} (label ${label}) failed: ${r.msg}`, { connector: CONNECTOR, retryable: true });
      },
      { maxRetries: this.cfg.maxRetries, baseDelayMs: this.cfg.retryBaseMs, what: `commit of ${label}` },
    );
  }

  /** Aborts a pre-committed transaction; already aborted counts as done. */
  async abort(db: string, by: { txnId: number } | { label: string; table: string }): Promise<void> {
    const headers: Record<string, string> = 'txnId' in by ? { txn_id: String(by.txnId), txn_operation: 'abort' } : { label: by.label, txn_operation: 'abort' };
    const r = await this.twoPc(db, headers);
    if (/^success$/i.test(r.status) || /already aborted/i.test(r.msg)) return;
    if ('label' in by && /txn_id is required/i.test(r.msg)) {
      // Doris 1.2 aborts only by txn id: a load with the label answers "Label Already Exists ... relate to txn [id]".
      const probe = await this.load(db, by.table, { label: by.label, two_phase_commit: 'true', format: 'json', read_json_by_line: 'true' }, Buffer.alloc(0));
      if (probe.kind === 'label-exists' && probe.txnId !== undefined) return this.abort(db, { txnId: probe.txnId });
      if (probe.kind === 'success' && probe.response.TxnId !== undefined) return this.abort(db, { txnId: Number(probe.response.TxnId) });
    }
    throw new SinkError(`aborting ${'txnId' in by ? `transaction ${by.txnId}` : `label ${by.label}`} in ${db} failed: ${r.msg}`, { connector: CONNECTOR, retryable: true });
  }

  /** UNKNOWN, PREPARE, PRECOMMITTED, COMMITTED, VISIBLE or ABORTED. */
  async loadState(db: string, label: string): Promise<string> {
    const res = await this.client.request('GET', `${this.fe()}/api/${enc(db)}/get_load_state?label=${enc(label)}`, {});
    const body = this.client.json<{ data?: string; State?: string }>(res);
    return body.data ?? body.State ?? 'UNKNOWN';
  }
}
