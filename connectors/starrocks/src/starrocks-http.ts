/**
 * StarRocks' HTTP endpoints on the FE (`load-url`): stream load (redirected to a BE), the transaction stream
 * load API (`/api/transaction/begin|load|prepare|commit|rollback`) and `get_load_state`.
 */
import { SinkError, StateError } from '@cdc/core';
import { StreamLoadClient, withRetries, type LoadOutcome, type StreamLoadResponse } from '@cdc/connector-doris/stream-load';
import { CONNECTOR, type StarRocksConfig } from './starrocks-options.js';

const enc = encodeURIComponent;

export class StarRocksHttp {
  readonly client: StreamLoadClient;
  private next = 0;
  private txnApi: Promise<boolean> | undefined;

  constructor(readonly cfg: StarRocksConfig) {
    this.client = new StreamLoadClient({
      connector: CONNECTOR,
      user: cfg.username,
      password: cfg.password,
      connectTimeoutMs: cfg.connectTimeoutMs,
      continueTimeoutMs: cfg.continueTimeoutMs,
      ...(cfg.socketTimeoutMs > 0 ? { socketTimeoutMs: cfg.socketTimeoutMs } : {}),
    });
  }

  fe(): string {
    return `http://${this.cfg.loadUrls[this.next++ % this.cfg.loadUrls.length]}`;
  }

  /** Whether the server has the transaction stream load API (StarRocks 2.4+): a begin without label is answered, not 404. */
  hasTransactionApi(): Promise<boolean> {
    this.txnApi ??= this.client
      .request('POST', `${this.fe()}/api/transaction/begin`, {})
      .then((r) => r.status !== 404)
      .catch((e: unknown) => {
        this.txnApi = undefined;
        throw e;
      });
    return this.txnApi;
  }

  async streamLoad(db: string, table: string, headers: Readonly<Record<string, string>>, body: Buffer, signal?: AbortSignal): Promise<LoadOutcome> {
    return this.client.load(`${this.fe()}/api/${enc(db)}/${enc(table)}/_stream_load`, headers, body, signal);
  }

  /** One transaction API call; the parsed answer. */
  async txn(op: 'begin' | 'load' | 'prepare' | 'commit' | 'rollback', headers: Readonly<Record<string, string>>, body?: Buffer, signal?: AbortSignal): Promise<StreamLoadResponse> {
    const res = await this.client.request(op === 'load' ? 'PUT' : 'POST', `${this.fe()}/api/transaction/${op}`, headers, body ?? (op === 'load' ? Buffer.alloc(0) : undefined), signal);
    if (res.status === 404) throw new SinkError(`the server has no transaction stream load API (/api/transaction/${op} answered 404)`, { connector: CONNECTOR, hint: 'StarRocks 2.4+ is needed for sink.semantic exactly-once; for at-least-once set sink.at-least-once.use-transaction-stream-load: false' });
    return this.client.json<StreamLoadResponse>(res);
  }

  /** Commits a prepared transaction; already committed counts as done (commit is idempotent). */
  async commit(db: string, label: string): Promise<void> {
    await withRetries(
      async () => {
        const r = await this.txn('commit', { db, label });
        if (r.Status === 'OK' || r.Status === 'Publish Timeout' || /already committed/i.test(r.Message ?? '')) return;
        if (r.Status === 'TXN_NOT_EXISTS' || /aborted/i.test(r.Message ?? '')) {
          throw new StateError(`cannot commit the transaction with label ${label} in ${db}: ${r.Message ?? r.Status}`, {
            connector: CONNECTOR,
            hint: 'the prepared transaction was rolled back or expired (prepared_transaction_default_timeout_second) before the checkpoint was committed: its rows are not in StarRocks; restart from an earlier state or re-snapshot',
          });
        }
        throw new SinkError(`commit of label ${label} failed: ${r.Status} ${r.Message ?? ''}`, { connector: CONNECTOR, retryable: true });
      },
      { maxRetries: this.cfg.maxRetries, baseDelayMs: this.cfg.retryBaseMs, what: `commit of ${label}` },
    );
  }

  async rollback(db: string, label: string): Promise<void> {
    const r = await this.txn('rollback', { db, label });
    if (r.Status === 'OK' || r.Status === 'TXN_NOT_EXISTS' || /aborted/i.test(r.Message ?? '')) return;
    throw new SinkError(`rollback of label ${label} failed: ${r.Status} ${r.Message ?? ''}`, { connector: CONNECTOR, retryable: true });
  }

  async loadState(db: string, label: string): Promise<string> {
    const res = await this.client.request('GET', `${this.fe()}/api/${enc(db)}/get_load_state?label=${enc(label)}`, {});
    const body = this.client.json<{ State?: string; data?: string }>(res);
    return body.State ?? body.data ?? 'UNKNOWN';
  }
}
