/** A small SQL tokenizer for the DDL the emulated FE understands (Doris / StarRocks dialect). */
export type TokenKind = 'ident' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier / keyword text (unquoted), string contents, number text or the punctuation. */
  readonly text: string;
  /** Offset of the token in the statement. */
  readonly pos: number;
  readonly end: number;
}

export class SqlSyntaxError extends Error {}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? sql.length : e + 2;
      continue;
    }
    const start = i;
    if (c === '`') {
      let text = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlSyntaxError(`unterminated quoted identifier at ${start}`);
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') {
            text += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i++];
      }
      out.push({ kind: 'quoted', text, pos: start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlSyntaxError(`unterminated string at ${start}`);
        const d = sql[i];
        if (d === '\\') {
          const n = sql[i + 1];
          text += n === 'n' ? '\n' : n === 't' ? '\t' : n === '0' ? '\0' : n;
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, pos: start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < sql.length && /[0-9.eE]/.test(sql[i])) i++;
      out.push({ kind: 'number', text: sql.slice(start, i), pos: start, end: i });
      continue;
    }
    if (/[A-Za-z_@$\u0080-\uffff]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_@$\u0080-\uffff]/.test(sql[i])) i++;
      out.push({ kind: 'ident', text: sql.slice(start, i), pos: start, end: i });
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (['<=', '>=', '<>', '!=', '||'].includes(two)) {
      out.push({ kind: 'punct', text: two, pos: start, end: i + 2 });
      i += 2;
      continue;
    }
    out.push({ kind: 'punct', text: c, pos: start, end: i + 1 });
    i++;
  }
  return out;
}

/** A cursor over tokens with the helpers a recursive-descent parser needs. */
export class Tokens {
  i = 0;
  constructor(
    readonly list: readonly Token[],
    readonly sql: string,
  ) {}

  peek(k = 0): Token | undefined {
    return this.list[this.i + k];
  }
  done(): boolean {
    return this.i >= this.list.length || (this.list[this.i].text === ';' && this.i === this.list.length - 1);
  }
  isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'ident' && t.text.toUpperCase() === word;
  }
  acceptKw(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isKw(words[k], k)) return false;
    this.i += words.length;
    return true;
  }
  expectKw(...words: string[]): void {
    if (!this.acceptKw(...words)) this.fail(`expected ${words.join(' ')}`);
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }
  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }
  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`expected "${p}"`);
  }
  name(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted')) this.fail('expected a name');
    this.i++;
    return t!.text;
  }
  string(): string {
    const t = this.peek();
    if (!t || t.kind !== 'string') this.fail('expected a quoted string');
    this.i++;
    return t!.text;
  }
  number(): number {
    const t = this.peek();
    if (!t || t.kind !== 'number') this.fail('expected a number');
    this.i++;
    return Number(t!.text);
  }
  /** Source text from token `from` up to (not including) the current token. */
  textFrom(from: number): string {
    if (from >= this.i) return '';
    return this.sql.slice(this.list[from].pos, this.list[this.i - 1].end);
  }
  fail(what: string): never {
    const t = this.peek();
    const near = t ? this.sql.slice(t.pos, t.pos + 30) : 'end of statement';
    throw new SqlSyntaxError(`Syntax error: ${what} near '${near}'`);
  }
}
