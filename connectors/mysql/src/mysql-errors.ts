/**
 * MySQL / MariaDB errors -> the typed errors of @cdc/core, with what to do. Native codes: errno (ER_*) and
 * Node socket codes.
 */
import { AuthError, ConfigError, ConnectError, SourceError, StateError, isCdcError, type CdcError } from '@cdc/core';

export const CONNECTOR = 'mysql';

interface NativeError {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

const RETRYABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST', 'ECONNABORTED']);

/** Where we were talking to, for messages: `127.0.0.1:3306`. */
export interface ErrorContext {
  readonly address?: string;
  readonly user?: string;
  /** What we were doing: `connecting`, `reading the binlog`, `reading table db.t` ... */
  readonly doing?: string;
}

/** Maps anything a driver throws to a CdcError (CdcErrors pass through). */
export function mapMysqlError(e: unknown, ctx: ErrorContext = {}): CdcError {
  if (isCdcError(e)) return e;
  const n = (e ?? {}) as NativeError;
  const msg = n.sqlMessage ?? n.message ?? String(e);
  const where = ctx.address ? ` (${ctx.address})` : '';
  const doing = ctx.doing ? `${ctx.doing}: ` : '';
  const opts = { connector: CONNECTOR, cause: e };
  switch (n.errno) {
    case 1045: // ER_ACCESS_DENIED_ERROR
    case 1698: // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
      return new AuthError(`${doing}access denied for user "${ctx.user ?? '?'}"${where}: ${msg}`, { ...opts, hint: 'check username and password of the mysql source' });
    case 1044: // ER_DBACCESS_DENIED_ERROR
    case 1142: // ER_TABLEACCESS_DENIED_ERROR
      return new AuthError(`${doing}${msg}`, { ...opts, hint: `grant SELECT on the captured tables to "${ctx.user ?? '?'}"` });
    case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
      return new AuthError(`${doing}${msg}`, {
        ...opts,
        hint: `the user needs REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG MONITOR): GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${ctx.user ?? 'user'}'`,
      });
    case 1236: // ER_MASTER_FATAL_ERROR_READING_BINLOG
      if (/could not find first log file|purged|has purged|not find.*GTID|binary logs containing GTIDs|slave_connect_state|gtid/i.test(msg)) {
        return new StateError(`${doing}the server cannot send the binlog from the requested position: ${msg}`, {
          ...opts,
          hint: 'the binlog file or GTIDs were purged or never existed: restart with scan.startup.mode initial (new snapshot), or pick an existing position (SHOW BINARY LOGS)',
        });
      }
      if (/server.?id|same server id|slave.*with the same/i.test(msg)) {
        return new ConfigError(`${doing}${msg}`, { ...opts, hint: 'another replica or cdc pipeline uses the same server-id: give each pipeline its own server-id range' });
      }
      return new SourceError(`${doing}the server stopped the binlog stream: ${msg}`, { ...opts, retryable: true });
    case 1049: // ER_BAD_DB_ERROR
      return new ConfigError(`${doing}${msg}`, { ...opts, hint: 'check the database names in the tables option' });
    case 1040: // ER_CON_COUNT_ERROR
    case 1203: // ER_TOO_MANY_USER_CONNECTIONS
      return new ConnectError(`${doing}${msg}${where}`, { ...opts, retryable: true, hint: 'lower connection.pool.size or raise max_connections' });
    case 1205: // lock wait timeout
    case 1213: // deadlock
    case 2013: // lost connection during query
    case 1053: // server shutdown
      return new SourceError(`${doing}${msg}`, { ...opts, retryable: true });
  }
  if (n.code && RETRYABLE_SOCKET.has(n.code)) {
    return new ConnectError(`${doing}cannot reach the MySQL server${where}: ${n.code} ${msg}`, {
      ...opts,
      retryable: true,
      hint: 'check hostname and port, that the server runs and that a firewall lets the connection through',
    });
  }
  if (n.code === 'ENOTFOUND') {
    return new ConnectError(`${doing}unknown host${where}: ${msg}`, { ...opts, retryable: true, hint: 'check the hostname option' });
  }
  if (n.code === 'HANDSHAKE_SSL_ERROR' || /ssl|tls/i.test(n.code ?? '')) {
    return new ConnectError(`${doing}TLS handshake failed${where}: ${msg}`, { ...opts, hint: 'check the jdbc.properties.useSSL / ssl settings' });
  }
  return new SourceError(`${doing}${msg}`, { ...opts, retryable: n.fatal === true });
}
