/**
 * Doris' HTTP SQL API (`POST /api/query/default_cluster/<db>` with `{"stmt": ...}`), which Flink CDC's Doris
 * sink uses for DDL when no jdbc-url is given: fenodes, username and password are enough.
 */
import { SchemaError } from '@cdc/core';
import type { DorisHttp } from './doris-http.js';
import { CONNECTOR } from './doris-options.js';

interface QueryAnswer {
  readonly msg?: string;
  readonly code?: number;
  readonly data?: { readonly type?: string; readonly meta?: readonly { name: string }[]; readonly data?: readonly (readonly unknown[])[] } | null;
}

export class DorisHttpSql {
  constructor(private readonly http: DorisHttp) {}

  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const res = await this.http.client.request('POST', `${this.http.feUrl()}/api/query/default_cluster/information_schema`, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ stmt: sql })));
    if (res.status === 404) throw new SchemaError('the FE has no HTTP SQL API (/api/query)', { connector: CONNECTOR, hint: 'set jdbc-url: jdbc:mysql://<fe host>:9030' });
    const a = this.http.client.json<QueryAnswer>(res);
    if (a.code !== 0) {
      const one = sql.replace(/\s+/g, ' ').trim();
      throw new SchemaError(`${one.length > 200 ? `${one.slice(0, 200)}…` : one} failed: ${a.msg ?? `code ${a.code}`}`, { connector: CONNECTOR });
    }
    if (a.data?.type !== 'result_set') return [];
    const names = (a.data.meta ?? []).map((m) => m.name);
    return (a.data.data ?? []).map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])) as T);
  }

  async close(): Promise<void> {}
}
