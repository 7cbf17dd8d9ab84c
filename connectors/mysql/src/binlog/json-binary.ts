/**
 * MySQL binary JSON (`json_binary.h`) -> JSON text, and JSON partial-update diffs (`PARTIAL_UPDATE_ROWS_EVENT`,
 * `json_diff.h`) applied to a document.
 *
 * The text is MySQL's own canonical form (`{"a": 1, "b": [1, 2]}`, the form `SELECT json_col` returns), so a
 * snapshot row and a binlog row of the same document are equal.
 */
import { decodeDecimal } from './decimal.js';
import { formatPackedDateTime } from './temporal.js';
import { ColumnType } from './constants.js';

const enum T {
  SMALL_OBJECT = 0,
  LARGE_OBJECT = 1,
  SMALL_ARRAY = 2,
  LARGE_ARRAY = 3,
  LITERAL = 4,
  INT16 = 5,
  UINT16 = 6,
  INT32 = 7,
  UINT32 = 8,
  INT64 = 9,
  UINT64 = 10,
  DOUBLE = 11,
  STRING = 12,
  OPAQUE = 15,
}

/** A parsed JSON value; numbers keep their MySQL kind so they print exactly. */
export type JsonNode =
  | { readonly k: 'object'; readonly entries: [string, JsonNode][] }
  | { readonly k: 'array'; readonly items: JsonNode[] }
  | { readonly k: 'scalar'; readonly text: string };

const utf8 = new TextDecoder('utf-8');

class JsonReader {
  constructor(private readonly buf: Uint8Array) {}

  private u16(p: number): number {
    return this.buf[p] | (this.buf[p + 1] << 8);
  }
  private u32(p: number): number {
    return (this.buf[p] | (this.buf[p + 1] << 8) | (this.buf[p + 2] << 16)) + this.buf[p + 3] * 0x1000000;
  }
  private varLen(p: number): [number, number] {
    let len = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[p + i];
      len += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return [len, i + 1];
    }
    throw new Error('bad variable length in binary JSON');
  }

  /** Value of type `type` whose data starts at `p` (relative offsets inside containers start at `base`). */
  value(type: number, p: number): JsonNode {
    const b = this.buf;
    switch (type) {
      case T.SMALL_OBJECT:
      case T.LARGE_OBJECT:
        return this.container(p, type === T.LARGE_OBJECT, true);
      case T.SMALL_ARRAY:
      case T.LARGE_ARRAY:
        return this.container(p, type === T.LARGE_ARRAY, false);
      case T.LITERAL:
        return scalar(b[p] === 0 ? 'null' : b[p] === 1 ? 'true' : 'false');
      case T.INT16: {
        const v = this.u16(p);
        return scalar(String(v & 0x8000 ? v - 0x10000 : v));
      }
      case T.UINT16:
        return scalar(String(this.u16(p)));
      case T.INT32:
        return scalar(String(this.u32(p) | 0));
      case T.UINT32:
        return scalar(String(this.u32(p)));
      case T.INT64:
        return scalar(Buffer.from(b.buffer, b.byteOffset + p, 8).readBigInt64LE(0).toString());
      case T.UINT64:
        return scalar(Buffer.from(b.buffer, b.byteOffset + p, 8).readBigUInt64LE(0).toString());
      case T.DOUBLE:
        return scalar(formatDouble(Buffer.from(b.buffer, b.byteOffset + p, 8).readDoubleLE(0)));
      case T.STRING: {
        const [len, n] = this.varLen(p);
        return scalar(JSON.stringify(utf8.decode(b.subarray(p + n, p + n + len))));
      }
      case T.OPAQUE: {
        const fieldType = b[p];
        const [len, n] = this.varLen(p + 1);
        return scalar(opaque(fieldType, b.subarray(p + 1 + n, p + 1 + n + len)));
      }
      default:
        throw new Error(`unknown binary JSON type ${type}`);
    }
  }

  private container(p: number, large: boolean, isObject: boolean): JsonNode {
    const w = large ? 4 : 2;
    const rd = (q: number) => (large ? this.u32(q) : this.u16(q));
    const count = rd(p);
    // const size = rd(p + w);
    let q = p + 2 * w;
    const keys: string[] = [];
    if (isObject) {
      for (let i = 0; i < count; i++) {
        const off = rd(q);
        const len = this.u16(q + w);
        keys.push(utf8.decode(this.buf.subarray(p + off, p + off + len)));
        q += w + 2;
      }
    }
    const values: JsonNode[] = [];
    for (let i = 0; i < count; i++) {
      const t = this.buf[q];
      const inlined = t === T.LITERAL || t === T.INT16 || t === T.UINT16 || (large && (t === T.INT32 || t === T.UINT32));
      values.push(inlined ? this.value(t, q + 1) : this.value(t, p + rd(q + 1)));
      q += 1 + w;
    }
    return isObject ? { k: 'object', entries: keys.map((k, i) => [k, values[i]]) } : { k: 'array', items: values };
  }
}

const scalar = (text: string): JsonNode => ({ k: 'scalar', text });

/** MySQL prints doubles with up to 17 significant digits, shortest round-trip, exponent as `1e300`. */
export function formatDouble(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 1e15) return Object.is(d, -0) ? '-0.0' : `${d}.0`;
  return String(d).replace('e+', 'e');
}

function opaque(fieldType: number, data: Uint8Array): string {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  switch (fieldType) {
    case ColumnType.NEWDECIMAL:
      return decodeDecimal(data, 2, data[0], data[1]);
    case ColumnType.DATE:
      return JSON.stringify(formatPackedDateTime(buf.readBigInt64LE(0), 'date'));
    case ColumnType.TIME:
      return JSON.stringify(formatPackedDateTime(buf.readBigInt64LE(0), 'time'));
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
      return JSON.stringify(formatPackedDateTime(buf.readBigInt64LE(0), 'datetime'));
    default:
      return JSON.stringify(`base64:type${fieldType}:${buf.toString('base64')}`);
  }
}

export function parseJsonBinary(data: Uint8Array): JsonNode {
  // an empty value is what MySQL stores for JSON null in some versions (and for a default '' value)
  if (data.length === 0) return scalar('null');
  return new JsonReader(data).value(data[0], 1);
}

/** MySQL's text form: `{"a": 1, "b": [true, null]}`. */
export function jsonNodeToText(n: JsonNode, compact = false): string {
  switch (n.k) {
    case 'scalar':
      return n.text;
    case 'array':
      return `[${n.items.map((x) => jsonNodeToText(x, compact)).join(compact ? ',' : ', ')}]`;
    case 'object':
      return `{${n.entries.map(([k, v]) => `${JSON.stringify(k)}${compact ? ':' : ': '}${jsonNodeToText(v, compact)}`).join(compact ? ',' : ', ')}}`;
  }
}

/** Binary JSON -> MySQL's JSON text (`compact`: without blanks, Flink CDC's legacy JSON format). */
export function jsonBinaryToText(data: Uint8Array, compact = false): string {
  return jsonNodeToText(parseJsonBinary(data), compact);
}

// ---------------------------------------------------------------------------------------------
// JSON text -> JsonNode (to apply diffs to a before image we only have as text)

export function parseJsonText(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const parse = (): JsonNode => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, JsonNode][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { k: 'object', entries };
      }
      for (;;) {
        ws();
        const key = parseString();
        ws();
        if (text[i++] !== ':') throw new Error('bad JSON: expected ":"');
        entries.push([key, parse()]);
        ws();
        const sep = text[i++];
        if (sep === '}') return { k: 'object', entries };
        if (sep !== ',') throw new Error('bad JSON: expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { k: 'array', items };
      }
      for (;;) {
        items.push(parse());
        ws();
        const sep = text[i++];
        if (sep === ']') return { k: 'array', items };
        if (sep !== ',') throw new Error('bad JSON: expected "," or "]"');
      }
    }
    if (c === '"') return scalar(JSON.stringify(parseString()));
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) throw new Error(`bad JSON at ${i}`);
    i += m[0].length;
    return scalar(m[0]);
  };
  const parseString = (): string => {
    if (text[i] !== '"') throw new Error('bad JSON: expected a string');
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    const s = JSON.parse(text.slice(i, j + 1)) as string;
    i = j + 1;
    return s;
  };
  const out = parse();
  ws();
  if (i !== text.length) throw new Error('bad JSON: trailing characters');
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON diffs

export type JsonDiffOperation = 'REPLACE' | 'INSERT' | 'REMOVE';

export interface JsonDiff {
  readonly op: JsonDiffOperation;
  /** MySQL JSON path, e.g. `$.a[2]."b c"` */
  readonly path: string;
  readonly value?: JsonNode;
}

function lenenc(buf: Uint8Array, p: number): [number, number] {
  const b = buf[p];
  if (b < 0xfb) return [b, 1];
  if (b === 0xfc) return [buf[p + 1] | (buf[p + 2] << 8), 3];
  if (b === 0xfd) return [buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16), 4];
  return [Number(Buffer.from(buf.buffer, buf.byteOffset + p + 1, 8).readBigUInt64LE(0)), 9];
}

/** Parses the diff list that PARTIAL_UPDATE_ROWS_EVENT stores for a JSON column in its after image. */
export function parseJsonDiffs(data: Uint8Array): JsonDiff[] {
  const out: JsonDiff[] = [];
  let p = 0;
  while (p < data.length) {
    const opCode = data[p++];
    const op: JsonDiffOperation = opCode === 0 ? 'REPLACE' : opCode === 1 ? 'INSERT' : opCode === 2 ? 'REMOVE' : ((): never => {
      throw new Error(`unknown JSON diff operation ${opCode}`);
    })();
    const [plen, pn] = lenenc(data, p);
    p += pn;
    const path = utf8.decode(data.subarray(p, p + plen));
    p += plen;
    if (op === 'REMOVE') {
      out.push({ op, path });
      continue;
    }
    const [vlen, vn] = lenenc(data, p);
    p += vn;
    out.push({ op, path, value: parseJsonBinary(data.subarray(p, p + vlen)) });
    p += vlen;
  }
  return out;
}

type PathLeg = { key: string } | { index: number; fromEnd: boolean };

function parsePath(path: string): PathLeg[] {
  if (path[0] !== '$') throw new Error(`bad JSON path ${path}`);
  const legs: PathLeg[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      if (path[i] === '"') {
        let j = i + 1;
        while (path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        legs.push({ key: JSON.parse(path.slice(i, j + 1)) as string });
        i = j + 1;
      } else {
        let j = i;
        while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
        legs.push({ key: path.slice(i, j) });
        i = j;
      }
    } else if (path[i] === '[') {
      const j = path.indexOf(']', i);
      const inner = path.slice(i + 1, j).trim();
      const m = /^last(?:\s*-\s*(\d+))?$/.exec(inner);
      legs.push(m ? { index: Number(m[1] ?? 0), fromEnd: true } : { index: Number(inner), fromEnd: false });
      i = j + 1;
    } else {
      throw new Error(`bad JSON path ${path}`);
    }
  }
  return legs;
}

function applyOne(doc: JsonNode, diff: JsonDiff): JsonNode {
  const legs = parsePath(diff.path);
  if (legs.length === 0) {
    if (diff.op === 'REPLACE' && diff.value) return diff.value;
    throw new Error(`JSON diff ${diff.op} on the document root`);
  }
  const clone = (n: JsonNode): JsonNode => (n.k === 'object' ? { k: 'object', entries: n.entries.map(([k, v]) => [k, v]) } : n.k === 'array' ? { k: 'array', items: [...n.items] } : n);
  const root = clone(doc);
  let parent = root;
  for (let li = 0; li < legs.length - 1; li++) {
    const leg = legs[li];
    let child: JsonNode | undefined;
    if ('key' in leg) {
      if (parent.k !== 'object') throw new Error(`JSON diff path ${diff.path} does not match the document`);
      const e = parent.entries.find(([k]) => k === leg.key);
      if (!e) throw new Error(`JSON diff path ${diff.path} does not match the document`);
      child = clone(e[1]);
      e[1] = child;
    } else {
      if (parent.k !== 'array') throw new Error(`JSON diff path ${diff.path} does not match the document`);
      const idx = leg.fromEnd ? parent.items.length - 1 - leg.index : leg.index;
      if (idx < 0 || idx >= parent.items.length) throw new Error(`JSON diff path ${diff.path} does not match the document`);
      child = clone(parent.items[idx]);
      parent.items[idx] = child;
    }
    parent = child;
  }
  const last = legs[legs.length - 1];
  if ('key' in last) {
    if (parent.k !== 'object') throw new Error(`JSON diff path ${diff.path} does not match the document`);
    const at = parent.entries.findIndex(([k]) => k === last.key);
    if (diff.op === 'REMOVE') {
      if (at >= 0) parent.entries.splice(at, 1);
    } else if (at >= 0) {
      parent.entries[at] = [last.key, diff.value!];
    } else {
      // MySQL keeps object keys sorted by length, then bytes
      parent.entries.push([last.key, diff.value!]);
      parent.entries.sort(([a], [b]) => keyOrder(a, b));
    }
  } else {
    if (parent.k !== 'array') {
      // inserting into a scalar auto-wraps it (JSON_ARRAY_APPEND); MySQL logs a full REPLACE then
      throw new Error(`JSON diff path ${diff.path} does not match the document`);
    }
    const idx = last.fromEnd ? parent.items.length - 1 - last.index : last.index;
    if (diff.op === 'REMOVE') parent.items.splice(idx, 1);
    else if (diff.op === 'INSERT') parent.items.splice(Math.min(idx, parent.items.length), 0, diff.value!);
    else parent.items[idx] = diff.value!;
  }
  return root;
}

function keyOrder(a: string, b: string): number {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length - bb.length || Buffer.compare(ab, bb);
}

/** Applies diffs in order to a document given as MySQL JSON text; returns the new text. */
export function applyJsonDiffs(beforeText: string, diffs: readonly JsonDiff[], compact = false): string {
  let doc = parseJsonText(beforeText);
  for (const d of diffs) doc = applyOne(doc, d);
  return jsonNodeToText(doc, compact);
}
