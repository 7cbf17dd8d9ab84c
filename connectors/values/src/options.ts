/**
 * Options of the values source and sink. One list per side drives validation (core's validateOptions), the
 * README tables and the error messages; the parse functions below turn validated options into typed configs and
 * check what a per-key type cannot (mutually exclusive keys, ranges, the failure-injection syntax).
 */
import { resolve } from 'node:path';
import { ConfigError, expandSchemaChangeTypes, isCdcError, SCHEMA_CHANGE_TYPES, type OptionSpec, type ResolvedOptions, type SchemaChangeType } from '@cdc/core';

export const CONNECTOR = 'values';

/** Built-in event sets, named after Flink CDC's `event-set.id` values. */
export const EVENT_SET_IDS = ['SINGLE_SPLIT_SINGLE_TABLE', 'SINGLE_SPLIT_MULTI_TABLES', 'MULTI_SPLITS_SINGLE_TABLE'] as const;
export type EventSetId = (typeof EVENT_SET_IDS)[number];

export const SOURCE_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'events',
    type: 'string',
    description:
      'Inline event specs as text: a YAML or JSON list, or JSON lines (in the pipeline file, a YAML block scalar). Exclusive with events.file and event-set.id.',
  },
  {
    key: 'events.file',
    type: 'string',
    description: 'Path of a JSON-lines file of event specs, one per line, resolved against the working directory. Exclusive with events and event-set.id.',
  },
  {
    key: 'event-set.id',
    type: 'enum',
    values: EVENT_SET_IDS,
    description: 'A built-in event set (as in Flink CDC). Used when neither events nor events.file is set; SINGLE_SPLIT_SINGLE_TABLE when nothing is set.',
  },
  { key: 'batch.size', type: 'int', default: 100, description: 'Events per batch handed to the runtime; a checkpoint can only fall between batches.' },
  {
    key: 'source.failure.after',
    type: 'int',
    description: 'Throw a SourceError after this reader has emitted N events (counted from where it started or resumed). For failure tests.',
  },
  {
    key: 'source.unbounded',
    type: 'boolean',
    default: false,
    description: 'After the last event keep the reader open until the pipeline stops, emitting nothing (with events.file: follow appended lines).',
  },
  { key: 'source.delay.ms', type: 'duration', default: 0, description: 'Pause between two batches (a bare number is milliseconds). For progress and checkpoint tests.' },
];

export const SINK_OPTIONS: readonly OptionSpec[] = [
  { key: 'sink.id', type: 'string', default: 'default', description: 'Name of the in-memory database the sink writes to (ValuesDatabase.instance(id)).' },
  { key: 'print.enabled', type: 'boolean', default: false, description: 'Print every event to stdout, one line each, in Flink CDC values-sink format.' },
  { key: 'materialized.in.memory', type: 'boolean', default: true, description: 'Keep the rows in the in-memory database (upsert by primary key).' },
  {
    key: 'error.on.schema.change',
    type: 'boolean',
    default: false,
    description: 'The metadata applier supports create.table only and throws on any other schema change (as in Flink CDC).',
  },
  {
    key: 'supported.schema.changes',
    type: 'list',
    default: SCHEMA_CHANGE_TYPES,
    description: 'Schema change types the metadata applier declares (names or parts such as "column", as include.schema.changes).',
  },
  {
    key: 'sink.failure.at',
    type: 'string',
    description:
      'Inject failures, comma-separated: write:N (the Nth write call), prepare-commit:N (the Nth prepareCommit), apply:<schema change type> or apply:* (every such change). For failure tests.',
  },
  {
    key: 'sink.output.file',
    type: 'string',
    description:
      'At every prepareCommit, write every table (schema and rows) atomically to this JSON file; on start, load it when it exists.',
  },
  { key: 'sink.write.delay.ms', type: 'duration', default: 0, description: 'Pause in every write call (a bare number is milliseconds). For back-pressure tests.' },
];

export type EventsOrigin =
  | { readonly kind: 'inline'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'event-set'; readonly id: EventSetId };

export interface SourceConfig {
  readonly origin: EventsOrigin;
  readonly batchSize: number;
  readonly failureAfter: number | undefined;
  readonly unbounded: boolean;
  readonly delayMs: number;
}

export function parseSourceConfig(options: ResolvedOptions): SourceConfig {
  const inline = options.string('events');
  const file = options.string('events.file');
  const set = options.string('event-set.id') as EventSetId | undefined;
  const given = [inline !== undefined && 'events', file !== undefined && 'events.file', set !== undefined && 'event-set.id'].filter(Boolean);
  if (given.length > 1) {
    throw new ConfigError(`source (values): options ${given.join(' and ')} are exclusive`, {
      connector: CONNECTOR,
      hint: 'set exactly one of events, events.file and event-set.id',
    });
  }
  const batchSize = options.number('batch.size') ?? 100;
  if (batchSize < 1) throw new ConfigError(`source (values): option "batch.size" must be at least 1, got ${batchSize}`, { connector: CONNECTOR });
  const failureAfter = options.number('source.failure.after');
  if (failureAfter !== undefined && failureAfter < 0) {
    throw new ConfigError(`source (values): option "source.failure.after" must be 0 or more, got ${failureAfter}`, { connector: CONNECTOR });
  }
  const origin: EventsOrigin =
    inline !== undefined
      ? { kind: 'inline', text: inline }
      : file !== undefined
        ? { kind: 'file', path: resolve(file) }
        : { kind: 'event-set', id: set ?? 'SINGLE_SPLIT_SINGLE_TABLE' };
  return {
    origin,
    batchSize,
    failureAfter,
    unbounded: options.boolean('source.unbounded') ?? false,
    delayMs: options.number('source.delay.ms') ?? 0,
  };
}

/** One injected failure. `write` and `prepare-commit` fire once, on the Nth call; `apply` fires on every matching change. */
export type FailurePoint =
  | { readonly kind: 'write' | 'prepare-commit'; readonly nth: number; readonly text: string }
  | { readonly kind: 'apply'; readonly change: SchemaChangeType | '*'; readonly text: string };

export interface SinkConfig {
  readonly sinkId: string;
  readonly print: boolean;
  readonly materialized: boolean;
  readonly errorOnSchemaChange: boolean;
  readonly supportedSchemaChanges: readonly SchemaChangeType[];
  readonly failures: readonly FailurePoint[];
  readonly outputFile: string | undefined;
  readonly writeDelayMs: number;
}

const FAILURE_HINT = 'write it as comma-separated points: write:3, prepare-commit:2, apply:add.column, apply:*';

/** Parses `sink.failure.at`: `write:3, prepare-commit:1, apply:drop.column`. */
export function parseFailurePoints(text: string): FailurePoint[] {
  const out: FailurePoint[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([a-z-]+)\s*:\s*(\S+)$/.exec(item);
    const bad = (why: string): never => {
      throw new ConfigError(`sink (values): option "sink.failure.at" has "${item}": ${why}`, { connector: CONNECTOR, hint: FAILURE_HINT });
    };
    if (!m) bad('expected <point>:<argument>');
    const [, kind, arg] = m!;
    if (kind === 'write' || kind === 'prepare-commit') {
      if (!/^\d+$/.test(arg) || Number(arg) < 1) bad(`${kind} takes a call number from 1`);
      out.push({ kind, nth: Number(arg), text: item });
    } else if (kind === 'apply') {
      if (arg !== '*' && !(SCHEMA_CHANGE_TYPES as readonly string[]).includes(arg)) bad(`"${arg}" is not a schema change type (${SCHEMA_CHANGE_TYPES.join(', ')}) or *`);
      out.push({ kind, change: arg as SchemaChangeType | '*', text: item });
    } else {
      bad(`unknown point "${kind}" (write, prepare-commit, apply)`);
    }
  }
  return out;
}

export function parseSinkConfig(options: ResolvedOptions): SinkConfig {
  const sinkId = options.string('sink.id') ?? 'default';
  if (!sinkId.trim()) throw new ConfigError('sink (values): option "sink.id" must not be empty', { connector: CONNECTOR });
  const materialized = options.boolean('materialized.in.memory') ?? true;
  const outputFile = options.string('sink.output.file');
  if (outputFile !== undefined && !materialized) {
    throw new ConfigError('sink (values): option "sink.output.file" needs materialized.in.memory: true (there is nothing to write otherwise)', {
      connector: CONNECTOR,
      hint: 'remove materialized.in.memory: false or sink.output.file',
    });
  }
  let supported: SchemaChangeType[];
  try {
    supported = [...expandSchemaChangeTypes(options.list('supported.schema.changes') ?? SCHEMA_CHANGE_TYPES, 'sink (values): option "supported.schema.changes"')];
  } catch (e) {
    // re-issued with the connector named; core's message already names the key and the accepted types
    if (!isCdcError(e)) throw e;
    throw new ConfigError(e.reason, { connector: CONNECTOR, ...(e.hint === undefined ? {} : { hint: e.hint }) });
  }
  // keep the canonical order so that what the applier declares reads the same in logs and tests
  supported = SCHEMA_CHANGE_TYPES.filter((t) => supported.includes(t));
  return {
    sinkId,
    print: options.boolean('print.enabled') ?? false,
    materialized,
    errorOnSchemaChange: options.boolean('error.on.schema.change') ?? false,
    supportedSchemaChanges: supported,
    failures: parseFailurePoints(options.string('sink.failure.at') ?? ''),
    outputFile: outputFile === undefined ? undefined : resolve(outputFile),
    writeDelayMs: options.number('sink.write.delay.ms') ?? 0,
  };
}
