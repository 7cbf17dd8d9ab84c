import mysql from 'mysql2/promise';
import { ensureService, mariadbConfig } from '@cdc/services';
import type { DataChangeEvent, Event, Logger } from '@cdc/core';
import { createTestLogger, factoryContext, Mirror, readSource, type ReadSourceOptions } from '@cdc/testkit';
import { mysqlSourceFactory } from '../src/index.js';
import type { MysqlDataSource } from '../src/mysql-source.js';

export { Mirror, ensureService, mariadbConfig };

export async function admin(): Promise<mysql.Connection> {
  const c = mariadbConfig();
  return mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
}

/** A source of the shared server with `extra` options, validated and created as the runtime does. */
export function createSource(extra: Record<string, unknown>, logger: Logger = createTestLogger()): MysqlDataSource {
  const c = mariadbConfig();
  return mysqlSourceFactory.create(factoryContext(mysqlSourceFactory, { hostname: c.host, port: c.port, username: c.user, password: c.password, ...extra }, logger)) as MysqlDataSource;
}

/** Runs a reader until `until(events)` holds, calling `onBatch` after each batch; fails after `timeoutMs`. */
export const runReader = readSource;

export interface Churn {
  /** Rounds of writes so far (an update, an upsert and a delete each). */
  readonly ops: number;
  /** Stops after the round in progress and closes the writer's connection (again: waits for the same). */
  stop(): Promise<void>;
}

/**
 * Writes to `table` (id INT key on odd numbers 1..2*keys-1, v INT, then `extra` values) on its own connection
 * until stopped: updates, upserts and deletes all over the key range, as a busy application would while a
 * snapshot reads it.
 */
export async function churn(table: string, keys: number, extra = ''): Promise<Churn> {
  const writer = await admin();
  let stopped = false;
  let ops = 0;
  const writes = (async () => {
    for (let i = 0; !stopped; i++) {
      const k = ((i * 7919) % keys) * 2 + 1;
      await writer.query(`UPDATE ${table} SET v = v + 1 WHERE id = ${k}; INSERT INTO ${table} VALUES (${k + 1}, ${i}${extra}) ON DUPLICATE KEY UPDATE v = v + 10; DELETE FROM ${table} WHERE id = ${((i * 104729) % keys) * 2 + 1}`);
      ops++;
    }
  })();
  let stopping: Promise<void> | undefined;
  return {
    get ops() {
      return ops;
    },
    stop: () => (stopping ??= (async () => {
      stopped = true;
      await writes;
      await writer.end();
    })()),
  };
}

/**
 * runReader hooks for a snapshot under `writes`: at the first change from the binlog (the snapshot is done) the
 * writes stop and `marker` (a row of `table` whose id is -1) is inserted; the read ends when it arrives.
 */
export function readPastSnapshot(conn: mysql.Connection, writes: Churn, table: string, marker: string): Pick<ReadSourceOptions, 'onBatch' | 'until'> {
  let snapshotDone = false;
  let marked = false;
  return {
    onBatch: async (_n, evs) => {
      if (!snapshotDone && dataEvents(evs).some((e) => e.meta.snapshot !== 'true')) snapshotDone = true;
      if (snapshotDone && !marked) {
        await writes.stop();
        marked = true;
        await conn.query(`INSERT INTO ${table} VALUES ${marker}`);
      }
    },
    until: (evs) => dataEvents(evs).some((e) => e.after?.[0] === -1),
  };
}

export const dataEvents = (events: Event[]): DataChangeEvent[] => events.filter((e): e is DataChangeEvent => e.kind === 'data');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
