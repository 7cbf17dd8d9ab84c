/**
 * Folds a debezium-json topic (written with `debezium-json.include-schema.enabled`) into table state, as a
 * consumer materializing the change log would: upsert by key for c/r/u, remove for d. Rows are projected onto
 * the latest record's schema block (a column an older record lacks reads as the old column at the same
 * position when that one is gone from the schema — a rename — else null) and converted to core's in-memory
 * representation from the Connect types. Numbers are parsed losslessly (lossless-json), so an inexact
 * BIGINT or DECIMAL in a record shows up as a wrong value.
 */
import { isLosslessNumber, parse } from 'lossless-json';
import type { ReadRecord } from './helpers.js';

interface ConnectField {
  readonly field: string;
  readonly type: string;
  readonly name?: string;
}

interface Envelope {
  schema: { fields: { fields: ConnectField[] }[] };
  payload: { before: Record<string, unknown> | null; after: Record<string, unknown> | null; op: string };
}

/** A decimal in JSON number text (`1E-10`, `12.30`) as plain decimal text. */
export function plainDecimal(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a JSON number: ${text}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  const digits = int + frac;
  const point = int.length + Number(exp);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  return sign + out;
}

const text = (v: unknown): string => (isLosslessNumber(v) ? v.value : String(v));

function convert(f: ConnectField, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (f.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return plainDecimal(text(v));
    case 'io.debezium.time.Timestamp':
    case 'io.debezium.time.MicroTimestamp':
    case 'io.debezium.time.ZonedTimestamp':
      return String(v).replace(' ', 'T');
    case 'io.debezium.time.Date':
    case 'io.debezium.time.MicroTime':
      return String(v);
    case 'io.debezium.data.Bits':
      return new Uint8Array(Buffer.from(String(v), 'base64'));
  }
  switch (f.type) {
    case 'int64':
      return BigInt(text(v));
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float':
    case 'double':
      return Number(text(v));
    default:
      return v;
  }
}

export function foldTopic(records: readonly ReadRecord[]): Record<string, unknown>[] {
  const state = new Map<string, { cols: string[]; row: Record<string, unknown> }>();
  let latest: ConnectField[] = [];
  for (const r of records) {
    if (r.value === null) continue;
    const env = parse(r.value) as Envelope;
    const fields = env.schema.fields[1].fields;
    latest = fields;
    const { op, after } = env.payload;
    if (op === 'd') state.delete(r.key!);
    else state.set(r.key!, { cols: fields.map((f) => f.field), row: after! });
  }
  const names = new Set(latest.map((f) => f.field));
  return [...state.values()].map(({ cols, row }) =>
    Object.fromEntries(
      latest.map((f, i) => {
        let v: unknown = null;
        if (f.field in row) v = row[f.field];
        else if (i < cols.length && !names.has(cols[i])) v = row[cols[i]];
        return [f.field, convert(f, v)];
      }),
    ),
  );
}
