import type { BinaryOp, Expr, LiteralValue, ProjectionItem } from './ast.js';
import { expressionError, type ExpressionSource } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Words that cannot be used as bare column names (quote them with backticks). */
const RESERVED = new Set([
  'AND', 'OR', 'NOT', 'IS', 'NULL', 'TRUE', 'FALSE', 'UNKNOWN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'IN', 'LIKE',
  'BETWEEN', 'SIMILAR', 'ESCAPE', 'CAST', 'TRY_CAST', 'AS', 'DISTINCT', 'FROM', 'INTERVAL', 'SELECT', 'WHERE',
]);

export const TIME_UNITS = new Set([
  'MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR',
  'DOY', 'DOW', 'EPOCH', 'DECADE', 'CENTURY', 'MILLENNIUM', 'ISODOW', 'ISOYEAR', 'SQL_TSI_SECOND', 'SQL_TSI_MINUTE',
  'SQL_TSI_HOUR', 'SQL_TSI_DAY', 'SQL_TSI_WEEK', 'SQL_TSI_MONTH', 'SQL_TSI_QUARTER', 'SQL_TSI_YEAR', 'FRAC_SECOND',
]);

/** SQL's niladic functions, written without parentheses. */
export const NILADIC_FUNCTIONS = new Set(['LOCALTIME', 'LOCALTIMESTAMP', 'CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP']);

/** Functions whose first argument is a time unit keyword. */
const UNIT_FIRST_FUNCTIONS = new Set(['TIMESTAMPADD', 'TIMESTAMPDIFF', 'TIMESTAMP_DIFF']);

class Parser {
  private readonly tokens: Token[];
  private p = 0;

  constructor(private readonly source: ExpressionSource) {
    this.tokens = tokenize(source);
  }

  // ---------------------------------------------------------------------------------------------
  // token helpers

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.p + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.p++;
    return t;
  }

  private isKeyword(word: string, t = this.peek()): boolean {
    return t.kind === 'ident' && t.upper === word;
  }

  private isOp(op: string, t = this.peek()): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.p++;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.p++;
    return true;
  }

  private fail(t: Token, what: string, hint?: string): never {
    throw expressionError(this.source, t.pos, `${what}, found ${describe(t)}`, hint);
  }

  private expectKeyword(word: string, context: string): Token {
    const t = this.peek();
    if (!this.isKeyword(word)) this.fail(t, `expected ${word} ${context}`);
    this.p++;
    return t;
  }

  private expectOp(op: string, context: string): Token {
    const t = this.peek();
    if (!this.isOp(op)) this.fail(t, `expected '${op}' ${context}`);
    this.p++;
    return t;
  }

  private expectEnd(what: string): void {
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.fail(t, `unexpected ${describe(t)} after the ${what}`, t.kind === 'ident' || t.kind === 'qident' ? 'did you forget an operator or a comma?' : undefined);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // entry points

  parseStandalone(): Expr {
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'expected an expression');
    const e = this.expr();
    this.expectEnd('expression');
    return e;
  }

  parseProjection(): ProjectionItem[] {
    const items: ProjectionItem[] = [];
    if (this.peek().kind === 'eof') this.fail(this.peek(), 'expected a column, * or an expression');
    for (;;) {
      const start = this.peek();
      if (this.isOp('*') && (this.isOp(',', this.peek(1)) || this.peek(1).kind === 'eof')) {
        this.p++;
        items.push({ kind: 'star', pos: start.pos, end: start.end });
      } else {
        if (this.isOp(',') || this.peek().kind === 'eof') this.fail(this.peek(), 'expected a column, * or an expression');
        const expr = this.expr();
        let alias: string | undefined;
        let aliasPos = -1;
        const hadAs = this.acceptKeyword('AS');
        const a = this.peek();
        if (a.kind === 'qident' || a.kind === 'string' || (a.kind === 'ident' && !RESERVED.has(a.upper))) {
          this.p++;
          alias = a.text;
          aliasPos = a.pos;
        } else if (hadAs) {
          this.fail(a, 'expected a column name after AS');
        }
        items.push({ kind: 'expr', expr, alias, aliasPos, pos: start.pos, end: this.peek(-1).end });
      }
      if (this.acceptOp(',')) continue;
      this.expectEnd('projection item');
      return items;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // precedence levels, lowest first (Calcite's: OR < AND < NOT < IS < comparison < + - < * / % || < unary)

  private expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('OR')) {
      const op = this.next();
      const right = this.and();
      left = { kind: 'binary', op: 'OR', opPos: op.pos, left, right, pos: left.pos, end: right.end };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('AND')) {
      const op = this.next();
      const right = this.not();
      left = { kind: 'binary', op: 'AND', opPos: op.pos, left, right, pos: left.pos, end: right.end };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKeyword('NOT')) {
      const t = this.next();
      const operand = this.not();
      return { kind: 'unary', op: 'NOT', operand, pos: t.pos, end: operand.end };
    }
    return this.predicate();
  }

  private predicate(): Expr {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(t.text)) {
        this.p++;
        const right = this.additive();
        const op = (t.text === '!=' ? '<>' : t.text) as BinaryOp;
        left = { kind: 'binary', op, opPos: t.pos, left, right, pos: left.pos, end: right.end };
        continue;
      }
      if (this.isKeyword('IS')) {
        this.p++;
        const not = this.acceptKeyword('NOT');
        const w = this.peek();
        if (this.acceptKeyword('DISTINCT')) {
          this.expectKeyword('FROM', 'after IS DISTINCT');
          const right = this.additive();
          left = { kind: 'distinct', left, right, not, pos: left.pos, end: right.end };
          continue;
        }
        if (w.kind === 'ident' && (w.upper === 'NULL' || w.upper === 'TRUE' || w.upper === 'FALSE' || w.upper === 'UNKNOWN')) {
          this.p++;
          left = { kind: 'is', operand: left, not, test: w.upper, pos: left.pos, end: w.end };
          continue;
        }
        this.fail(w, `expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS${not ? ' NOT' : ''}`);
      }
      const negated = this.isKeyword('NOT') && ['BETWEEN', 'IN', 'LIKE', 'SIMILAR'].includes(this.peek(1).upper) && this.peek(1).kind === 'ident';
      const k = negated ? this.peek(1) : t;
      if (k.kind !== 'ident') return left;
      if (k.upper === 'BETWEEN') {
        if (negated) this.p++;
        this.p++;
        let symmetric = false;
        if (this.acceptKeyword('SYMMETRIC')) symmetric = true;
        else this.acceptKeyword('ASYMMETRIC');
        const low = this.additive();
        this.expectKeyword('AND', 'between the bounds of BETWEEN');
        const high = this.additive();
        left = { kind: 'between', operand: left, low, high, not: negated, symmetric, pos: left.pos, end: high.end };
        continue;
      }
      if (k.upper === 'IN') {
        if (negated) this.p++;
        this.p++;
        this.expectOp('(', 'after IN');
        const list: Expr[] = [];
        if (this.isOp(')')) this.fail(this.peek(), 'expected at least one value in the IN list');
        do list.push(this.expr());
        while (this.acceptOp(','));
        const close = this.expectOp(')', 'to close the IN list');
        left = { kind: 'in', operand: left, list, not: negated, pos: left.pos, end: close.end };
        continue;
      }
      if (k.upper === 'LIKE' || k.upper === 'SIMILAR') {
        if (negated) this.p++;
        this.p++;
        const similar = k.upper === 'SIMILAR';
        if (similar) this.expectKeyword('TO', 'after SIMILAR');
        const pattern = this.additive();
        let escape: Expr | undefined;
        if (this.acceptKeyword('ESCAPE')) escape = this.additive();
        const end = (escape ?? pattern).end;
        left = { kind: 'like', operand: left, pattern, escape, not: negated, similar, pos: left.pos, end };
        continue;
      }
      return left;
    }
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (!this.isOp('+') && !this.isOp('-')) return left;
      this.p++;
      const right = this.multiplicative();
      left = { kind: 'binary', op: t.text as BinaryOp, opPos: t.pos, left, right, pos: left.pos, end: right.end };
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (!(t.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '%' || t.text === '||'))) return left;
      this.p++;
      const right = this.unary();
      left = { kind: 'binary', op: t.text as BinaryOp, opPos: t.pos, left, right, pos: left.pos, end: right.end };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp('-') || this.isOp('+')) {
      this.p++;
      const operand = this.unary();
      // fold a sign into a numeral so that -2147483648 is an INT literal, as in SQL
      if (t.text === '-' && operand.kind === 'literal' && (operand.value.type === 'exact' || operand.value.type === 'approx') && !operand.value.text.startsWith('-')) {
        return { kind: 'literal', value: { type: operand.value.type, text: '-' + operand.value.text }, pos: t.pos, end: operand.end };
      }
      return { kind: 'unary', op: t.text as '-' | '+', operand, pos: t.pos, end: operand.end };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    while (this.isOp('[')) {
      this.p++;
      const index = this.expr();
      const close = this.expectOp(']', 'to close the subscript');
      e = { kind: 'item', target: e, index, pos: e.pos, end: close.end };
    }
    return e;
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.p++;
        return { kind: 'literal', value: /[eE]/.test(t.text) ? { type: 'approx', text: t.text } : { type: 'exact', text: t.text }, pos: t.pos, end: t.end };
      case 'string':
        this.p++;
        return this.literal({ type: 'string', value: t.text }, t);
      case 'qident':
        this.p++;
        return { kind: 'ident', name: t.text, quoted: true, pos: t.pos, end: t.end };
      case 'op':
        if (t.text === '(') {
          this.p++;
          if (this.isOp(')')) this.fail(this.peek(), 'expected an expression inside the parentheses');
          const inner = this.expr();
          this.expectOp(')', 'to close the parenthesis');
          return inner;
        }
        return this.fail(t, 'expected an expression');
      case 'eof':
        return this.fail(t, 'expected an expression');
      case 'ident':
        return this.identOrKeyword(t);
    }
  }

  private literal(value: LiteralValue, t: Token): Expr {
    return { kind: 'literal', value, pos: t.pos, end: t.end };
  }

  private identOrKeyword(t: Token): Expr {
    const next = this.peek(1);
    switch (t.upper) {
      case 'NULL':
        this.p++;
        return this.literal({ type: 'null' }, t);
      case 'TRUE':
      case 'FALSE':
        this.p++;
        return this.literal({ type: 'boolean', value: t.upper === 'TRUE' }, t);
      case 'CASE':
        return this.caseExpr();
      case 'CAST':
      case 'TRY_CAST':
        return this.castExpr();
      case 'INTERVAL':
        return this.intervalExpr();
      case 'DATE':
      case 'TIME':
      case 'TIMESTAMP':
      case 'TIMESTAMP_LTZ':
        if (next.kind === 'string') {
          this.p += 2;
          const type = t.upper.toLowerCase() as 'date' | 'time' | 'timestamp' | 'timestamp_ltz';
          return { kind: 'literal', value: { type, text: next.text }, pos: t.pos, end: next.end };
        }
        break;
      case 'ARRAY':
      case 'MAP':
        if (this.isOp('[', next)) {
          this.p += 2;
          const items: Expr[] = [];
          if (!this.isOp(']')) {
            do items.push(this.expr());
            while (this.acceptOp(','));
          }
          const close = this.expectOp(']', `to close the ${t.upper} constructor`);
          return { kind: t.upper === 'ARRAY' ? 'array' : 'map', items, pos: t.pos, end: close.end };
        }
        break;
      case 'ROW':
        if (this.isOp('(', next)) {
          this.p += 2;
          const items: Expr[] = [];
          if (!this.isOp(')')) {
            do items.push(this.expr());
            while (this.acceptOp(','));
          }
          const close = this.expectOp(')', 'to close ROW(...)');
          return { kind: 'row', items, pos: t.pos, end: close.end };
        }
        break;
      case 'EXTRACT':
        if (this.isOp('(', next)) return this.extractExpr();
        break;
      case 'POSITION':
        if (this.isOp('(', next)) return this.positionExpr();
        break;
      case 'SUBSTRING':
        if (this.isOp('(', next)) return this.substringExpr();
        break;
      case 'OVERLAY':
        if (this.isOp('(', next)) return this.overlayExpr();
        break;
      case 'TRIM':
        if (this.isOp('(', next)) return this.trimExpr();
        break;
    }
    if (RESERVED.has(t.upper)) {
      const connective = ['AS', 'AND', 'OR', 'IS', 'IN', 'LIKE', 'BETWEEN', 'SIMILAR', 'THEN', 'ELSE', 'WHEN', 'NOT', 'ESCAPE', 'FROM'].includes(t.upper);
      this.fail(t, 'expected an expression', connective ? undefined : `quote a column named ${t.text} with backticks: \`${t.text}\``);
    }
    this.p++;
    if (this.isOp('(')) return this.functionCall(t);
    if (NILADIC_FUNCTIONS.has(t.upper)) return { kind: 'call', name: t.upper, args: [], niladic: true, pos: t.pos, end: t.end };
    // a qualified name `tbl.col` refers to the column (the last part), as in Flink CDC
    let name = t.text;
    let end = t.end;
    while (this.isOp('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'qident')) {
      this.p++;
      const part = this.next();
      name = part.text;
      end = part.end;
    }
    return { kind: 'ident', name, quoted: false, pos: t.pos, end };
  }

  private functionCall(name: Token): Expr {
    this.expectOp('(', 'after the function name');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      let first = true;
      do {
        const a = this.peek();
        if (first && UNIT_FIRST_FUNCTIONS.has(name.upper) && a.kind === 'ident' && TIME_UNITS.has(a.upper)) {
          this.p++;
          args.push({ kind: 'symbol', name: a.upper, pos: a.pos, end: a.end });
        } else {
          if (this.isOp(',') || this.isOp(')')) this.fail(this.peek(), `expected an argument of ${name.text}`);
          args.push(this.expr());
        }
        first = false;
      } while (this.acceptOp(','));
    }
    const close = this.expectOp(')', `to close the arguments of ${name.text}`);
    return { kind: 'call', name: name.upper, args, niladic: false, pos: name.pos, end: close.end };
  }

  private caseExpr(): Expr {
    const start = this.next();
    let operand: Expr | undefined;
    if (!this.isKeyword('WHEN')) operand = this.expr();
    const whens: { conditions: Expr[]; result: Expr }[] = [];
    while (this.acceptKeyword('WHEN')) {
      const conditions: Expr[] = [];
      do conditions.push(this.expr());
      while (operand !== undefined && this.acceptOp(','));
      this.expectKeyword('THEN', 'after the WHEN condition');
      whens.push({ conditions, result: this.expr() });
    }
    if (whens.length === 0) this.fail(this.peek(), 'expected WHEN in CASE');
    let otherwise: Expr | undefined;
    if (this.acceptKeyword('ELSE')) otherwise = this.expr();
    const end = this.expectKeyword('END', 'to close CASE');
    return { kind: 'case', operand, whens, otherwise, pos: start.pos, end: end.end };
  }

  private castExpr(): Expr {
    const start = this.next();
    this.expectOp('(', `after ${start.upper}`);
    const operand = this.expr();
    this.expectKeyword('AS', `in ${start.upper}(<expression> AS <type>)`);
    const typeStart = this.peek();
    if (typeStart.kind !== 'ident') this.fail(typeStart, 'expected a type name');
    let depth = 0;
    let last = typeStart;
    // the type runs up to the ')' that closes the CAST; parentheses and angle brackets nest inside it
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') this.fail(t, `expected ')' to close ${start.upper}`);
      if (t.kind === 'op' && (t.text === '(' || t.text === '<')) depth++;
      if (t.kind === 'op' && (t.text === ')' || t.text === '>')) {
        if (depth === 0 && t.text === ')') break;
        depth--;
      }
      last = this.next();
    }
    const close = this.next();
    const typeText = this.source.text.slice(typeStart.pos, last.end);
    return { kind: 'cast', operand, typeText, typePos: typeStart.pos, safe: start.upper === 'TRY_CAST', pos: start.pos, end: close.end };
  }

  private intervalExpr(): Expr {
    const start = this.next();
    let sign = '';
    if (this.isOp('-') || this.isOp('+')) sign = this.next().text === '-' ? '-' : '';
    const value = this.peek();
    let text: string;
    if (value.kind === 'string') text = value.text;
    else if (value.kind === 'number') text = value.text;
    else return this.fail(value, "expected the interval value, e.g. INTERVAL '1' DAY");
    this.p++;
    const unit = this.peek();
    if (unit.kind !== 'ident' || !TIME_UNITS.has(unit.upper)) this.fail(unit, 'expected an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND)');
    this.p++;
    let to: string | undefined;
    let end = unit.end;
    if (this.acceptKeyword('TO')) {
      const u2 = this.peek();
      if (u2.kind !== 'ident' || !TIME_UNITS.has(u2.upper)) this.fail(u2, 'expected an interval unit after TO');
      this.p++;
      to = u2.upper;
      end = u2.end;
    }
    return { kind: 'literal', value: { type: 'interval', text: sign + text, from: unit.upper, to }, pos: start.pos, end };
  }

  private extractExpr(): Expr {
    const name = this.next();
    this.expectOp('(', 'after EXTRACT');
    const unit = this.peek();
    if (unit.kind !== 'ident' || !TIME_UNITS.has(unit.upper)) this.fail(unit, 'expected a time unit (YEAR, QUARTER, MONTH, WEEK, DAY, DOY, DOW, HOUR, MINUTE, SECOND)');
    this.p++;
    this.expectKeyword('FROM', 'in EXTRACT(<unit> FROM <value>)');
    const value = this.expr();
    const close = this.expectOp(')', 'to close EXTRACT');
    return { kind: 'call', name: 'EXTRACT', args: [{ kind: 'symbol', name: unit.upper, pos: unit.pos, end: unit.end }, value], niladic: false, pos: name.pos, end: close.end };
  }

  private positionExpr(): Expr {
    const name = this.next();
    this.expectOp('(', 'after POSITION');
    const needle = this.additive();
    this.expectKeyword('IN', 'in POSITION(<needle> IN <string>)');
    const haystack = this.additive();
    const args = [needle, haystack];
    if (this.acceptKeyword('FROM')) args.push(this.additive());
    const close = this.expectOp(')', 'to close POSITION');
    return { kind: 'call', name: 'POSITION', args, niladic: false, pos: name.pos, end: close.end };
  }

  private substringExpr(): Expr {
    const name = this.next();
    this.expectOp('(', 'after SUBSTRING');
    const args = [this.expr()];
    if (this.acceptKeyword('FROM')) {
      args.push(this.expr());
      if (this.acceptKeyword('FOR')) args.push(this.expr());
    } else {
      while (this.acceptOp(',')) args.push(this.expr());
    }
    const close = this.expectOp(')', 'to close SUBSTRING');
    return { kind: 'call', name: 'SUBSTRING', args, niladic: false, pos: name.pos, end: close.end };
  }

  private overlayExpr(): Expr {
    const name = this.next();
    this.expectOp('(', 'after OVERLAY');
    const args = [this.expr()];
    this.expectKeyword('PLACING', 'in OVERLAY(<string> PLACING <replacement> FROM <position>)');
    args.push(this.expr());
    this.expectKeyword('FROM', 'in OVERLAY(<string> PLACING <replacement> FROM <position>)');
    args.push(this.expr());
    if (this.acceptKeyword('FOR')) args.push(this.expr());
    const close = this.expectOp(')', 'to close OVERLAY');
    return { kind: 'call', name: 'OVERLAY', args, niladic: false, pos: name.pos, end: close.end };
  }

  /** TRIM([BOTH | LEADING | TRAILING] [characters] FROM string) or TRIM(string). */
  private trimExpr(): Expr {
    const name = this.next();
    this.expectOp('(', 'after TRIM');
    let mode = 'BOTH';
    let modePos = this.peek().pos;
    const m = this.peek();
    if (m.kind === 'ident' && (m.upper === 'BOTH' || m.upper === 'LEADING' || m.upper === 'TRAILING')) {
      mode = m.upper;
      modePos = m.pos;
      this.p++;
    }
    let chars: Expr | undefined;
    let value: Expr;
    if (this.acceptKeyword('FROM')) {
      value = this.expr();
    } else {
      const first = this.expr();
      if (this.acceptKeyword('FROM')) {
        chars = first;
        value = this.expr();
      } else {
        value = first;
      }
    }
    const close = this.expectOp(')', 'to close TRIM');
    const symbol: Expr = { kind: 'symbol', name: mode, pos: modePos, end: modePos };
    const args = chars ? [symbol, chars, value] : [symbol, value];
    return { kind: 'call', name: 'TRIM', args, niladic: false, pos: name.pos, end: close.end };
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `string '${t.text}'`;
    case 'qident':
      return `\`${t.text}\``;
    case 'number':
      return `number ${t.text}`;
    default:
      return `'${t.text}'`;
  }
}

/** Parses one expression (a filter, or anything that is not a projection list). */
export function parseExpression(source: ExpressionSource): Expr {
  return new Parser(source).parseStandalone();
}

/** Parses a projection list: `*, UPPER(name) AS up, id + 1 next_id`. */
export function parseProjection(source: ExpressionSource): ProjectionItem[] {
  return new Parser(source).parseProjection();
}
