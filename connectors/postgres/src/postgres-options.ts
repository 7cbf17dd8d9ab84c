/**
 * Options of the `postgres` source: names, defaults and meanings of Flink CDC's PostgresDataSourceOptions (3.x),
 * plus the Debezium publication settings Flink users pass as `debezium.*`. One list drives validation, the README
 * table and error messages.
 */
import { ConfigError, splitSelectorText, type OptionSpec, type PassThroughPrefix, type ResolvedOptions } from '@cdc/core';
import { CONNECTOR } from './postgres-errors.js';

export const STARTUP_MODES = ['initial', 'snapshot', 'latest-offset', 'committed-offset'] as const;
export type StartupMode = (typeof STARTUP_MODES)[number];

export const PUBLICATION_MODES = ['filtered', 'all_tables', 'disabled'] as const;
export type PublicationMode = (typeof PUBLICATION_MODES)[number];

export const POSTGRES_OPTIONS: readonly OptionSpec[] = [
  { key: 'hostname', type: 'string', required: true, description: 'IP address or hostname of the PostgreSQL server' },
  { key: 'port', type: 'int', default: 5432, description: 'port of the server' },
  { key: 'username', type: 'string', required: true, description: 'user to connect as (needs LOGIN, REPLICATION and SELECT on the captured tables)' },
  { key: 'password', type: 'password', required: true, description: 'password of the user' },
  {
    key: 'tables',
    type: 'string',
    required: true,
    description: 'tables to capture: database.schema.table, comma-separated; each part is a regular expression (escape a regex dot as \\.), the database part a plain name, e.g. app.public.order_\\.*',
  },
  { key: 'tables.exclude', type: 'string', description: 'tables to leave out, same syntax as tables' },
  { key: 'slot.name', type: 'string', required: true, description: 'logical replication slot to create or reuse (lower-case letters, digits and _)' },
  { key: 'decoding.plugin.name', type: 'string', default: 'pgoutput', description: 'logical decoding output plugin; only pgoutput (built into PostgreSQL 10+) is supported' },
  { key: 'schema-change.enabled', type: 'boolean', default: true, description: 'send schema change events (detected from pgoutput relation messages) downstream' },
  { key: 'scan.incremental.snapshot.chunk.size', type: 'int', default: 8096, description: 'rows per snapshot chunk (also the most rows kept in memory per chunk read)' },
  { key: 'scan.snapshot.fetch.size', type: 'int', default: 1024, description: 'accepted for compatibility: chunks are streamed with COPY, which needs no fetch size' },
  { key: 'scan.startup.mode', type: 'enum', values: STARTUP_MODES, default: 'initial', description: 'initial (snapshot then changes), snapshot (snapshot only), latest-offset (changes from now), committed-offset (changes from the slot\'s confirmed_flush_lsn)' },
  { key: 'scan.incremental.snapshot.chunk.key-column', type: 'string', description: 'chunk key for tables without primary key: schema.table:column;schema2.t2:col2 or a column name' },
  { key: 'connect.timeout', type: 'duration', default: 30_000, description: 'time to wait for a connection' },
  { key: 'connect.max-retries', type: 'int', default: 3, description: 'retries of a failed connection' },
  { key: 'connection.pool.size', type: 'int', default: 20, description: 'most connections for parallel snapshot chunk reads' },
  { key: 'heartbeat.interval', type: 'duration', default: 30_000, description: 'interval of heartbeat messages (pg_logical_emit_message) that let the slot advance while the captured tables are idle; 0 disables' },
  { key: 'chunk-meta.group.size', type: 'int', default: 1000, description: 'accepted for compatibility (chunk metadata is kept in one state record)' },
  { key: 'chunk-key.even-distribution.factor.upper-bound', type: 'double', default: 1000, description: 'above this (max-min+1)/rows an integer key is split by walking the index' },
  { key: 'chunk-key.even-distribution.factor.lower-bound', type: 'double', default: 0.05, description: 'below this (max-min+1)/rows an integer key is split by walking the index' },
  { key: 'scan.lsn-commit.checkpoints-num-delay', type: 'int', default: 3, description: 'the slot\'s confirmed flush LSN is advanced to the position of the checkpoint this many completed checkpoints back' },
  { key: 'scan.incremental.close-idle-reader.enabled', type: 'boolean', default: false, description: 'accepted for compatibility (no idle readers here)' },
  { key: 'scan.incremental.snapshot.unbounded-chunk-first.enabled', type: 'boolean', default: false, description: 'accepted for compatibility' },
  { key: 'scan.incremental.snapshot.backfill.skip', type: 'boolean', default: false, description: 'accepted for compatibility (the snapshot is read in the slot\'s exported snapshot: there is no backfill)' },
  { key: 'scan.newly-added-table.enabled', type: 'boolean', default: false, description: 'on a restart from a state in the streaming phase, snapshot tables that match tables but were not captured yet, then stream them too' },
  { key: 'metadata.list', type: 'string', description: 'metadata to attach to events, comma-separated (op_ts, database_name, schema_name, table_name)' },
  { key: 'include-comments.enabled', type: 'boolean', default: false, description: 'include table and column comments in the schema' },
];

export const POSTGRES_PREFIXES: readonly PassThroughPrefix[] = [
  {
    prefix: 'debezium.',
    description: 'Debezium settings: publication.name (default dbz_publication) and publication.autocreate.mode (filtered | all_tables | disabled) are honoured; others are ignored',
  },
  { prefix: 'jdbc.properties.', description: 'connection properties: ssl / sslmode are honoured; others are ignored' },
];

export interface PostgresSourceConfig {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly tables: string;
  readonly tablesExclude: string | undefined;
  readonly slotName: string;
  readonly publicationName: string;
  readonly publicationMode: PublicationMode;
  readonly schemaChangeEnabled: boolean;
  readonly chunkSize: number;
  readonly startupMode: StartupMode;
  readonly chunkKeyColumns: Map<string, string> | string | undefined;
  readonly connectTimeoutMs: number;
  readonly connectMaxRetries: number;
  readonly poolSize: number;
  readonly heartbeatIntervalMs: number;
  readonly distributionUpper: number;
  readonly distributionLower: number;
  readonly lsnCommitDelay: number;
  readonly newlyAddedTables: boolean;
  readonly metadataList: readonly string[];
  readonly includeComments: boolean;
  readonly ssl: boolean | { rejectUnauthorized: boolean } | undefined;
}

/** The database named by the first part of every `tables` pattern (one database per source, as in Flink CDC). */
function databaseOf(tables: string): string {
  const dbs = new Set<string>();
  for (const pattern of splitPatterns(tables)) {
    const parts = splitDots(pattern);
    if (parts.length !== 3) {
      throw new ConfigError(`option tables: "${pattern}" is not database.schema.table`, { connector: CONNECTOR, hint: 'name each table with its database and schema, e.g. app.public.orders or app.public.order_\\.*' });
    }
    if (!/^[A-Za-z0-9_$-]+$/.test(parts[0])) {
      throw new ConfigError(`option tables: the database part "${parts[0]}" of "${pattern}" must be a plain database name`, { connector: CONNECTOR, hint: 'one source reads one database; use a second source for another database' });
    }
    dbs.add(parts[0]);
  }
  if (dbs.size !== 1) throw new ConfigError(`option tables names ${dbs.size} databases (${[...dbs].join(', ')})`, { connector: CONNECTOR, hint: 'one postgres source reads one database: use one source per database' });
  return [...dbs][0];
}

export function splitPatterns(text: string): string[] {
  return splitSelectorText(text, ',').map((s) => s.trim()).filter(Boolean);
}

export function splitDots(pattern: string): string[] {
  return splitSelectorText(pattern, '.').map((s) => s.trim());
}

export function readConfig(o: ResolvedOptions): PostgresSourceConfig {
  const plugin = o.string('decoding.plugin.name')!;
  if (plugin !== 'pgoutput') {
    throw new ConfigError(`option decoding.plugin.name: "${plugin}" is not supported`, { connector: CONNECTOR, hint: 'use pgoutput (built into PostgreSQL 10 and later; decoderbufs and wal2json are not supported)' });
  }
  const slotName = o.requireString('slot.name');
  if (!/^[a-z0-9_]{1,63}$/.test(slotName)) {
    throw new ConfigError(`option slot.name: "${slotName}" is not a valid replication slot name`, { connector: CONNECTOR, hint: 'use lower-case letters, digits and _ (at most 63)' });
  }
  const chunkSize = o.number('scan.incremental.snapshot.chunk.size')!;
  if (chunkSize < 1) throw new ConfigError('scan.incremental.snapshot.chunk.size must be at least 1', { connector: CONNECTOR });
  const tables = o.requireString('tables');
  const deb = o.prefixed('debezium.');
  const mode = (deb['publication.autocreate.mode'] ?? 'filtered') as PublicationMode;
  if (!PUBLICATION_MODES.includes(mode)) {
    throw new ConfigError(`option debezium.publication.autocreate.mode: "${mode}" is not one of ${PUBLICATION_MODES.join(', ')}`, { connector: CONNECTOR });
  }
  const publicationName = deb['publication.name'] ?? 'dbz_publication';
  const keyColRaw = o.string('scan.incremental.snapshot.chunk.key-column');
  let chunkKeyColumns: Map<string, string> | string | undefined;
  if (keyColRaw) {
    chunkKeyColumns = keyColRaw.includes(':')
      ? new Map(
          keyColRaw
            .split(';')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => [s.slice(0, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)] as [string, string]),
        )
      : keyColRaw.trim();
  }
  const jdbc = o.prefixed('jdbc.properties.');
  const sslmode = (jdbc.sslmode ?? jdbc.sslMode ?? '').toLowerCase();
  const ssl = jdbc.ssl === 'true' || ['require', 'verify-ca', 'verify-full'].includes(sslmode) ? { rejectUnauthorized: sslmode === 'verify-ca' || sslmode === 'verify-full' } : undefined;
  return {
    hostname: o.requireString('hostname'),
    port: o.number('port')!,
    username: o.requireString('username'),
    password: o.requireString('password'),
    database: databaseOf(tables),
    tables,
    tablesExclude: o.string('tables.exclude'),
    slotName,
    publicationName,
    publicationMode: mode,
    schemaChangeEnabled: o.boolean('schema-change.enabled')!,
    chunkSize,
    startupMode: o.string('scan.startup.mode') as StartupMode,
    chunkKeyColumns,
    connectTimeoutMs: o.number('connect.timeout')!,
    connectMaxRetries: o.number('connect.max-retries')!,
    poolSize: Math.max(1, o.number('connection.pool.size')!),
    heartbeatIntervalMs: o.number('heartbeat.interval')!,
    distributionUpper: o.number('chunk-key.even-distribution.factor.upper-bound')!,
    distributionLower: o.number('chunk-key.even-distribution.factor.lower-bound')!,
    lsnCommitDelay: Math.max(0, o.number('scan.lsn-commit.checkpoints-num-delay')!),
    newlyAddedTables: o.boolean('scan.newly-added-table.enabled')!,
    metadataList: (o.string('metadata.list') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    includeComments: o.boolean('include-comments.enabled')!,
    ssl,
  };
}
