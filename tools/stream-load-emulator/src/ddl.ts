/**
 * Parses the Doris / StarRocks DDL the FE accepts (CREATE/DROP DATABASE, CREATE TABLE with a key model,
 * DISTRIBUTED BY and PROPERTIES, ALTER TABLE ADD/DROP/MODIFY/RENAME COLUMN, DROP/TRUNCATE TABLE).
 * Anything else is `other` and goes to MariaDB with database names rewritten.
 */
import { parseColumnType, type ColumnMeta } from './column-types.js';
import { tokenize, Tokens } from './sql-lexer.js';

export type KeyModel = 'UNIQUE' | 'DUPLICATE' | 'PRIMARY' | 'AGGREGATE';

export interface TableDef {
  readonly columns: ColumnMeta[];
  readonly model: KeyModel;
  /** Key columns; for DUPLICATE without an explicit key, the first columns as the FE picks them. */
  readonly keys: string[];
  readonly explicitKeys: boolean;
  readonly distribution?: { readonly hash?: string[]; readonly random?: boolean; readonly buckets?: number | 'AUTO' };
  readonly properties: Record<string, string>;
  readonly comment?: string;
  readonly partition?: string;
}

export type AlterOp =
  | { readonly op: 'add'; readonly column: ColumnMeta; readonly after?: string; readonly first?: boolean }
  | { readonly op: 'drop'; readonly name: string }
  | { readonly op: 'modify'; readonly column: ColumnMeta }
  | { readonly op: 'rename'; readonly from: string; readonly to: string }
  | { readonly op: 'comment'; readonly comment: string };

export interface TableName {
  readonly db?: string;
  readonly table: string;
}

export type Statement =
  | { readonly kind: 'create-database'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-database'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'create-table'; readonly name: TableName; readonly ifNotExists: boolean; readonly def: TableDef }
  | { readonly kind: 'drop-table'; readonly name: TableName; readonly ifExists: boolean }
  | { readonly kind: 'truncate-table'; readonly name: TableName }
  | { readonly kind: 'alter-table'; readonly name: TableName; readonly ops: AlterOp[] }
  | { readonly kind: 'other' };

function tableName(t: Tokens): TableName {
  const a = t.name();
  if (t.acceptPunct('.')) return { db: a, table: t.name() };
  return { table: a };
}

function columnDef(t: Tokens): ColumnMeta & { key?: boolean } {
  const name = t.name();
  const type = parseColumnType(t);
  let nullable = true;
  let defaultValue: string | null | undefined;
  let comment: string | undefined;
  let key = false;
  for (;;) {
    if (t.acceptKw('KEY')) key = true;
    else if (t.acceptKw('NOT', 'NULL')) nullable = false;
    else if (t.acceptKw('NULL')) nullable = true;
    else if (t.acceptKw('AUTO_INCREMENT')) {
      if (t.acceptPunct('(')) {
        t.number();
        t.expectPunct(')');
      }
    } else if (t.acceptKw('DEFAULT')) {
      const tok = t.peek();
      if (t.acceptKw('NULL')) defaultValue = null;
      else if (t.acceptKw('CURRENT_TIMESTAMP')) {
        defaultValue = 'CURRENT_TIMESTAMP';
        if (t.acceptPunct('(')) {
          if (!t.isPunct(')')) t.number();
          t.expectPunct(')');
        }
      } else if (tok?.kind === 'string') defaultValue = t.string();
      else if (tok?.kind === 'number') defaultValue = String(t.number());
      else if (t.acceptPunct('-')) defaultValue = `-${t.number()}`;
      else t.fail('expected a default value');
    } else if (t.acceptKw('COMMENT')) comment = t.string();
    else if (['REPLACE', 'SUM', 'MAX', 'MIN', 'REPLACE_IF_NOT_NULL', 'HLL_UNION', 'BITMAP_UNION'].some((w) => t.isKw(w))) t.fail('aggregate columns are not emulated');
    else break;
  }
  const out: ColumnMeta & { key?: boolean } = { name, type, nullable, ...(defaultValue !== undefined ? { defaultValue } : {}), ...(comment !== undefined ? { comment } : {}) };
  return key ? { ...out, key } : out;
}

function nameList(t: Tokens): string[] {
  t.expectPunct('(');
  const out: string[] = [];
  do out.push(t.name());
  while (t.acceptPunct(','));
  t.expectPunct(')');
  return out;
}

function properties(t: Tokens): Record<string, string> {
  const out: Record<string, string> = {};
  t.expectPunct('(');
  if (t.acceptPunct(')')) return out;
  do {
    const k = t.string();
    t.expectPunct('=');
    out[k] = t.string();
  } while (t.acceptPunct(','));
  t.expectPunct(')');
  return out;
}

/** Skips a balanced parenthesised group, returning its text. */
function skipGroup(t: Tokens): string {
  const from = t.i;
  let depth = 0;
  do {
    if (t.isPunct('(')) depth++;
    else if (t.isPunct(')')) depth--;
    t.i++;
    if (t.i > t.list.length) t.fail('unbalanced parentheses');
  } while (depth > 0);
  return t.textFrom(from);
}

function createTable(t: Tokens): Statement {
  const ifNotExists = t.acceptKw('IF', 'NOT', 'EXISTS');
  const name = tableName(t);
  t.expectPunct('(');
  const columns: ColumnMeta[] = [];
  const inlineKeys: string[] = [];
  do {
    if (t.isKw('INDEX')) {
      // an inverted / bitmap index definition: accepted and ignored
      t.i++;
      t.name();
      skipGroup(t);
      while (!t.isPunct(',') && !t.isPunct(')')) t.i++;
      continue;
    }
    const c = columnDef(t);
    if (c.key) inlineKeys.push(c.name);
    const { key: _k, ...col } = c;
    columns.push(col);
  } while (t.acceptPunct(','));
  t.expectPunct(')');
  let model: KeyModel = 'DUPLICATE';
  let keys: string[] = inlineKeys;
  let explicitKeys = inlineKeys.length > 0;
  let distribution: TableDef['distribution'];
  let properties_: Record<string, string> = {};
  let comment: string | undefined;
  let partition: string | undefined;
  while (!t.done()) {
    if (t.acceptKw('ENGINE')) {
      t.expectPunct('=');
      t.name();
    } else if (['UNIQUE', 'DUPLICATE', 'PRIMARY', 'AGGREGATE'].some((w) => t.isKw(w) && t.isKw('KEY', 1))) {
      model = t.name().toUpperCase() as KeyModel;
      t.expectKw('KEY');
      keys = nameList(t);
      explicitKeys = true;
    } else if (t.acceptKw('COMMENT')) comment = t.string();
    else if (t.acceptKw('PARTITION', 'BY')) {
      const from = t.i;
      while (!t.done() && !t.isKw('DISTRIBUTED') && !t.isKw('PROPERTIES')) {
        if (t.isPunct('(')) skipGroup(t);
        else t.i++;
      }
      partition = `PARTITION BY ${t.textFrom(from)}`;
    } else if (t.acceptKw('DISTRIBUTED', 'BY')) {
      if (t.acceptKw('HASH')) distribution = { hash: nameList(t) };
      else if (t.acceptKw('RANDOM')) distribution = { random: true };
      else t.fail('expected HASH or RANDOM');
      if (t.acceptKw('BUCKETS')) {
        const buckets: number | 'AUTO' = t.acceptKw('AUTO') ? 'AUTO' : t.number();
        distribution = { ...distribution, buckets };
      }
    } else if (t.acceptKw('ORDER', 'BY')) nameList(t);
    else if (t.acceptKw('PROPERTIES')) properties_ = properties(t);
    else if (t.acceptPunct(';')) continue;
    else t.fail('unexpected clause');
  }
  const def: TableDef = {
    columns,
    model,
    keys,
    explicitKeys,
    ...(distribution ? { distribution } : {}),
    properties: properties_,
    ...(comment !== undefined ? { comment } : {}),
    ...(partition !== undefined ? { partition } : {}),
  };
  return { kind: 'create-table', name, ifNotExists, def };
}

function alterTable(t: Tokens): Statement {
  const name = tableName(t);
  const ops: AlterOp[] = [];
  do {
    if (t.acceptKw('ADD', 'COLUMN') || t.acceptKw('ADD')) {
      if (t.acceptPunct('(')) {
        do ops.push({ op: 'add', column: columnDef(t) });
        while (t.acceptPunct(','));
        t.expectPunct(')');
      } else {
        const column = columnDef(t);
        if (t.acceptKw('AFTER')) ops.push({ op: 'add', column, after: t.name() });
        else if (t.acceptKw('FIRST')) ops.push({ op: 'add', column, first: true });
        else ops.push({ op: 'add', column });
      }
      if (t.acceptKw('TO')) t.name(); // rollup
    } else if (t.acceptKw('DROP', 'COLUMN')) ops.push({ op: 'drop', name: t.name() });
    else if (t.acceptKw('MODIFY', 'COLUMN')) ops.push({ op: 'modify', column: columnDef(t) });
    else if (t.acceptKw('MODIFY', 'COMMENT')) ops.push({ op: 'comment', comment: t.string() });
    else if (t.acceptKw('RENAME', 'COLUMN')) {
      const from = t.name();
      t.acceptKw('TO');
      ops.push({ op: 'rename', from, to: t.name() });
    } else t.fail('unsupported ALTER TABLE clause');
  } while (t.acceptPunct(','));
  return { kind: 'alter-table', name, ops };
}

export function parseStatement(sql: string): Statement {
  const t = new Tokens(tokenize(sql), sql);
  if (t.acceptKw('CREATE', 'DATABASE') || t.acceptKw('CREATE', 'SCHEMA')) {
    const ifNotExists = t.acceptKw('IF', 'NOT', 'EXISTS');
    return { kind: 'create-database', name: t.name(), ifNotExists };
  }
  if (t.acceptKw('DROP', 'DATABASE') || t.acceptKw('DROP', 'SCHEMA')) {
    const ifExists = t.acceptKw('IF', 'EXISTS');
    return { kind: 'drop-database', name: t.name(), ifExists };
  }
  if (t.acceptKw('CREATE', 'TABLE')) return createTable(t);
  if (t.acceptKw('DROP', 'TABLE')) {
    const ifExists = t.acceptKw('IF', 'EXISTS');
    return { kind: 'drop-table', name: tableName(t), ifExists };
  }
  if (t.acceptKw('TRUNCATE', 'TABLE')) return { kind: 'truncate-table', name: tableName(t) };
  if (t.acceptKw('ALTER', 'TABLE')) return alterTable(t);
  return { kind: 'other' };
}
