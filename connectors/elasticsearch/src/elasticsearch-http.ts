/**
 * A small HTTP client for the few Elasticsearch endpoints the sink uses (_bulk, index/mapping management,
 * delete_by_query, GET /). Plain HTTP rather than @elastic/elasticsearch: one client must speak to 6.x, 7.x and
 * 8.x clusters, while each client major sends its own `compatible-with` media type (which other majors reject)
 * and checks the `x-elastic-product` header that servers before 7.14 do not send.
 */
import http from 'node:http';
import https from 'node:https';
import { AuthError, ConnectError, SinkError } from '@cdc/core';
import { CONNECTOR, type EsHost } from './elasticsearch-options.js';

export interface EsResponse {
  readonly status: number;
  readonly body: string;
}

export interface EsRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  /** Path with query string, starting with `/`. */
  readonly path: string;
  readonly body?: string;
  readonly ndjson?: boolean;
  readonly signal?: AbortSignal;
  /** Milliseconds; default 120 s. */
  readonly timeoutMs?: number;
}

/** A failure to get any HTTP answer (refused, reset, timed out) from every host. */
export class EsUnreachableError extends ConnectError {}

export class EsHttp {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly auth: string | undefined;
  private next = 0;

  constructor(
    private readonly hosts: readonly EsHost[],
    credentials: { username?: string; password?: string },
    maxSockets: number,
  ) {
    const opts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    this.agents = { http: new http.Agent(opts), https: new https.Agent(opts) };
    this.auth = credentials.username !== undefined ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}` : undefined;
  }

  /** Sends to the hosts in turn, trying the next one when a host gives no HTTP answer. */
  async request(req: EsRequest): Promise<EsResponse> {
    let lastError: unknown;
    for (let i = 0; i < this.hosts.length; i++) {
      const host = this.hosts[this.next++ % this.hosts.length];
      try {
        return await this.send(host, req);
      } catch (e) {
        if (req.signal?.aborted) throw e;
        lastError = e;
      }
    }
    const where = this.hosts.map((h) => `${h.protocol}//${h.hostname}:${h.port}`).join(', ');
    throw new EsUnreachableError(`no answer from Elasticsearch at ${where}: ${(lastError as Error)?.message ?? lastError}`, {
      connector: CONNECTOR,
      retryable: true,
      cause: lastError,
      hint: 'check that the cluster runs and the hosts option',
    });
  }

  /** request() that maps 401/403 to AuthError and other non-2xx answers to SinkError naming `what`. */
  async requestOk(req: EsRequest, what: string, okStatuses: readonly number[] = []): Promise<EsResponse> {
    const res = await this.request(req);
    if ((res.status >= 200 && res.status < 300) || okStatuses.includes(res.status)) return res;
    throw httpError(res, what);
  }

  private send(host: EsHost, req: EsRequest): Promise<EsResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = req.ndjson ? 'application/x-ndjson' : 'application/json';
      if (this.auth) headers.authorization = this.auth;
      const mod = host.protocol === 'https:' ? https : http;
      const r = mod.request(
        {
          protocol: host.protocol,
          hostname: host.hostname,
          port: host.port,
          method: req.method,
          path: host.path + req.path,
          headers,
          agent: host.protocol === 'https:' ? this.agents.https : this.agents.http,
          timeout: req.timeoutMs ?? 120_000,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`no answer within ${req.timeoutMs ?? 120_000} ms`)));
      r.on('error', reject);
      r.end(req.body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** `type: reason` of an Elasticsearch error body, or the start of the body. */
export function errorReason(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown };
    const e = j.error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object') {
      const o = e as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
      const cause = o.caused_by?.reason ? ` (caused by ${o.caused_by.type}: ${o.caused_by.reason})` : '';
      return `${o.type ?? 'error'}: ${o.reason ?? ''}${cause}`;
    }
  } catch {
    /* not JSON */
  }
  return body.slice(0, 300);
}

export function httpError(res: EsResponse, what: string): Error {
  const reason = errorReason(res.body);
  if (res.status === 401) {
    return new AuthError(`Elasticsearch rejected the credentials for ${what} (HTTP 401: ${reason})`, { connector: CONNECTOR, hint: 'check the username and password options' });
  }
  if (res.status === 403) {
    return new AuthError(`Elasticsearch refused ${what} (HTTP 403: ${reason})`, { connector: CONNECTOR, hint: 'grant the user the index privileges (index, delete, create_index, manage) on the target indices' });
  }
  const retryable = res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
  return new SinkError(`Elasticsearch answered ${what} with HTTP ${res.status}: ${reason}`, { connector: CONNECTOR, retryable });
}
