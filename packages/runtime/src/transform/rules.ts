import { ConfigError } from '@cdc/core';
import { walk, type Expr, type ProjectionItem } from './ast.js';
import { expressionError, type ExpressionSource } from './errors.js';
import { BUILTINS } from './functions/index.js';
import { parseExpression, parseProjection } from './parser.js';
import { tableSelector, type TableSelector } from './selectors.js';

/** One `transform:` entry of the pipeline file, with Flink CDC's keys in camelCase. */
export interface TransformRule {
  /** Regular expression(s) on `db.table`, Flink CDC's `source-table`. */
  sourceTable: string;
  /** `*, UPPER(name) AS up_name, id + 1 AS next_id`; absent or blank means `*`. */
  projection?: string;
  /** `id > 10 AND name LIKE 'a%'`: rows for which it is not TRUE are dropped. */
  filter?: string;
  /** Comma-separated primary key of the sink table (columns of the projection). */
  primaryKeys?: string;
  /** Comma-separated partition keys of the sink table. */
  partitionKeys?: string;
  /** `k1=v1,k2=v2`: options for creating the sink table. */
  tableOptions?: string;
  /** Separator of `tableOptions` pairs (Flink CDC's `table-options.delimiter`), default ','. */
  tableOptionsDelimiter?: string;
  description?: string;
}

/** The metadata columns every transform expression can read (Flink CDC's MetadataColumns). */
export const BUILTIN_METADATA_COLUMNS = ['__namespace_name__', '__schema_name__', '__table_name__', '__data_event_type__'] as const;

/** A rule parsed once, before any data. */
export interface CompiledRule {
  readonly index: number;
  readonly rule: TransformRule;
  /** `rule #1 (source-table mydb.orders)` */
  readonly label: string;
  readonly selector: TableSelector;
  /** Undefined: no projection, every column passes (`*`). */
  readonly projection: { readonly source: ExpressionSource; readonly items: readonly ProjectionItem[] } | undefined;
  readonly filter: { readonly source: ExpressionSource; readonly expr: Expr } | undefined;
  /** The projection contains `*` (or there is none): upstream columns added later appear downstream. */
  readonly hasStar: boolean;
  readonly primaryKeys: readonly string[] | undefined;
  readonly partitionKeys: readonly string[] | undefined;
  readonly options: Readonly<Record<string, string>> | undefined;
}

function keyList(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((k) => k.trim().replace(/^`(.*)`$/, '$1')).filter((k) => k.length > 0);
}

function parseOptions(rule: TransformRule, label: string): Record<string, string> | undefined {
  const text = rule.tableOptions;
  if (text === undefined || text.trim() === '') return undefined;
  const delimiter = rule.tableOptionsDelimiter || ',';
  const out: Record<string, string> = {};
  for (const pair of text.split(delimiter)) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) {
      throw new ConfigError(`table-options "${text}" of ${label}: "${pair.trim()}" is not key=value`, { hint: `write key1=value1${delimiter}key2=value2, or set table-options.delimiter` });
    }
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** Names used in calls must be built-ins or UDFs with a fitting number of arguments: checked before any schema is known. */
function checkCalls(source: ExpressionSource, e: Expr, udfs: ReadonlySet<string>): void {
  walk(e, (n) => {
    if (n.kind !== 'call' || udfs.has(n.name)) return;
    const def = BUILTINS.get(n.name);
    if (!def) {
      throw expressionError(source, n.pos, `unknown function ${n.name}`, 'see packages/runtime/src/transform/README.md for the built-in functions, or declare a user-defined function under pipeline.user-defined-function');
    }
    if (n.args.length < def.minArgs || n.args.length > def.maxArgs) {
      const count = def.minArgs === def.maxArgs ? `${def.minArgs}` : def.maxArgs === Infinity ? `at least ${def.minArgs}` : `${def.minArgs} to ${def.maxArgs}`;
      throw expressionError(source, n.pos, `${n.name} takes ${count} argument${count === '1' ? '' : 's'}, got ${n.args.length}`, `call it as ${def.synopsis}`);
    }
  });
}

export function compileRule(rule: TransformRule, index: number, udfNames: ReadonlySet<string>, metadataNames: ReadonlySet<string>): CompiledRule {
  const label = `rule #${index + 1} (source-table ${rule.sourceTable})`;
  if (typeof rule.sourceTable !== 'string' || rule.sourceTable.trim() === '') {
    throw new ConfigError(`transform rule #${index + 1} has no source-table`, { hint: 'every transform rule needs source-table, e.g. mydb.orders or mydb.\\.*' });
  }
  const selector = tableSelector(rule.sourceTable);
  let projection: CompiledRule['projection'];
  let hasStar = true;
  if (rule.projection !== undefined && rule.projection.trim() !== '') {
    const source: ExpressionSource = { text: rule.projection, role: 'projection', rule: label };
    const items = parseProjection(source);
    hasStar = items.some((i) => i.kind === 'star');
    for (const item of items) {
      if (item.kind === 'star') continue;
      checkCalls(source, item.expr, udfNames);
      if (item.alias === undefined && item.expr.kind !== 'ident') {
        throw expressionError(source, item.pos, 'a computed column needs a name', `write ${rule.projection.slice(item.pos, item.end)} AS <name>`);
      }
      if (item.alias !== undefined && metadataNames.has(item.alias)) {
        throw expressionError(source, item.aliasPos, `column name ${item.alias} is reserved for metadata`, 'choose another name');
      }
    }
    projection = { source, items };
  }
  let filter: CompiledRule['filter'];
  if (rule.filter !== undefined && rule.filter.trim() !== '') {
    const source: ExpressionSource = { text: rule.filter, role: 'filter', rule: label };
    const expr = parseExpression(source);
    checkCalls(source, expr, udfNames);
    filter = { source, expr };
  }
  return {
    index,
    rule,
    label,
    selector,
    projection,
    filter,
    hasStar,
    primaryKeys: keyList(rule.primaryKeys),
    partitionKeys: keyList(rule.partitionKeys),
    options: parseOptions(rule, label),
  };
}
