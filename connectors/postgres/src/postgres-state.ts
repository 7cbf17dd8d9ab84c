/**
 * The state of the postgres source, carried by every batch (JSON): where the snapshot is, or where the stream
 * resumes, and the captured tables' definitions.
 */
import { StateError, type CdcError, type JsonValue } from '@cdc/core';
import { formatLsn, isLsnText, parseLsn, type Lsn } from './lsn.js';
import { CONNECTOR } from './postgres-errors.js';
import type { PgTable } from './tables.js';
// State

export interface SnapshotState {
  /** Where streaming starts once the snapshot is read (the slot's consistent point). */
  readonly start: string;
  /** Tables left to read, in order; the first may be partly read. */
  readonly pending: string[];
  /** First key of pending[0] not read yet (text values); absent: from its start. */
  readonly from?: string[];
  /** Tables read in a later snapshot than `start`: their transactions committed before this LSN are in it. */
  readonly hw?: Record<string, string>;
  /** Events of the transaction after `start` already emitted (a snapshot of newly added tables taken mid-stream). */
  readonly skip?: number;
}

export interface StreamState {
  /** Restart position: end of the last complete transaction (or a heartbeat). */
  readonly lsn: string;
  /** Data events of the transaction after `lsn` already emitted. */
  readonly skip: number;
  readonly hw?: Record<string, string>;
}

export interface PostgresState {
  readonly v: 1;
  readonly kind: 'postgres';
  readonly slot: string;
  readonly tables: Record<string, PgTable>;
  readonly snapshot?: SnapshotState;
  readonly stream?: StreamState;
}

function stateError(reason: string): CdcError {
  return new StateError(`the saved state of the postgres source is not readable: ${reason}`, { connector: CONNECTOR, hint: 'delete the state dir to start over with a new snapshot' });
}

export function parseState(v: JsonValue | undefined, slot: string): PostgresState | undefined {
  if (v === undefined || v === null) return undefined;
  const s = v as unknown as PostgresState;
  if (typeof s !== 'object' || Array.isArray(s) || s.v !== 1 || s.kind !== 'postgres' || typeof s.tables !== 'object' || s.tables === null || (!s.snapshot && !s.stream)) {
    throw stateError('unknown format');
  }
  if (s.stream && !isLsnText(s.stream.lsn)) throw stateError('bad LSN');
  if (s.snapshot && (!isLsnText(s.snapshot.start) || !Array.isArray(s.snapshot.pending))) throw stateError('bad snapshot progress');
  if (s.slot !== slot) {
    throw new StateError(`the saved state was read from replication slot "${s.slot}", not "${slot}" (slot.name)`, {
      connector: CONNECTOR,
      hint: `set slot.name back to ${s.slot}, or delete the state dir to start over with a new snapshot`,
    });
  }
  return s;
}

export const lsnMap = (m: Record<string, string> | undefined): Map<string, Lsn> => new Map(Object.entries(m ?? {}).map(([k, v]) => [k, parseLsn(v)]));
export const lsnRecord = (m: Map<string, Lsn>): Record<string, string> | undefined => (m.size ? Object.fromEntries([...m].map(([k, v]) => [k, formatLsn(v)])) : undefined);
