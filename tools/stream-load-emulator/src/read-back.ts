/**
 * Test support: rows of an emulated Doris/StarRocks table read over the FE's MySQL port, with values in
 * @cdc/core's in-memory representation (BIGINT bigint, DECIMAL/LARGEINT text, DATETIME `YYYY-MM-DDTHH:MM:SS.ffffff`,
 * BOOLEAN boolean), chosen from the FE's DESC types — so conformance suites compare exact values.
 */
import mysql from 'mysql2/promise';

export interface FeConnectionOptions {
  readonly host?: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
}

export async function feConnection(o: FeConnectionOptions): Promise<mysql.Connection> {
  return mysql.createConnection({ host: o.host ?? '127.0.0.1', port: o.port, user: o.user ?? 'root', password: o.password ?? '', supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
}

function converter(type: string): (v: unknown) => unknown {
  const t = type.toUpperCase();
  if (/^(BIGINT)\b/.test(t) && !/UNSIGNED/.test(t)) return (v) => BigInt(String(v));
  if (/^(TINYINT|SMALLINT|INT)\b/.test(t)) return (v) => Number(v);
  if (/^(FLOAT|DOUBLE)\b/.test(t)) return (v) => Number(v);
  if (/^BOOLEAN/.test(t)) return (v) => v === true || v === 1 || v === '1';
  if (/^DATETIME/.test(t)) return (v) => String(v).replace(' ', 'T');
  return (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
}

/** `SELECT *` of a table, values converted per the FE's DESC; undefined when the table does not exist. */
export async function readCoreRows(conn: mysql.Connection, db: string, table: string): Promise<Record<string, unknown>[] | undefined> {
  let desc: { Field: string; Type: string }[];
  try {
    const [rows] = await conn.query(`DESC \`${db}\`.\`${table}\``);
    desc = rows as { Field: string; Type: string }[];
  } catch (e) {
    if (/Unknown table|Unknown database/i.test(String((e as Error).message))) return undefined;
    throw e;
  }
  const conv = new Map(desc.map((d) => [d.Field, converter(d.Type)]));
  const [rows] = await conn.query(`SELECT * FROM \`${db}\`.\`${table}\``);
  return (rows as Record<string, unknown>[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : (conv.get(k) ?? ((x: unknown) => x))(v)])));
}

/** `DESC` as `name TYPE` lines. */
export async function describeTable(conn: mysql.Connection, db: string, table: string): Promise<string[]> {
  const [rows] = await conn.query(`DESC \`${db}\`.\`${table}\``);
  return (rows as { Field: string; Type: string }[]).map((r) => `${r.Field} ${r.Type}`);
}
