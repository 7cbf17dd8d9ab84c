import { expressionError, type ExpressionSource } from './errors.js';

export type TokenKind = 'ident' | 'qident' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier or operator text; string/quoted identifier contents with escapes resolved; numeral text. */
  readonly text: string;
  /** Upper-cased text of unquoted identifiers, for keyword tests. */
  readonly upper: string;
  readonly pos: number;
  readonly end: number;
}

const TWO_CHAR_OPS = new Set(['<>', '<=', '>=', '!=', '||']);
const ONE_CHAR_OPS = new Set(['+', '-', '*', '/', '%', '=', '<', '>', '(', ')', ',', '.', '[', ']']);

const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * Splits an expression into tokens, Calcite style with Flink CDC's `Lex.JAVA`: identifiers keep their case
 * and are quoted with backticks, strings use single quotes with '' as the escape.
 */
export function tokenize(source: ExpressionSource): Token[] {
  const input = source.text;
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string, pos: number, end: number) =>
    out.push({ kind, text, upper: kind === 'ident' ? text.toUpperCase() : text, pos, end });
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && input[i + 1] === '-') {
      // a SQL line comment
      while (i < input.length && input[i] !== '\n') i++;
    } else if (c === '/' && input[i + 1] === '*') {
      const close = input.indexOf('*/', i + 2);
      if (close < 0) throw expressionError(source, i, 'unterminated comment');
      i = close + 2;
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < input.length && isIdentPart(input[i])) i++;
      push('ident', input.slice(start, i), start, i);
    } else if (isDigit(c) || (c === '.' && isDigit(input[i + 1]))) {
      const start = i;
      while (isDigit(input[i])) i++;
      if (input[i] === '.' && !(input[i + 1] === '.')) {
        i++;
        while (isDigit(input[i])) i++;
      }
      if (input[i] === 'e' || input[i] === 'E') {
        const save = i;
        i++;
        if (input[i] === '+' || input[i] === '-') i++;
        if (!isDigit(input[i])) {
          i = save;
        } else {
          while (isDigit(input[i])) i++;
        }
      }
      if (i < input.length && isIdentStart(input[i])) throw expressionError(source, i, `unexpected character '${input[i]}' after the number`);
      push('number', input.slice(start, i), start, i);
    } else if (c === "'" || c === '`') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length) {
          throw expressionError(source, start, c === "'" ? 'unterminated string literal' : 'unterminated quoted identifier', c === "'" ? "close it with ' and write '' for a quote inside" : undefined);
        }
        if (input[i] === c) {
          if (input[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += input[i++];
      }
      push(c === "'" ? 'string' : 'qident', text, start, i);
    } else if (c === '\\' && input[i + 1] === '*') {
      // `\*` is how a YAML file writes a leading `*`; Flink CDC's YAML parser unescapes it, so do we
      push('op', '*', i, i + 2);
      i += 2;
    } else if (TWO_CHAR_OPS.has(input.slice(i, i + 2))) {
      push('op', input.slice(i, i + 2), i, i + 2);
      i += 2;
    } else if (ONE_CHAR_OPS.has(c)) {
      push('op', c, i, i + 1);
      i++;
    } else if (c === '"') {
      throw expressionError(source, i, 'unexpected character \'"\'', "strings use single quotes ('text') and identifiers backticks (`name`)");
    } else {
      throw expressionError(source, i, `unexpected character '${c}'`);
    }
  }
  out.push({ kind: 'eof', text: '', upper: '', pos: input.length, end: input.length });
  return out;
}
