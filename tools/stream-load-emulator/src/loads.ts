/**
 * Stream load on the BE: body parsing (json with strip_outer_array / read_json_by_line, csv), per-value checks,
 * filtered rows and their error log, labels and transactions (Doris 2PC, StarRocks transaction stream load),
 * and applying the rows to MariaDB with the table's key model (upsert / delete sign / __op / partial update).
 */
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { checkValue } from './column-types.js';
import type { Catalog, TableMeta } from './catalog.js';
import { features } from './flavour.js';

export type TxnStatus = 'PREPARE' | 'PRECOMMITTED' | 'PREPARED' | 'COMMITTED' | 'VISIBLE' | 'ABORTED';

/** One row to apply: the values by column name (already checked) and whether it deletes. */
interface RowOp {
  readonly values: Record<string, string | null>;
  readonly del: boolean;
}

export interface Txn {
  readonly id: number;
  readonly db: string;
  readonly label: string;
  table: string;
  status: TxnStatus;
  /** Staged rows (2PC / transaction API) until commit. */
  rows: RowOp[];
  partial: boolean;
  columns?: string[];
  total: number;
  filtered: number;
  bytes: number;
  maxFilterRatio: number;
  errors: string[];
}

export interface LoadCounters {
  loads: number;
  rows: number;
  bytes: number;
}

const LABEL_RE = /^[-_A-Za-z0-9:]{1,128}$/;
const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

export class LoadResult {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}

/** Parse failures: a whole-body problem, not a filtered row. */
class BodyError extends Error {}

export class LoadManager {
  private readonly txns = new Map<string, Txn>();
  private readonly byId = new Map<number, Txn>();
  private nextTxnId = 1000;
  readonly errorLogs = new Map<string, string>();
  readonly counters: LoadCounters = { loads: 0, rows: 0, bytes: 0 };

  constructor(
    private readonly catalog: Catalog,
    /** Base URL of the BE, for ErrorURL. */
    private readonly beUrl: () => string,
  ) {
    catalog.onDropDatabase.push((db) => {
      for (const [k, t] of this.txns) if (t.db === db) this.txns.delete(k);
    });
  }

  private get f() {
    return this.catalog.flavour;
  }

  async init(): Promise<void> {
    const [rows] = await this.catalog.pool.query(`SELECT db, label, txn_id, tbl, status FROM ${q(this.catalog.sys)}.labels`);
    for (const r of rows as { db: string; label: string; txn_id: string | number; tbl: string; status: TxnStatus }[]) {
      const id = Number(r.txn_id);
      // Staged rows of a pre-committed transaction do not survive an emulator restart: it is aborted.
      const status: TxnStatus = r.status === 'VISIBLE' || r.status === 'COMMITTED' ? r.status : 'ABORTED';
      const txn: Txn = { id, db: r.db, label: r.label, table: r.tbl, status, rows: [], partial: false, total: 0, filtered: 0, bytes: 0, maxFilterRatio: 0, errors: [] };
      this.txns.set(`${r.db}/${r.label}`, txn);
      this.byId.set(id, txn);
      this.nextTxnId = Math.max(this.nextTxnId, id + 1);
    }
  }

  txn(db: string, label: string): Txn | undefined {
    return this.txns.get(`${db}/${label}`);
  }

  list(db: string, prefix: string): { label: string; status: string; txnId: number; table: string; rows: number }[] {
    return [...this.txns.values()].filter((t) => t.db === db && t.label.startsWith(prefix)).map((t) => ({ label: t.label, status: t.status, txnId: t.id, table: t.table, rows: t.total - t.filtered }));
  }

  txnById(id: number): Txn | undefined {
    return this.byId.get(id);
  }

  private async persist(txn: Txn, conn?: mysql.PoolConnection): Promise<void> {
    await (conn ?? this.catalog.pool).query(`REPLACE INTO ${q(this.catalog.sys)}.labels (db, label, txn_id, tbl, status, created) VALUES (?, ?, ?, ?, ?, NOW(3))`, [txn.db, txn.label, txn.id, txn.table, txn.status]);
  }

  /** Doris' ExistingJobStatus for a label that is taken. */
  existingJobStatus(txn: Txn): string {
    if (txn.status === 'VISIBLE' || txn.status === 'COMMITTED') return 'FINISHED';
    if (txn.status === 'PREPARE') return 'RUNNING';
    return txn.status;
  }

  labelTaken(txn: Txn): LoadResult {
    const msg =
      this.f.kind === 'doris'
        ? `errCode = 2, detailMessage = Label [${txn.label}] has already been used, relate to txn [${txn.id}]${this.f.major >= 2 ? `, existing job status: ${this.existingJobStatus(txn)}` : ''}`
        : `Label [${txn.label}] has already been used.`;
    return new LoadResult(200, { TxnId: txn.id, Label: txn.label, Status: 'Label Already Exists', ExistingJobStatus: this.existingJobStatus(txn), Message: msg });
  }

  /**
   * Opens (or re-opens after an abort) the transaction of a label. Returns a LoadResult when the label is taken
   * or invalid.
   */
  begin(db: string, table: string, label: string | undefined): Txn | LoadResult {
    const l = label ?? randomUUID();
    if (!LABEL_RE.test(l)) return this.fail(`Label format error. regex: ^[-_A-Za-z0-9:]{1,128}$, label: ${l}`, l);
    const existing = this.txn(db, l);
    if (existing && existing.status !== 'ABORTED') return this.labelTaken(existing);
    const txn: Txn = { id: this.nextTxnId++, db, label: l, table, status: 'PREPARE', rows: [], partial: false, total: 0, filtered: 0, bytes: 0, maxFilterRatio: 0, errors: [] };
    this.txns.set(`${db}/${l}`, txn);
    this.byId.set(txn.id, txn);
    return txn;
  }

  fail(message: string, label?: string, txn?: Txn, errorUrl?: string): LoadResult {
    const body: Record<string, unknown> = { TxnId: txn?.id ?? -1, Label: label ?? txn?.label ?? '', Status: 'Fail', Message: message };
    if (txn) Object.assign(body, this.numbers(txn));
    if (errorUrl) body.ErrorURL = errorUrl;
    return new LoadResult(200, body);
  }

  private numbers(txn: Txn): Record<string, unknown> {
    return {
      NumberTotalRows: txn.total,
      NumberLoadedRows: txn.total - txn.filtered,
      NumberFilteredRows: txn.filtered,
      NumberUnselectedRows: 0,
      LoadBytes: txn.bytes,
    };
  }

  /**
   * Parses and checks one body into the transaction's staged rows. Rows that fail a check are counted as
   * filtered with their reason in the error log.
   */
  stage(txn: Txn, meta: TableMeta, headers: Readonly<Record<string, string>>, body: Buffer): void {
    const format = (headers['format'] ?? 'csv').toLowerCase();
    const columnsHeader = headers['columns']?.split(',').map((c) => c.trim().replace(/^`|`$/g, ''));
    const hidden = (headers['hidden_columns'] ?? '').split(',').map((c) => c.trim());
    const mergeType = (headers['merge_type'] ?? 'APPEND').toUpperCase();
    const partial = /^true$/i.test(headers['partial_update'] ?? headers['partial_columns'] ?? '');
    const ratio = Number(headers['max_filter_ratio'] ?? 0);
    txn.maxFilterRatio = Number.isFinite(ratio) ? ratio : 0;
    txn.partial = partial;
    txn.bytes += body.length;
    const deleteSign = '__DORIS_DELETE_SIGN__';
    const records: Record<string, unknown>[] = [];
    if (format === 'json') {
      const text = body.toString('utf8');
      const strip = /^true$/i.test(headers['strip_outer_array'] ?? '');
      const byLine = /^true$/i.test(headers['read_json_by_line'] ?? '');
      const parse = (s: string): unknown => {
        try {
          return JSON.parse(protectBigInts(s));
        } catch (e) {
          throw new BodyError(`[DATA_QUALITY_ERROR]Parse json data for JsonDoc failed. code: 3, error info: ${(e as Error).message}`);
        }
      };
      const docs = byLine ? text.split('\n').filter((l) => l.trim() !== '').map(parse) : text.trim() === '' ? [] : [parse(text)];
      for (const d of docs) {
        if (Array.isArray(d)) {
          if (!strip) throw new BodyError('[DATA_QUALITY_ERROR]JSON data is array-object, `strip_outer_array` must be TRUE.');
          for (const x of d) records.push(x as Record<string, unknown>);
        } else if (d && typeof d === 'object') {
          if (strip && !byLine) throw new BodyError('[DATA_QUALITY_ERROR]JSON data is not an array-object, `strip_outer_array` must be FALSE.');
          records.push(d as Record<string, unknown>);
        } else throw new BodyError('[DATA_QUALITY_ERROR]JSON data is not an object');
      }
    } else if (format === 'csv') {
      const sep = unescapeSep(headers['column_separator'] ?? '\t');
      const lineSep = unescapeSep(headers['line_delimiter'] ?? '\n');
      const names = columnsHeader ?? meta.def.columns.map((c) => c.name);
      for (const line of body.toString('utf8').split(lineSep)) {
        if (line === '') continue;
        const fields = line.split(sep);
        if (fields.length !== names.length) {
          txn.total++;
          txn.filtered++;
          txn.errors.push(
            `Reason: actual column number in csv file is ${fields.length < names.length ? ' less than ' : ' more than '} schema column number.actual number: ${fields.length}, column separator: [${sep}], line delimiter: [${lineSep === '\n' ? '\\n' : lineSep}], schema column number: ${names.length}; . src line [${line.slice(0, 100)}];`,
          );
          continue;
        }
        records.push(Object.fromEntries(names.map((n, i) => [n, fields[i] === '\\N' ? null : fields[i]])));
      }
    } else throw new BodyError(`[INVALID_ARGUMENT]format ${format} is not supported`);

    const keyed = meta.def.model !== 'DUPLICATE';
    const useDeleteSign = this.f.kind === 'doris' && (hidden.includes(deleteSign) || columnsHeader?.includes(deleteSign) === true);
    const lookup = new Map(meta.def.columns.map((c) => [c.name.toLowerCase(), c]));
    for (const rec of records) {
      txn.total++;
      let del = mergeType === 'DELETE';
      if (useDeleteSign && rec[deleteSign] !== undefined) del = String(rec[deleteSign]) === '1';
      if (this.f.kind === 'starrocks' && rec['__op'] !== undefined) {
        const op = String(rec['__op']);
        if (!keyed) {
          txn.filtered++;
          txn.errors.push(`Reason: __op is only supported by primary key tables. src line [${JSON.stringify(rec).slice(0, 200)}];`);
          continue;
        }
        del = op === '1' || op.toLowerCase() === 'delete';
      }
      const values: Record<string, string | null> = {};
      let problem: string | undefined;
      const given = new Set(Object.keys(rec).map((k) => k.toLowerCase()));
      for (const c of meta.def.columns) {
        const present = given.has(c.name.toLowerCase());
        if (!present) {
          if (partial || del) continue;
          if (c.defaultValue !== undefined) continue; // MariaDB applies the default
        }
        const raw = present ? rec[Object.keys(rec).find((k) => k.toLowerCase() === c.name.toLowerCase())!] : null;
        const checked = checkValue(c, raw, this.f);
        if (!checked.ok) {
          if (del && !meta.def.keys.includes(c.name)) continue;
          problem = checked.reason;
          break;
        }
        values[c.name] = checked.value;
      }
      if (!problem && keyed) {
        for (const k of meta.def.keys) if (values[k] === undefined || values[k] === null) problem = `column(${k}) values is null while columns is not nullable`;
      }
      if (problem) {
        txn.filtered++;
        if (txn.errors.length < 1000) txn.errors.push(`Reason: ${problem}. src line [${JSON.stringify(rec).slice(0, 200)}];`);
        continue;
      }
      void lookup;
      if (del && !keyed) continue; // a delete sign means nothing to a duplicate-key table
      txn.rows.push({ values, del });
    }
  }

  /** Checks the filter ratio; returns a Fail result with an ErrorURL when too many rows were filtered. */
  qualityCheck(txn: Txn): LoadResult | undefined {
    if (!txn.filtered) return undefined;
    const url = this.saveErrorLog(txn);
    if (txn.filtered / Math.max(1, txn.total) <= txn.maxFilterRatio) return undefined;
    const msg = features(this.f).dataQualityPrefix ? '[DATA_QUALITY_ERROR]too many filtered rows' : 'too many filtered rows';
    return this.fail(msg, txn.label, txn, url);
  }

  private saveErrorLog(txn: Txn): string {
    const file = `__shard_0/error_log_insert_stmt_${txn.id.toString(16)}_${txn.label.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
    this.errorLogs.set(file, txn.errors.join('\n') + '\n');
    return `${this.beUrl()}/api/_load_error_log?file=${file}`;
  }

  /** Applies the staged rows and marks the label visible, in one MariaDB transaction. */
  async publish(txn: Txn): Promise<void> {
    const meta = this.catalog.table(txn.db, txn.table);
    if (!meta) throw new Error(`Unknown table '${txn.table}'`);
    const conn = await this.catalog.pool.getConnection();
    const before = txn.status;
    try {
      await conn.beginTransaction();
      await applyRows(conn, `${q(this.catalog.storage(txn.db))}.${q(txn.table)}`, meta, txn.rows, txn.partial);
      txn.status = 'VISIBLE';
      await this.persist(txn, conn);
      await conn.commit();
      this.counters.rows += txn.rows.length;
      txn.rows = [];
    } catch (e) {
      await conn.rollback().catch(() => undefined);
      txn.status = before;
      throw e;
    } finally {
      conn.release();
    }
  }

  async precommit(txn: Txn, status: 'PRECOMMITTED' | 'PREPARED'): Promise<void> {
    txn.status = status;
    await this.persist(txn);
  }

  async abort(txn: Txn): Promise<void> {
    txn.status = 'ABORTED';
    txn.rows = [];
    await this.persist(txn);
  }

  successBody(txn: Txn, status: 'Success' | 'Publish Timeout', twoPhase: boolean, startedAt: number): Record<string, unknown> {
    const body: Record<string, unknown> = {
      TxnId: txn.id,
      Label: txn.label,
      Comment: '',
      TwoPhaseCommit: String(twoPhase),
      Status: status,
      Message: status === 'Success' ? 'OK' : 'transaction commit successfully, But data will be visible later',
      ...this.numbers(txn),
      LoadTimeMs: Date.now() - startedAt,
      BeginTxnTimeMs: 0,
      StreamLoadPutTimeMs: 1,
      ReadDataTimeMs: 0,
      WriteDataTimeMs: Date.now() - startedAt,
      CommitAndPublishTimeMs: 0,
    };
    if (txn.filtered) body.ErrorURL = this.saveErrorLog(txn);
    return body;
  }

  /** Turns a body error into a Fail result. */
  static bodyError(e: unknown): string | undefined {
    return e instanceof BodyError ? e.message : undefined;
  }
}

/**
 * A BE parses JSON integers as exact 64/128-bit values; JSON.parse would round those above 2^53, so such
 * literals (outside strings) are quoted before parsing: the column checks read the exact text.
 */
export function protectBigInts(text: string): string {
  if (!/\d{16}/.test(text)) return text;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9]/.test(text[j])) j++;
      const isInt = !/[.eE]/.test(text[j] ?? '');
      if (isInt && j - i >= 16) {
        out += `${text.slice(last, i)}"${text.slice(i, j)}"`;
        last = j;
      }
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      i = j - 1;
    }
  }
  return out + text.slice(last);
}

function unescapeSep(s: string): string {
  if (s === '\\t') return '\t';
  if (s === '\\n') return '\n';
  if (/^\\x[0-9a-f]{2}$/i.test(s)) return String.fromCharCode(parseInt(s.slice(2), 16));
  return s;
}

const CHUNK = 500;

async function applyRows(conn: mysql.PoolConnection, target: string, meta: TableMeta, rows: readonly RowOp[], partial: boolean): Promise<void> {
  const keyed = meta.def.model !== 'DUPLICATE';
  const keys = meta.def.keys;
  // Rows staged before a light schema change (2PC, transaction load) publish into the new schema: values of
  // dropped columns are gone, added columns take their default.
  const current = new Set(meta.def.columns.map((c) => c.name));
  if (rows.some((r) => Object.keys(r.values).some((k) => !current.has(k)))) {
    rows = rows.map((r) => ({ del: r.del, values: Object.fromEntries(Object.entries(r.values).filter(([k]) => current.has(k))) }));
  }
  let i = 0;
  while (i < rows.length) {
    const first = rows[i];
    if (first.del) {
      const batch: RowOp[] = [];
      while (i < rows.length && rows[i].del && batch.length < CHUNK) batch.push(rows[i++]);
      const tuples = batch.map((r) => `(${keys.map((k) => mysql.escape(r.values[k])).join(', ')})`);
      await conn.query(`DELETE FROM ${target} WHERE (${keys.map(q).join(', ')}) IN (${tuples.join(', ')})`);
      continue;
    }
    const cols = Object.keys(first.values);
    const sig = cols.join('\u0000');
    const batch: RowOp[] = [];
    while (i < rows.length && !rows[i].del && Object.keys(rows[i].values).join('\u0000') === sig && batch.length < CHUNK) batch.push(rows[i++]);
    const values = batch.map((r) => `(${cols.map((c) => mysql.escape(r.values[c])).join(', ')})`).join(', ');
    let sql = `INSERT INTO ${target} (${cols.map(q).join(', ')}) VALUES ${values}`;
    if (keyed) {
      // Full-row upsert: columns not in the row go back to their default, as a Doris/StarRocks row replace does.
      const set = partial
        ? cols.filter((c) => !keys.includes(c)).map((c) => `${q(c)} = VALUES(${q(c)})`)
        : meta.def.columns.filter((c) => !keys.includes(c.name)).map((c) => (cols.includes(c.name) ? `${q(c.name)} = VALUES(${q(c.name)})` : `${q(c.name)} = DEFAULT(${q(c.name)})`));
      sql += set.length ? ` ON DUPLICATE KEY UPDATE ${set.join(', ')}` : ` ON DUPLICATE KEY UPDATE ${q(keys[0])} = ${q(keys[0])}`;
    }
    await conn.query(sql);
  }
}
