/**
 * Options of the elasticsearch sink, named and defaulted as in Flink CDC's Elasticsearch pipeline connector
 * (ElasticsearchDataSinkOptions). The spec list drives core's validation and the README table; readConfig checks
 * what a per-key type cannot (host URLs, ranges, the sharding syntax).
 */
import { ConfigError, parseTableId, tableIdString, type OptionSpec, type ResolvedOptions } from '@cdc/core';

export const CONNECTOR = 'elasticsearch';

export const ES_VERSIONS = ['6', '7', '8'] as const;
export type EsVersion = 6 | 7 | 8;

export const ELASTICSEARCH_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'hosts',
    type: 'string',
    required: true,
    description: 'Comma-separated Elasticsearch HTTP endpoints, e.g. http://es1:9200,http://es2:9200 (scheme defaults to http, port to 9200). Requests go round-robin; a host that refuses the connection is skipped.',
  },
  {
    key: 'version',
    type: 'enum',
    values: ES_VERSIONS,
    default: '7',
    description: 'Major version of the Elasticsearch cluster: 6 (bulk actions carry _type _doc), 7 or 8. Flink CDC default 7.',
  },
  { key: 'username', type: 'string', description: 'User for HTTP basic authentication.' },
  { key: 'password', type: 'password', description: 'Password for HTTP basic authentication (required with username).' },
  { key: 'batch.size.max', type: 'int', default: 500, description: 'Maximum number of actions (index/delete) in one _bulk request.' },
  { key: 'inflight.requests.max', type: 'int', default: 5, description: 'Maximum number of _bulk requests in flight at once per writer.' },
  {
    key: 'buffered.requests.max',
    type: 'int',
    default: 1000,
    description: 'Maximum number of actions buffered (not yet sent) per writer; when full, the writer stops accepting events until a request completes (back-pressure). Must be at least batch.size.max.',
  },
  { key: 'batch.size.max.bytes', type: 'long', default: 50 * 1024 * 1024, description: 'Maximum size in bytes of one _bulk request body.' },
  { key: 'buffer.time.max.ms', type: 'long', default: 5000, description: 'Maximum time in milliseconds an action waits in the buffer before a partial batch is sent.' },
  {
    key: 'record.size.max.bytes',
    type: 'long',
    default: 10 * 1024 * 1024,
    description: 'Maximum size in bytes of one action (metadata line + document); a larger row fails the pipeline with a DataError naming the table and document id.',
  },
  {
    key: 'sharding.suffix.key',
    type: 'string',
    default: '',
    description: 'Per-table column whose value suffixes the index name: `db.table1:col1;db.table2:col2` writes a row of db.table1 to index `db.table1<separator><col1 value>`.',
  },
  { key: 'sharding.suffix.separator', type: 'string', default: '_', description: 'Separator between the table index name and the sharding suffix value.' },
];

export interface EsHost {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  /** Path prefix of the endpoint (behind a proxy), without trailing slash; usually empty. */
  readonly path: string;
}

export interface EsSinkConfig {
  readonly hosts: readonly EsHost[];
  readonly version: EsVersion;
  readonly username?: string;
  readonly password?: string;
  readonly batchSizeMax: number;
  readonly inflightRequestsMax: number;
  readonly bufferedRequestsMax: number;
  readonly batchSizeMaxBytes: number;
  readonly bufferTimeMaxMs: number;
  readonly recordSizeMaxBytes: number;
  /** table id string (`db.table`) -> column */
  readonly shardingKeys: ReadonlyMap<string, string>;
  readonly shardingSeparator: string;
}

/** Characters Elasticsearch refuses in index names (besides upper case). */
const ILLEGAL_INDEX_CHARS = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

export function parseHosts(text: string): EsHost[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new ConfigError('option "hosts" lists no host', { connector: CONNECTOR, hint: 'set hosts: http://host:9200' });
  return parts.map((p) => {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : `http://${p}`);
    } catch {
      throw new ConfigError(`option "hosts": "${p}" is not a host or URL`, { connector: CONNECTOR, hint: 'write http://host:9200 (comma-separated for several)' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`option "hosts": "${p}" uses ${url.protocol} — use http:// or https://`, { connector: CONNECTOR });
    }
    if (url.username || url.password) {
      throw new ConfigError('option "hosts" must not carry credentials', { connector: CONNECTOR, hint: 'use the username and password options' });
    }
    const port = url.port ? Number(url.port) : 9200;
    return { protocol: url.protocol, hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: url.pathname.replace(/\/+$/, '') };
  });
}

function positive(o: ResolvedOptions, key: string): number {
  const n = o.number(key)!;
  if (!(n > 0)) throw new ConfigError(`option "${key}" must be greater than 0, got ${n}`, { connector: CONNECTOR });
  return n;
}

export function parseShardingKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const i = part.lastIndexOf(':');
    if (i <= 0 || i === part.length - 1) {
      throw new ConfigError(`option "sharding.suffix.key" is malformed at "${part}"`, { connector: CONNECTOR, hint: 'write db.table1:column1;db.table2:column2' });
    }
    out.set(tableIdString(parseTableId(part.slice(0, i).trim())), part.slice(i + 1).trim());
  }
  return out;
}

export function readConfig(o: ResolvedOptions): EsSinkConfig {
  const hosts = parseHosts(o.requireString('hosts'));
  const version = Number(o.string('version') ?? '7') as EsVersion;
  const username = o.string('username');
  const password = o.string('password');
  if (username !== undefined && password === undefined) {
    throw new ConfigError('option "username" is set but "password" is not', { connector: CONNECTOR, hint: 'set both for basic authentication, or neither' });
  }
  if (password !== undefined && username === undefined) {
    throw new ConfigError('option "password" is set but "username" is not', { connector: CONNECTOR, hint: 'set both for basic authentication, or neither' });
  }
  const batchSizeMax = positive(o, 'batch.size.max');
  const bufferedRequestsMax = positive(o, 'buffered.requests.max');
  if (bufferedRequestsMax < batchSizeMax) {
    throw new ConfigError(`option "buffered.requests.max" (${bufferedRequestsMax}) must be at least "batch.size.max" (${batchSizeMax})`, { connector: CONNECTOR });
  }
  const separator = o.string('sharding.suffix.separator') ?? '_';
  if (separator !== separator.toLowerCase() || ILLEGAL_INDEX_CHARS.some((c) => separator.includes(c))) {
    throw new ConfigError(`option "sharding.suffix.separator" "${separator}" cannot be part of an index name`, {
      connector: CONNECTOR,
      hint: 'use lower-case characters other than \\ / * ? " < > | space , # :',
    });
  }
  return {
    hosts,
    version,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    batchSizeMax,
    inflightRequestsMax: positive(o, 'inflight.requests.max'),
    bufferedRequestsMax,
    batchSizeMaxBytes: positive(o, 'batch.size.max.bytes'),
    bufferTimeMaxMs: positive(o, 'buffer.time.max.ms'),
    recordSizeMaxBytes: positive(o, 'record.size.max.bytes'),
    shardingKeys: parseShardingKeys(o.string('sharding.suffix.key') ?? ''),
    shardingSeparator: separator,
  };
}
