/**
 * The FE and BE HTTP servers. The FE authenticates, answers 307 to a BE for stream loads (before reading the
 * body: clients send `Expect: 100-continue`), runs Doris 2PC commit/abort, StarRocks' transaction API,
 * get_load_state and the emulator's admin endpoints; the BE reads bodies and loads them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Catalog } from './catalog.js';
import { features } from './flavour.js';
import { LoadManager, LoadResult, type Txn } from './loads.js';
import type { SqlResult } from './mysql-frontend.js';

/** Fault switches, settable at start or through `POST /_emulator/faults`. Counters count down per request. */
export interface Faults {
  /** Every BE response waits this long (ms). */
  slowBeMs: number;
  /** The next N BE requests answer HTTP 503. */
  be5xx: number;
  /** The next N plain (non-2PC) loads answer `Publish Timeout` (the data is loaded). */
  publishTimeout: number;
  /** The next N BE loads lose their connection after the first bytes of the body (nothing loaded). */
  dropMidBody: number;
  /** The next N plain stream loads are loaded, then lose their connection before the answer (a lost answer). */
  dropAfterLoad: number;
  /** Schema change jobs stay RUNNING this long (ms) after an ALTER (the change itself is applied at once). */
  alterJobMs: number;
  /** The next N loads answer `Fail` with an internal, retryable error. */
  failLoads: number;
  /** Largest accepted body (Doris streaming_load_max_mb). */
  maxBodyBytes: number;
}

export const DEFAULT_FAULTS: Faults = { slowBeMs: 0, be5xx: 0, publishTimeout: 0, dropMidBody: 0, dropAfterLoad: 0, alterJobMs: 0, failLoads: 0, maxBodyBytes: 10 * 1024 ** 3 };

export interface HttpConfig {
  readonly host: string;
  readonly feHttpPort: number;
  readonly beHttpPort: number;
  readonly user: string;
  readonly password: string;
  readonly faults: Faults;
  /** Runs a statement for Doris' HTTP SQL API. */
  readonly sql?: (db: string | undefined, stmt: string) => Promise<SqlResult>;
}

type Headers = Record<string, string>;

function lowerHeaders(req: http.IncomingMessage): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 4);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpServers {
  readonly fe: http.Server;
  readonly be: http.Server;
  readonly loads: LoadManager;
  /** Every label seen by a load or begin, in order (for tests). */
  readonly requests: { path: string; label?: string; status?: string }[] = [];

  constructor(
    private readonly catalog: Catalog,
    private readonly cfg: HttpConfig,
  ) {
    this.loads = new LoadManager(catalog, () => `http://${cfg.host}:${this.bePort}`);
    this.fe = http.createServer((req, res) => void this.handleFe(req, res).catch((e) => this.crash(res, e)));
    this.be = http.createServer((req, res) => void this.handleBe(req, res).catch((e) => this.crash(res, e)));
    // Answer before the body for redirects and auth failures; let loads continue.
    this.fe.on('checkContinue', (req, res) => void this.handleFe(req, res, true).catch((e) => this.crash(res, e)));
    this.be.on('checkContinue', (req, res) => void this.handleBe(req, res, true).catch((e) => this.crash(res, e)));
  }

  get fePort(): number {
    return (this.fe.address() as AddressInfo).port;
  }
  get bePort(): number {
    return (this.be.address() as AddressInfo).port;
  }

  async listen(): Promise<void> {
    await this.loads.init();
    await new Promise<void>((r, j) => this.fe.once('error', j).listen(this.cfg.feHttpPort, this.cfg.host, r));
    await new Promise<void>((r, j) => this.be.once('error', j).listen(this.cfg.beHttpPort, this.cfg.host, r));
  }

  async close(): Promise<void> {
    for (const s of [this.fe, this.be]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  private crash(res: http.ServerResponse, e: unknown): void {
    if (!res.headersSent) sendJson(res, 500, { status: 'FAILED', msg: `internal error: ${(e as Error).message}` });
    else res.destroy();
  }

  private get f() {
    return this.catalog.flavour;
  }

  /** Checks basic auth; answers 401 and returns false when it fails. */
  private auth(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(h);
    const [user, ...rest] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [''];
    const password = rest.join(':');
    if (m && user === this.cfg.user && password === this.cfg.password) return true;
    const msg = `Access denied for user '${user}@${req.socket.remoteAddress ?? '127.0.0.1'}' (using password: ${password ? 'YES' : 'NO'})`;
    if (this.f.kind === 'doris') sendJson(res, 401, { status: 'FAILED', msg: `errCode = 2, detailMessage = ${msg}` });
    else sendJson(res, 401, { Status: 'FAILED', Message: msg });
    req.resume();
    return false;
  }

  private redirect(req: http.IncomingMessage, res: http.ServerResponse): void {
    const location = `http://${this.cfg.host}:${this.bePort}${req.url}`;
    res.writeHead(307, { Location: location, 'Content-Length': 0 });
    res.end();
    req.resume();
  }

  private async handleFe(req: http.IncomingMessage, res: http.ServerResponse, expectContinue = false): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fe');
    const path = url.pathname;
    if (path.startsWith('/_emulator/')) return this.admin(req, res, path, expectContinue);
    if (req.method === 'PUT' && /^\/api\/[^/]+\/[^/]+\/_stream_load$/.test(path)) {
      if (!this.auth(req, res)) return;
      return this.redirect(req, res);
    }
    if (req.method === 'PUT' && path === '/api/transaction/load') {
      if (!this.auth(req, res)) return;
      return this.redirect(req, res);
    }
    if (!this.auth(req, res)) return;
    if (expectContinue) res.writeContinue();
    return this.common(req, res, url);
  }

  /** Endpoints FE and BE both serve. */
  private async common(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/([^/]+)\/_stream_load_2pc$/.exec(path)) && req.method === 'PUT' && this.f.kind === 'doris') {
      await readBody(req);
      return this.twoPhase(res, decodeURIComponent(m[1]), lowerHeaders(req));
    }
    if ((m = /^\/api\/([^/]+)\/get_load_state$/.exec(path)) && req.method === 'GET') {
      const db = decodeURIComponent(m[1]);
      const label = url.searchParams.get('label') ?? '';
      const txn = this.loads.txn(db, label);
      const state = txn ? (txn.status === 'PREPARE' ? 'PREPARE' : txn.status) : 'UNKNOWN';
      if (this.f.kind === 'doris') return sendJson(res, 200, { msg: 'success', code: 0, data: state, count: 0 });
      return sendJson(res, 200, { Status: 'OK', Message: '', State: state });
    }
    if ((m = /^\/api\/query\/[^/]+\/([^/]+)$/.exec(path)) && req.method === 'POST' && this.f.kind === 'doris' && this.cfg.sql) {
      // Doris' HTTP SQL API: {"stmt": "..."} -> exec_status or result_set
      const body = await readBody(req);
      let stmt = '';
      try {
        stmt = String((JSON.parse(body?.toString('utf8') || '{}') as { stmt?: unknown }).stmt ?? '');
      } catch {
        return sendJson(res, 200, { msg: 'invalid JSON body, expected {"stmt": "..."}', code: 1, data: null, count: 0 });
      }
      const r = await this.cfg.sql(decodeURIComponent(m[1]), stmt);
      if (r.kind === 'error') return sendJson(res, 200, { msg: r.message, code: 1, data: null, count: 0 });
      if (r.kind === 'ok') return sendJson(res, 200, { msg: 'success', code: 0, data: { type: 'exec_status', status: {} }, count: 0 });
      return sendJson(res, 200, { msg: 'success', code: 0, data: { type: 'result_set', meta: r.columns.map((name) => ({ name, type: 'CHAR' })), data: r.rows, time: 1 }, count: 0 });
    }
    if (path === '/api/backends' && req.method === 'GET' && this.f.kind === 'doris') {
      return sendJson(res, 200, { msg: 'success', code: 0, data: { backends: [{ ip: this.cfg.host, http_port: this.bePort, is_alive: true }] }, count: 0 });
    }
    if ((m = /^\/api\/transaction\/(begin|prepare|commit|rollback)$/.exec(path)) && this.f.kind === 'starrocks') {
      await readBody(req);
      if (!features(this.f).transactionApi) return sendJson(res, 404, { Status: 'FAILED', Message: 'Not Found' });
      return this.transaction(res, m[1], lowerHeaders(req));
    }
    sendJson(res, 404, { status: 'FAILED', msg: `no handler for ${req.method} ${path}` });
  }

  private async handleBe(req: http.IncomingMessage, res: http.ServerResponse, expectContinue = false): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://be');
    const path = url.pathname;
    const faults = this.cfg.faults;
    if (path === '/api/_load_error_log' && req.method === 'GET') {
      const text = this.loads.errorLogs.get(url.searchParams.get('file') ?? '');
      res.writeHead(text === undefined ? 404 : 200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text ?? 'error log not found');
      return;
    }
    if (faults.be5xx > 0) {
      faults.be5xx--;
      res.writeHead(503, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('Service Unavailable');
      req.resume();
      return;
    }
    if (!this.auth(req, res)) return;
    let m: RegExpExecArray | null;
    const load = (m = /^\/api\/([^/]+)\/([^/]+)\/_stream_load$/.exec(path)) && req.method === 'PUT';
    const txnLoad = path === '/api/transaction/load' && req.method === 'PUT' && this.f.kind === 'starrocks';
    if (!load && !txnLoad) {
      if (expectContinue) res.writeContinue();
      return this.common(req, res, url);
    }
    const headers = lowerHeaders(req);
    const db = load ? decodeURIComponent(m![1]) : (headers['db'] ?? '');
    const table = load ? decodeURIComponent(m![2]) : (headers['table'] ?? '');
    if (faults.dropMidBody > 0) {
      faults.dropMidBody--;
      if (expectContinue) res.writeContinue();
      await new Promise<void>((resolve) => {
        req.once('data', () => {
          req.socket.destroy();
          resolve();
        });
        req.once('end', () => {
          req.socket.destroy();
          resolve();
        });
      });
      return;
    }
    if (expectContinue) res.writeContinue();
    const startedAt = Date.now();
    const body = await readBody(req, faults.maxBodyBytes);
    if (faults.slowBeMs > 0) await sleep(faults.slowBeMs);
    this.loads.counters.loads++;
    this.loads.counters.bytes += body?.length ?? 0;
    const result = txnLoad ? await this.txnLoad(db, table, headers, body) : await this.streamLoad(db, table, headers, body, startedAt);
    this.requests.push({ path, ...(headers['label'] ? { label: headers['label'] } : {}), status: String(result.body.Status) });
    if (load && faults.dropAfterLoad > 0 && result.body.Status === 'Success') {
      faults.dropAfterLoad--;
      req.socket.destroy();
      return;
    }
    sendJson(res, result.status, result.body);
  }

  private tableOrFail(db: string, table: string, label: string | undefined): LoadResult | undefined {
    if (!this.catalog.table(db, table)) {
      const detail = this.f.kind === 'doris' ? `[ANALYSIS_ERROR]TStatus: errCode = 2, detailMessage = Unknown table '${table}' in ${db}` : `Unknown table '${db}.${table}'`;
      return this.loads.fail(detail, label);
    }
    return undefined;
  }

  private async streamLoad(db: string, table: string, headers: Headers, body: Buffer | undefined, startedAt: number): Promise<LoadResult> {
    const faults = this.cfg.faults;
    const label = headers['label'];
    if (!body) {
      const limit = faults.maxBodyBytes;
      return this.loads.fail(this.f.kind === 'doris' ? `[INTERNAL_ERROR]body exceed max size: ${limit}, limit: ${limit}` : `The size of this load exceeds the limit ${limit}`, label);
    }
    const missing = this.tableOrFail(db, table, label);
    if (missing) return missing;
    const begun = this.loads.begin(db, table, label);
    if (begun instanceof LoadResult) return begun;
    const txn = begun;
    const twoPhase = this.f.kind === 'doris' && /^true$/i.test(headers['two_phase_commit'] ?? '');
    if (faults.failLoads > 0) {
      faults.failLoads--;
      await this.loads.abort(txn);
      return this.loads.fail('[INTERNAL_ERROR]cancelled: injected failure (emulator fault switch failLoads)', txn.label, txn);
    }
    try {
      this.loads.stage(txn, this.catalog.table(db, table)!, headers, body);
    } catch (e) {
      await this.loads.abort(txn);
      return this.loads.fail(LoadManager.bodyError(e) ?? String(e), txn.label, txn);
    }
    const bad = this.loads.qualityCheck(txn);
    if (bad) {
      await this.loads.abort(txn);
      return bad;
    }
    if (twoPhase) {
      await this.loads.precommit(txn, 'PRECOMMITTED');
      return new LoadResult(200, this.loads.successBody(txn, 'Success', true, startedAt));
    }
    await this.loads.publish(txn);
    if (faults.publishTimeout > 0) {
      faults.publishTimeout--;
      return new LoadResult(200, this.loads.successBody(txn, 'Publish Timeout', false, startedAt));
    }
    return new LoadResult(200, this.loads.successBody(txn, 'Success', false, startedAt));
  }

  private async twoPhase(res: http.ServerResponse, db: string, headers: Headers): Promise<void> {
    const op = (headers['txn_operation'] ?? '').toLowerCase();
    const fail = (msg: string) => sendJson(res, 200, { status: 'Fail', msg: `errCode = 2, detailMessage = ${msg}` });
    if (op !== 'commit' && op !== 'abort') return fail(`unsupported txn_operation ${op || '(missing)'}; use commit or abort`);
    let txn: Txn | undefined;
    if (headers['txn_id']) txn = this.loads.txnById(Number(headers['txn_id']));
    else if (headers['label']) {
      if (!features(this.f).abortByLabel || op === 'commit') return fail(`txn_id is required${op === 'abort' ? ' (abort by label is supported from Doris 2.0)' : ''}`);
      txn = this.loads.txn(db, headers['label']);
    } else return fail('txn_id or label is required');
    if (!txn || txn.db !== db) return fail(`transaction [${headers['txn_id'] ?? headers['label']}] not found`);
    if (op === 'commit') {
      if (txn.status === 'VISIBLE' || txn.status === 'COMMITTED') return fail(`transaction [${txn.id}] is already visible, not pre-committed.`);
      if (txn.status === 'ABORTED') return fail(`transaction [${txn.id}] is already aborted. abort reason: user abort`);
      if (txn.status !== 'PRECOMMITTED') return fail(`transaction [${txn.id}] is not pre-committed`);
      if (this.cfg.faults.publishTimeout > 0) {
        this.cfg.faults.publishTimeout--;
        await this.loads.publish(txn);
        return sendJson(res, 200, { status: 'Success', msg: `transaction [${txn.id}] commit successfully, but data will be visible later` });
      }
      await this.loads.publish(txn);
      return sendJson(res, 200, { status: 'Success', msg: `transaction [${txn.id}] commit successfully.` });
    }
    if (txn.status === 'VISIBLE' || txn.status === 'COMMITTED') return fail(`transaction [${txn.id}] is already COMMITTED, could not abort.`);
    if (txn.status === 'ABORTED') return fail(`transaction [${txn.id}] is already aborted. abort reason: user abort`);
    await this.loads.abort(txn);
    return sendJson(res, 200, { status: 'Success', msg: `transaction [${txn.id}] abort successfully.` });
  }

  private async transaction(res: http.ServerResponse, op: string, headers: Headers): Promise<void> {
    const db = headers['db'] ?? '';
    const label = headers['label'];
    const table = headers['table'] ?? '';
    if (!label) return sendJson(res, 200, { Status: 'INVALID_ARGUMENT', Message: 'No label in header' });
    if (!db) return sendJson(res, 200, { Status: 'INVALID_ARGUMENT', Message: 'No database in header' });
    if (op === 'begin') {
      if (!table) return sendJson(res, 200, { Status: 'INVALID_ARGUMENT', Message: 'No table in header' });
      const missing = this.tableOrFail(db, table, label);
      if (missing) return sendJson(res, 200, { ...missing.body, Status: 'FAILED' });
      const begun = this.loads.begin(db, table, label);
      if (begun instanceof LoadResult) {
        const b = begun.body;
        return sendJson(res, 200, b.Status === 'Label Already Exists' ? { ...b, Status: 'LABEL_ALREADY_EXISTS' } : b);
      }
      return sendJson(res, 200, { Status: 'OK', Message: '', Label: label, TxnId: begun.id, BeginTxnTimeMs: 0 });
    }
    const txn = this.loads.txn(db, label);
    if (!txn) return sendJson(res, 200, { Status: 'TXN_NOT_EXISTS', Message: `Transaction with label ${label} not exists` });
    if (op === 'prepare') {
      if (txn.status === 'PREPARED') return sendJson(res, 200, { Status: 'OK', Message: '', Label: label, TxnId: txn.id });
      if (txn.status !== 'PREPARE') return sendJson(res, 200, { Status: 'FAILED', Message: `Transaction ${txn.id} is ${txn.status}, can not prepare` });
      const bad = this.loads.qualityCheck(txn);
      if (bad) {
        await this.loads.abort(txn);
        return sendJson(res, 200, { ...bad.body, Status: 'FAILED' });
      }
      await this.loads.precommit(txn, 'PREPARED');
      return sendJson(res, 200, { Status: 'OK', Message: '', Label: label, TxnId: txn.id, ...{ NumberTotalRows: txn.total, NumberLoadedRows: txn.total - txn.filtered, NumberFilteredRows: txn.filtered } });
    }
    if (op === 'commit') {
      if (txn.status === 'VISIBLE' || txn.status === 'COMMITTED') return sendJson(res, 200, { Status: 'OK', Message: 'Transaction already committed', Label: label, TxnId: txn.id });
      if (txn.status === 'ABORTED') return sendJson(res, 200, { Status: 'FAILED', Message: `Transaction ${txn.id} has been aborted` });
      if (txn.status === 'PREPARE') {
        const bad = this.loads.qualityCheck(txn);
        if (bad) {
          await this.loads.abort(txn);
          return sendJson(res, 200, { ...bad.body, Status: 'FAILED' });
        }
      }
      await this.loads.publish(txn);
      if (this.cfg.faults.publishTimeout > 0) {
        this.cfg.faults.publishTimeout--;
        return sendJson(res, 200, { Status: 'Publish Timeout', Message: 'transaction commit successfully, But data will be visible later', Label: label, TxnId: txn.id });
      }
      return sendJson(res, 200, { Status: 'OK', Message: '', Label: label, TxnId: txn.id });
    }
    // rollback
    if (txn.status === 'VISIBLE' || txn.status === 'COMMITTED') return sendJson(res, 200, { Status: 'FAILED', Message: `Transaction ${txn.id} has been committed, can not rollback` });
    await this.loads.abort(txn);
    return sendJson(res, 200, { Status: 'OK', Message: '', Label: label, TxnId: txn.id });
  }

  private async txnLoad(db: string, table: string, headers: Headers, body: Buffer | undefined): Promise<LoadResult> {
    const label = headers['label'];
    if (!label) return new LoadResult(200, { Status: 'INVALID_ARGUMENT', Message: 'No label in header' });
    const txn = this.loads.txn(db, label);
    if (!txn || txn.status !== 'PREPARE') return new LoadResult(200, { Status: 'TXN_NOT_EXISTS', Message: `Transaction with label ${label} not exists or is not running` });
    if (table && table !== txn.table) return this.loads.fail(`table ${table} does not belong to the transaction of ${txn.table}`, label, txn);
    if (!body) return this.loads.fail(`The size of this load exceeds the limit ${this.cfg.faults.maxBodyBytes}`, label, txn);
    if (this.cfg.faults.failLoads > 0) {
      this.cfg.faults.failLoads--;
      return this.loads.fail('cancelled: injected failure (emulator fault switch failLoads)', label, txn);
    }
    try {
      this.loads.stage(txn, this.catalog.table(db, txn.table)!, headers, body);
    } catch (e) {
      return this.loads.fail(LoadManager.bodyError(e) ?? String(e), label, txn);
    }
    return new LoadResult(200, { TxnId: txn.id, Label: label, Status: 'OK', Message: '', NumberTotalRows: txn.total, NumberLoadedRows: txn.total - txn.filtered, NumberFilteredRows: txn.filtered, LoadBytes: txn.bytes });
  }

  private async admin(req: http.IncomingMessage, res: http.ServerResponse, path: string, expectContinue: boolean): Promise<void> {
    if (expectContinue) res.writeContinue();
    const body = await readBody(req);
    if (path === '/_emulator/faults' && req.method === 'POST') {
      const patch = JSON.parse(body?.toString('utf8') || '{}') as Partial<Faults>;
      for (const [k, v] of Object.entries(patch)) {
        if (!(k in DEFAULT_FAULTS) || typeof v !== 'number') return sendJson(res, 400, { error: `unknown fault ${k} or not a number` });
        (this.cfg.faults as unknown as Record<string, number>)[k] = v;
      }
      return sendJson(res, 200, this.cfg.faults);
    }
    if (path === '/_emulator/faults' && req.method === 'DELETE') {
      Object.assign(this.cfg.faults, DEFAULT_FAULTS);
      return sendJson(res, 200, this.cfg.faults);
    }
    if (path === '/_emulator/state' && req.method === 'GET') {
      return sendJson(res, 200, { flavour: this.f, faults: this.cfg.faults, counters: this.loads.counters, requests: this.requests.slice(-200) });
    }
    sendJson(res, 404, { error: `no admin endpoint ${req.method} ${path}` });
  }
}

/** Reads a request body; undefined when it is larger than `limit` (the rest is discarded). */
async function readBody(req: http.IncomingMessage, limit = Infinity): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  let over = false;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) over = true;
    if (!over) chunks.push(c);
  }
  return over ? undefined : Buffer.concat(chunks);
}
