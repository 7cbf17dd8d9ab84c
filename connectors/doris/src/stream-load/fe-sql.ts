/**
 * The FE's MySQL protocol port (jdbc-url), for DDL and metadata: one lazily opened connection, statements one
 * at a time, errors mapped to typed errors naming the statement.
 */
import mysql from 'mysql2/promise';
import { AuthError, ConfigError, ConnectError, SchemaError } from '@cdc/core';

export interface FeAddress {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
}

/** `jdbc:mysql://host:port[/db][?params]` (also without `jdbc:`) -> host/port/db. */
export function parseJdbcUrl(url: string, connector: string): FeAddress {
  const m = /^(?:jdbc:)?mysql:\/\/([^/:?]+)(?::(\d+))?(?:\/([^?]*))?(?:\?.*)?$/.exec(url.trim());
  if (!m) throw new ConfigError(`option "jdbc-url" has value ${JSON.stringify(url)}, expected jdbc:mysql://<fe host>:<query port>[/db]`, { connector });
  return { host: m[1], port: m[2] ? Number(m[2]) : 9030, ...(m[3] ? { database: m[3] } : {}) };
}

export class FeSql {
  private conn: Promise<mysql.Connection> | undefined;

  constructor(
    private readonly addr: FeAddress,
    private readonly user: string,
    private readonly password: string,
    private readonly connector: string,
  ) {}

  private connect(): Promise<mysql.Connection> {
    this.conn ??= mysql
      .createConnection({ host: this.addr.host, port: this.addr.port, user: this.user, password: this.password, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, connectTimeout: 30_000 })
      .catch((e: { code?: string; errno?: number; message?: string }) => {
        this.conn = undefined;
        if (e.errno === 1045) throw new AuthError(`login to the FE at ${this.addr.host}:${this.addr.port} was refused: ${e.message}`, { connector: this.connector, hint: 'check username and password' });
        throw new ConnectError(`cannot connect to the FE query port ${this.addr.host}:${this.addr.port}: ${e.message ?? e.code}`, { connector: this.connector, retryable: true, hint: 'check jdbc-url (the FE query port, 9030 by default)' });
      });
    return this.conn;
  }

  /** Runs one statement; a connection lost (idle timeout, FE restart) is reopened once and the statement retried. */
  async query<T = Record<string, unknown>>(sql: string, retried = false): Promise<T[]> {
    const c = await this.connect();
    try {
      const [rows] = await c.query(sql);
      return Array.isArray(rows) ? (rows as T[]) : [];
    } catch (e) {
      const err = e as { errno?: number; message?: string; fatal?: boolean };
      if (err.fatal) {
        this.conn = undefined;
        if (!retried) return this.query<T>(sql, true);
      }
      throw new SchemaError(`${firstLine(sql)} failed: ${err.message ?? String(e)}`, { connector: this.connector, retryable: !!err.fatal, details: { errno: err.errno } });
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (c) await (await c.catch(() => undefined))?.end().catch(() => undefined);
  }
}

function firstLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
