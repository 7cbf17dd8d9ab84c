/**
 * Rows as the JSON lines a stream load body carries, written by hand so values stay exact: BIGINT as a bare
 * integer, DECIMAL as a string (no float rounding), timestamps `YYYY-MM-DD HH:MM:SS.ffffff`, TIMESTAMP_LTZ in
 * the pipeline's time zone, bytes as base64 (as Flink CDC's Jackson writes byte[]).
 */
import type { DataType } from '@cdc/core';

export type ValueWriter = (v: unknown) => string;

const str = (s: string): string => JSON.stringify(s);

/** `2024-01-01T10:00:00.123456789` -> `2024-01-01 10:00:00.123456` (at most 6 digits, as DATETIME(6) keeps). */
export function timestampText(v: string): string {
  const m = /^(\d{4,}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(v);
  if (!m) return v;
  return m[3] ? `${m[1]} ${m[2]}.${m[3].slice(0, 6)}` : `${m[1]} ${m[2]}`;
}

const offsetCache = new Map<string, Intl.DateTimeFormat>();

/** A UTC instant `...Z` shown as local date-time in `zone` (IANA name or ±HH:MM), microseconds kept. */
export function instantInZone(v: string, zone: string): string {
  const m = /^(\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(v);
  if (!m) return timestampText(v);
  const frac = m[2] ? `.${m[2].slice(0, 6)}` : '';
  if (zone === 'UTC' || zone === 'Z' || zone === '+00:00' || zone === 'Etc/UTC') return `${m[1].replace('T', ' ')}${frac}`;
  const ms = Date.parse(`${m[1]}Z`);
  const off = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  let local: Date;
  if (off) {
    local = new Date(ms + (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3])) * 60_000);
  } else {
    let f = offsetCache.get(zone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      offsetCache.set(zone, f);
    }
    const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${frac}`;
  }
  return `${local.toISOString().slice(0, 19).replace('T', ' ')}${frac}`;
}

function jsonOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return str(Buffer.from(v).toString('base64'));
  if (v instanceof Map) return `{${[...v.entries()].map(([k, x]) => `${str(String(k))}:${jsonOf(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(jsonOf).join(',')}]`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${str(k)}:${jsonOf(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The JSON writer of one column type. */
export function valueWriter(type: DataType, zone: string): ValueWriter {
  switch (type.type) {
    case 'BOOLEAN':
      return (v) => (v ? 'true' : 'false');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return (v) => String(v);
    case 'FLOAT':
    case 'DOUBLE':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null');
    case 'DECIMAL':
      return (v) => str(String(v));
    case 'TIMESTAMP':
      return (v) => str(timestampText(String(v)));
    case 'TIMESTAMP_LTZ':
      return (v) => str(instantInZone(String(v), zone));
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return (v) => str(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      // Kept as JSON text for STRING/JSON columns.
      return (v) => str(jsonOf(v));
    default:
      return (v) => str(String(v));
  }
}

/** Builds `{"a":1,"b":"x"}` for rows of one schema; `extra` fields (delete sign, __op) are appended. */
export function rowWriter(columns: readonly { name: string; type: DataType }[], zone: string): (row: readonly unknown[], extra?: string) => string {
  const names = columns.map((c) => `${str(c.name)}:`);
  const writers = columns.map((c) => valueWriter(c.type, zone));
  return (row, extra) => {
    let out = '{';
    for (let i = 0; i < names.length; i++) {
      const v = row[i];
      out += (i ? ',' : '') + names[i] + (v === null || v === undefined ? 'null' : writers[i](v));
    }
    if (extra) out += (names.length ? ',' : '') + extra;
    return out + '}';
  };
}
