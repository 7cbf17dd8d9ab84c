import { ConfigError, SCHEMA_CHANGE_BEHAVIORS, validateOptions, type OptionSpec, type ResolvedOptions, type SchemaChangeBehavior } from '@cdc/core';
import { at, type PipelineDef } from './pipeline-def.js';

/** Keys of the `pipeline:` section. Flink CDC's keys, plus ours for checkpoints and metrics. */
export const PIPELINE_OPTIONS: readonly OptionSpec[] = [
  { key: 'name', type: 'string', default: 'cdc pipeline', description: 'Name of the pipeline; also names its state dir' },
  { key: 'parallelism', type: 'int', default: 1, description: 'Number of sink writers; changes are partitioned by table + primary key' },
  { key: 'schema.change.behavior', type: 'enum', values: SCHEMA_CHANGE_BEHAVIORS, default: 'lenient', description: 'ignore | lenient | try_evolve | evolve | exception' },
  { key: 'local-time-zone', type: 'string', description: 'Time zone for TIMESTAMP_LTZ conversions and temporal functions (default: the system zone)' },
  { key: 'execution.runtime-mode', type: 'enum', values: ['STREAMING', 'BATCH'], default: 'STREAMING', description: 'Accepted for Flink compatibility; a bounded source ends the run in either mode' },
  { key: 'execution.checkpointing.interval', type: 'duration', default: 10_000, description: 'Time between checkpoints (sink flush/commit, then offsets saved)' },
  { key: 'schema-operator.rpc-timeout', type: 'duration', default: 180_000, description: 'Time limit for a sink to apply one schema change' },
  { key: 'schema.operator.uid', type: 'string', description: 'Accepted for Flink compatibility; no effect' },
  { key: 'operator.uid.prefix', type: 'string', description: 'Accepted for Flink compatibility; no effect' },
  { key: 'metrics.log.interval', type: 'duration', default: 10_000, description: 'How often progress and metrics are logged when stderr is not a terminal' },
  { key: 'writer.max-pending-events', type: 'int', default: 20_000, description: 'Events buffered per sink writer before the source is paused (back-pressure)' },
];

export interface PipelineSettings {
  readonly name: string;
  readonly parallelism: number;
  readonly schemaChangeBehavior: SchemaChangeBehavior;
  readonly localTimeZone: string;
  readonly checkpointIntervalMs: number;
  readonly schemaChangeTimeoutMs: number;
  readonly metricsIntervalMs: number;
  readonly maxPendingEvents: number;
  readonly warnings: readonly string[];
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function checkTimeZone(tz: string): boolean {
  if (/^[+-]\d{2}:\d{2}$/.test(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function resolvePipelineSettings(def: PipelineDef): PipelineSettings {
  const { options, warnings } = validateOptions({ owner: 'pipeline', specs: PIPELINE_OPTIONS, raw: def.pipeline });
  const o: ResolvedOptions = options;
  const parallelism = o.number('parallelism')!;
  if (parallelism < 1 || parallelism > 256) {
    throw new ConfigError(at(def.file, def.pipelineLines.parallelism, `pipeline.parallelism must be between 1 and 256, got ${parallelism}`));
  }
  const tz = o.string('local-time-zone') ?? systemTimeZone();
  if (!checkTimeZone(tz)) {
    throw new ConfigError(at(def.file, def.pipelineLines['local-time-zone'], `pipeline.local-time-zone "${tz}" is not a time zone`), {
      hint: 'use an IANA name such as Asia/Shanghai or UTC, or an offset such as +08:00',
    });
  }
  return {
    name: o.string('name')!,
    parallelism,
    schemaChangeBehavior: o.string('schema.change.behavior') as SchemaChangeBehavior,
    localTimeZone: tz,
    checkpointIntervalMs: o.number('execution.checkpointing.interval')!,
    schemaChangeTimeoutMs: o.number('schema-operator.rpc-timeout')!,
    metricsIntervalMs: o.number('metrics.log.interval')!,
    maxPendingEvents: o.number('writer.max-pending-events')!,
    warnings,
  };
}
