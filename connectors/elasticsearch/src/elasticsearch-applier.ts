/**
 * Schema changes in Elasticsearch. Mappings follow the data: the writer puts the explicit field mappings of a
 * table's columns (see elasticsearch-mappings.ts) before it first writes to an index and again after a column
 * change, so create.table, add.column and alter.column.type need nothing here (the mapping's _meta.cdc keeps
 * the table schema). An explicit mapping cannot change type in Elasticsearch: after alter.column.type the
 * existing mapping stays (a warning says so) and values that do not fit it are refused item by item.
 * truncate.table deletes every document of the table's indices (_delete_by_query, or search + _bulk delete when
 * the cluster has no reindex module); drop.table deletes the indices.
 */
import { SinkError, tableIdString, type MetadataApplier, type SchemaChangeEvent, type SchemaChangeType } from '@cdc/core';
import { indexName } from './elasticsearch-documents.js';
import { httpError, type EsHttp } from './elasticsearch-http.js';
import { CONNECTOR, type EsSinkConfig } from './elasticsearch-options.js';

export class ElasticsearchMetadataApplier implements MetadataApplier {
  /**
   * Not drop.column / rename.column: documents already indexed would keep the old field (Elasticsearch cannot
   * drop or rename a field without reindexing). Under schema.change.behavior lenient the runtime turns them into
   * a nullable column / an added column, which this sink does apply.
   */
  readonly supportedSchemaChanges: readonly SchemaChangeType[] = ['create.table', 'add.column', 'alter.column.type', 'truncate.table', 'drop.table'];

  constructor(
    private readonly config: EsSinkConfig,
    private readonly http: EsHttp,
  ) {}

  /** The table's index and, when it is sharded, the pattern of its suffixed indices. */
  private indices(event: SchemaChangeEvent): string[] {
    const key = tableIdString(event.tableId);
    const base = indexName(key);
    return this.config.shardingKeys.has(key) ? [base, `${base}${this.config.shardingSeparator}*`] : [base];
  }

  /** Deletes every document of `target` page by page (ids by search, then _bulk delete). */
  private async deleteAll(target: string, what: string, signal: AbortSignal): Promise<void> {
    const q = 'ignore_unavailable=true&allow_no_indices=true';
    for (;;) {
      await this.http.requestOk({ method: 'POST', path: `/${target}/_refresh?${q}`, signal }, what, [404]);
      const res = await this.http.requestOk({ method: 'POST', path: `/${target}/_search?${q}&filter_path=hits.hits._id,hits.hits._index`, body: '{"size":1000,"_source":false,"sort":["_doc"]}', signal }, what, [404]);
      const hits = res.status === 404 ? [] : ((JSON.parse(res.body) as { hits?: { hits?: { _id: string; _index: string }[] } }).hits?.hits ?? []);
      if (hits.length === 0) return;
      const typeField = this.config.version === 6 ? ',"_type":"_doc"' : '';
      const body = hits.map((h) => `{"delete":{"_index":${JSON.stringify(h._index)}${typeField},"_id":${JSON.stringify(h._id)}}}\n`).join('');
      const del = await this.http.requestOk({ method: 'POST', path: '/_bulk?refresh=true&filter_path=errors', body, ndjson: true, signal }, what);
      if ((JSON.parse(del.body) as { errors?: boolean }).errors) throw new SinkError(`${what}: Elasticsearch refused some deletes`, { connector: CONNECTOR, retryable: true });
    }
  }

  async applySchemaChange(event: SchemaChangeEvent, signal: AbortSignal): Promise<void> {
    const target = this.indices(event).map(encodeURIComponent).join(',');
    if (event.kind === 'truncate.table') {
      const what = `truncating ${tableIdString(event.tableId)}`;
      const res = await this.http.request({
        method: 'POST',
        path: `/${target}/_delete_by_query?conflicts=proceed&refresh=true&ignore_unavailable=true&allow_no_indices=true`,
        body: '{"query":{"match_all":{}}}',
        signal,
        timeoutMs: 600_000,
      });
      // _delete_by_query comes from the reindex module, which a cluster may lack: then delete in pages
      if (res.status === 400 && res.body.includes('no handler found')) await this.deleteAll(target, what, signal);
      else if (res.status !== 404 && (res.status < 200 || res.status >= 300)) throw httpError(res, what);
    } else if (event.kind === 'drop.table') {
      // Wildcard deletes are refused by default (action.destructive_requires_name): resolve the names first.
      const res = await this.http.requestOk({ method: 'GET', path: `/_cat/indices/${target}?h=index&format=json&expand_wildcards=open,closed`, signal }, `listing the indices of ${tableIdString(event.tableId)}`, [404]);
      const names = res.status === 404 ? [] : (JSON.parse(res.body) as { index: string }[]).map((r) => r.index);
      if (names.length > 0) {
        await this.http.requestOk({ method: 'DELETE', path: `/${names.map(encodeURIComponent).join(',')}?ignore_unavailable=true`, signal }, `dropping the indices of ${tableIdString(event.tableId)}`, [404]);
      }
    }
  }
}
