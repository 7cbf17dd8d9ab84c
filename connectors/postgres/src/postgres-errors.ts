/**
 * PostgreSQL errors (SQLSTATE codes, Node socket codes) -> the typed errors of @cdc/core, with what to do.
 */
import { AuthError, ConfigError, ConnectError, SourceError, StateError, isCdcError, type CdcError } from '@cdc/core';

export const CONNECTOR = 'postgres';

interface NativeError {
  code?: string;
  message?: string;
  severity?: string;
}

const RETRYABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);

export interface ErrorContext {
  readonly address?: string;
  readonly user?: string;
  readonly slot?: string;
  /** What we were doing: `connecting`, `streaming changes`, `reading table s.t` ... */
  readonly doing?: string;
}

/** Maps anything pg throws to a CdcError (CdcErrors pass through). */
export function mapPgError(e: unknown, ctx: ErrorContext = {}): CdcError {
  if (isCdcError(e)) return e;
  const n = (e ?? {}) as NativeError;
  const msg = n.message ?? String(e);
  const where = ctx.address ? ` (${ctx.address})` : '';
  const doing = ctx.doing ? `${ctx.doing}: ` : '';
  const opts = { connector: CONNECTOR, cause: e };
  const user = ctx.user ?? '?';
  switch (n.code) {
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification (pg_hba reject, no such role)
      return new AuthError(`${doing}authentication failed for user "${user}"${where}: ${msg}`, { ...opts, hint: 'check username and password of the postgres source (and pg_hba.conf)' });
    case '42501': // insufficient_privilege
      if (/replication|walsender/i.test(msg)) {
        return new AuthError(`${doing}user "${user}" may not use logical replication: ${msg}`, { ...opts, hint: `ALTER ROLE ${user} REPLICATION (and grant SELECT on the captured tables)` });
      }
      return new AuthError(`${doing}${msg}`, { ...opts, hint: `grant the missing privilege to "${user}" (SELECT on the captured tables; CREATE on the database to create the publication, or create it yourself)` });
    case '55006': // object_in_use: replication slot is active
      return new StateError(`${doing}${msg}`, {
        ...opts,
        retryable: true,
        hint: `another process is reading replication slot "${ctx.slot ?? '?'}": stop it, or give this pipeline its own slot.name`,
      });
    case '42704': // undefined_object
      if (/replication slot/i.test(msg)) {
        return new StateError(`${doing}${msg}`, {
          ...opts,
          hint: `the replication slot "${ctx.slot ?? '?'}" was dropped, so the changes since the last checkpoint are gone: delete the state dir to start over with a new snapshot`,
        });
      }
      if (/publication/i.test(msg)) {
        return new ConfigError(`${doing}${msg}`, { ...opts, hint: 'create the publication, or let the connector create it (debezium.publication.autocreate.mode filtered)' });
      }
      return new ConfigError(`${doing}${msg}`, opts);
    case '3D000': // invalid_catalog_name (no such database)
      return new ConfigError(`${doing}${msg}`, { ...opts, hint: 'check the database part (first part) of the tables option' });
    case '53300': // too_many_connections
    case '53400': // configuration_limit_exceeded (max_replication_slots / max_wal_senders)
      return new ConnectError(`${doing}${msg}${where}`, { ...opts, retryable: n.code === '53300', hint: 'raise max_connections / max_wal_senders / max_replication_slots, or lower connection.pool.size' });
    case '55000': // object_not_in_prerequisite_state (wal_level, slot state)
      if (/wal_level/i.test(msg)) return new ConfigError(`${doing}${msg}`, { ...opts, hint: 'set wal_level = logical in postgresql.conf and restart the server' });
      return new StateError(`${doing}${msg}`, opts);
    case '57P01': // admin_shutdown (terminated by administrator)
    case '57P02':
    case '57P03': // cannot_connect_now (starting up)
    case '08000':
    case '08003':
    case '08006':
    case '08001':
    case '40001': // serialization failure
    case '40P01': // deadlock
      return new SourceError(`${doing}${msg}`, { ...opts, retryable: true });
  }
  if (n.code && RETRYABLE_SOCKET.has(n.code)) {
    return new ConnectError(`${doing}cannot reach the PostgreSQL server${where}: ${n.code} ${msg}`, {
      ...opts,
      retryable: true,
      hint: 'check hostname and port, that the server runs and that a firewall lets the connection through',
    });
  }
  if (n.code === 'ENOTFOUND') return new ConnectError(`${doing}unknown host${where}: ${msg}`, { ...opts, retryable: true, hint: 'check the hostname option' });
  if (/timeout expired|Connection terminated|connection .*(closed|terminated)/i.test(msg)) {
    return new ConnectError(`${doing}${msg}${where}`, { ...opts, retryable: true, hint: 'check that the server is reachable (connect.timeout)' });
  }
  return new SourceError(`${doing}${msg}`, opts);
}
