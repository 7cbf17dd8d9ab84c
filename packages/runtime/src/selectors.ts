/**
 * Flink CDC's table selectors: `db.tbl`, one regex per part separated by unescaped dots (`\.` inside a part
 * is the regex "any character"), several selectors separated by commas: `app_db.order_\.*, app_db.users`.
 */
import { ConfigError, tableIdParts, type TableId } from '@cdc/core';

export interface TableSelector {
  readonly text: string;
  matches(id: TableId): boolean;
}

function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** Commas inside {m,n} quantifiers do not separate selectors. */
function splitSelectors(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') braces = Math.max(0, braces - 1);
    if (c === ',' && braces === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

export function compileSelectors(text: string, where: string): TableSelector {
  const selectors = splitSelectors(text).map((sel) => {
    const parts = splitUnescaped(sel, '.').map((p) => p.replace(/\\\./g, '.'));
    const regexes = parts.map((p) => {
      try {
        return new RegExp(`^(?:${p})$`);
      } catch (e) {
        throw new ConfigError(`${where}: invalid regular expression "${p}" in table selector "${sel}": ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`, {
          hint: 'table selectors are db.table with a regex per part; use \\. for a regex dot, e.g. app_db.order_\\.*',
        });
      }
    });
    return regexes;
  });
  return {
    text,
    matches(id: TableId): boolean {
      const parts = tableIdParts(id);
      return selectors.some((res) => res.length === parts.length && res.every((re, i) => re.test(parts[i])));
    },
  };
}
