import { ConfigError } from '../errors.js';
import {
  DataTypes,
  LENGTH_TYPES,
  MAX_LENGTH,
  PRECISION_TYPES,
  SIMPLE_TYPES,
  withNullability,
  type DataType,
  type LengthTypeName,
  type PrecisionTypeName,
  type RowField,
  type SimpleTypeName,
} from './data-type.js';

/** Prints a type the way Flink CDC does: `DECIMAL(38, 10) NOT NULL`, `ARRAY<INT>`, `ROW<a INT, b STRING>`. */
export function formatType(t: DataType): string {
  return formatBase(t) + (t.nullable ? '' : ' NOT NULL');
}

function formatBase(t: DataType): string {
  switch (t.type) {
    case 'CHAR':
    case 'VARCHAR':
    case 'BINARY':
    case 'VARBINARY':
      return `${t.type}(${t.length})`;
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.type}(${t.precision})`;
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${formatType(t.element)}>`;
    case 'MAP':
      return `MAP<${formatType(t.key)}, ${formatType(t.value)}>`;
    case 'ROW':
      return `ROW<${t.fields.map(formatField).join(', ')}>`;
    default:
      return t.type;
  }
}

function formatField(f: RowField): string {
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) ? f.name : '`' + f.name.replace(/`/g, '``') + '`';
  const desc = f.description === undefined ? '' : ` '${f.description.replace(/'/g, "''")}'`;
  return `${name} ${formatType(f.type)}${desc}`;
}

// ---------------------------------------------------------------------------------------------

const ALIASES: Record<string, string> = {
  INTEGER: 'INT',
  BOOL: 'BOOLEAN',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  REAL: 'FLOAT',
  TEXT: 'STRING',
  VARBINARY: 'VARBINARY',
  BYTEA: 'BYTES',
};

type Token = { kind: 'word' | 'int' | 'punct' | 'quoted' | 'string'; text: string; pos: number };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < input.length && /[A-Za-z0-9_$]/.test(input[i])) i++;
      out.push({ kind: 'word', text: input.slice(start, i), pos: start });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < input.length && /[0-9]/.test(input[i])) i++;
      out.push({ kind: 'int', text: input.slice(start, i), pos: start });
    } else if (c === '`' || c === "'") {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length) throw typeError(input, start, `unterminated ${c === '`' ? 'identifier' : 'string'}`);
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
      out.push({ kind: c === '`' ? 'quoted' : 'string', text, pos: start });
    } else if ('(),<>'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
    } else {
      throw typeError(input, i, `unexpected character '${c}'`);
    }
  }
  return out;
}

function typeError(input: string, pos: number, what: string): InstanceType<typeof ConfigError> {
  return new ConfigError(`invalid data type "${input}": ${what} at position ${pos + 1}`, {
    hint: 'write types like INT, BIGINT NOT NULL, DECIMAL(38, 10), VARCHAR(255), TIMESTAMP(6), TIMESTAMP_LTZ(3), ARRAY<INT>, MAP<STRING, INT>, ROW<a INT, b STRING>',
  });
}

/** Parses a type string. Accepts Flink SQL spellings and common aliases (INTEGER, NUMERIC, TIMESTAMP(3) WITH LOCAL TIME ZONE). */
export function parseType(input: string): DataType {
  const tokens = tokenize(input);
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const isWord = (w: string, t = peek()) => t?.kind === 'word' && t.text.toUpperCase() === w;
  const fail = (what: string): never => {
    throw typeError(input, peek()?.pos ?? input.length, what);
  };
  const expectPunct = (c: string) => {
    const t = peek();
    if (t?.kind !== 'punct' || t.text !== c) fail(`expected '${c}'`);
    p++;
  };
  const readInt = (): number => {
    const t = peek();
    if (t?.kind !== 'int') return fail('expected a number');
    p++;
    return Number(t.text);
  };
  const optionalArgs = (): number[] | undefined => {
    const t = peek();
    if (t?.kind !== 'punct' || t.text !== '(') return undefined;
    p++;
    const args = [readInt()];
    while (peek()?.kind === 'punct' && peek()!.text === ',') {
      p++;
      args.push(readInt());
    }
    expectPunct(')');
    return args;
  };

  const parseOne = (): DataType => {
    const t = peek();
    if (t?.kind !== 'word') return fail('expected a type name');
    p++;
    let name = t.text.toUpperCase();
    name = ALIASES[name] ?? name;
    let base: DataType;
    if (name === 'DOUBLE') {
      if (isWord('PRECISION')) p++;
      base = DataTypes.DOUBLE();
    } else if ((SIMPLE_TYPES as readonly string[]).includes(name)) {
      base = { type: name as SimpleTypeName, nullable: true };
    } else if ((LENGTH_TYPES as readonly string[]).includes(name)) {
      const args = optionalArgs();
      if (args && args.length !== 1) fail(`${name} takes one length`);
      const length = args?.[0] ?? 1;
      if (length < 1 || length > MAX_LENGTH) fail(`${name} length must be between 1 and ${MAX_LENGTH}`);
      base = { type: name as LengthTypeName, length, nullable: true };
    } else if (name === 'DECIMAL') {
      const args = optionalArgs() ?? [10, 0];
      if (args.length > 2) fail('DECIMAL takes (precision, scale)');
      const [precision, scale = 0] = args;
      if (precision < 1 || precision > 65) fail('DECIMAL precision must be between 1 and 65');
      if (scale < 0 || scale > precision) fail('DECIMAL scale must be between 0 and the precision');
      base = DataTypes.DECIMAL(precision, scale);
    } else if ((PRECISION_TYPES as readonly string[]).includes(name)) {
      const args = optionalArgs();
      if (args && args.length !== 1) fail(`${name} takes one precision`);
      let type = name as PrecisionTypeName;
      const precision = args?.[0] ?? (type === 'TIME' ? 0 : 6);
      if (precision < 0 || precision > 9) fail(`${name} precision must be between 0 and 9`);
      if (isWord('WITH') || isWord('WITHOUT')) {
        const without = isWord('WITHOUT');
        p++;
        if (isWord('LOCAL')) {
          p++;
          if (without) fail("expected 'TIME ZONE'");
          type = 'TIMESTAMP_LTZ';
        } else if (!without) {
          fail('only TIMESTAMP WITH LOCAL TIME ZONE is supported');
        }
        if (!isWord('TIME')) fail("expected 'TIME ZONE'");
        p++;
        if (!isWord('ZONE')) fail("expected 'ZONE'");
        p++;
      }
      base = { type, precision, nullable: true };
    } else if (name === 'ARRAY') {
      expectPunct('<');
      const element = parseOne();
      expectPunct('>');
      base = DataTypes.ARRAY(element);
    } else if (name === 'MAP') {
      expectPunct('<');
      const key = parseOne();
      expectPunct(',');
      const value = parseOne();
      expectPunct('>');
      base = DataTypes.MAP(key, value);
    } else if (name === 'ROW') {
      const open = peek();
      if (open?.kind !== 'punct' || (open.text !== '<' && open.text !== '(')) fail("expected '<' after ROW");
      const close = open!.text === '<' ? '>' : ')';
      p++;
      const fields: RowField[] = [];
      for (;;) {
        const ft = peek();
        if (ft?.kind !== 'word' && ft?.kind !== 'quoted') fail('expected a field name');
        p++;
        const ftype = parseOne();
        let description: string | undefined;
        if (peek()?.kind === 'string') description = tokens[p++].text;
        fields.push(DataTypes.FIELD(ft!.text, ftype, description));
        const sep = peek();
        if (sep?.kind === 'punct' && sep.text === ',') {
          p++;
          continue;
        }
        expectPunct(close);
        break;
      }
      base = DataTypes.ROW(fields);
    } else {
      return fail(`unknown type '${t.text}'`);
    }
    if (isWord('NOT')) {
      p++;
      if (!isWord('NULL')) fail("expected NULL after NOT");
      p++;
      return withNullability(base, false);
    }
    if (isWord('NULL')) p++;
    return base;
  };

  const result = parseOne();
  if (p < tokens.length) fail(`unexpected '${tokens[p].text}'`);
  return result;
}
