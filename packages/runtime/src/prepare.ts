/**
 * Everything that can be checked before a connection is made: connectors installed and compatible, options
 * valid, routes and transforms compiled. `cdc check` stops here; `cdc run` goes on with the result.
 */
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  expandSchemaChangeTypes,
  isCdcError,
  SCHEMA_CHANGE_TYPES,
  validateOptions,
  type Factory,
  type Logger,
  type PipelineInfo,
  type ResolvedOptions,
  type SchemaChangeType,
  type SinkFactory,
  type SourceFactory,
} from '@cdc/core';
import { at, type ConnectorDef, type PipelineDef } from './pipeline-def.js';
import { resolvePipelineSettings, type PipelineSettings } from './pipeline-options.js';
import { Router } from './route.js';
import { compileTransforms, loadUdfs, type TransformOperator, type TransformRule, type Udf } from './transform/index.js';

/** Where factories come from: the ConnectorRegistry, or a fixed list (tests, embedding). */
export interface FactoryResolver {
  load(identifier: string, kind: 'source' | 'sink'): Promise<Factory>;
}

/** A resolver over factories at hand, for tests and programs that embed the runtime. */
export function staticResolver(factories: readonly Factory[]): FactoryResolver {
  return {
    async load(identifier, kind) {
      const f = factories.find((x) => x.identifier === identifier && x.kind === kind);
      if (!f) throw new ConfigError(`${kind} connector "${identifier}" is not among the given factories (${factories.map((x) => `${x.kind} ${x.identifier}`).join(', ')})`);
      return f;
    },
  };
}

/** Sink keys the runtime handles itself (Flink CDC 3.2 names), not passed to the connector. */
const SINK_RUNTIME_KEYS = ['include.schema.changes', 'exclude.schema.changes'];

export interface PreparedPipeline {
  readonly def: PipelineDef;
  readonly settings: PipelineSettings;
  readonly info: PipelineInfo;
  readonly sourceFactory: SourceFactory;
  readonly sinkFactory: SinkFactory;
  readonly sourceOptions: ResolvedOptions;
  readonly sinkOptions: ResolvedOptions;
  readonly router: Router;
  /** undefined when the pipeline has no transform rules. */
  readonly transformer: TransformOperator | undefined;
  /** Loaded user-defined functions; the runner closes them at the end. */
  readonly udfs: readonly Udf[];
  /** include/exclude.schema.changes of the sink section, before intersecting with what the sink supports. */
  readonly allowedSchemaChanges: ReadonlySet<SchemaChangeType>;
  readonly warnings: readonly string[];
}

function withLine<T>(file: string | undefined, line: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isCdcError(e) && e.code === 'CONFIG' && !/^\S+:\d+: /.test(e.reason)) {
      throw new ConfigError(at(file, line, e.reason), { ...(e.hint ? { hint: e.hint } : {}), ...(e.connector ? { connector: e.connector } : {}), cause: e });
    }
    throw e;
  }
}

async function withLineAsync<T>(file: string | undefined, line: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return withLine(file, line, () => {
      throw e;
    });
  }
}

function validateConnector(def: PipelineDef, section: 'source' | 'sink', c: ConnectorDef, factory: SourceFactory | SinkFactory, ignore: string[]) {
  return withLine(def.file, c.line, () =>
    validateOptions({
      owner: factory.identifier,
      section,
      specs: factory.options,
      prefixes: factory.passThroughPrefixes ?? [],
      ignoreKeys: ignore,
      raw: c.options,
    }),
  );
}

function schemaChangeFilter(def: PipelineDef): Set<SchemaChangeType> {
  const o = def.sink.options;
  const list = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String);
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    throw new ConfigError(at(def.file, def.sink.keyLines[key], `sink.${key} must be a list of schema change types`));
  };
  const inc = list('include.schema.changes');
  const exc = list('exclude.schema.changes');
  const allowed = inc ? withLine(def.file, def.sink.keyLines['include.schema.changes'], () => expandSchemaChangeTypes(inc, 'include.schema.changes')) : new Set<SchemaChangeType>(SCHEMA_CHANGE_TYPES);
  if (exc) for (const t of withLine(def.file, def.sink.keyLines['exclude.schema.changes'], () => expandSchemaChangeTypes(exc, 'exclude.schema.changes'))) allowed.delete(t);
  return allowed;
}

export async function preparePipeline(def: PipelineDef, registry: FactoryResolver, logger?: Logger): Promise<PreparedPipeline> {
  const settings = resolvePipelineSettings(def);
  const info: PipelineInfo = {
    name: settings.name,
    parallelism: settings.parallelism,
    localTimeZone: settings.localTimeZone,
    schemaChangeBehavior: settings.schemaChangeBehavior,
  };
  const sourceFactory = (await withLineAsync(def.file, def.source.line, () => registry.load(def.source.type, 'source'))) as SourceFactory;
  const sinkFactory = (await withLineAsync(def.file, def.sink.line, () => registry.load(def.sink.type, 'sink'))) as SinkFactory;
  const src = validateConnector(def, 'source', def.source, sourceFactory, []);
  const snk = validateConnector(def, 'sink', def.sink, sinkFactory, SINK_RUNTIME_KEYS);
  const router = new Router(def.routes, def.file);
  const baseDir = def.file ? dirname(resolve(def.file)) : process.cwd();
  const udfs = def.udfs.length ? await withLineAsync(def.file, def.udfs[0].line, () => loadUdfs(def.udfs, baseDir)) : [];
  let transformer: TransformOperator | undefined;
  if (def.transforms.length) {
    const rules: TransformRule[] = def.transforms.map(({ line: _line, ...r }) => r);
    // compile one by one first so an error points at its rule's line
    def.transforms.forEach((t, i) => withLine(def.file, t.line, () => compileTransforms([rules[i]], { udfs, timeZone: settings.localTimeZone })));
    transformer = compileTransforms(rules, { udfs, timeZone: settings.localTimeZone });
  }
  const warnings = [...settings.warnings, ...src.warnings, ...snk.warnings];
  for (const w of warnings) logger?.warn(w);
  return {
    def,
    settings,
    info,
    sourceFactory,
    sinkFactory,
    sourceOptions: src.options,
    sinkOptions: snk.options,
    router,
    transformer,
    udfs,
    allowedSchemaChanges: schemaChangeFilter(def),
    warnings,
  };
}
