/**
 * Doris / StarRocks column types: parsing, the MariaDB type that stores them, and the checks a BE makes on
 * every loaded value (the reasons become the lines of the error log an ErrorURL serves).
 */
import type { Flavour } from './flavour.js';
import { SqlSyntaxError, type Tokens } from './sql-lexer.js';

export interface ColumnType {
  /** Upper-case base name as written (DECIMALV3, DATETIMEV2, VARCHAR, ARRAY ...). */
  readonly base: string;
  readonly args: readonly number[];
  /** Inner type text of ARRAY<...> / MAP<...> / STRUCT<...>, kept verbatim. */
  readonly inner?: string;
}

export interface ColumnMeta {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly defaultValue?: string | null;
  readonly comment?: string;
}

const DECIMALS = new Set(['DECIMAL', 'DECIMALV2', 'DECIMALV3', 'DECIMAL32', 'DECIMAL64', 'DECIMAL128', 'NUMERIC']);
const INTS: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-2147483648n, 2147483647n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
  LARGEINT: [-(2n ** 127n), 2n ** 127n - 1n],
};
const KNOWN = new Set([
  ...Object.keys(INTS),
  ...DECIMALS,
  'BOOLEAN',
  'BOOL',
  'FLOAT',
  'DOUBLE',
  'DATE',
  'DATEV2',
  'DATETIME',
  'DATETIMEV2',
  'CHAR',
  'VARCHAR',
  'STRING',
  'TEXT',
  'JSON',
  'JSONB',
  'VARBINARY',
  'BINARY',
  'ARRAY',
  'MAP',
  'STRUCT',
]);

/** Parses a column type at the cursor: `BIGINT`, `DECIMAL(20, 0)`, `ARRAY<INT>`, `BIGINT UNSIGNED` (StarRocks' LARGEINT). */
export function parseColumnType(t: Tokens): ColumnType {
  let base = t.name().toUpperCase();
  if (!KNOWN.has(base)) t.fail(`unknown type ${base}`);
  if (base === 'BIGINT' && t.acceptKw('UNSIGNED')) base = 'LARGEINT';
  if (base === 'INTEGER') base = 'INT';
  if (base === 'BOOL') base = 'BOOLEAN';
  if (t.isPunct('<')) {
    const from = t.i;
    let depth = 0;
    do {
      if (t.isPunct('<')) depth++;
      else if (t.isPunct('>')) depth--;
      t.i++;
      if (t.done()) t.fail('unterminated type');
    } while (depth > 0);
    const text = t.textFrom(from);
    return { base, args: [], inner: text.slice(1, -1) };
  }
  const args: number[] = [];
  if (t.acceptPunct('(')) {
    do args.push(t.number());
    while (t.acceptPunct(','));
    t.expectPunct(')');
  }
  return { base, args };
}

/** The type as DESC / SHOW CREATE TABLE print it (Doris 2.x+ prints the V2/V3 types under their plain names). */
export function formatColumnType(type: ColumnType, flavour: Flavour): string {
  const b = type.base;
  if (type.inner !== undefined) return `${b}<${type.inner}>`;
  if (DECIMALS.has(b)) {
    const [p = flavour.kind === 'doris' ? 9 : 10, s = 0] = type.args;
    const name = flavour.kind === 'doris' && flavour.major < 2 && b !== 'DECIMAL' ? b : 'DECIMAL';
    return `${name}(${p}, ${s})`;
  }
  if (b === 'DATETIMEV2' || b === 'DATETIME') {
    const name = flavour.kind === 'doris' && flavour.major < 2 && b === 'DATETIMEV2' ? 'DATETIMEV2' : 'DATETIME';
    return type.args.length && type.args[0] > 0 ? `${name}(${type.args[0]})` : name;
  }
  if (b === 'DATEV2') return flavour.kind === 'doris' && flavour.major < 2 ? 'DATEV2' : 'DATE';
  if (b === 'STRING' || b === 'TEXT') return flavour.kind === 'doris' ? 'TEXT' : 'VARCHAR(65533)';
  if (b === 'LARGEINT') return 'LARGEINT';
  if (b === 'VARCHAR' && !type.args.length) return flavour.kind === 'doris' ? 'VARCHAR(65533)' : 'VARCHAR(1048576)';
  return type.args.length ? `${b}(${type.args.join(', ')})` : b;
}

/** Checks limits a real FE enforces at CREATE/ALTER time. Returns an error message or undefined. */
export function checkColumnType(c: ColumnMeta, flavour: Flavour): string | undefined {
  const b = c.type.base;
  if (DECIMALS.has(b)) {
    const [p = 9, s = 0] = c.type.args;
    const max = flavour.kind === 'doris' && flavour.major >= 2 && flavour.minor >= 1 ? 76 : 38;
    if (p < 1 || p > max) return `Invalid decimal type with precision = ${p}, scale = ${s}: precision must be in [1, ${max}]`;
    if (s > p) return `Invalid decimal type with precision = ${p}, scale = ${s}: scale must be <= precision`;
  }
  if (b === 'VARCHAR' && c.type.args.length) {
    const max = flavour.kind === 'doris' ? 65533 : 1048576;
    if (c.type.args[0] > max) return `Invalid varchar length ${c.type.args[0]} of column ${c.name}: must be in [1, ${max}]`;
  }
  if (b === 'CHAR' && c.type.args.length && c.type.args[0] > 255) return `Char size must be <= 255: ${c.type.args[0]}`;
  if ((b === 'DATETIMEV2' || b === 'DATETIME') && c.type.args.length && c.type.args[0] > 6) return `Scale of Datetime/Time must between 0 and 6. Scale was set to: ${c.type.args[0]}`;
  return undefined;
}

/** The MariaDB column type that stores values of this type without loss. */
export function mariadbType(type: ColumnType, isKey: boolean, flavour: Flavour): string {
  const b = type.base;
  if (type.inner !== undefined) return 'LONGTEXT';
  if (b in INTS) return b === 'LARGEINT' ? 'DECIMAL(39,0)' : b;
  if (DECIMALS.has(b)) return `DECIMAL(${type.args[0] ?? 9},${type.args[1] ?? 0})`;
  switch (b) {
    case 'BOOLEAN':
      return 'BOOLEAN';
    case 'FLOAT':
    case 'DOUBLE':
      return b;
    case 'DATE':
    case 'DATEV2':
      return 'DATE';
    case 'DATETIME':
    case 'DATETIMEV2': {
      // StarRocks DATETIME keeps microseconds; Doris DATETIMEV2(p) keeps p digits; Doris 1.2 DATETIME (v1) none.
      const p = type.args.length ? type.args[0] : flavour.kind === 'starrocks' ? 6 : 0;
      return `DATETIME(${p})`;
    }
    case 'CHAR':
      return `CHAR(${Math.min(type.args[0] ?? 1, 255)})`;
    case 'VARCHAR': {
      const n = type.args[0] ?? 65533;
      if (isKey) return `VARCHAR(${Math.min(n, 768)})`;
      return n <= 2000 ? `VARCHAR(${n})` : 'LONGTEXT';
    }
    case 'STRING':
    case 'TEXT':
    case 'JSON':
    case 'JSONB':
      return isKey ? 'VARCHAR(768)' : 'LONGTEXT';
    case 'VARBINARY':
    case 'BINARY':
      return isKey ? 'VARBINARY(768)' : 'LONGBLOB';
  }
  throw new SqlSyntaxError(`unsupported type ${b}`);
}

export type Checked = { ok: true; value: string | null } | { ok: false; reason: string };

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/**
 * Checks one loaded value against its column as a BE does (strict mode), returning the text to store or why the
 * row is filtered. `raw` is what the JSON/CSV parser produced (string, number, boolean, object or null).
 */
export function checkValue(c: ColumnMeta, raw: unknown, flavour: Flavour): Checked {
  if (raw === null || raw === undefined) {
    return c.nullable ? { ok: true, value: null } : { ok: false, reason: `column(${c.name}) values is null while columns is not nullable` };
  }
  const b = c.type.base;
  const text = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  const bad = (why: string): Checked => ({ ok: false, reason: `column(${c.name}) value is incorrect: ${why}; src value: [${text.slice(0, 64)}]` });
  if (c.type.inner !== undefined) return { ok: true, value: text };
  if (b in INTS) {
    if (!/^[+-]?\d+$/.test(text.trim())) return bad(`not a valid ${b}`);
    const v = BigInt(text.trim());
    const [lo, hi] = INTS[b];
    if (v < lo || v > hi) return bad(`${b} value out of range`);
    return { ok: true, value: v.toString() };
  }
  if (DECIMALS.has(b)) {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return bad('not a valid decimal');
    const [p = 9, s = 0] = c.type.args;
    const intDigits = m[2].replace(/^0+/, '').length;
    if (intDigits > p - s) return bad(`decimal value out of range for DECIMAL(${p}, ${s})`);
    return { ok: true, value: text.trim() };
  }
  switch (b) {
    case 'BOOLEAN': {
      const v = text.trim().toLowerCase();
      if (v === 'true' || v === '1') return { ok: true, value: '1' };
      if (v === 'false' || v === '0') return { ok: true, value: '0' };
      return bad('not a valid boolean');
    }
    case 'FLOAT':
    case 'DOUBLE':
      return Number.isFinite(Number(text)) && text.trim() !== '' ? { ok: true, value: text.trim() } : bad(`not a valid ${b}`);
    case 'DATE':
    case 'DATEV2': {
      const m = DATE_RE.exec(text.trim());
      if (!m || !validDate(+m[1], +m[2], +m[3])) return bad('not a valid date');
      return { ok: true, value: text.trim() };
    }
    case 'DATETIME':
    case 'DATETIMEV2': {
      const m = DATETIME_RE.exec(text.trim());
      if (!m || !validDate(+m[1], +m[2], +m[3]) || +(m[4] ?? 0) > 23 || +(m[5] ?? 0) > 59 || +(m[6] ?? 0) > 59) return bad('not a valid datetime');
      return { ok: true, value: text.trim().replace('T', ' ') };
    }
    case 'CHAR':
    case 'VARCHAR': {
      const max = c.type.args[0] ?? (flavour.kind === 'doris' ? 65533 : 1048576);
      const len = Buffer.byteLength(text, 'utf8');
      if (len > max) {
        return { ok: false, reason: `column_name[${c.name}], the length of input is too long than schema. first 32 bytes of input str: [${text.slice(0, 32)}] schema length: ${max}; actual length: ${len};` };
      }
      return { ok: true, value: text };
    }
    case 'JSON':
    case 'JSONB':
      try {
        JSON.parse(text);
      } catch {
        return bad('Parse json data failed');
      }
      return { ok: true, value: text };
    default:
      return { ok: true, value: text };
  }
}
