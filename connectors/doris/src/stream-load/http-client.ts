/**
 * HTTP as stream load needs it: `Expect: 100-continue` so an FE can answer 307 (or 401) before the body is
 * sent, following the redirect to a BE with the same method, headers and body, and time limits for connecting
 * and for the 100-continue. node:http is enough; no client library follows 307 for PUT with a body.
 */
import http from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** ms to establish the TCP connection (StarRocks sink.connect.timeout-ms). */
  readonly connectTimeoutMs?: number;
  /** ms to wait for `100 Continue` before sending the body anyway (sink.wait-for-continue.timeout-ms). */
  readonly continueTimeoutMs?: number;
  /** ms of socket inactivity before giving up; 0 = none. */
  readonly socketTimeoutMs?: number;
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
}

/** A transport-level failure (no HTTP response): always worth a retry. */
export class HttpTransportError extends Error {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function once(r: HttpRequest, url: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:') {
      reject(new HttpTransportError(`only http:// is supported, got ${u.protocol}`, url));
      return;
    }
    const body = r.body;
    const headers: Record<string, string | number> = { ...r.headers };
    if (body) {
      headers['Content-Length'] = body.length;
      headers['Expect'] = '100-continue';
    }
    let settled = false;
    let sent = !body;
    const req = http.request({ method: r.method, host: u.hostname, port: u.port || 80, path: `${u.pathname}${u.search}`, headers, agent, ...(r.signal ? { signal: r.signal } : {}) });
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(continueTimer);
      reject(new HttpTransportError(`${r.method} ${url} failed: ${(e as Error).message ?? e}`, url, { cause: e }));
    };
    const sendBody = () => {
      if (sent) return;
      sent = true;
      clearTimeout(continueTimer);
      req.end(body);
    };
    const connectTimer = setTimeout(() => {
      req.destroy(new Error(`connect timeout after ${r.connectTimeoutMs} ms`));
    }, r.connectTimeoutMs ?? 30_000);
    let continueTimer: NodeJS.Timeout | undefined;
    req.on('socket', (s) => {
      const connected = () => {
        clearTimeout(connectTimer);
        if (body) continueTimer = setTimeout(sendBody, r.continueTimeoutMs ?? 3000);
      };
      if (s.connecting) s.once('connect', connected);
      else connected();
      if (r.socketTimeoutMs && r.socketTimeoutMs > 0) s.setTimeout(r.socketTimeoutMs, () => req.destroy(new Error(`no data for ${r.socketTimeoutMs} ms`)));
    });
    req.on('continue', sendBody);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(continueTimer);
        // The server answered before taking the body (redirect, auth): this socket cannot be reused.
        if (!sent) req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), url });
      });
    });
    req.on('error', fail);
    if (!body) req.end();
    else req.flushHeaders();
  });
}

/** One request, following 307/302/301 redirects (stream load FE -> BE). */
export async function httpRequest(r: HttpRequest): Promise<HttpResponse> {
  let url = r.url;
  for (let hop = 0; ; hop++) {
    const res = await once(r, url);
    if ([301, 302, 307, 308].includes(res.status) && res.headers.location) {
      if (hop >= (r.maxRedirects ?? 3)) throw new HttpTransportError(`too many redirects from ${r.url}`, url);
      url = new URL(res.headers.location, url).toString();
      continue;
    }
    return res;
  }
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
