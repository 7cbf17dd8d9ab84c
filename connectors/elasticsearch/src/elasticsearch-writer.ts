/**
 * The sink writer: change events -> bulk actions in a bounded buffer -> _bulk requests, at most
 * inflight.requests.max at a time.
 *
 * - A batch is sent when it has batch.size.max actions or batch.size.max.bytes bytes, when its oldest action has
 *   waited buffer.time.max.ms, and on flush / checkpoint.
 * - write() waits while buffered.requests.max actions are buffered (back-pressure: memory stays bounded when
 *   Elasticsearch is slow or throttles).
 * - Several changes to one document in the buffer collapse to the last one (index and delete both replace the
 *   whole document, so only the last matters); a batch holding a document that an in-flight request also holds
 *   waits for that request, so the changes of one document reach Elasticsearch in order.
 * - Items refused with 429 / 502 / 503 / 504 (and whole requests that get no answer or those statuses) are
 *   retried with exponential backoff (100 ms doubling to 5 s) for up to 5 minutes; any other refused item fails
 *   the writer with an error naming the table, document id, index and Elasticsearch's reason.
 * - prepareCommit resolves only when every action written before it has been accepted by Elasticsearch.
 */
import { applySchemaChange, DataError, SinkError, tableIdString, type Event, type JsonValue, type Logger, type Schema, type SinkWriter, type TableId } from '@cdc/core';
import { TableSerializer, type BulkAction } from './elasticsearch-documents.js';
import { errorReason, EsUnreachableError, httpError, type EsHttp } from './elasticsearch-http.js';
import { createIndexBody, mappingBody, mappingPath, properties, schemaMeta, type FieldMapping, type SchemaMeta } from './elasticsearch-mappings.js';
import { CONNECTOR, type EsSinkConfig } from './elasticsearch-options.js';

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_FIRST_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;
export const RETRY_DEADLINE_MS = 5 * 60_000;

interface BulkItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string; readonly caused_by?: { readonly type?: string; readonly reason?: string } };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ElasticsearchWriter implements SinkWriter {
  private readonly tables = new Map<string, TableSerializer>();
  /** index \u0000 id -> the latest action for that document, in arrival order */
  private readonly buffer = new Map<string, BulkAction>();
  private bufferedBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  /** documents held by in-flight requests -> number of requests */
  private readonly inflightKeys = new Map<string, number>();
  /** index -> its explicit mappings are in place (or being put) */
  private readonly ensured = new Map<string, Promise<void>>();
  /** table id string -> indices written to */
  private readonly tableIndices = new Map<string, Set<string>>();
  private forced = false;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** counters for tests and metrics */
  readonly stats = { requests: 0, actions: 0, retriedItems: 0, retriedRequests: 0 };

  constructor(
    private readonly config: EsSinkConfig,
    private readonly http: EsHttp,
    private readonly logger: Logger,
    private readonly onClose: () => void = () => undefined,
  ) {}

  async write(events: readonly Event[]): Promise<void> {
    this.throwIfFailed();
    for (const e of events) {
      switch (e.kind) {
        case 'data': {
          const s = this.tables.get(tableIdString(e.tableId));
          if (!s) throw new DataError(`a change for ${tableIdString(e.tableId)} arrived before its create.table event`, { connector: CONNECTOR });
          for (const a of s.actions(e)) this.add(a);
          if (this.buffer.size >= this.config.bufferedRequestsMax) await this.drainBelow(this.config.bufferedRequestsMax);
          break;
        }
        case 'flush':
          await this.flushAll();
          break;
        case 'create.table':
          this.setSchema(e.tableId, e.schema);
          break;
        case 'drop.table': {
          const key = tableIdString(e.tableId);
          this.tables.delete(key);
          for (const index of this.tableIndices.get(key) ?? []) this.ensured.delete(index);
          this.tableIndices.delete(key);
          break;
        }
        case 'truncate.table':
          break;
        default: {
          const key = tableIdString(e.tableId);
          const s = this.tables.get(key);
          this.setSchema(e.tableId, applySchemaChange(s?.schema, e));
          // new or changed columns: put the mappings again before the next action for these indices
          for (const index of this.tableIndices.get(key) ?? []) this.ensured.delete(index);
        }
      }
    }
    this.pump();
  }

  async prepareCommit(_checkpointId: number): Promise<JsonValue | undefined> {
    await this.flushAll();
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.failure ??= new SinkError('the writer is closed', { connector: CONNECTOR });
    this.wake();
    this.onClose();
  }

  /** Buffered + in-flight actions, for tests of the memory bound. */
  get pending(): { buffered: number; inflightRequests: number } {
    return { buffered: this.buffer.size, inflightRequests: this.inflight.size };
  }

  private setSchema(table: TableId, schema: Schema): void {
    const key = tableIdString(table);
    this.tables.set(key, new TableSerializer(table, schema, this.config.version, this.config.shardingKeys.get(key), this.config.shardingSeparator));
  }

  private add(a: BulkAction): void {
    if (a.bytes > this.config.recordSizeMaxBytes) {
      throw new DataError(`the ${a.op} action for document id "${a.id}" of ${tableIdString(a.table)} is ${a.bytes} bytes, above record.size.max.bytes (${this.config.recordSizeMaxBytes})`, {
        connector: CONNECTOR,
        hint: 'raise record.size.max.bytes (and batch.size.max.bytes), or leave the large columns out with a transform',
      });
    }
    const key = `${a.index}\u0000${a.id}`;
    const old = this.buffer.get(key);
    if (old) {
      this.bufferedBytes -= old.bytes;
      this.buffer.delete(key); // re-insert: the document's latest change goes to the end
    }
    this.buffer.set(key, a);
    this.bufferedBytes += a.bytes;
    if (this.buffer.size >= this.config.batchSizeMax || this.bufferedBytes >= this.config.batchSizeMaxBytes) this.pump();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.forced = true;
        this.pump();
      }, this.config.bufferTimeMaxMs);
      this.timer.unref();
    }
  }

  /** Sends what can be sent now. */
  private pump(): void {
    while (this.buffer.size > 0 && this.inflight.size < this.config.inflightRequestsMax && !this.failure) {
      const full = this.buffer.size >= this.config.batchSizeMax || this.bufferedBytes >= this.config.batchSizeMaxBytes;
      if (!full && !this.forced) break;
      const batch = this.takeBatch();
      if (!batch) break; // holds a document an in-flight request holds: wait for it
      this.dispatch(batch);
    }
    if (this.buffer.size === 0) {
      this.forced = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private takeBatch(): BulkAction[] | undefined {
    const keys: string[] = [];
    let bytes = 0;
    for (const [key, a] of this.buffer) {
      if (keys.length >= this.config.batchSizeMax || (keys.length > 0 && bytes + a.bytes > this.config.batchSizeMaxBytes)) break;
      if (this.inflightKeys.has(key)) {
        if (keys.length === 0) return undefined;
        break; // send what comes before it
      }
      keys.push(key);
      bytes += a.bytes;
    }
    const batch: BulkAction[] = [];
    for (const key of keys) {
      const a = this.buffer.get(key)!;
      this.buffer.delete(key);
      this.bufferedBytes -= a.bytes;
      this.inflightKeys.set(key, (this.inflightKeys.get(key) ?? 0) + 1);
      batch.push(a);
    }
    return batch;
  }

  private dispatch(batch: BulkAction[]): void {
    const p: Promise<void> = this.send(batch)
      .catch((e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        for (const a of batch) {
          const key = `${a.index}\u0000${a.id}`;
          const n = this.inflightKeys.get(key)! - 1;
          if (n === 0) this.inflightKeys.delete(key);
          else this.inflightKeys.set(key, n);
        }
        this.inflight.delete(p);
        this.pump();
        this.wake();
      });
    this.inflight.add(p);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private progress(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async drainBelow(limit: number): Promise<void> {
    while (this.buffer.size >= limit) {
      this.throwIfFailed();
      this.pump();
      if (this.buffer.size < limit) break;
      await this.progress();
    }
    this.throwIfFailed();
  }

  /** Sends everything buffered and waits until Elasticsearch has accepted all of it. */
  private async flushAll(): Promise<void> {
    this.forced = true;
    for (;;) {
      this.throwIfFailed();
      this.pump();
      if (this.buffer.size === 0 && this.inflight.size === 0) break;
      await this.progress();
    }
    this.forced = false;
    this.throwIfFailed();
  }

  // ------------------------------------------------------------------------------------------ requests

  private async send(batch: BulkAction[]): Promise<void> {
    await this.ensureIndices(batch);
    let pending = batch;
    let delay = RETRY_FIRST_MS;
    const started = Date.now();
    const retryOrThrow = async (error: Error): Promise<void> => {
      if (this.closed || Date.now() - started > RETRY_DEADLINE_MS) throw error;
      await sleep(delay);
      delay = Math.min(delay * 2, RETRY_MAX_DELAY_MS);
    };
    for (;;) {
      this.stats.requests++;
      let res;
      try {
        res = await this.http.request({ method: 'POST', path: '/_bulk?filter_path=errors,items.*.status,items.*.error', body: pending.map((a) => a.text).join(''), ndjson: true });
      } catch (e) {
        if (!(e instanceof EsUnreachableError)) throw e;
        this.stats.retriedRequests++;
        this.logger.warn(`elasticsearch: ${e.reason}; retrying ${pending.length} actions in ${delay} ms`);
        await retryOrThrow(e);
        continue;
      }
      if (res.status !== 200) {
        const err = httpError(res, `a _bulk request of ${pending.length} actions`);
        if (!RETRY_STATUSES.has(res.status)) {
          if (res.status === 413) throw new SinkError(`${err.message}`, { connector: CONNECTOR, hint: 'lower batch.size.max.bytes below the cluster\'s http.max_content_length' });
          throw err;
        }
        this.stats.retriedRequests++;
        await retryOrThrow(err);
        continue;
      }
      const body = JSON.parse(res.body) as { errors?: boolean; items?: Record<string, BulkItemResult>[] };
      if (!body.errors) {
        this.stats.actions += pending.length;
        return;
      }
      const retry: BulkAction[] = [];
      let lastReason = '';
      const items = body.items ?? [];
      for (let i = 0; i < pending.length; i++) {
        const item = items[i] ? Object.values(items[i])[0] : undefined;
        const a = pending[i];
        if (!item) throw new SinkError(`the _bulk answer has no item ${i} (${items.length} items for ${pending.length} actions)`, { connector: CONNECTOR });
        if (item.status < 300 || (a.op === 'delete' && item.status === 404)) continue;
        const reason = item.error ? `${item.error.type}: ${item.error.reason}${item.error.caused_by?.reason ? ` (caused by ${item.error.caused_by.type}: ${item.error.caused_by.reason})` : ''}` : `HTTP ${item.status}`;
        if (RETRY_STATUSES.has(item.status)) {
          retry.push(a);
          lastReason = reason;
          continue;
        }
        throw new SinkError(`Elasticsearch refused to ${a.op} document id "${a.id}" of table ${tableIdString(a.table)} in index ${a.index}: ${reason} (status ${item.status})`, {
          connector: CONNECTOR,
          details: { table: tableIdString(a.table), id: a.id, index: a.index, status: item.status },
          hint: 'fix the index mapping or the data (changes since the last checkpoint are replayed on restart)',
        });
      }
      this.stats.actions += pending.length - retry.length;
      if (retry.length === 0) return;
      this.stats.retriedItems += retry.length;
      this.logger.warn(`elasticsearch: ${retry.length} of ${pending.length} actions refused for now (${lastReason}); retrying in ${delay} ms`);
      await retryOrThrow(
        new SinkError(`Elasticsearch still refuses ${retry.length} actions after ${Math.round((Date.now() - started) / 1000)} s of retries: ${lastReason}`, {
          connector: CONNECTOR,
          retryable: true,
          hint: 'the cluster is overloaded or blocked (disk watermark, write queue): check its health',
        }),
      );
      pending = retry;
    }
  }

  /** Puts the explicit mappings of every index of the batch that has not got them yet. */
  private async ensureIndices(batch: readonly BulkAction[]): Promise<void> {
    let waits: Promise<void>[] | undefined;
    let last = '';
    for (const a of batch) {
      if (a.index === last) continue;
      last = a.index;
      let p = this.ensured.get(a.index);
      if (!p) {
        const key = tableIdString(a.table);
        let set = this.tableIndices.get(key);
        if (!set) this.tableIndices.set(key, (set = new Set()));
        set.add(a.index);
        const s = this.tables.get(key);
        p = s ? this.putMappings(a.index, properties(s.schema.columns), schemaMeta(key, s.schema)) : Promise.resolve();
        this.ensured.set(a.index, p);
        p.catch(() => this.ensured.delete(a.index));
      }
      (waits ??= []).push(p);
    }
    if (waits) await Promise.all(waits);
  }

  private async putMappings(index: string, props: Record<string, FieldMapping>, meta: SchemaMeta): Promise<void> {
    const v = this.config.version;
    const created = await this.http.request({ method: 'PUT', path: `/${encodeURIComponent(index)}`, body: createIndexBody(props, meta, v) });
    if (created.status === 200) return;
    if (created.status !== 400 || !/resource_already_exists_exception|index_already_exists_exception/.test(created.body)) throw httpError(created, `creating index ${index}`);
    const res = await this.http.request({ method: 'PUT', path: mappingPath(index, v), body: mappingBody(props, meta) });
    if (res.status === 200) return;
    if (res.status === 400) {
      // A column whose type changed, or an index made by someone else: keep writing; documents that do not fit
      // the existing mapping are refused item by item with Elasticsearch's reason.
      this.logger.warn(`elasticsearch: index ${index} keeps its existing mapping for some columns: ${errorReason(res.body)}`);
      return;
    }
    throw httpError(res, `updating the mapping of index ${index}`);
  }
}
