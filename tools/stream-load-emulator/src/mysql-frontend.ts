/**
 * The FE's MySQL protocol port (mysql2's server side). DDL is parsed and applied by the Catalog (so the model,
 * types and properties are checked and kept); SHOW / DESC answer from the kept definitions; SELECT and other
 * statements run on MariaDB with database names rewritten to their storage names, so tests read real rows.
 */
import { createHash } from 'node:crypto';
import mysql from 'mysql2';
import type mysqlPromise from 'mysql2/promise';
import type { AddressInfo } from 'node:net';
import { FeError, type Catalog, type TableMeta } from './catalog.js';
import { parseStatement } from './ddl.js';
import { tokenize } from './sql-lexer.js';

const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000;
const VAR_STRING = 253;


interface ServerConnection {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, cb: (...args: never[]) => void): void;
  writeColumns(columns: object[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(): void;
  writeOk(args?: { affectedRows?: number; insertId?: number }): void;
  writeError(args: { message: string; code: number }): void;
  close?(): void;
  stream: { destroy(): void; remoteAddress?: string };
}

interface MysqlServer {
  listen(port: number, host: string, cb: () => void): void;
  on(event: 'connection', cb: (c: ServerConnection) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(cb?: () => void): void;
  _server: { address(): AddressInfo; close(cb?: () => void): void };
}

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
function tokenMatches(password: string, scramble: Buffer, token: Buffer | undefined): boolean {
  if (!password) return !token || token.length === 0;
  if (!token || token.length !== 20) return false;
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const expected = sha1(scramble, sha1(stage1));
  for (let i = 0; i < 20; i++) if ((expected[i] ^ stage1[i]) !== token[i]) return false;
  return true;
}

function column(name: string, type = VAR_STRING): object {
  return { catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name, characterSet: 45, columnLength: 1024, columnType: type, type, flags: 0, decimals: 0 };
}

export type SqlResult = { kind: 'ok' } | { kind: 'rows'; columns: string[]; rows: (string | null)[][] } | { kind: 'error'; message: string; code: number };

interface Session {
  db?: string;
  conn?: mysqlPromise.PoolConnection;
}

/** `db.t`, `` `db`.`t.x` `` or `t` -> parts. */
function tableRef(text: string): { db?: string; table: string } {
  const t = tokenize(text).filter((x) => x.kind === 'ident' || x.kind === 'quoted' || (x.kind === 'punct' && x.text === '.'));
  if (t.length >= 3 && t[1].text === '.') return { db: t[0].text, table: t[2].text };
  return { table: t[0]?.text ?? '' };
}

export class MysqlFrontend {
  private readonly server: MysqlServer;
  private nextId = 1;
  private readonly sessions = new Set<Session>();
  private readonly clients = new Set<ServerConnection>();

  constructor(
    private readonly catalog: Catalog,
    private readonly cfg: { host: string; port: number; user: string; password: string },
  ) {
    this.server = (mysql as unknown as { createServer(): MysqlServer }).createServer();
    this.server.on('connection', (c) => this.accept(c));
  }

  get port(): number {
    return this.server._server.address().port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.on('error', reject);
      this.server.listen(this.cfg.port, this.cfg.host, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.stream.destroy();
    for (const s of this.sessions) s.conn?.release();
    await new Promise<void>((r) => this.server._server.close(() => r()));
  }

  private versionString(): string {
    const f = this.catalog.flavour;
    return f.kind === 'doris' ? '5.7.99' : `5.1.0`;
  }

  private versionComment(): string {
    const f = this.catalog.flavour;
    return f.kind === 'doris' ? `Doris version doris-${f.version}-rc01-emulated` : `StarRocks version ${f.version}-emulated`;
  }

  private accept(c: ServerConnection): void {
    const session: Session = {};
    this.sessions.add(session);
    this.clients.add(c);
    c.serverHandshake({
      protocolVersion: 10,
      serverVersion: this.versionString(),
      connectionId: this.nextId++,
      statusFlags: 2,
      characterSet: 45,
      capabilityFlags: CAPABILITIES,
      authCallback: (p: { user: string; database?: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken?: Buffer }, cb: (err: null, mysqlError?: { message: string; code: number }) => void) => {
        const scramble = Buffer.concat([p.authPluginData1, p.authPluginData2.subarray(0, 12)]);
        if (p.user !== this.cfg.user || !tokenMatches(this.cfg.password, scramble, p.authToken)) {
          const using = p.authToken && p.authToken.length ? 'YES' : 'NO';
          cb(null, { message: this.catalog.flavour.kind === 'doris' ? `Access denied for user '${p.user}@127.0.0.1' (using password: ${using})` : `Access denied for user '${p.user}' (using password: ${using})`, code: 1045 });
          return;
        }
        if (p.database) session.db = p.database;
        cb(null);
        (c as unknown as { sequenceId: number }).sequenceId = 0;
      },
    });
    const run = (sql: string) => void this.query(c, session, sql);
    c.on('query', run as never);
    c.on('stmt_prepare', run as never); // mysql2 routes SET ... here
    c.on('init_db', ((db: string) => void this.query(c, session, `USE \`${db}\``)) as never);
    c.on('ping', (() => {
      c.writeOk();
      (c as unknown as { sequenceId: number }).sequenceId = 0;
    }) as never);
    c.on('quit', (() => c.stream.destroy()) as never);
    const end = () => {
      this.clients.delete(c);
      this.sessions.delete(session);
      session.conn?.release();
      session.conn = undefined;
    };
    c.on('end', end as never);
    c.on('error', end as never);
  }

  private async storageConn(s: Session): Promise<mysqlPromise.PoolConnection> {
    if (!s.conn) s.conn = await this.catalog.pool.getConnection();
    // Without a selected database, information_schema: nothing of MariaDB's own databases is reachable.
    await s.conn.query(s.db ? `USE \`${this.catalog.storage(s.db)}\`` : 'USE information_schema');
    return s.conn;
  }

  private rows(c: ServerConnection, names: string[], rows: (string | null)[][]): void {
    c.writeColumns(names.map((n) => column(n)));
    for (const r of rows) c.writeTextRow(r);
    c.writeEof();
  }

  private async query(c: ServerConnection, s: Session, raw: string): Promise<void> {
    const sql = raw.trim().replace(/;\s*$/, '');
    try {
      await this.dispatch(c, s, sql);
    } catch (e) {
      const err = e as { message?: string; code?: number | string; errno?: number };
      if (e instanceof FeError) c.writeError({ message: e.message, code: e.code });
      else c.writeError({ message: this.rename(String(err.message ?? e)), code: typeof err.errno === 'number' ? err.errno : 1105 });
    } finally {
      // The next command from the client starts a new packet sequence.
      (c as unknown as { sequenceId: number }).sequenceId = 0;
    }
  }

  /**
   * Runs one statement outside a MySQL connection (Doris' HTTP SQL API `/api/query/<cluster>/<db>`): the same
   * handling as the MySQL port, the answer collected instead of written as packets.
   */
  async execute(db: string | undefined, sql: string): Promise<SqlResult> {
    const out: { columns?: string[]; rows: (string | null)[][]; error?: { message: string; code: number } } = { rows: [] };
    const collector = {
      writeColumns: (cols: object[]) => {
        out.columns = cols.map((c) => (c as { name: string }).name);
      },
      writeTextRow: (r: (string | null)[]) => out.rows.push(r),
      writeEof: () => undefined,
      writeOk: () => undefined,
      writeError: (e: { message: string; code: number }) => {
        out.error = e;
      },
      stream: { destroy: () => undefined },
    } as unknown as ServerConnection;
    const session: Session = db && db.toLowerCase() !== 'information_schema' ? { db } : {};
    try {
      await this.query(collector, session, sql);
    } finally {
      session.conn?.release();
    }
    if (out.error) return { kind: 'error', message: out.error.message, code: out.error.code };
    if (out.columns) return { kind: 'rows', columns: out.columns, rows: out.rows };
    return { kind: 'ok' };
  }

  /** Storage names in MariaDB messages become the FE's database names. */
  private rename(text: string): string {
    return text.split(this.catalog.storage('')).join('');
  }

  private findTable(s: Session, db: string | undefined, table: string): TableMeta {
    const d = db ?? s.db;
    if (!d) throw this.catalog.error('No database selected', 1046);
    const meta = this.catalog.table(d, table);
    if (!meta) throw this.catalog.unknownTable(d, table);
    return meta;
  }

  private async dispatch(c: ServerConnection, s: Session, sql: string): Promise<void> {
    const cat = this.catalog;
    const upper = sql.toUpperCase().replace(/\s+/g, ' ');
    let m: RegExpExecArray | null;
    if (/^SET /.test(upper) || upper === 'BEGIN' || upper === 'COMMIT' || upper === 'ROLLBACK') return c.writeOk();
    if ((m = /^USE\s+`?([^`\s]+)`?$/i.exec(sql))) {
      if (!(await cat.hasDatabase(m[1]))) throw cat.unknownDatabase(m[1]);
      s.db = m[1];
      return c.writeOk();
    }
    if (/@@VERSION_COMMENT/.test(upper) && /^SELECT /.test(upper)) return this.rows(c, ['@@version_comment'], [[this.versionComment()]]);
    if (/^SELECT CURRENT_VERSION\(\)$/.test(upper)) return this.rows(c, ['current_version()'], [[`${cat.flavour.version} emulated`]]);
    if (/^SELECT (@@VERSION|VERSION\(\))$/.test(upper)) return this.rows(c, [sql.slice(7)], [[this.versionString()]]);
    if (upper === 'SHOW DATABASES' || upper === 'SHOW SCHEMAS') {
      return this.rows(c, ['Database'], [['information_schema'], ...(await cat.databases()).map((d) => [d])]);
    }
    if ((m = /^SHOW (?:FULL )?TABLES(?: (?:FROM|IN) `?([^`\s]+)`?)?(?: LIKE '([^']*)')?$/i.exec(sql.replace(/\s+/g, ' ')))) {
      const db = m[1] ?? s.db;
      if (!db) throw cat.error('No database selected', 1046);
      if (!(await cat.hasDatabase(db))) throw cat.unknownDatabase(db);
      const like = m[2] !== undefined ? new RegExp(`^${m[2].replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`) : undefined;
      return this.rows(c, [`Tables_in_${db}`], cat.tablesOf(db).map((t) => t.table).filter((t) => !like || like.test(t)).sort().map((t) => [t]));
    }
    if ((m = /^SHOW CREATE TABLE\s+(.+)$/i.exec(sql))) {
      const n = tableRef(m[1]);
      const meta = this.findTable(s, n.db, n.table);
      return this.rows(c, ['Table', 'Create Table'], [[meta.table, cat.showCreateTable(meta)]]);
    }
    if ((m = /^(?:DESC|DESCRIBE|SHOW (?:FULL )?COLUMNS FROM)\s+(.+)$/i.exec(sql))) {
      const n = tableRef(m[1]);
      const meta = this.findTable(s, n.db, n.table);
      const d = cat.describe(meta);
      const names = ['Field', 'Type', 'Null', 'Key', 'Default', 'Extra'];
      return this.rows(c, names, d.map((r) => names.map((n) => r[n])));
    }
    if ((m = /^SHOW ALTER TABLE COLUMN(?:\s+(?:FROM|IN)\s+`?([^`\s]+)`?)?(?:\s+WHERE\s+TableName\s*=\s*['"]([^'"]+)['"])?/i.exec(sql))) {
      const db = m[1] ?? s.db;
      const jobs = cat.alterJobs.filter((j) => j.db === db && (!m![2] || j.table === m![2]));
      const names = ['JobId', 'TableName', 'CreateTime', 'FinishTime', 'IndexName', 'IndexId', 'OriginIndexId', 'SchemaVersion', 'TransactionId', 'State', 'Msg', 'Progress', 'Timeout'];
      const rows = jobs.map((j) => {
        const running = j.finishesAt > Date.now();
        return [String(j.jobId), j.table, j.createTime, running ? 'NULL' : j.finishTime, j.table, String(j.jobId + 1), String(j.jobId + 2), '1:0', '0', running ? 'RUNNING' : j.state, j.msg, 'NULL', '86400'];
      });
      return this.rows(c, names, /ORDER BY .*DESC/i.test(sql) ? rows.reverse() : rows);
    }
    const stmt = parseStatement(sql);
    if (await cat.execute(stmt, s.db)) return c.writeOk({ affectedRows: 0 });
    if (/^(SHOW|SELECT|WITH|EXPLAIN|\()/.test(upper)) return this.passThrough(c, s, sql);
    if (/^(INSERT|DELETE|UPDATE)\b/.test(upper)) return this.passThrough(c, s, sql);
    throw cat.error(`the emulator does not support this statement: ${sql.slice(0, 80)}`);
  }

  /** Rewrites `db.` qualifiers (and information_schema literals) to storage names and runs the query on MariaDB. */
  private async passThrough(c: ServerConnection, s: Session, sql: string): Promise<void> {
    const dbs = new Set(await this.catalog.databases());
    const tokens = tokenize(sql);
    let out = '';
    let last = 0;
    const infoSchema = /information_schema/i.test(sql);
    const TABLE_CONTEXT = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'EXISTS']);
    tokens.forEach((t, i) => {
      const next = tokens[i + 1];
      const prev = tokens[i - 1];
      if ((t.kind === 'ident' || t.kind === 'quoted') && next?.text === '.' && prev && (TABLE_CONTEXT.has(prev.text.toUpperCase()) || prev.text === ',') && !dbs.has(t.text) && t.text.toLowerCase() !== 'information_schema') {
        // A database of this FE only: MariaDB's other databases do not exist here.
        if (TABLE_CONTEXT.has(prev.text.toUpperCase())) throw this.catalog.unknownDatabase(t.text);
      }
      const qualifies = (t.kind === 'ident' || t.kind === 'quoted') && next?.kind === 'punct' && next.text === '.' && dbs.has(t.text);
      const literal = infoSchema && t.kind === 'string' && dbs.has(t.text);
      if (!qualifies && !literal) return;
      out += sql.slice(last, t.pos) + (literal ? `'${this.catalog.storage(t.text)}'` : `\`${this.catalog.storage(t.text)}\``);
      last = t.end;
    });
    out += sql.slice(last);
    const conn = await this.storageConn(s);
    const [result, fields] = await conn.query({ sql: out, rowsAsArray: true, typeCast: (field: { string(): string | null }) => field.string() } as never);
    if (!Array.isArray(result)) {
      const r = result as { affectedRows?: number; insertId?: number };
      return c.writeOk({ affectedRows: r.affectedRows ?? 0, insertId: r.insertId ?? 0 });
    }
    const defs = (fields as { name: string; columnType?: number; type?: number; columnLength?: number; decimals?: number; flags?: number; characterSet?: number }[]) ?? [];
    c.writeColumns(
      defs.map((f) => ({ ...(column(f.name, f.columnType ?? f.type ?? VAR_STRING) as object), columnLength: f.columnLength ?? 1024, decimals: f.decimals ?? 0, flags: f.flags ?? 0, characterSet: f.characterSet ?? 45 })),
    );
    const rename = infoSchema ? (v: string | null) => (v === null ? v : this.rename(v)) : (v: string | null) => v;
    for (const row of result as (string | null)[][]) c.writeTextRow(row.map(rename));
    c.writeEof();
  }
}


