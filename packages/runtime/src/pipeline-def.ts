/**
 * The pipeline definition file, with Flink CDC's keys (source, sink, route, transform, pipeline). Every
 * error names the file and line.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError } from '@cdc/core';

export interface ConnectorDef {
  readonly type: string;
  readonly name?: string;
  /** Every key of the section but `type` and `name`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Line of the section. */
  readonly line: number;
  /** Line of each key. */
  readonly keyLines: Readonly<Record<string, number>>;
}

export interface RouteDef {
  readonly sourceTable: string;
  readonly sinkTable: string;
  readonly replaceSymbol?: string;
  readonly description?: string;
  readonly line: number;
}

export interface TransformDef {
  readonly sourceTable: string;
  readonly projection?: string;
  readonly filter?: string;
  readonly primaryKeys?: string;
  readonly partitionKeys?: string;
  readonly tableOptions?: string;
  readonly description?: string;
  readonly line: number;
}

export interface UdfDef {
  readonly name: string;
  readonly classpath: string;
  /** Passed to the module's open(). */
  readonly options?: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface PipelineDef {
  /** Path of the file, when read from one; relative paths in the file resolve against its directory. */
  readonly file?: string;
  readonly source: ConnectorDef;
  readonly sink: ConnectorDef;
  readonly routes: readonly RouteDef[];
  readonly transforms: readonly TransformDef[];
  /** The `pipeline` section as written (validated later against the pipeline options). */
  readonly pipeline: Readonly<Record<string, unknown>>;
  readonly pipelineLines: Readonly<Record<string, number>>;
  readonly udfs: readonly UdfDef[];
}

const TOP_KEYS = ['source', 'sink', 'route', 'transform', 'pipeline'];
const ROUTE_KEYS: Record<string, keyof RouteDef> = {
  'source-table': 'sourceTable',
  'sink-table': 'sinkTable',
  'replace-symbol': 'replaceSymbol',
  description: 'description',
};
const TRANSFORM_KEYS: Record<string, keyof TransformDef> = {
  'source-table': 'sourceTable',
  projection: 'projection',
  filter: 'filter',
  'primary-keys': 'primaryKeys',
  'partition-keys': 'partitionKeys',
  'table-options': 'tableOptions',
  description: 'description',
};

/** Formats `file:line: message`. */
export function at(file: string | undefined, line: number | undefined, message: string): string {
  const where = file ?? 'pipeline';
  return line ? `${where}:${line}: ${message}` : `${where}: ${message}`;
}

export function loadPipelineFile(path: string): PipelineDef {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `pipeline file ${path} does not exist` : `cannot read pipeline file ${path}: ${(e as Error).message}`, {
      hint: 'pass the path of a pipeline YAML file: cdc run path/to/pipeline.yaml',
    });
  }
  return parsePipelineYaml(text, path);
}

export function parsePipelineYaml(text: string, file?: string): PipelineDef {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | Pair | null | undefined): number => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range ?? ((node as Pair | undefined)?.key as Node | undefined)?.range;
    return range ? lc.linePos(range[0]).line : 0;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    const line = pos.line;
    const col = pos.col;
    const reason = e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
    throw new ConfigError(at(file, line, `YAML syntax error${col ? ` (column ${col})` : ''}: ${reason}`), { hint: 'fix the YAML syntax (indentation, quotes, colons)' });
  }
  const root = doc.contents;
  if (!isMap(root)) throw new ConfigError(at(file, 1, 'a pipeline file is a YAML mapping with source, sink, route, transform and pipeline'));
  const fail = (node: Node | Pair | null | undefined, message: string, hint?: string): never => {
    throw new ConfigError(at(file, lineOf(node), message), hint ? { hint } : {});
  };

  const top = new Map<string, Pair>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!TOP_KEYS.includes(key)) fail(pair.key as Node, `unknown top-level key "${key}"`, `use ${TOP_KEYS.join(', ')}`);
    top.set(key, pair);
  }

  const connector = (key: 'source' | 'sink'): ConnectorDef => {
    const pair = top.get(key);
    if (!pair) return fail(root, `the pipeline has no "${key}" section`, `add a ${key}: section with at least "type"`);
    const node = pair.value as Node;
    if (!isMap(node)) return fail(pair.key as Node, `"${key}" must be a mapping of options`);
    const { values, lines } = mapEntries(node, lineOf);
    const type = values.type;
    if (typeof type !== 'string' || !type.trim()) return fail(pair.key as Node, `"${key}" has no "type"`, `set ${key}.type to a connector identifier, e.g. mysql, values, kafka`);
    const { type: _t, name, ...options } = values;
    void _t;
    return { type: type.trim(), ...(name === undefined ? {} : { name: String(name) }), options, line: lineOf(pair.key as Node), keyLines: lines };
  };

  const listOf = <T>(key: 'route' | 'transform', keys: Record<string, string>, required: string[]): T[] => {
    const pair = top.get(key);
    if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return [];
    if (!isSeq(pair.value)) return fail(pair.key as Node, `"${key}" must be a list`);
    return pair.value.items.map((item, i) => {
      if (!isMap(item)) return fail(item as Node, `${key}[${i}] must be a mapping`);
      const out: Record<string, unknown> = { line: lineOf(item as Node) };
      for (const p of item.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        const field = keys[k];
        if (!field) fail(p.key as Node, `unknown key "${k}" in ${key}[${i}]`, `use ${Object.keys(keys).join(', ')}`);
        const v = isScalar(p.value) ? p.value.value : undefined;
        if (v === undefined || v === null || typeof v === 'object') fail(p.key as Node, `${key}[${i}].${k} must be a string`);
        out[field] = String(v);
      }
      for (const r of required) {
        if (out[keys[r]] === undefined) fail(item as Node, `${key}[${i}] has no "${r}"`);
      }
      return out as T;
    });
  };

  const pipelinePair = top.get('pipeline');
  let pipeline: Record<string, unknown> = {};
  let pipelineLines: Record<string, number> = {};
  const udfs: UdfDef[] = [];
  if (pipelinePair && !(isScalar(pipelinePair.value) && pipelinePair.value.value === null)) {
    if (!isMap(pipelinePair.value)) fail(pipelinePair.key as Node, '"pipeline" must be a mapping');
    const m = pipelinePair.value as YAMLMap;
    ({ values: pipeline, lines: pipelineLines } = mapEntries(m, lineOf));
    const udfPair = m.items.find((p) => isScalar(p.key) && p.key.value === 'user-defined-function');
    if (udfPair) {
      if (!isSeq(udfPair.value)) fail(udfPair.key as Node, 'pipeline.user-defined-function must be a list of {name, classpath}');
      for (const item of (udfPair.value as { items: unknown[] }).items) {
        const v = isMap(item) ? (item.toJSON() as Record<string, unknown>) : undefined;
        if (!v || typeof v.name !== 'string' || typeof v.classpath !== 'string') {
          fail(item as Node, 'each user-defined-function needs "name" and "classpath" (a .js/.mjs/.ts module path)');
        }
        const options = v!.options && typeof v!.options === 'object' ? Object.fromEntries(Object.entries(v!.options as Record<string, unknown>).map(([k, x]) => [k, String(x)])) : undefined;
        udfs.push({ name: String(v!.name), classpath: String(v!.classpath), ...(options ? { options } : {}), line: lineOf(item as Node) });
      }
      delete pipeline['user-defined-function'];
    }
  }

  return {
    ...(file === undefined ? {} : { file }),
    source: connector('source'),
    sink: connector('sink'),
    routes: listOf<RouteDef>('route', ROUTE_KEYS, ['source-table', 'sink-table']),
    transforms: listOf<TransformDef>('transform', TRANSFORM_KEYS, ['source-table']),
    pipeline,
    pipelineLines,
    udfs,
  };
}

function mapEntries(node: YAMLMap, lineOf: (n: Node | Pair) => number): { values: Record<string, unknown>; lines: Record<string, number> } {
  const values: Record<string, unknown> = {};
  const lines: Record<string, number> = {};
  for (const p of node.items) {
    const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
    const v = p.value as Node | null;
    values[k] = v === null ? null : isScalar(v) ? v.value : v.toJSON();
    lines[k] = lineOf(p.key as Node);
  }
  return { values, lines };
}
