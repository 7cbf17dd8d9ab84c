/**
 * Options of the `mysql` source: names, defaults and meanings of Flink CDC's MySqlDataSourceOptions (3.x).
 * One list drives validation, the README table and error messages.
 */
import { ConfigError, type OptionSpec, type PassThroughPrefix, type ResolvedOptions } from '@cdc/core';
import { CONNECTOR } from './mysql-errors.js';

export const STARTUP_MODES = ['initial', 'snapshot', 'latest-offset', 'earliest-offset', 'specific-offset', 'timestamp'] as const;
export type StartupMode = (typeof STARTUP_MODES)[number];

export const MYSQL_OPTIONS: readonly OptionSpec[] = [
  { key: 'hostname', type: 'string', required: true, description: 'IP address or hostname of the MySQL / MariaDB server' },
  { key: 'port', type: 'int', default: 3306, description: 'port of the server' },
  { key: 'username', type: 'string', required: true, description: 'user to connect as (needs SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT)' },
  { key: 'password', type: 'password', required: true, description: 'password of the user' },
  {
    key: 'tables',
    type: 'string',
    required: true,
    description: 'tables to capture: db.table, comma-separated; each part is a regular expression (escape a regex dot as \\.), e.g. app.order_\\.*',
  },
  { key: 'tables.exclude', type: 'string', description: 'tables to leave out, same syntax as tables' },
  { key: 'schema-change.enabled', type: 'boolean', default: true, description: 'send schema change events (DDL) downstream' },
  { key: 'server-id', type: 'string', description: 'replica server id or range (5400-5404) for the binlog connections; default: random in 5400-6400' },
  { key: 'server-time-zone', type: 'string', description: 'session time zone of the server (e.g. UTC, Asia/Shanghai); TIMESTAMP values are read as UTC whatever it is' },
  { key: 'scan.incremental.snapshot.chunk.size', type: 'int', default: 8096, description: 'rows per snapshot chunk (also the most rows kept in memory per table read)' },
  { key: 'scan.snapshot.fetch.size', type: 'int', default: 1024, description: 'rows fetched per batch when reading a chunk' },
  { key: 'scan.startup.mode', type: 'enum', values: STARTUP_MODES, default: 'initial', description: 'initial (snapshot then binlog), snapshot (snapshot only), latest-offset, earliest-offset, specific-offset, timestamp' },
  { key: 'scan.startup.specific-offset.file', type: 'string', description: 'binlog file name for specific-offset' },
  { key: 'scan.startup.specific-offset.pos', type: 'long', description: 'binlog position for specific-offset' },
  { key: 'scan.startup.specific-offset.gtid-set', type: 'string', description: 'GTID set (MySQL uuid:1-5, MariaDB 0-1-100) for specific-offset' },
  { key: 'scan.startup.specific-offset.skip-events', type: 'long', description: 'events to skip after the specific offset' },
  { key: 'scan.startup.specific-offset.skip-rows', type: 'long', description: 'rows to skip after the specific offset' },
  { key: 'scan.startup.timestamp-millis', type: 'long', description: 'start at the first binlog event at or after this time (epoch ms), for timestamp mode' },
  { key: 'connect.timeout', type: 'duration', default: 30_000, description: 'time to wait for a connection' },
  { key: 'connect.max-retries', type: 'int', default: 3, description: 'retries of a failed connection' },
  { key: 'connection.pool.size', type: 'int', default: 20, description: 'size of the connection pool for snapshot reads' },
  { key: 'heartbeat.interval', type: 'duration', default: 30_000, description: 'interval of binlog heartbeats (server side), which also detect a dead connection' },
  { key: 'chunk-meta.group.size', type: 'int', default: 1000, description: 'accepted for compatibility (chunk metadata is kept in one state record)' },
  { key: 'chunk-key.even-distribution.factor.upper-bound', type: 'double', default: 1000, description: 'above this (max-min+1)/rows an integer key is split by walking the index' },
  { key: 'chunk-key.even-distribution.factor.lower-bound', type: 'double', default: 0.05, description: 'below this (max-min+1)/rows an integer key is split by walking the index' },
  { key: 'scan.incremental.snapshot.chunk.key-column', type: 'string', description: 'chunk key for tables without primary key: db.table:column;db2.t2:col2 or a column name' },
  { key: 'scan.incremental.close-idle-reader.enabled', type: 'boolean', default: false, description: 'accepted for compatibility (no idle readers here)' },
  { key: 'scan.newly-added-table.enabled', type: 'boolean', default: false, description: 'snapshot tables added to the tables option when restarting from a state' },
  { key: 'scan.binlog.newly-added-table.enabled', type: 'boolean', default: false, description: 'capture tables created while reading the binlog (binlog only, no snapshot)' },
  { key: 'metadata.list', type: 'string', description: 'metadata to attach to events, comma-separated (op_ts, database_name, table_name)' },
  { key: 'include-comments.enabled', type: 'boolean', default: false, description: 'include table and column comments in the schema' },
  { key: 'treat-tinyint1-as-boolean.enabled', type: 'boolean', default: true, description: 'map TINYINT(1) to BOOLEAN' },
  { key: 'use.legacy.json.format', type: 'boolean', default: true, description: 'binlog JSON values without whitespace ({"a":1}); false keeps MySQL formatting ({"a": 1})' },
  { key: 'scan.incremental.snapshot.unbounded-chunk-first.enabled', type: 'boolean', default: false, description: 'accepted for compatibility' },
  { key: 'scan.incremental.snapshot.backfill.skip', type: 'boolean', default: false, description: 'skip the watermark backfill (faster snapshot, at-least-once instead of exactly the state at the high watermark)' },
  { key: 'scan.parse.online.schema.changes.enabled', type: 'boolean', default: false, description: 'accepted for compatibility (gh-ost/pt-osc parsing not implemented)' },
];

export const MYSQL_PREFIXES: readonly PassThroughPrefix[] = [
  { prefix: 'jdbc.properties.', description: 'connection properties (useSSL, tinyInt1isBit, characterEncoding ...), mapped to the driver where they have a meaning' },
  { prefix: 'debezium.', description: 'accepted for compatibility with Flink CDC pipeline files; ignored' },
];

export interface MysqlSourceConfig {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly tables: string[];
  readonly tablesExclude: string[];
  readonly schemaChangeEnabled: boolean;
  readonly serverIdStart: number;
  readonly serverIdEnd: number;
  readonly serverTimeZone: string | undefined;
  readonly chunkSize: number;
  readonly fetchSize: number;
  readonly startupMode: StartupMode;
  readonly specificOffset: { file?: string; pos?: number; gtidSet?: string; skipEvents: number; skipRows: number };
  readonly startupTimestampMillis: number | undefined;
  readonly connectTimeoutMs: number;
  readonly connectMaxRetries: number;
  readonly poolSize: number;
  readonly heartbeatIntervalMs: number;
  readonly distributionUpper: number;
  readonly distributionLower: number;
  readonly chunkKeyColumns: Map<string, string> | string | undefined;
  readonly newlyAddedTables: boolean;
  readonly binlogNewlyAddedTables: boolean;
  readonly metadataList: string[];
  readonly includeComments: boolean;
  readonly tinyInt1isBit: boolean;
  readonly legacyJson: boolean;
  readonly backfillSkip: boolean;
  readonly jdbcProperties: Readonly<Record<string, string>>;
}

function parseServerId(text: string | undefined): [number, number] {
  if (text === undefined) {
    const s = 5400 + Math.floor(Math.random() * 1000);
    return [s, s];
  }
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(text);
  if (!m) throw new ConfigError(`option server-id: "${text}" is not a number or a range like 5400-5404`, { connector: CONNECTOR });
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b < a || b > 4294967295) throw new ConfigError(`option server-id: "${text}" is not a valid range`, { connector: CONNECTOR, hint: 'use ids between 1 and 2^32-1, start <= end' });
  return [a, b];
}

const list = (s: string | undefined): string[] => (s ? [s] : []);

export function readConfig(o: ResolvedOptions): MysqlSourceConfig {
  const [serverIdStart, serverIdEnd] = parseServerId(o.string('server-id'));
  const mode = o.string('scan.startup.mode') as StartupMode;
  const file = o.string('scan.startup.specific-offset.file');
  const pos = o.number('scan.startup.specific-offset.pos');
  const gtidSet = o.string('scan.startup.specific-offset.gtid-set');
  if (mode === 'specific-offset' && !gtidSet && !(file && pos !== undefined)) {
    throw new ConfigError('scan.startup.mode specific-offset needs scan.startup.specific-offset.file and .pos, or .gtid-set', { connector: CONNECTOR });
  }
  const ts = o.number('scan.startup.timestamp-millis');
  if (mode === 'timestamp' && ts === undefined) {
    throw new ConfigError('scan.startup.mode timestamp needs scan.startup.timestamp-millis', { connector: CONNECTOR });
  }
  const chunkSize = o.number('scan.incremental.snapshot.chunk.size')!;
  if (chunkSize < 1) throw new ConfigError('scan.incremental.snapshot.chunk.size must be at least 1', { connector: CONNECTOR });
  const keyColRaw = o.string('scan.incremental.snapshot.chunk.key-column');
  let chunkKeyColumns: Map<string, string> | string | undefined;
  if (keyColRaw) {
    if (keyColRaw.includes(':')) {
      chunkKeyColumns = new Map(
        keyColRaw
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((s) => {
            const i = s.lastIndexOf(':');
            return [s.slice(0, i), s.slice(i + 1)] as [string, string];
          }),
      );
    } else {
      chunkKeyColumns = keyColRaw.trim();
    }
  }
  const jdbc = o.prefixed('jdbc.properties.');
  return {
    hostname: o.requireString('hostname'),
    port: o.number('port')!,
    username: o.requireString('username'),
    password: o.requireString('password'),
    tables: list(o.string('tables')),
    tablesExclude: list(o.string('tables.exclude')),
    schemaChangeEnabled: o.boolean('schema-change.enabled')!,
    serverIdStart,
    serverIdEnd,
    serverTimeZone: o.string('server-time-zone'),
    chunkSize,
    fetchSize: o.number('scan.snapshot.fetch.size')!,
    startupMode: mode,
    specificOffset: { file, pos, gtidSet, skipEvents: o.number('scan.startup.specific-offset.skip-events') ?? 0, skipRows: o.number('scan.startup.specific-offset.skip-rows') ?? 0 },
    startupTimestampMillis: ts,
    connectTimeoutMs: o.number('connect.timeout')!,
    connectMaxRetries: o.number('connect.max-retries')!,
    poolSize: o.number('connection.pool.size')!,
    heartbeatIntervalMs: o.number('heartbeat.interval')!,
    distributionUpper: o.number('chunk-key.even-distribution.factor.upper-bound')!,
    distributionLower: o.number('chunk-key.even-distribution.factor.lower-bound')!,
    chunkKeyColumns,
    newlyAddedTables: o.boolean('scan.newly-added-table.enabled')!,
    binlogNewlyAddedTables: o.boolean('scan.binlog.newly-added-table.enabled')!,
    metadataList: (o.string('metadata.list') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    includeComments: o.boolean('include-comments.enabled')!,
    tinyInt1isBit: o.boolean('treat-tinyint1-as-boolean.enabled')! && jdbc.tinyInt1isBit !== 'false',
    legacyJson: o.boolean('use.legacy.json.format')!,
    backfillSkip: o.boolean('scan.incremental.snapshot.backfill.skip')!,
    jdbcProperties: jdbc,
  };
}
