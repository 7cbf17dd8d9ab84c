/** Server prerequisites and replication slots. */
import type pg from 'pg';
import type { ConnectionCheck } from '@cdc/core';
import { parseLsn, type Lsn } from './lsn.js';
import { quoteIdent } from './tables.js';

/** Server version and the logical replication prerequisites that are not met, each saying what to change. */
export async function checkServer(c: pg.Client, user: string): Promise<ConnectionCheck> {
  const r = await c.query<{ version: string; wal_level: string; slots: string; senders: string; rolreplication: boolean | null; rolsuper: boolean | null }>(
    `SELECT current_setting('server_version') AS version, current_setting('wal_level') AS wal_level,
            current_setting('max_replication_slots') AS slots, current_setting('max_wal_senders') AS senders,
            r.rolreplication, r.rolsuper
       FROM (SELECT 1) x LEFT JOIN pg_roles r ON r.rolname = current_user`,
  );
  const v = r.rows[0];
  const problems: string[] = [];
  if (v.wal_level !== 'logical') problems.push(`wal_level is ${v.wal_level}: set wal_level = logical in postgresql.conf (ALTER SYSTEM SET wal_level = logical) and restart the server`);
  if (Number(v.slots) < 1) problems.push('max_replication_slots is 0: set it to at least 1 and restart the server');
  if (Number(v.senders) < 1) problems.push('max_wal_senders is 0: set it to at least 1 and restart the server');
  if (!v.rolreplication && !v.rolsuper) problems.push(`user "${user}" lacks the REPLICATION attribute: ALTER ROLE ${user} REPLICATION`);
  const major = Number(/^(\d+)/.exec(v.version)?.[1] ?? 0);
  // pgoutput's `messages` option (heartbeats through pg_logical_emit_message) came with PostgreSQL 14
  if (major && major < 14) problems.push(`PostgreSQL ${v.version} is too old: this connector needs PostgreSQL 14 or later (pgoutput with logical decoding messages)`);
  return { system: 'PostgreSQL', version: v.version, problems };
}

export interface SlotInfo {
  readonly exists: boolean;
  readonly active: boolean;
  readonly plugin?: string;
  readonly database?: string;
  readonly confirmedFlush?: Lsn;
}

export async function slotInfo(c: pg.Client, slot: string): Promise<SlotInfo> {
  const r = await c.query<{ plugin: string; database: string; active: boolean; confirmed: string | null }>(
    'SELECT plugin, database, active, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  if (!r.rows.length) return { exists: false, active: false };
  const s = r.rows[0];
  return { exists: true, active: s.active, plugin: s.plugin, database: s.database, ...(s.confirmed ? { confirmedFlush: parseLsn(s.confirmed) } : {}) };
}

/** CREATE_REPLICATION_SLOT on a replication connection: the consistent point and (when asked) the exported snapshot. */
export async function createSlot(repl: pg.Client, name: string, opts: { temporary?: boolean; exportSnapshot: boolean }): Promise<{ lsn: Lsn; snapshot: string | undefined }> {
  const r = await repl.query<{ consistent_point: string; snapshot_name: string | null }>(
    `CREATE_REPLICATION_SLOT ${quoteIdent(name)}${opts.temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput ${opts.exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
  );
  return { lsn: parseLsn(r.rows[0].consistent_point), snapshot: r.rows[0].snapshot_name ?? undefined };
}
