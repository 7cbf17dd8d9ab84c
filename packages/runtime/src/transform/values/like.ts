import { dataError } from '../errors.js';

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;

function escapeChar(c: string): string {
  return REGEX_SPECIAL.test(c) ? '\\' + c : c;
}

/** SQL LIKE pattern (with % and _ and an optional escape character) as an anchored RegExp. */
export function likeToRegExp(pattern: string, escape: string | undefined): RegExp {
  if (escape !== undefined && [...escape].length !== 1) throw dataError(`the LIKE escape must be one character, got '${escape}'`);
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escape !== undefined && c === escape) {
      const n = pattern[i + 1];
      if (n === undefined || (n !== '%' && n !== '_' && n !== escape)) throw dataError(`invalid escape sequence in LIKE pattern '${pattern}'`);
      re += escapeChar(n);
      i++;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeChar(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

/** SQL SIMILAR TO pattern: LIKE's % and _ plus regular-expression | * + ? {m,n} ( ) [ ], anchored. */
export function similarToRegExp(pattern: string, escape: string | undefined): RegExp {
  if (escape !== undefined && [...escape].length !== 1) throw dataError(`the SIMILAR TO escape must be one character, got '${escape}'`);
  let re = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escape !== undefined && c === escape) {
      const n = pattern[i + 1];
      if (n === undefined) throw dataError(`invalid escape sequence in SIMILAR TO pattern '${pattern}'`);
      re += escapeChar(n);
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      re += c === '\\' ? '\\\\' : c;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '[') {
      inClass = true;
      re += c;
    } else if ('|*+?{}()'.includes(c) || /[0-9,]/.test(c)) re += c;
    else re += escapeChar(c);
  }
  try {
    return new RegExp(`^(?:${re})$`, 'u');
  } catch {
    throw dataError(`invalid SIMILAR TO pattern '${pattern}'`);
  }
}

/** A cache of compiled patterns for patterns that come from rows rather than literals. */
export class PatternCache {
  private readonly map = new Map<string, RegExp>();
  constructor(private readonly make: (pattern: string, escape: string | undefined) => RegExp) {}

  get(pattern: string, escape: string | undefined): RegExp {
    const key = escape === undefined ? pattern : escape + '\u0000' + pattern;
    let re = this.map.get(key);
    if (!re) {
      re = this.make(pattern, escape);
      if (this.map.size > 512) this.map.clear();
      this.map.set(key, re);
    }
    return re;
  }
}

/** Java regular expressions as Flink CDC's REGEXP_* functions take them, in JS syntax; undefined when invalid. */
export function javaRegExp(source: string, flags = ''): RegExp | undefined {
  try {
    // Java's embedded flags like (?i) at the start are common in pipelines: map the leading ones
    let s = source;
    let f = flags;
    const m = /^\(\?([imsx]+)\)/.exec(s);
    if (m) {
      s = s.slice(m[0].length);
      for (const ch of m[1]) if (ch !== 'x' && !f.includes(ch)) f += ch;
    }
    return new RegExp(s.replace(/\\A/g, '^').replace(/\\[Zz]/g, '$'), f);
  } catch {
    return undefined;
  }
}
