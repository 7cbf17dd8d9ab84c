/**
 * What Doris and StarRocks stream load have in common: a PUT with basic auth and a label, a JSON answer with
 * Status / Message / Label / TxnId / ExistingJobStatus / ErrorURL and row counts, label states, error logs,
 * and retries with backoff that reuse the label (so a retry never loads twice).
 */
import { AuthError, DataError, isCdcError, SinkError, type CdcError, type Logger } from '@cdc/core';
import { basicAuth, HttpTransportError, httpRequest, type HttpResponse } from './http-client.js';

export interface StreamLoadResponse {
  readonly Status: string;
  readonly Message?: string;
  readonly Label?: string;
  readonly TxnId?: number;
  readonly ExistingJobStatus?: string;
  readonly ErrorURL?: string;
  readonly NumberTotalRows?: number;
  readonly NumberLoadedRows?: number;
  readonly NumberFilteredRows?: number;
  readonly [key: string]: unknown;
}

export type LoadOutcome =
  | { readonly kind: 'success'; readonly response: StreamLoadResponse; readonly publishTimeout: boolean }
  | { readonly kind: 'label-exists'; readonly response: StreamLoadResponse; readonly existingStatus: string; readonly txnId?: number };

export interface ClientOptions {
  /** `doris` or `starrocks`: the connector named in errors. */
  readonly connector: string;
  readonly user: string;
  readonly password: string;
  readonly connectTimeoutMs?: number;
  readonly continueTimeoutMs?: number;
  readonly socketTimeoutMs?: number;
}

/** Statuses that mean "loaded" (Publish Timeout: committed, visible a little later). */
const SUCCESS = new Set(['Success', 'OK', 'Publish Timeout']);
const LABEL_EXISTS = new Set(['Label Already Exists', 'LABEL_ALREADY_EXISTS']);

export class StreamLoadClient {
  constructor(readonly opts: ClientOptions) {}

  get auth(): string {
    return basicAuth(this.opts.user, this.opts.password);
  }

  async request(method: 'GET' | 'PUT' | 'POST', url: string, headers: Readonly<Record<string, string>>, body?: Buffer, signal?: AbortSignal): Promise<HttpResponse> {
    try {
      const res = await httpRequest({
        method,
        url,
        headers: { Authorization: this.auth, ...headers },
        ...(body ? { body } : {}),
        ...(this.opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.opts.connectTimeoutMs } : {}),
        ...(this.opts.continueTimeoutMs !== undefined ? { continueTimeoutMs: this.opts.continueTimeoutMs } : {}),
        ...(this.opts.socketTimeoutMs !== undefined ? { socketTimeoutMs: this.opts.socketTimeoutMs } : {}),
        ...(signal ? { signal } : {}),
      });
      if (res.status === 401 || res.status === 403) {
        throw new AuthError(`${method} ${stripQuery(res.url)} was refused (HTTP ${res.status}): ${briefBody(res.text)}`, {
          connector: this.opts.connector,
          hint: 'check username and password (the user needs LOAD privilege on the table)',
        });
      }
      if (res.status >= 500) {
        throw new SinkError(`${method} ${stripQuery(res.url)} answered HTTP ${res.status}: ${briefBody(res.text)}`, { connector: this.opts.connector, retryable: true, hint: 'the BE/FE is overloaded or restarting; retried with backoff' });
      }
      return res;
    } catch (e) {
      if (isCdcError(e)) throw e;
      if (e instanceof HttpTransportError) {
        throw new SinkError(`${e.message}`, { connector: this.opts.connector, retryable: true, cause: e, hint: 'check that the FE/BE address is reachable; retried with backoff' });
      }
      throw e;
    }
  }

  /** Parses a JSON answer; a non-JSON answer is a retryable failure. */
  json<T>(res: HttpResponse): T {
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new SinkError(`unexpected answer from ${stripQuery(res.url)} (HTTP ${res.status}): ${briefBody(res.text)}`, { connector: this.opts.connector, retryable: res.status >= 500 || res.status === 0 });
    }
  }

  /**
   * PUTs one stream load body. Success and "label already exists" are outcomes; Fail is thrown as an error whose
   * message includes the ErrorURL's content (DataError when rows were filtered, retryable SinkError otherwise).
   */
  async load(url: string, headers: Readonly<Record<string, string>>, body: Buffer, signal?: AbortSignal): Promise<LoadOutcome> {
    const res = await this.request('PUT', url, headers, body, signal);
    if (res.status !== 200) throw new SinkError(`stream load to ${stripQuery(url)} answered HTTP ${res.status}: ${briefBody(res.text)}`, { connector: this.opts.connector, retryable: res.status === 0 || res.status === 404 ? false : true });
    const r = this.json<StreamLoadResponse>(res);
    return this.outcome(r, url, headers['label']);
  }

  async outcome(r: StreamLoadResponse, url: string, label: string | undefined): Promise<LoadOutcome> {
    if (SUCCESS.has(r.Status)) return { kind: 'success', response: r, publishTimeout: r.Status === 'Publish Timeout' };
    if (LABEL_EXISTS.has(r.Status)) {
      const id = /relate to txn \[(\d+)\]/.exec(r.Message ?? '')?.[1];
      return { kind: 'label-exists', response: r, existingStatus: r.ExistingJobStatus ?? 'UNKNOWN', ...(id ? { txnId: Number(id) } : {}) };
    }
    throw await this.failure(r, url, label);
  }

  /** The error for a Fail answer, with the error log's first lines when there is an ErrorURL. */
  async failure(r: StreamLoadResponse, url: string, label: string | undefined): Promise<CdcError> {
    const message = r.Message ?? r.Status;
    let log = '';
    if (r.ErrorURL) log = await this.fetchErrorLog(r.ErrorURL);
    const where = `stream load ${label ? `(label ${label}) ` : ''}to ${stripQuery(url)}`;
    if (r.ErrorURL || /DATA_QUALITY|filtered rows|too many filtered/i.test(message)) {
      const counts = r.NumberFilteredRows !== undefined ? ` (${r.NumberFilteredRows} of ${r.NumberTotalRows} rows filtered)` : '';
      return new DataError(`${where} failed: ${message}${counts}${log ? `; error log ${r.ErrorURL}:\n${log}` : r.ErrorURL ? `; error log: ${r.ErrorURL}` : ''}`, {
        connector: this.opts.connector,
        hint: 'the rows do not fit the table (type, length, NOT NULL): fix the table or the data; nothing of this load was committed',
        details: { status: r.Status, label, errorUrl: r.ErrorURL },
      });
    }
    if (/unknown table|unknown database|not found|does not exist/i.test(message)) {
      return new SinkError(`${where} failed: ${message}`, { connector: this.opts.connector, hint: 'the table does not exist: let the sink create it (schema change create.table) or create it yourself', details: { status: r.Status, label } });
    }
    return new SinkError(`${where} failed: ${message}`, { connector: this.opts.connector, retryable: true, details: { status: r.Status, label } });
  }

  /** The first lines of an error log (empty when it cannot be read). */
  async fetchErrorLog(url: string, maxChars = 2000): Promise<string> {
    try {
      const res = await httpRequest({ method: 'GET', url, connectTimeoutMs: 5000 });
      if (res.status !== 200) return '';
      return res.text.length > maxChars ? `${res.text.slice(0, maxChars)}…` : res.text.trimEnd();
    } catch {
      return '';
    }
  }
}

/** A URL without its query (labels and file names stay, credentials never appear in URLs here). */
export function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

function briefBody(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t || '(empty body)';
}

export interface RetryOptions {
  readonly maxRetries: number;
  /** First backoff; doubled per attempt, capped at 10 s. */
  readonly baseDelayMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly what: string;
}

/**
 * Runs `fn` and retries it on retryable errors with exponential backoff. When every attempt fails, the first
 * error is thrown (it is the informative one), with the attempt count added.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  let first: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      first ??= e;
      const retryable = isCdcError(e) ? e.retryable : false;
      if (!retryable || attempt >= o.maxRetries || o.signal?.aborted) {
        if (attempt > 0 && isCdcError(first)) {
          const f = first;
          throw new (Object.getPrototypeOf(f).constructor as new (r: string, opts: object) => CdcError)(`${f.reason} (failed ${attempt + 1} times; last error: ${isCdcError(e) ? e.reason : String(e)})`, {
            connector: f.connector,
            retryable: false,
            cause: e,
            ...(f.hint ? { hint: f.hint } : {}),
            ...(f.details ? { details: f.details } : {}),
          });
        }
        throw e;
      }
      const delay = Math.min(10_000, (o.baseDelayMs ?? 500) * 2 ** attempt);
      o.logger?.warn(`${o.what} failed (attempt ${attempt + 1} of ${o.maxRetries + 1}), retrying in ${delay} ms: ${isCdcError(e) ? e.reason : String(e)}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
