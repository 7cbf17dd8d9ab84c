/**
 * Flink CDC's table selectors: `db.table` patterns separated by commas; each part is a regular expression
 * matched against the whole name; an unescaped `.` separates database and table, `\.` is a regex dot.
 * Examples: `app.orders`, `app.\.*`, `db[1-2].user_[0-9]+`.
 */
import { ConfigError, splitSelectorText } from '@cdc/core';
import { CONNECTOR } from './mysql-errors.js';

interface Selector {
  readonly text: string;
  readonly db: RegExp;
  readonly table: RegExp;
}

function compile(part: string, text: string, key: string): RegExp {
  // `\.` is a regex dot, other text is a regex as written
  const re = part.replace(/\\\./g, '.');
  try {
    return new RegExp(`^(?:${re})$`);
  } catch (e) {
    throw new ConfigError(`option ${key}: "${text}" is not a valid pattern: ${(e as Error).message}`, { connector: CONNECTOR });
  }
}

export function parseSelectors(list: readonly string[], key: string): Selector[] {
  const out: Selector[] = [];
  for (const raw of list.flatMap((x) => splitSelectorText(x, ','))) {
    const text = raw.trim();
    if (!text) continue;
    const parts = splitSelectorText(text, '.');
    if (parts.length !== 2) {
      throw new ConfigError(`option ${key}: "${text}" must be database.table (escape a regex dot as \\.)`, { connector: CONNECTOR });
    }
    out.push({ text, db: compile(parts[0], text, key), table: compile(parts[1], text, key) });
  }
  return out;
}

export class TableFilter {
  private readonly include: Selector[];
  private readonly exclude: Selector[];
  private readonly cache = new Map<string, boolean>();

  constructor(tables: readonly string[], excluded: readonly string[] = []) {
    this.include = parseSelectors(tables, 'tables');
    this.exclude = parseSelectors(excluded, 'tables.exclude');
  }

  matches(db: string, table: string): boolean {
    const k = `${db}\u0000${table}`;
    let v = this.cache.get(k);
    if (v === undefined) {
      v = this.include.some((s) => s.db.test(db) && s.table.test(table)) && !this.exclude.some((s) => s.db.test(db) && s.table.test(table));
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(k, v);
    }
    return v;
  }

  /** Whether a database can hold matching tables (to narrow information_schema queries). */
  databaseMayMatch(db: string): boolean {
    return this.include.some((s) => s.db.test(db));
  }

  /** Selectors that matched no table, for the warning. */
  unmatched(tables: readonly { db: string; table: string }[]): string[] {
    return this.include.filter((s) => !tables.some((t) => s.db.test(t.db) && s.table.test(t.table))).map((s) => s.text);
  }
}
