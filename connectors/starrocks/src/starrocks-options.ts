/**
 * Options of the `starrocks` sink, named and defaulted as in Flink CDC's StarRocksDataSinkOptions, plus
 * `sink.semantic` from the StarRocks Flink connector for exactly-once.
 */
import { ConfigError, type OptionSpec, type PassThroughPrefix, type ResolvedOptions } from '@cdc/core';

export const CONNECTOR = 'starrocks';

export const STARROCKS_OPTIONS: readonly OptionSpec[] = [
  { key: 'jdbc-url', type: 'string', required: true, description: 'FE query port(s), jdbc:mysql://host:9030' },
  { key: 'load-url', type: 'string', required: true, description: 'FE HTTP addresses host:8030[;host:8030]' },
  { key: 'username', type: 'string', required: true, description: 'StarRocks user' },
  { key: 'password', type: 'password', required: true, description: 'StarRocks password (may be empty)' },
  { key: 'sink.label-prefix', type: 'string', description: 'label prefix; must be unique per pipeline for exactly-once (default: cdc_<pipeline name>)' },
  { key: 'sink.semantic', type: 'enum', values: ['at-least-once', 'exactly-once'], default: 'at-least-once', description: 'exactly-once: transaction stream loads are prepared and committed after the checkpoint (StarRocks 2.4+)' },
  { key: 'sink.connect.timeout-ms', type: 'int', default: 30000, description: 'ms to connect to the FE/BE' },
  { key: 'sink.socket.timeout-ms', type: 'int', default: -1, description: 'ms of socket inactivity before a load fails; -1 = none' },
  { key: 'sink.wait-for-continue.timeout-ms', type: 'int', default: 30000, description: 'ms to wait for 100-continue before sending the body' },
  { key: 'sink.buffer-flush.max-bytes', type: 'long', default: 150 * 1024 * 1024, description: 'bytes buffered (all tables) before loads; each table flushes at its share' },
  { key: 'sink.buffer-flush.interval-ms', type: 'long', default: 300000, description: 'buffered rows are loaded at least this often (ms)' },
  { key: 'sink.scan-frequency.ms', type: 'long', default: 50, description: 'kept for compatibility (flush checks are event driven here)' },
  { key: 'sink.io.thread-count', type: 'int', default: 2, description: 'stream loads in flight at once (different tables)' },
  { key: 'sink.at-least-once.use-transaction-stream-load', type: 'boolean', default: true, description: 'at-least-once through the transaction stream load API when the server has it (2.4+); plain stream load otherwise' },
  { key: 'sink.metric.histogram-window-size', type: 'int', default: 100, description: 'kept for compatibility' },
  { key: 'sink.max-retries', type: 'int', default: 3, description: 'retries of a failed load or commit (same label, exponential backoff)' },
  { key: 'table.create.num-buckets', type: 'int', description: 'BUCKETS of created tables (default: the server chooses, StarRocks 2.5.7+)' },
  { key: 'table.schema-change.timeout', type: 'duration', default: 1_800_000, description: 'how long a schema change job may run' },
  { key: 'unicode-char.max-bytes', type: 'int', default: 3, description: 'bytes per character when sizing CHAR/VARCHAR (lengths are bytes in StarRocks)' },
];

export const STARROCKS_PREFIXES: readonly PassThroughPrefix[] = [
  { prefix: 'sink.properties.', description: 'stream load headers, e.g. sink.properties.partial_update: true' },
  { prefix: 'table.create.properties.', description: 'PROPERTIES of created tables, e.g. table.create.properties.replication_num: 1' },
];

export interface StarRocksConfig {
  readonly jdbcUrl: string;
  readonly loadUrls: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly labelPrefix: string;
  readonly exactlyOnce: boolean;
  readonly connectTimeoutMs: number;
  readonly socketTimeoutMs: number;
  readonly continueTimeoutMs: number;
  readonly maxBytes: number;
  readonly flushIntervalMs: number;
  readonly ioThreads: number;
  readonly useTransaction: boolean;
  readonly maxRetries: number;
  readonly numBuckets?: number;
  readonly schemaChangeTimeoutMs: number;
  readonly unicodeCharMaxBytes: number;
  readonly streamLoadProps: Readonly<Record<string, string>>;
  readonly tableProps: Readonly<Record<string, string>>;
  readonly retryBaseMs: number;
}

export function readStarRocksConfig(o: ResolvedOptions, pipelineName: string): StarRocksConfig {
  const urls = o
    .requireString('load-url')
    .split(/[;,]/)
    .map((s) => s.trim().replace(/^https?:\/\//, ''))
    .filter(Boolean);
  for (const u of urls) if (!/^[^\s:/]+:\d+$/.test(u)) throw new ConfigError(`option "load-url" has an entry ${JSON.stringify(u)}, expected host:port`, { connector: CONNECTOR, hint: 'e.g. load-url: 127.0.0.1:8030' });
  const atLeast = (key: string, min: number): number => {
    const v = o.number(key)!;
    if (v < min) throw new ConfigError(`option "${key}" must be at least ${min}, got ${v}`, { connector: CONNECTOR });
    return v;
  };
  const buckets = o.number('table.create.num-buckets');
  return {
    jdbcUrl: o.requireString('jdbc-url'),
    loadUrls: urls,
    username: o.requireString('username'),
    password: o.string('password') ?? '',
    labelPrefix: o.string('sink.label-prefix') || `cdc_${pipelineName}`,
    exactlyOnce: o.string('sink.semantic') === 'exactly-once',
    connectTimeoutMs: atLeast('sink.connect.timeout-ms', 100),
    socketTimeoutMs: o.number('sink.socket.timeout-ms')!,
    continueTimeoutMs: atLeast('sink.wait-for-continue.timeout-ms', 100),
    maxBytes: atLeast('sink.buffer-flush.max-bytes', 64 * 1024),
    flushIntervalMs: atLeast('sink.buffer-flush.interval-ms', 10),
    ioThreads: atLeast('sink.io.thread-count', 1),
    useTransaction: o.boolean('sink.at-least-once.use-transaction-stream-load') ?? true,
    maxRetries: atLeast('sink.max-retries', 0),
    ...(buckets !== undefined ? { numBuckets: atLeast('table.create.num-buckets', 1) } : {}),
    schemaChangeTimeoutMs: atLeast('table.schema-change.timeout', 1),
    unicodeCharMaxBytes: atLeast('unicode-char.max-bytes', 1),
    streamLoadProps: o.prefixed('sink.properties.'),
    tableProps: o.prefixed('table.create.properties.'),
    retryBaseMs: Number(process.env.CDC_STARROCKS_RETRY_BASE_MS ?? 500),
  };
}
