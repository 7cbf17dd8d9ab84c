import { describe, expect, it } from 'vitest';
import { isCdcError } from '@cdc/core';
import type { Expr } from '../../src/transform/ast.js';
import type { ExpressionSource } from '../../src/transform/errors.js';
import { parseExpression, parseProjection } from '../../src/transform/parser.js';
import { compileTransforms } from '../../src/transform/index.js';

const src = (text: string, role: 'projection' | 'filter' = 'filter'): ExpressionSource => ({ text, role, rule: 'rule #1 (source-table t)' });

/** A compact rendering of the tree, to check precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.value.type === 'string' ? `'${e.value.value}'` : 'text' in e.value ? e.value.text : e.value.type === 'boolean' ? String(e.value.value) : 'NULL';
    case 'ident':
      return e.name;
    case 'symbol':
      return e.name;
    case 'unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'is':
      return `(${show(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.test})`;
    case 'between':
      return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}BETWEEN ${show(e.low)} AND ${show(e.high)})`;
    case 'in':
      return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}IN ${e.list.map(show).join(', ')})`;
    case 'like':
      return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}${e.similar ? 'SIMILAR' : 'LIKE'} ${show(e.pattern)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'cast':
      return `CAST(${show(e.operand)} AS ${e.typeText})`;
    case 'case':
      return `CASE`;
    default:
      return e.kind;
  }
}

/** The 1-based position named by the ConfigError `text` raises. */
function errorAt(text: string, role: 'projection' | 'filter' = 'filter'): { position: number; message: string } {
  try {
    if (role === 'filter') parseExpression(src(text));
    else parseProjection(src(text, 'projection'));
  } catch (e) {
    expect(isCdcError(e) && e.code === 'CONFIG').toBe(true);
    const m = /at position (\d+)/.exec((e as Error).message);
    return { position: Number(m?.[1]), message: (e as Error).message };
  }
  throw new Error(`no error for ${text}`);
}

describe('parser: precedence', () => {
  const cases: [string, string][] = [
    ['a + b * c', '(a + (b * c))'],
    ['a * b + c', '((a * b) + c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a OR b AND c', '(a OR (b AND c))'],
    ['NOT a AND b', '((NOT a) AND b)'],
    ['NOT a = b', '(NOT (a = b))'],
    ['a = 1 OR b <> 2', '((a = 1) OR (b <> 2))'],
    ['a != 1', '(a <> 1)'],
    ["x || 'a' || y", "((x || 'a') || y)"],
    ['-a * b', '((- a) * b)'],
    ['-5', '-5'],
    ['a IS NOT NULL AND b IS TRUE', '((a IS NOT NULL) AND (b IS TRUE))'],
    ['a BETWEEN 1 AND 2 AND b', '((a BETWEEN 1 AND 2) AND b)'],
    ['a NOT BETWEEN b + 1 AND 10', '(a NOT BETWEEN (b + 1) AND 10)'],
    ["a NOT IN (1, 2, 3)", '(a NOT IN 1, 2, 3)'],
    ["name NOT LIKE 'a%'", "(name NOT LIKE 'a%')"],
    ["name SIMILAR TO 'a|b'", "(name SIMILAR 'a|b')"],
    ['`select` + `my col`', '(select + my col)'],
    ['t.col', 'col'],
    ['(a + b) * c', '((a + b) * c)'],
    ["upper(name)", 'UPPER(name)'],
    ['CAST(a AS DECIMAL(10, 2))', 'CAST(a AS DECIMAL(10, 2))'],
    ['CAST(a AS MAP<STRING, INT>)', 'CAST(a AS MAP<STRING, INT>)'],
    ["POSITION('a' IN name)", "POSITION('a', name)"],
    ['SUBSTRING(name FROM 2 FOR 3)', 'SUBSTRING(name, 2, 3)'],
    ['EXTRACT(YEAR FROM ts)', 'EXTRACT(YEAR, ts)'],
    ["TRIM(LEADING 'x' FROM name)", "TRIM(LEADING, 'x', name)"],
    ['TIMESTAMPDIFF(DAY, a, b)', 'TIMESTAMPDIFF(DAY, a, b)'],
    ['CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP()'],
    ['1e3', '1e3'],
    ['a = 1 -- a comment', '(a = 1)'],
  ];
  for (const [text, tree] of cases) {
    it(text, () => expect(show(parseExpression(src(text)))).toBe(tree));
  }

  it('reads string escapes and backquoted identifiers', () => {
    const e = parseExpression(src("'it''s' = `a``b`"));
    expect(e.kind === 'binary' && e.left.kind === 'literal' && e.left.value.type === 'string' && e.left.value.value).toBe("it's");
    expect(e.kind === 'binary' && e.right.kind === 'ident' && e.right.name).toBe('a`b');
  });

  it('reads projection lists with *, aliases with and without AS', () => {
    const items = parseProjection(src("*, UPPER(name) AS up, id + 1 next_id, __table_name__, 'x' AS `my col`", 'projection'));
    expect(items.map((i) => (i.kind === 'star' ? '*' : `${show(i.expr)}=${i.alias ?? ''}`))).toEqual(['*', 'UPPER(name)=up', '(id + 1)=next_id', '__table_name__=', "'x'=my col"]);
  });

  it('accepts \\* as YAML writes a leading star', () => {
    expect(parseProjection(src('\\*, a', 'projection'))[0].kind).toBe('star');
  });
});

describe('parser: errors name the expression and the 1-based position', () => {
  const cases: [string, number, RegExp][] = [
    ['id >', 5, /expected an expression, found end of input/],
    ['id > > 3', 6, /expected an expression, found '>'/],
    ["name = 'abc", 8, /unterminated string literal/],
    ['(a + b', 7, /expected '\)' to close the parenthesis/],
    ['a b', 3, /unexpected `?b`? after the expression|unexpected 'b' after the expression/],
    ['UPPER(name', 11, /expected '\)' to close the arguments of UPPER/],
    ['a # b', 3, /unexpected character '#'/],
    ['CASE WHEN a THEN 1', 19, /expected END to close CASE/],
    ['CAST(a INT)', 8, /expected AS in CAST/],
    ['a BETWEEN 1 OR 2', 13, /expected AND between the bounds of BETWEEN/],
    ['a IN ()', 7, /at least one value in the IN list/],
    ['a IS 5', 6, /expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS/],
    ['12abc', 3, /unexpected character 'a' after the number/],
    ['"name" = 1', 1, /strings use single quotes/],
    ['EXTRACT(FORTNIGHT FROM ts)', 9, /expected a time unit/],
  ];
  for (const [text, position, message] of cases) {
    it(text, () => {
      const e = errorAt(text);
      expect(e.message).toMatch(message);
      expect(e.position).toBe(position);
      expect(e.message).toContain(`"${text}"`);
    });
  }

  it('projection errors', () => {
    expect(errorAt('*, , a', 'projection')).toMatchObject({ position: 4 });
    expect(errorAt('a AS', 'projection').message).toMatch(/expected a column name after AS/);
    expect(errorAt('a AS 1', 'projection').position).toBe(6);
  });

  it('compileTransforms reports syntax errors before any data, naming the rule', () => {
    const msg = (() => {
      try {
        compileTransforms([{ sourceTable: 'db.t', projection: '*, id +* 2 AS x' }]);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toMatch(/^\[cdc\] transform projection "\*, id \+\* 2 AS x" of rule #1 \(source-table db\.t\): expected an expression, found '\*' at position 8/);
  });

  it('compileTransforms rejects unknown functions, wrong arity and unnamed computed columns up front', () => {
    expect(() => compileTransforms([{ sourceTable: 'db.t', filter: 'NOSUCH(a) > 1' }])).toThrow(/unknown function NOSUCH at position 1/);
    expect(() => compileTransforms([{ sourceTable: 'db.t', projection: 'id, SUBSTR(name) AS s' }])).toThrow(/SUBSTR takes 2 to 3 arguments, got 1 at position 5 — call it as SUBSTR\(string, start\[, length\]\)/);
    expect(() => compileTransforms([{ sourceTable: 'db.t', projection: 'id, id + 1' }])).toThrow(/a computed column needs a name at position 5 — write id \+ 1 AS <name>/);
    expect(() => compileTransforms([{ sourceTable: 'db.t', projection: 'id AS __table_name__' }])).toThrow(/column name __table_name__ is reserved/);
    expect(() => compileTransforms([{ sourceTable: '' }])).toThrow(/no source-table/);
    expect(() => compileTransforms([{ sourceTable: 'db.(' }])).toThrow(/invalid regular expression "\(" in table selector/);
    expect(() => compileTransforms([{ sourceTable: 'db.t', tableOptions: 'a=1,b' }])).toThrow(/"b" is not key=value/);
    expect(() => compileTransforms([], { timeZone: 'Mars/Base' })).toThrow(/unknown time zone "Mars\/Base"/);
  });
});
