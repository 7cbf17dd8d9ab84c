/**
 * Syntax tree of transform expressions. Every node keeps its source span (0-based `pos`, exclusive `end`)
 * so that type errors found later can point at the exact spot of the expression text.
 */

export interface Span {
  readonly pos: number;
  readonly end: number;
}

export type LiteralValue =
  | { readonly type: 'null' }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** Exact numerals keep their text: the typing decides INT / BIGINT / DECIMAL from it. */
  | { readonly type: 'exact'; readonly text: string }
  /** `1e3`, `1.5E-2`: approximate numerals are DOUBLE. */
  | { readonly type: 'approx'; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'date' | 'time' | 'timestamp' | 'timestamp_ltz'; readonly text: string }
  /** INTERVAL 'text' unit [TO unit]. */
  | { readonly type: 'interval'; readonly text: string; readonly from: string; readonly to?: string };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

export type Expr =
  | (Span & { readonly kind: 'literal'; readonly value: LiteralValue })
  | (Span & { readonly kind: 'ident'; readonly name: string; readonly quoted: boolean })
  /** A keyword argument of a function: the unit of EXTRACT / TIMESTAMPADD, the mode of TRIM. */
  | (Span & { readonly kind: 'symbol'; readonly name: string })
  | (Span & { readonly kind: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly operand: Expr })
  | (Span & { readonly kind: 'binary'; readonly op: BinaryOp; readonly opPos: number; readonly left: Expr; readonly right: Expr })
  | (Span & { readonly kind: 'is'; readonly operand: Expr; readonly not: boolean; readonly test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN' })
  | (Span & { readonly kind: 'distinct'; readonly left: Expr; readonly right: Expr; readonly not: boolean })
  | (Span & {
      readonly kind: 'between';
      readonly operand: Expr;
      readonly low: Expr;
      readonly high: Expr;
      readonly not: boolean;
      readonly symmetric: boolean;
    })
  | (Span & { readonly kind: 'in'; readonly operand: Expr; readonly list: readonly Expr[]; readonly not: boolean })
  | (Span & {
      readonly kind: 'like';
      readonly operand: Expr;
      readonly pattern: Expr;
      readonly escape: Expr | undefined;
      readonly not: boolean;
      readonly similar: boolean;
    })
  | (Span & {
      readonly kind: 'case';
      readonly operand: Expr | undefined;
      readonly whens: readonly { readonly conditions: readonly Expr[]; readonly result: Expr }[];
      readonly otherwise: Expr | undefined;
    })
  | (Span & { readonly kind: 'cast'; readonly operand: Expr; readonly typeText: string; readonly typePos: number; readonly safe: boolean })
  | (Span & { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly niladic: boolean })
  | (Span & { readonly kind: 'item'; readonly target: Expr; readonly index: Expr })
  | (Span & { readonly kind: 'array' | 'map' | 'row'; readonly items: readonly Expr[] });

/** One item of a projection list. */
export type ProjectionItem =
  | (Span & { readonly kind: 'star' })
  | (Span & { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | undefined; readonly aliasPos: number });

/** Calls `visit` on every node of the tree, parents first. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'unary':
      return walk(e.operand, visit);
    case 'binary':
    case 'distinct':
      walk(e.left, visit);
      return walk(e.right, visit);
    case 'is':
      return walk(e.operand, visit);
    case 'between':
      walk(e.operand, visit);
      walk(e.low, visit);
      return walk(e.high, visit);
    case 'in':
      walk(e.operand, visit);
      return e.list.forEach((x) => walk(x, visit));
    case 'like':
      walk(e.operand, visit);
      walk(e.pattern, visit);
      if (e.escape) walk(e.escape, visit);
      return;
    case 'case':
      if (e.operand) walk(e.operand, visit);
      for (const w of e.whens) {
        w.conditions.forEach((x) => walk(x, visit));
        walk(w.result, visit);
      }
      if (e.otherwise) walk(e.otherwise, visit);
      return;
    case 'cast':
      return walk(e.operand, visit);
    case 'call':
      return e.args.forEach((x) => walk(x, visit));
    case 'item':
      walk(e.target, visit);
      return walk(e.index, visit);
    case 'array':
    case 'map':
    case 'row':
      return e.items.forEach((x) => walk(x, visit));
    default:
      return;
  }
}
