import { DataTypes, withNullability, type DataType } from '@cdc/core';
import { strict1, strict2, strict3, type Bound, type Evaluator } from '../compile.js';
import { dataError } from '../errors.js';
import { isCharacter, lengthOf, varchar } from '../type-rules.js';
import { castToText } from '../values/cast.js';
import { javaRegExp } from '../values/like.js';
import { toIndex } from '../values/numbers.js';
import { anyNullable, expectArg, isFamily, type BindContext, type FunctionDef, type Signature } from './registry.js';

const isNullish = (v: unknown) => v === null || v === undefined;
const STRING = (nullable: boolean) => DataTypes.STRING(nullable);
const INT = (nullable: boolean) => DataTypes.INT(nullable);
const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/** A function over character strings, checked and typed the common way. */
function fn(
  name: string,
  synopsis: string,
  arity: [number, number],
  families: readonly ('string' | 'integer' | 'any' | 'binary')[][],
  bind: (args: readonly Bound[], ctx: BindContext, def: FunctionDef) => Signature,
): FunctionDef {
  const def: FunctionDef = {
    name,
    synopsis,
    minArgs: arity[0],
    maxArgs: arity[1],
    bind(args, ctx) {
      args.forEach((_, i) => expectArg(ctx, def, args, i, ...(families[Math.min(i, families.length - 1)] as ('string' | 'integer' | 'any' | 'binary')[])));
      return bind(args, ctx, def);
    },
  };
  return def;
}

/** The type of arg 0 as VARCHAR (CHAR becomes VARCHAR of its length). */
function varyingOf(b: Bound, nullable: boolean): DataType {
  if (b.isNull || !isCharacter(b.type)) return STRING(nullable);
  return varchar(lengthOf(b.type), nullable);
}

const hasSurrogates = (s: string) => /[\uD800-\uDFFF]/.test(s);
const codePointLength = (s: string) => (hasSurrogates(s) ? [...s].length : s.length);

/** Characters in `chars` removed from the start and/or end of `s` (Flink's ltrim/rtrim/btrim). */
function trimChars(s: string, chars: string, leading: boolean, trailing: boolean): string {
  if (chars.length === 0) return s;
  const set = new Set([...chars]);
  const cps = [...s];
  let b = 0;
  let e = cps.length;
  while (leading && b < e && set.has(cps[b])) b++;
  while (trailing && e > b && set.has(cps[e - 1])) e--;
  return cps.slice(b, e).join('');
}

/** Flink CDC's substring: 1-based start, a negative start counts from the end, UTF-16 units like Java. */
function substring(s: string, begin: number, length: number): string {
  if (length < 0) throw dataError(`the length of SUBSTR/SUBSTRING must be >= 0, got ${length}`);
  if (s.length === 0) return '';
  let start: number;
  if (begin > 0) {
    start = begin - 1;
    if (start >= s.length) return '';
  } else if (begin < 0) {
    start = s.length + begin;
    if (start < 0) return '';
  } else start = 0;
  const end = s.length - start < length ? s.length : start + length;
  return s.substring(start, end);
}

function pad(base: string, len: number, padStr: string, left: boolean): string | null {
  if (len < 0 || padStr.length === 0) return null;
  if (len === 0) return '';
  if (base.length >= len) return base.slice(0, len);
  const fill = padStr.repeat(Math.ceil((len - base.length) / padStr.length)).slice(0, len - base.length);
  return left ? fill + base : base + fill;
}

function position(seek: string, s: string, from: number): number {
  if (seek.length === 0) return 1;
  if (!hasSurrogates(s) && !hasSurrogates(seek)) {
    const fromIndex = Math.max(from - 1, 0);
    if (fromIndex > s.length) return 0;
    return s.indexOf(seek, fromIndex) + 1;
  }
  const cps = [...s];
  const fromCp = Math.max(from - 1, 0);
  if (fromCp > cps.length) return 0;
  const idx = s.indexOf(seek, cps.slice(0, fromCp).join('').length);
  return idx < 0 ? 0 : [...s.slice(0, idx)].length + 1;
}

function regexGroups(re: RegExp): number {
  return new RegExp(re.source + '|', re.flags).exec('')!.length - 1;
}

const textOf = (b: Bound) => {
  const t = b.type;
  return isCharacter(t) || b.isNull ? (x: unknown) => x as string : (x: unknown) => castToText(t, x);
};

function regex(b: Bound): (pattern: unknown) => RegExp | undefined {
  if (b.constant && typeof b.value === 'string') {
    const re = javaRegExp(b.value, 'g');
    return () => (re ? ((re.lastIndex = 0), re) : undefined);
  }
  const cache = new Map<string, RegExp | undefined>();
  return (p) => {
    const key = p as string;
    if (!cache.has(key)) {
      if (cache.size > 256) cache.clear();
      cache.set(key, javaRegExp(key, 'g'));
    }
    const re = cache.get(key);
    if (re) re.lastIndex = 0;
    return re;
  };
}

const S = ['string'] as const;
const I = ['integer'] as const;

export const STRING_FUNCTIONS: FunctionDef[] = [
  fn('CHAR_LENGTH', 'CHAR_LENGTH(string)', [1, 1], [[...S]], (args) => ({ type: INT(anyNullable(args)), eval: strict1(args[0], (x) => codePointLength(x as string)) })),
  fn('UPPER', 'UPPER(string)', [1, 1], [[...S]], (args) => ({ type: args[0].isNull ? STRING(true) : args[0].type, eval: strict1(args[0], (x) => (x as string).toUpperCase()) })),
  fn('LOWER', 'LOWER(string)', [1, 1], [[...S]], (args) => ({ type: args[0].isNull ? STRING(true) : args[0].type, eval: strict1(args[0], (x) => (x as string).toLowerCase()) })),
  // TRIM([BOTH | LEADING | TRAILING] [characters] FROM string): the parser passes the mode first
  {
    name: 'TRIM',
    synopsis: 'TRIM([BOTH | LEADING | TRAILING] [characters FROM] string)',
    minArgs: 1,
    maxArgs: 3,
    bind(args, ctx) {
      const withMode = args[0].expr.kind === 'symbol';
      const mode = withMode ? (args[0].value as string) : 'BOTH';
      const rest = withMode ? args.slice(1) : args;
      const def = this;
      rest.forEach((_, i) => expectArg(ctx, def, rest, i, 'string'));
      const value = rest[rest.length - 1];
      const chars = rest.length > 1 ? rest[0] : undefined;
      const leading = mode !== 'TRAILING';
      const trailing = mode !== 'LEADING';
      const type = varyingOf(value, anyNullable(rest));
      if (!chars) return { type, eval: strict1(value, (x) => trimChars(x as string, ' ', leading, trailing)) };
      return { type, eval: strict2(value, chars, (x, c) => trimChars(x as string, c as string, leading, trailing)) };
    },
  },
  ...(['LTRIM', 'RTRIM', 'BTRIM'] as const).map((name) =>
    fn(name, `${name}(string[, characters])`, [1, 2], [[...S]], (args) => {
      const leading = name !== 'RTRIM';
      const trailing = name !== 'LTRIM';
      const type = varyingOf(args[0], anyNullable(args));
      if (args.length === 1) return { type, eval: strict1(args[0], (x) => trimChars(x as string, ' ', leading, trailing)) };
      return { type, eval: strict2(args[0], args[1], (x, c) => trimChars(x as string, c as string, leading, trailing)) };
    }),
  ),
  fn('REGEXP_REPLACE', 'REGEXP_REPLACE(string, regex, replacement)', [3, 3], [[...S]], (args) => {
    const re = regex(args[1]);
    // the replacement is literal text (Matcher.quoteReplacement in Flink CDC); an invalid regex gives NULL
    return { type: STRING(true), eval: strict3(args[0], args[1], args[2], (s, p, r) => {
      const x = re(p);
      return x ? (s as string).replace(x, () => r as string) : null;
    }) };
  }),
  fn('REGEXP_EXTRACT', 'REGEXP_EXTRACT(string, regex[, group])', [2, 3], [[...S], [...S], [...I]], (args) => {
    const re = regex(args[1]);
    const f = (s: unknown, p: unknown, g: unknown) => {
      const idx = toIndex(g);
      const x = re(p);
      if (!x || idx < 0 || regexGroups(x) < idx) return null;
      const m = x.exec(s as string);
      return m ? (m[idx] ?? null) : null;
    };
    return { type: STRING(true), eval: args.length === 2 ? strict2(args[0], args[1], (s, p) => f(s, p, 0)) : strict3(args[0], args[1], args[2], f) };
  }),
  fn('REGEXP_EXTRACT_ALL', 'REGEXP_EXTRACT_ALL(string, regex[, group])', [2, 3], [[...S], [...S], [...I]], (args) => {
    const re = regex(args[1]);
    const f = (s: unknown, p: unknown, g: unknown) => {
      const idx = toIndex(g);
      const x = re(p);
      if (!x || idx < 0 || regexGroups(x) < idx) return null;
      return [...(s as string).matchAll(x)].map((m) => m[idx] ?? null);
    };
    return {
      type: DataTypes.ARRAY(STRING(true), true),
      eval: args.length === 2 ? strict2(args[0], args[1], (s, p) => f(s, p, 1)) : strict3(args[0], args[1], args[2], f),
    };
  }),
  fn('REGEXP_COUNT', 'REGEXP_COUNT(string, regex)', [2, 2], [[...S]], (args) => {
    const re = regex(args[1]);
    return { type: INT(true), eval: strict2(args[0], args[1], (s, p) => {
      const x = re(p);
      return x ? [...(s as string).matchAll(x)].length : null;
    }) };
  }),
  fn('REGEXP_INSTR', 'REGEXP_INSTR(string, regex)', [2, 2], [[...S]], (args) => {
    const re = regex(args[1]);
    return { type: INT(true), eval: strict2(args[0], args[1], (s, p) => {
      const x = re(p);
      if (!x) return null;
      const m = x.exec(s as string);
      return m ? m.index + 1 : 0;
    }) };
  }),
  fn('REGEXP_SUBSTR', 'REGEXP_SUBSTR(string, regex)', [2, 2], [[...S]], (args) => {
    const re = regex(args[1]);
    return { type: STRING(true), eval: strict2(args[0], args[1], (s, p) => {
      const x = re(p);
      const m = x?.exec(s as string);
      return m ? m[0] : null;
    }) };
  }),
  ...(['SUBSTR', 'SUBSTRING'] as const).map((name) =>
    fn(name, `${name}(string, start[, length])`, [2, 3], [[...S], [...I]], (args) => {
      const type = varyingOf(args[0], true);
      if (args.length === 2) return { type, eval: strict2(args[0], args[1], (s, b) => substring(s as string, toIndex(b), Number.MAX_SAFE_INTEGER)) };
      return { type, eval: strict3(args[0], args[1], args[2], (s, b, l) => substring(s as string, toIndex(b), toIndex(l))) };
    }),
  ),
  fn('OVERLAY', 'OVERLAY(string PLACING replacement FROM start [FOR length])', [3, 4], [[...S], [...S], [...I]], (args) => {
    const f = (s: string, r: string, start: number, len: number) => {
      if (start <= 0 || start > s.length) return s;
      return s.slice(0, start - 1) + r + (start + len <= s.length && len > 0 ? s.slice(start - 1 + len) : '');
    };
    const type = STRING(anyNullable(args));
    if (args.length === 3) return { type, eval: strict3(args[0], args[1], args[2], (s, r, b) => f(s as string, r as string, toIndex(b), (r as string).length)) };
    const [a, b, c, d] = args.map((x) => x.eval);
    return { type, eval: (ctx) => {
      const s = a(ctx), r = b(ctx), st = c(ctx), l = d(ctx);
      return isNullish(s) || isNullish(r) || isNullish(st) || isNullish(l) ? null : f(s as string, r as string, toIndex(st), toIndex(l));
    } };
  }),
  fn('POSITION', 'POSITION(needle IN string [FROM start])', [2, 3], [[...S], [...S], [...I]], (args) => ({
    type: INT(anyNullable(args)),
    eval: args.length === 2 ? strict2(args[0], args[1], (n, s) => position(n as string, s as string, 1)) : strict3(args[0], args[1], args[2], (n, s, f) => position(n as string, s as string, toIndex(f))),
  })),
  fn('LOCATE', 'LOCATE(needle, string[, start])', [2, 3], [[...S], [...S], [...I]], (args) => ({
    type: INT(anyNullable(args)),
    eval: args.length === 2 ? strict2(args[0], args[1], (n, s) => position(n as string, s as string, 1)) : strict3(args[0], args[1], args[2], (n, s, f) => position(n as string, s as string, toIndex(f))),
  })),
  fn('INSTR', 'INSTR(string, needle)', [2, 2], [[...S]], (args) => ({
    type: INT(anyNullable(args)),
    eval: strict2(args[0], args[1], (s, n) => {
      const i = (s as string).indexOf(n as string);
      return i < 0 ? 0 : codePointLength((s as string).slice(0, i)) + 1;
    }),
  })),
  // CONCAT is NULL when an argument is NULL, as in SQL; non-strings are joined as CAST(x AS STRING)
  fn('CONCAT', 'CONCAT(string1, string2, ...)', [1, Infinity], [['any']], (args) => {
    const evals = args.map((a) => a.eval);
    const texts = args.map(textOf);
    return { type: STRING(anyNullable(args)), eval: (c) => {
      let out = '';
      for (let i = 0; i < evals.length; i++) {
        const v = evals[i](c);
        if (isNullish(v)) return null;
        out += texts[i](v);
      }
      return out;
    } };
  }),
  fn('CONCAT_WS', 'CONCAT_WS(separator, string1, string2, ...)', [2, Infinity], [[...S], ['any']], (args) => {
    const sep = args[0].eval;
    const evals = args.slice(1).map((a) => a.eval);
    const texts = args.slice(1).map(textOf);
    return { type: STRING(args[0].isNull || args[0].type.nullable), eval: (c) => {
      const s = sep(c);
      if (isNullish(s)) return null;
      let out = '';
      let first = true;
      for (let i = 0; i < evals.length; i++) {
        const v = evals[i](c);
        if (isNullish(v)) continue;
        out += (first ? '' : (s as string)) + texts[i](v);
        first = false;
      }
      return out;
    } };
  }),
  ...(['LPAD', 'RPAD'] as const).map((name) =>
    fn(name, `${name}(string, length, padding)`, [3, 3], [[...S], [...I], [...S]], (args) => ({
      type: STRING(true),
      eval: strict3(args[0], args[1], args[2], (s, l, p) => pad(s as string, toIndex(l), p as string, name === 'LPAD')),
    })),
  ),
  fn('REPLACE', 'REPLACE(string, search, replacement)', [3, 3], [[...S]], (args) => ({
    type: STRING(anyNullable(args)),
    eval: strict3(args[0], args[1], args[2], (s, a, b) => (s as string).split(a as string).join(b as string)),
  })),
  fn('REPEAT', 'REPEAT(string, times)', [2, 2], [[...S], [...I]], (args) => ({
    type: STRING(anyNullable(args)),
    eval: strict2(args[0], args[1], (s, n) => (toIndex(n) <= 0 ? '' : (s as string).repeat(toIndex(n)))),
  })),
  ...(['LEFT', 'RIGHT'] as const).map((name) =>
    fn(name, `${name}(string, length)`, [2, 2], [[...S], [...I]], (args) => ({
      type: varyingOf(args[0], anyNullable(args)),
      eval: strict2(args[0], args[1], (s, n) => {
        const len = toIndex(n);
        if (len <= 0) return '';
        const cps = [...(s as string)];
        if (len >= cps.length) return s;
        return (name === 'LEFT' ? cps.slice(0, len) : cps.slice(cps.length - len)).join('');
      }),
    })),
  ),
  ...(['STARTSWITH', 'ENDSWITH'] as const).map((name) => {
    const def: FunctionDef = {
      name,
      synopsis: `${name}(string, ${name === 'STARTSWITH' ? 'prefix' : 'suffix'})`,
      minArgs: 2,
      maxArgs: 2,
      bind(args, ctx) {
        const binary = isFamily(args[0], 'binary') && !args[0].isNull;
        expectArg(ctx, def, args, 0, 'string', 'binary');
        expectArg(ctx, def, args, 1, binary ? 'binary' : 'string');
        const start = name === 'STARTSWITH';
        const f = binary
          ? (x: unknown, y: unknown) => {
              const a = x as Uint8Array;
              const b = y as Uint8Array;
              const off = start ? 0 : a.length - b.length;
              if (off < 0 || b.length > a.length) return false;
              for (let i = 0; i < b.length; i++) if (a[off + i] !== b[i]) return false;
              return true;
            }
          : (x: unknown, y: unknown) => (start ? (x as string).startsWith(y as string) : (x as string).endsWith(y as string));
        return { type: DataTypes.BOOLEAN(anyNullable(args)), eval: strict2(args[0], args[1], f) };
      },
    };
    return def;
  }),
  fn('TO_BASE64', 'TO_BASE64(string | binary)', [1, 1], [['string', 'binary']], (args) => ({
    type: STRING(anyNullable(args)),
    eval: strict1(args[0], (x) => Buffer.from(typeof x === 'string' ? utf8enc.encode(x) : (x as Uint8Array)).toString('base64')),
  })),
  fn('FROM_BASE64', 'FROM_BASE64(string)', [1, 1], [[...S]], (args) => ({
    type: STRING(anyNullable(args)),
    eval: strict1(args[0], (x) => utf8.decode(Buffer.from(x as string, 'base64'))),
  })),
  fn('FROM_BASE64_BINARY', 'FROM_BASE64_BINARY(string)', [1, 1], [[...S]], (args) => ({
    type: DataTypes.BYTES(anyNullable(args)),
    eval: strict1(args[0], (x) => new Uint8Array(Buffer.from(x as string, 'base64'))),
  })),
  // Flink SQL functions Flink CDC does not list, cheap and often asked for
  fn('SPLIT_INDEX', 'SPLIT_INDEX(string, delimiter, index)', [3, 3], [[...S], [...S], [...I]], (args) => ({
    type: STRING(true),
    eval: strict3(args[0], args[1], args[2], (s, d, i) => {
      const idx = toIndex(i);
      if (idx < 0 || (d as string).length === 0) return null;
      return (s as string).split(d as string)[idx] ?? null;
    }),
  })),
  fn('INITCAP', 'INITCAP(string)', [1, 1], [[...S]], (args) => ({
    type: args[0].isNull ? STRING(true) : withNullability(args[0].type, args[0].type.nullable),
    eval: strict1(args[0], (x) => (x as string).toLowerCase().replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase())),
  })),
];

/** Aliases Flink CDC accepts. */
export const STRING_ALIASES: [string, string][] = [['CHARACTER_LENGTH', 'CHAR_LENGTH']];

export type { Evaluator };
