import { ConfigError, type TableId } from '@cdc/core';

/**
 * Flink CDC's `source-table` selector: comma-separated patterns, each split on unescaped dots into
 * [namespace.]schema.table parts; every part is a case-insensitive regular expression matched whole.
 * `\.` stands for a regex dot (any character), `\,` for a comma, so `mydb.\.*` is every table of mydb.
 */
export interface TableSelector {
  readonly text: string;
  matches(id: TableId): boolean;
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function part(regex: string, whole: string): RegExp {
  const source = regex.replace(/\\\./g, '.').replace(/\\,/g, ',');
  try {
    return new RegExp(`^(?:${source})$`, 'i');
  } catch (e) {
    throw new ConfigError(`invalid source-table pattern "${whole}": ${(e as Error).message}`);
  }
}

export function tableSelector(text: string): TableSelector {
  if (!text || !text.trim()) throw new ConfigError('a transform rule needs a source-table', { hint: 'e.g. source-table: mydb.orders or mydb.\\.*' });
  const selectors = splitUnescaped(text, ',').map((pattern) => {
    const parts = splitUnescaped(pattern, '.').map((p) => part(p, text));
    if (parts.length > 3) throw new ConfigError(`invalid source-table pattern "${pattern}": at most namespace.schema.table`);
    const [ns, schema, table] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
    return (id: TableId): boolean => {
      if (!id.namespace) {
        if (!id.schema) return table.test(id.table);
        return schema !== undefined && schema.test(id.schema) && table.test(id.table);
      }
      return ns !== undefined && ns.test(id.namespace) && schema !== undefined && id.schema !== undefined && schema.test(id.schema) && table.test(id.table);
    };
  });
  return { text, matches: (id) => selectors.some((s) => s(id)) };
}
