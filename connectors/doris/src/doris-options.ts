/** Options of the `doris` sink, named and defaulted as in Flink CDC's DorisDataSinkOptions. */
import { ConfigError, type OptionSpec, type PassThroughPrefix, type ResolvedOptions } from '@cdc/core';

export const CONNECTOR = 'doris';

export const DORIS_OPTIONS: readonly OptionSpec[] = [
  { key: 'fenodes', type: 'string', required: true, description: 'FE HTTP addresses, host:port[,host:port...] (port 8030 by default on Doris)' },
  { key: 'benodes', type: 'string', description: 'BE HTTP addresses host:port[,...]; stream loads go straight to them (no FE redirect)' },
  { key: 'username', type: 'string', required: true, description: 'Doris user' },
  { key: 'password', type: 'password', description: 'Doris password (empty by default)' },
  { key: 'jdbc-url', type: 'string', description: 'FE query port as jdbc:mysql://host:9030 for DDL; without it DDL goes through the FE HTTP SQL API' },
  { key: 'auto-redirect', type: 'boolean', default: false, description: 'send stream loads to the FE and follow its redirect to a BE; false: ask the FE for the BE list (or use benodes) and load directly' },
  { key: 'charset-encoding', type: 'string', default: 'UTF-8', description: 'charset of HTTP requests; only UTF-8 is supported' },
  { key: 'sink.enable-2pc', type: 'boolean', default: false, description: 'exactly-once: stream loads are pre-committed (two_phase_commit) and committed after the checkpoint is durable' },
  { key: 'sink.check-interval', type: 'int', default: 10000, description: 'ms between checks of a pending load (kept for compatibility; loads are awaited directly)' },
  { key: 'sink.max-retries', type: 'int', default: 3, description: 'retries of a failed stream load or commit (same label, exponential backoff)' },
  { key: 'sink.buffer-size', type: 'int', default: 1048576, description: 'bytes of a stream load body chunk (kept for compatibility; bodies are sized by sink.buffer-flush.max-bytes)' },
  { key: 'sink.buffer-count', type: 'int', default: 3, description: 'kept for compatibility with Flink CDC (streaming mode buffers)' },
  { key: 'sink.label-prefix', type: 'string', default: '', description: 'label prefix; must be unique per pipeline for exactly-once (default: cdc_<pipeline name>)' },
  { key: 'sink.enable-delete', type: 'boolean', default: true, description: 'apply deletes (hidden column __DORIS_DELETE_SIGN__) on UNIQUE KEY tables' },
  { key: 'sink.enable.batch-mode', type: 'boolean', default: true, description: 'buffer rows and flush by rows/bytes/interval (the only mode; false behaves the same)' },
  { key: 'sink.flush.queue-size', type: 'int', default: 2, description: 'stream loads in flight at once (different tables); more wait: memory stays bounded' },
  { key: 'sink.buffer-flush.max-rows', type: 'int', default: 50000, description: 'rows buffered per table before a stream load' },
  { key: 'sink.buffer-flush.max-bytes', type: 'memory', default: 10 * 1024 * 1024, description: 'bytes buffered per table before a stream load' },
  { key: 'sink.buffer-flush.interval', type: 'duration', default: 10_000, description: 'buffered rows are loaded at least this often' },
  { key: 'sink.ignore.update-before', type: 'boolean', default: true, description: 'ignore the before image of updates (a key change still deletes the old key)' },
  { key: 'sink.use-cache', type: 'boolean', default: false, description: 'kept for compatibility with Flink CDC (cache for retries); retries here re-send the buffered body' },
];

export const DORIS_PREFIXES: readonly PassThroughPrefix[] = [
  { prefix: 'sink.properties.', description: 'stream load headers, e.g. sink.properties.format: json, sink.properties.max_filter_ratio: 0.1' },
  { prefix: 'table.create.properties.', description: 'PROPERTIES of auto-created tables, e.g. table.create.properties.replication_num: 1' },
];

export interface DorisConfig {
  readonly feNodes: readonly string[];
  readonly beNodes: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly jdbcUrl?: string;
  readonly autoRedirect: boolean;
  readonly enable2pc: boolean;
  readonly maxRetries: number;
  readonly labelPrefix: string;
  readonly enableDelete: boolean;
  readonly queueSize: number;
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly flushIntervalMs: number;
  readonly ignoreUpdateBefore: boolean;
  readonly streamLoadProps: Readonly<Record<string, string>>;
  readonly tableProps: Readonly<Record<string, string>>;
  /** Backoff of the first retry (tests lower it). */
  readonly retryBaseMs: number;
}

function nodes(key: string, v: string | undefined): string[] {
  if (!v) return [];
  const out = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of out) {
    if (!/^[^\s:/]+:\d+$/.test(n.replace(/^https?:\/\//, ''))) {
      throw new ConfigError(`option "${key}" has an entry ${JSON.stringify(n)}, expected host:port`, { connector: CONNECTOR, hint: `e.g. ${key}: 127.0.0.1:${key === 'fenodes' ? 8030 : 8040}` });
    }
  }
  return out.map((n) => n.replace(/^https?:\/\//, ''));
}

export function readDorisConfig(o: ResolvedOptions, pipelineName: string): DorisConfig {
  const enc = o.string('charset-encoding') ?? 'UTF-8';
  if (!/^utf-?8$/i.test(enc)) throw new ConfigError(`option "charset-encoding" is ${JSON.stringify(enc)}; only UTF-8 is supported`, { connector: CONNECTOR });
  const positive = (key: string, min = 1): number => {
    const v = o.number(key)!;
    if (v < min) throw new ConfigError(`option "${key}" must be at least ${min}, got ${v}`, { connector: CONNECTOR });
    return v;
  };
  const jdbcUrl = o.string('jdbc-url');
  return {
    feNodes: nodes('fenodes', o.requireString('fenodes')),
    beNodes: nodes('benodes', o.string('benodes')),
    username: o.requireString('username'),
    password: o.string('password') ?? '',
    ...(jdbcUrl ? { jdbcUrl } : {}),
    autoRedirect: o.boolean('auto-redirect') ?? false,
    enable2pc: o.boolean('sink.enable-2pc') ?? false,
    maxRetries: positive('sink.max-retries', 0),
    labelPrefix: o.string('sink.label-prefix') || `cdc_${pipelineName}`,
    enableDelete: o.boolean('sink.enable-delete') ?? true,
    queueSize: positive('sink.flush.queue-size'),
    maxRows: positive('sink.buffer-flush.max-rows'),
    maxBytes: positive('sink.buffer-flush.max-bytes', 1024),
    flushIntervalMs: positive('sink.buffer-flush.interval', 10),
    ignoreUpdateBefore: o.boolean('sink.ignore.update-before') ?? true,
    streamLoadProps: o.prefixed('sink.properties.'),
    tableProps: o.prefixed('table.create.properties.'),
    retryBaseMs: Number(process.env.CDC_DORIS_RETRY_BASE_MS ?? 500),
  };
}
