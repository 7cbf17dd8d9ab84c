/**
 * Flink CDC's table selectors (`tables`, `source-table`): patterns separated by commas, each split on
 * unescaped dots into [namespace.]schema.table parts; every part is a regular expression matched whole.
 * `\.` inside a part is the regex "any character", `\,` a literal comma; commas inside (), [] or {} do not
 * separate patterns. `app_db.order_\.*, app_db.users`, `db[1-2].user_[0-9]{1,3}`.
 */
import { ConfigError } from './errors.js';
import type { TableId } from './table-id.js';

export interface TableSelector {
  readonly text: string;
  matches(id: TableId): boolean;
  /** The patterns that match none of `ids` (for a warning: a misspelled name among several is otherwise silent). */
  unmatched(ids: readonly TableId[]): string[];
}

export interface SelectorOptions {
  /** Prefix of error messages, e.g. `pipeline.yaml:12: route[0].source-table`. */
  readonly where: string;
  readonly caseInsensitive?: boolean;
}

/**
 * Splits selector text on `sep` outside brackets, keeping escapes as written: `,` between patterns, `.` between
 * the name parts of one pattern. Sources that parse their own `tables` option use it too.
 */
export function splitSelectorText(text: string, sep: ',' | '.'): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function compileTableSelector(text: string, opts: SelectorOptions): TableSelector {
  const patterns = splitSelectorText(text, ',').map((s) => s.trim()).filter(Boolean);
  if (!patterns.length) throw new ConfigError(`${opts.where}: empty table selector`, { hint: 'e.g. mydb.orders or mydb.\\.*' });
  const compiled = patterns.map((pattern) => {
    const parts = splitSelectorText(pattern, '.').map((p) => p.trim());
    if (parts.length > 3) throw new ConfigError(`${opts.where}: "${pattern}" has more than namespace.schema.table`, { hint: 'escape a regex dot as \\.' });
    return parts.map((p) => {
      const source = p.replace(/\\\./g, '.').replace(/\\,/g, ',');
      try {
        return new RegExp(`^(?:${source})$`, opts.caseInsensitive ? 'i' : '');
      } catch (e) {
        throw new ConfigError(`${opts.where}: invalid regular expression "${p}" in table selector "${pattern}": ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`, {
          hint: 'table selectors are db.table with a regex per part; use \\. for a regex dot, e.g. app_db.order_\\.*',
        });
      }
    });
  });
  const matchOne = (res: RegExp[], id: TableId): boolean => {
    const have = [id.namespace, id.schema, id.table].filter((x): x is string => x !== undefined);
    return res.length === have.length && res.every((re, i) => re.test(have[i]));
  };
  return {
    text,
    matches: (id) => compiled.some((res) => matchOne(res, id)),
    unmatched: (ids) => patterns.filter((_, k) => !ids.some((id) => matchOne(compiled[k], id))),
  };
}
