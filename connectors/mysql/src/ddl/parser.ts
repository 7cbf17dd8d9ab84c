/**
 * A small MySQL DDL parser for the statements that change captured tables' schemas: CREATE TABLE (incl. LIKE),
 * ALTER TABLE ADD/DROP/MODIFY/CHANGE/RENAME COLUMN (FIRST/AFTER), RENAME TABLE, ALTER TABLE RENAME TO,
 * TRUNCATE, DROP TABLE. Anything else is `unknown` (the caller logs it) or `ignored` (not about tables).
 */
import type { MysqlColumn } from '../mysql-types.js';
import { parseEnumValues } from '../mysql-types.js';

export interface TableName {
  readonly db: string | undefined;
  readonly table: string;
}

export type ColumnPositionSpec = { readonly kind: 'LAST' } | { readonly kind: 'FIRST' } | { readonly kind: 'AFTER'; readonly column: string };

export type AlterOp =
  | { readonly op: 'add'; readonly column: MysqlColumn; readonly position: ColumnPositionSpec; readonly primaryKey: boolean }
  | { readonly op: 'drop'; readonly name: string }
  | { readonly op: 'modify'; readonly oldName: string; readonly column: MysqlColumn; readonly position: ColumnPositionSpec | undefined }
  | { readonly op: 'rename-column'; readonly from: string; readonly to: string }
  | { readonly op: 'rename-table'; readonly to: TableName }
  | { readonly op: 'primary-key'; readonly columns: string[] }
  | { readonly op: 'drop-primary-key' }
  | { readonly op: 'other'; readonly text: string };

export type DdlStatement =
  | { readonly kind: 'create-table'; readonly table: TableName; readonly columns: MysqlColumn[]; readonly primaryKey: string[]; readonly ifNotExists: boolean; readonly comment: string; readonly like?: TableName }
  | { readonly kind: 'alter-table'; readonly table: TableName; readonly ops: AlterOp[] }
  | { readonly kind: 'rename-table'; readonly renames: { from: TableName; to: TableName }[] }
  | { readonly kind: 'truncate'; readonly table: TableName }
  | { readonly kind: 'drop-table'; readonly tables: TableName[] }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'unknown'; readonly reason: string };

type Tok = { t: 'id' | 'qid' | 'str' | 'num' | 'p'; v: string };

function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '#') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      // executable comments /*!50100 ... */ keep their content
      const end = sql.indexOf('*/', i + 2);
      const body = sql.slice(i + 2, end < 0 ? sql.length : end);
      const m = /^!\d*\s?/.exec(body);
      if (m) out.push(...tokenize(body.slice(m[0].length)));
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '`' || c === '"') {
      let j = i + 1;
      let v = '';
      while (j < sql.length) {
        if (sql[j] === c && sql[j + 1] === c) {
          v += c;
          j += 2;
        } else if (sql[j] === c) break;
        else v += sql[j++];
      }
      out.push({ t: 'qid', v });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      let v = '';
      while (j < sql.length) {
        if (sql[j] === '\\' && j + 1 < sql.length) {
          const n = sql[j + 1];
          v += n === 'n' ? '\n' : n === 't' ? '\t' : n === '0' ? '\0' : n;
          j += 2;
        } else if (sql[j] === "'" && sql[j + 1] === "'") {
          v += "'";
          j += 2;
        } else if (sql[j] === "'") break;
        else v += sql[j++];
      }
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < sql.length && /[0-9.eE]/.test(sql[j])) j++;
      out.push({ t: 'num', v: sql.slice(i, j) });
      i = j;
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      out.push({ t: 'id', v: sql.slice(i, j) });
      i = j;
    } else {
      out.push({ t: 'p', v: c });
      i++;
    }
  }
  return out;
}

class P {
  i = 0;
  constructor(readonly toks: Tok[]) {}
  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  is(word: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && t.t === 'id' && t.v.toUpperCase() === word;
  }
  isP(c: string, o = 0): boolean {
    const t = this.peek(o);
    return t !== undefined && t.t === 'p' && t.v === c;
  }
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.is(words[k], k)) return false;
    this.i += words.length;
    return true;
  }
  acceptP(c: string): boolean {
    if (this.isP(c)) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(word: string): void {
    if (!this.accept(word)) throw new Error(`expected ${word} near "${this.peek()?.v ?? 'end'}"`);
  }
  ident(): string {
    const t = this.peek();
    if (!t || (t.t !== 'id' && t.t !== 'qid')) throw new Error(`expected a name near "${t?.v ?? 'end'}"`);
    this.i++;
    return t.v;
  }
  tableName(): TableName {
    const a = this.ident();
    if (this.acceptP('.')) return { db: a, table: this.ident() };
    return { db: undefined, table: a };
  }
  /** Skips a balanced (...) group starting at the current '('. Returns the raw tokens inside. */
  group(): Tok[] {
    if (!this.acceptP('(')) throw new Error('expected (');
    const start = this.i;
    let depth = 1;
    while (this.i < this.toks.length) {
      const t = this.toks[this.i];
      if (t.t === 'p' && t.v === '(') depth++;
      if (t.t === 'p' && t.v === ')') {
        depth--;
        if (depth === 0) {
          const inner = this.toks.slice(start, this.i);
          this.i++;
          return inner;
        }
      }
      this.i++;
    }
    throw new Error('unbalanced parentheses');
  }
  get done(): boolean {
    return this.i >= this.toks.length || this.isP(';');
  }
}

const TYPE_WORDS = new Set([
  'BIT', 'TINYINT', 'SMALLINT', 'MEDIUMINT', 'INT', 'INTEGER', 'BIGINT', 'SERIAL', 'BOOL', 'BOOLEAN', 'FLOAT', 'DOUBLE', 'REAL', 'DECIMAL', 'DEC', 'NUMERIC', 'FIXED',
  'DATE', 'TIME', 'DATETIME', 'TIMESTAMP', 'YEAR', 'CHAR', 'VARCHAR', 'NCHAR', 'NVARCHAR', 'BINARY', 'VARBINARY', 'TINYBLOB', 'BLOB', 'MEDIUMBLOB', 'LONGBLOB',
  'TINYTEXT', 'TEXT', 'MEDIUMTEXT', 'LONGTEXT', 'ENUM', 'SET', 'JSON', 'GEOMETRY', 'POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON',
  'GEOMETRYCOLLECTION', 'GEOMCOLLECTION', 'INET4', 'INET6', 'UUID', 'LONG', 'NATIONAL', 'CHARACTER',
]);

const CONSTRAINT_WORDS = new Set(['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'CONSTRAINT', 'FOREIGN', 'FULLTEXT', 'SPATIAL', 'CHECK', 'PERIOD']);

function toksText(toks: Tok[]): string {
  return toks.map((t) => (t.t === 'str' ? `'${t.v.replace(/'/g, "''")}'` : t.v)).join('');
}

/** Parses a column definition `name type ...` at the parser's position, up to ',' or ')' at depth 0. */
function columnDef(p: P, name: string, position: number, defaults: { charset: string }): { col: MysqlColumn; primaryKey: boolean } {
  let typeWord = p.ident().toUpperCase();
  if (typeWord === 'NATIONAL') typeWord = p.ident().toUpperCase();
  if (typeWord === 'CHARACTER' && p.is('VARYING')) {
    p.i++;
    typeWord = 'VARCHAR';
  } else if (typeWord === 'CHARACTER') typeWord = 'CHAR';
  if (typeWord === 'DOUBLE' && p.is('PRECISION')) p.i++;
  if (typeWord === 'LONG' && (p.is('VARCHAR') || p.is('VARBINARY'))) {
    typeWord = p.ident().toUpperCase() === 'VARCHAR' ? 'MEDIUMTEXT' : 'MEDIUMBLOB';
  }
  const aliases: Record<string, string> = { INTEGER: 'INT', DEC: 'DECIMAL', NUMERIC: 'DECIMAL', FIXED: 'DECIMAL', BOOL: 'TINYINT', BOOLEAN: 'TINYINT', NCHAR: 'CHAR', NVARCHAR: 'VARCHAR', REAL: 'DOUBLE', GEOMCOLLECTION: 'GEOMETRYCOLLECTION', LONG: 'MEDIUMTEXT' };
  let args: Tok[] | undefined;
  if (p.isP('(')) args = p.group();
  let dataType = (aliases[typeWord] ?? typeWord).toLowerCase();
  if (typeWord === 'SERIAL') dataType = 'bigint';
  const nums = (args ?? []).filter((t) => t.t === 'num').map((t) => Number(t.v));
  let unsigned = typeWord === 'SERIAL';
  let charset: string | null = null;
  let nullable = typeWord !== 'SERIAL';
  let defaultValue: string | null = null;
  let comment = '';
  let primaryKey = typeWord === 'SERIAL';
  let generated = false;
  let explicitNull = false;
  while (!p.done && !p.isP(',') && !p.isP(')')) {
    if (p.is('FIRST') || (p.is('AFTER') && p.peek(1) !== undefined && p.peek(1)!.t !== 'p')) break;
    if (p.accept('UNSIGNED')) unsigned = true;
    else if (p.accept('SIGNED')) unsigned = false;
    else if (p.accept('ZEROFILL')) unsigned = true;
    else if (p.accept('CHARACTER', 'SET') || p.accept('CHARSET')) {
      if (p.isP('=')) p.i++;
      charset = p.ident().toLowerCase();
    } else if (p.accept('COLLATE')) {
      if (p.isP('=')) p.i++;
      const coll = p.ident().toLowerCase();
      if (!charset) charset = coll.split('_')[0];
    } else if (p.accept('BINARY')) {
      // CHAR(10) BINARY = binary collation of the charset
    } else if (p.accept('NOT', 'NULL')) {
      nullable = false;
    } else if (p.accept('NULL')) {
      explicitNull = true;
    } else if (p.accept('DEFAULT')) {
      const t = p.peek();
      if (t && p.isP('(')) defaultValue = toksText(p.group());
      else if (t) {
        p.i++;
        defaultValue = t.t === 'str' ? t.v : t.v.toUpperCase() === 'NULL' ? null : t.v;
        if (t.t === 'p' && t.v === '-' && p.peek()) {
          defaultValue = '-' + p.peek()!.v;
          p.i++;
        }
        if (p.isP('(')) {
          p.group();
          defaultValue += '()';
        }
      }
    } else if (p.accept('COMMENT')) {
      const t = p.peek();
      if (t?.t === 'str') {
        comment = t.v;
        p.i++;
      }
    } else if (p.accept('PRIMARY', 'KEY') || (p.is('KEY') && (p.i++, true))) {
      primaryKey = true;
      nullable = false;
    } else if (p.accept('UNIQUE')) {
      p.accept('KEY');
    } else if (p.accept('GENERATED', 'ALWAYS') || p.is('AS')) {
      p.accept('AS');
      if (p.isP('(')) p.group();
      generated = true;
    } else if (p.accept('ON', 'UPDATE')) {
      p.i++;
      if (p.isP('(')) p.group();
    } else if (p.accept('REFERENCES')) {
      p.tableName();
      if (p.isP('(')) p.group();
    } else if (p.accept('CHECK')) {
      if (p.isP('(')) p.group();
    } else if (p.isP('(')) {
      p.group();
    } else {
      p.i++; // AUTO_INCREMENT, VIRTUAL, STORED, INVISIBLE, COLUMN_FORMAT x, STORAGE x, SRID n ...
    }
  }
  void explicitNull;
  const stringish = ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'].includes(dataType);
  if (stringish && !charset) charset = defaults.charset;
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(dataType)) charset = null;
  if (dataType === 'json') charset = defaults.charset === 'binary' ? 'utf8mb4' : charset ?? 'utf8mb4';
  const argText = args ? `(${toksText(args)})` : '';
  const columnType = `${dataType}${argText}${unsigned && !['float', 'double', 'decimal'].includes(dataType) ? ' unsigned' : unsigned ? ' unsigned' : ''}`;
  const isTemporal = ['time', 'datetime', 'timestamp'].includes(dataType);
  const isDecimal = dataType === 'decimal';
  const isFloat = dataType === 'float' || dataType === 'double';
  const col: MysqlColumn = {
    name,
    position,
    dataType,
    columnType: typeWord === 'BOOL' || typeWord === 'BOOLEAN' ? 'tinyint(1)' : columnType,
    unsigned,
    nullable: primaryKey ? false : nullable,
    defaultValue,
    comment,
    charset,
    length: ['char', 'varchar', 'binary', 'varbinary'].includes(dataType) ? nums[0] ?? 1 : null,
    precision: isDecimal ? nums[0] ?? 10 : isFloat ? nums[0] ?? null : null,
    scale: isDecimal ? nums[1] ?? 0 : isFloat ? nums[1] ?? null : null,
    fsp: isTemporal ? nums[0] ?? 0 : null,
    generated,
    ...(dataType === 'enum' ? { enumValues: parseEnumValues(`enum${argText}`) } : {}),
    ...(dataType === 'set' ? { setValues: parseEnumValues(`set${argText}`) } : {}),
  };
  return { col, primaryKey };
}

function keyColumns(toks: Tok[]): string[] {
  const out: string[] = [];
  let depth = 0;
  let expectName = true;
  for (const t of toks) {
    if (t.t === 'p' && t.v === '(') depth++;
    else if (t.t === 'p' && t.v === ')') depth--;
    else if (t.t === 'p' && t.v === ',' && depth === 0) expectName = true;
    else if (expectName && depth === 0 && (t.t === 'id' || t.t === 'qid')) {
      out.push(t.v);
      expectName = false;
    }
  }
  return out;
}

function position(p: P): ColumnPositionSpec | undefined {
  if (p.accept('FIRST')) return { kind: 'FIRST' };
  if (p.accept('AFTER')) return { kind: 'AFTER', column: p.ident() };
  return undefined;
}

function skipToComma(p: P): string {
  const start = p.i;
  let depth = 0;
  while (p.i < p.toks.length) {
    const t = p.toks[p.i];
    if (t.t === 'p' && t.v === '(') depth++;
    if (t.t === 'p' && t.v === ')') depth--;
    if (depth === 0 && t.t === 'p' && (t.v === ',' || t.v === ';')) break;
    p.i++;
  }
  return toksText(p.toks.slice(start, p.i));
}

function createTable(p: P, defaults: { charset: string }): DdlStatement {
  const ifNotExists = p.accept('IF', 'NOT', 'EXISTS');
  const table = p.tableName();
  if (p.accept('LIKE')) return { kind: 'create-table', table, columns: [], primaryKey: [], ifNotExists, comment: '', like: p.tableName() };
  if (p.isP('(') && p.is('LIKE', 1)) {
    p.i += 2;
    return { kind: 'create-table', table, columns: [], primaryKey: [], ifNotExists, comment: '', like: p.tableName() };
  }
  if (!p.isP('(')) return { kind: 'unknown', reason: 'CREATE TABLE ... SELECT is not supported' };
  const body = p.group();
  // table options after the body: DEFAULT CHARSET, COMMENT
  let charset = defaults.charset;
  let comment = '';
  while (!p.done) {
    if (p.accept('DEFAULT')) continue;
    if (p.accept('CHARACTER', 'SET') || p.accept('CHARSET')) {
      p.acceptP('=');
      charset = p.ident().toLowerCase();
    } else if (p.accept('COLLATE')) {
      p.acceptP('=');
      const c = p.ident().toLowerCase();
      if (charset === defaults.charset) charset = c.split('_')[0];
    } else if (p.accept('COMMENT')) {
      p.acceptP('=');
      comment = p.peek()?.v ?? '';
      p.i++;
    } else if (p.is('AS') || p.is('SELECT')) {
      return { kind: 'unknown', reason: 'CREATE TABLE ... SELECT is not supported' };
    } else p.i++;
  }
  const bp = new P(body);
  const columns: MysqlColumn[] = [];
  let primaryKey: string[] = [];
  while (!bp.done) {
    if (bp.is('PRIMARY') && bp.is('KEY', 1)) {
      bp.i += 2;
      while (!bp.isP('(')) bp.i++;
      primaryKey = keyColumns(bp.group());
      skipToComma(bp);
    } else if (bp.is('CONSTRAINT') && bp.is('PRIMARY', 1)) {
      bp.i++;
      continue;
    } else if (bp.is('CONSTRAINT') && (bp.peek(1)?.t === 'id' || bp.peek(1)?.t === 'qid') && bp.is('PRIMARY', 2)) {
      bp.i += 2;
      continue;
    } else if (bp.peek()?.t === 'id' && CONSTRAINT_WORDS.has(bp.peek()!.v.toUpperCase()) && !(bp.peek(1) && (bp.peek(1)!.t === 'id') && TYPE_WORDS.has(bp.peek(1)!.v.toUpperCase()))) {
      skipToComma(bp);
    } else {
      const name = bp.ident();
      const { col, primaryKey: pk } = columnDef(bp, name, columns.length + 1, { charset });
      columns.push(col);
      if (pk) primaryKey = [name];
    }
    bp.acceptP(',');
  }
  const pkSet = new Set(primaryKey);
  return { kind: 'create-table', table, columns: columns.map((c) => (pkSet.has(c.name) ? { ...c, nullable: false } : c)), primaryKey, ifNotExists, comment };
}

function alterTable(p: P, defaults: { charset: string }): DdlStatement {
  p.accept('IGNORE');
  p.accept('ONLINE');
  const table = p.tableName();
  const ops: AlterOp[] = [];
  while (!p.done) {
    if (p.accept('ADD')) {
      const hasColumn = p.accept('COLUMN');
      if (!hasColumn && p.peek()?.t === 'id' && (CONSTRAINT_WORDS.has(p.peek()!.v.toUpperCase()) || p.is('PARTITION'))) {
        if (p.is('PRIMARY') && p.is('KEY', 1)) {
          p.i += 2;
          while (!p.isP('(')) p.i++;
          ops.push({ op: 'primary-key', columns: keyColumns(p.group()) });
          skipToComma(p);
        } else if (p.is('CONSTRAINT') && (p.is('PRIMARY', 1) || p.is('PRIMARY', 2))) {
          while (!p.is('PRIMARY')) p.i++;
          p.i += 2;
          while (!p.isP('(')) p.i++;
          ops.push({ op: 'primary-key', columns: keyColumns(p.group()) });
          skipToComma(p);
        } else {
          ops.push({ op: 'other', text: `ADD ${skipToComma(p)}` });
        }
      } else {
        p.accept('IF', 'NOT', 'EXISTS');
        if (p.isP('(')) {
          // ADD COLUMN (a INT, b INT)
          const inner = new P(p.group());
          while (!inner.done) {
            const name = inner.ident();
            const { col, primaryKey } = columnDef(inner, name, 0, defaults);
            ops.push({ op: 'add', column: col, position: { kind: 'LAST' }, primaryKey });
            inner.acceptP(',');
          }
        } else {
          const name = p.ident();
          const { col, primaryKey } = columnDef(p, name, 0, defaults);
          ops.push({ op: 'add', column: col, position: position(p) ?? { kind: 'LAST' }, primaryKey });
        }
      }
    } else if (p.accept('DROP')) {
      if (p.accept('PRIMARY', 'KEY')) ops.push({ op: 'drop-primary-key' });
      else if (p.is('INDEX') || p.is('KEY') || p.is('FOREIGN') || p.is('CONSTRAINT') || p.is('CHECK') || p.is('PARTITION')) ops.push({ op: 'other', text: `DROP ${skipToComma(p)}` });
      else {
        p.accept('COLUMN');
        p.accept('IF', 'EXISTS');
        ops.push({ op: 'drop', name: p.ident() });
        skipToComma(p);
      }
    } else if (p.accept('MODIFY')) {
      p.accept('COLUMN');
      p.accept('IF', 'EXISTS');
      const name = p.ident();
      const { col } = columnDef(p, name, 0, defaults);
      ops.push({ op: 'modify', oldName: name, column: col, position: position(p) });
    } else if (p.accept('CHANGE')) {
      p.accept('COLUMN');
      p.accept('IF', 'EXISTS');
      const oldName = p.ident();
      const name = p.ident();
      const { col } = columnDef(p, name, 0, defaults);
      ops.push({ op: 'modify', oldName, column: col, position: position(p) });
    } else if (p.accept('RENAME')) {
      if (p.accept('COLUMN')) {
        const from = p.ident();
        p.expect('TO');
        ops.push({ op: 'rename-column', from, to: p.ident() });
      } else if (p.is('INDEX') || p.is('KEY')) {
        ops.push({ op: 'other', text: `RENAME ${skipToComma(p)}` });
      } else {
        if (!p.accept('TO')) p.accept('AS');
        ops.push({ op: 'rename-table', to: p.tableName() });
      }
    } else if (p.accept('ALTER')) {
      ops.push({ op: 'other', text: `ALTER ${skipToComma(p)}` });
    } else {
      ops.push({ op: 'other', text: skipToComma(p) });
    }
    p.acceptP(',');
  }
  return { kind: 'alter-table', table, ops: ops.filter((o) => o.op !== 'other' || o.text.trim() !== '') };
}

/** Parses one DDL statement. `defaultCharset`: charset of new string columns without one (the table's). */
export function parseDdl(sql: string, defaultCharset = 'utf8mb4'): DdlStatement {
  let toks: Tok[];
  try {
    toks = tokenize(sql);
  } catch (e) {
    return { kind: 'unknown', reason: (e as Error).message };
  }
  const p = new P(toks);
  const defaults = { charset: defaultCharset };
  try {
    if (p.accept('CREATE')) {
      p.accept('OR', 'REPLACE');
      if (toks.some((t) => t.t === 'id' && t.v.toUpperCase() === 'TEMPORARY')) return { kind: 'ignored' };
      if (p.accept('TABLE')) return createTable(p, defaults);
      return { kind: 'ignored' };
    }
    if (p.accept('ALTER')) {
      p.accept('ONLINE');
      p.accept('IGNORE');
      if (p.accept('TABLE')) return alterTable(p, defaults);
      return { kind: 'ignored' };
    }
    if (p.accept('RENAME', 'TABLE') || p.accept('RENAME', 'TABLES')) {
      const renames: { from: TableName; to: TableName }[] = [];
      while (!p.done) {
        const from = p.tableName();
        p.expect('TO');
        renames.push({ from, to: p.tableName() });
        p.acceptP(',');
      }
      return { kind: 'rename-table', renames };
    }
    if (p.accept('TRUNCATE')) {
      p.accept('TABLE');
      return { kind: 'truncate', table: p.tableName() };
    }
    if (p.accept('DROP')) {
      p.accept('TEMPORARY');
      if (!p.accept('TABLE') && !p.accept('TABLES')) return { kind: 'ignored' };
      p.accept('IF', 'EXISTS');
      const tables: TableName[] = [];
      while (!p.done && !p.is('RESTRICT') && !p.is('CASCADE')) {
        tables.push(p.tableName());
        p.acceptP(',');
      }
      return { kind: 'drop-table', tables };
    }
    return { kind: 'ignored' };
  } catch (e) {
    return { kind: 'unknown', reason: (e as Error).message };
  }
}

/** Statements that are no DDL at all (transaction control, DML logged as statements, SAVEPOINT, ...). */
export function isTransactionControl(sql: string): boolean {
  return /^\s*(BEGIN|COMMIT|ROLLBACK|XA\s|SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO)/i.test(sql);
}
