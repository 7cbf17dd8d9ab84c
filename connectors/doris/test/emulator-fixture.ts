/**
 * Set-up shared by the Doris and StarRocks sink tests (connectors/starrocks/test imports this file): an emulator
 * per test file on the shared MariaDB, a connection to its FE MySQL port, and a sink writer opened the way the
 * runtime opens one.
 */
import { afterAll, beforeAll } from 'vitest';
import type mysql from 'mysql2/promise';
import { DataTypes, Events, schema, tableId, type DataSink, type Logger, type Schema, type SinkFactory, type SinkWriter, type SinkWriterContext, type TableId } from '@cdc/core';
import { createTestLogger, factoryContext, TEST_PIPELINE } from '@cdc/testkit';
import { ensureService, mariadbConfig } from '@cdc/services';
import { feConnection, readCoreRows, startEmulator, type Emulator, type FlavourKind } from '@cdc/stream-load-emulator';

export interface EmulatorFixture {
  readonly emu: Emulator;
  readonly fe: mysql.Connection;
}

/**
 * Registers the file's hooks: MariaDB up, an emulator of `flavour` `version` on it and a connection to its FE
 * MySQL port handed to `ready`; `databases` dropped on the FE before the tests and after them.
 */
export function useEmulator(flavour: FlavourKind, version: string, databases: readonly string[], ready: (f: EmulatorFixture) => void | Promise<void>): void {
  let emu: Emulator | undefined;
  let fe: mysql.Connection | undefined;
  beforeAll(async () => {
    await ensureService('mariadb');
    emu = await startEmulator({ flavour, version, storage: mariadbConfig() });
    fe = await feConnection({ port: emu.mysqlPort });
    for (const db of databases) await fe.query(`DROP DATABASE IF EXISTS ${db}`);
    await ready({ emu, fe });
  }, 600_000);
  afterAll(async () => {
    for (const db of databases) await fe?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await fe?.end();
    await emu?.close();
  });
}

/** The context of writer 0 of 1 in the testkit's pipeline. */
export const writerContext = (logger: Logger): SinkWriterContext => ({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger, pipeline: TEST_PIPELINE });

/** Creates table `id` through the sink's applier, then opens a writer that has seen its create.table. */
export async function openWriter(sink: DataSink, id: TableId, s: Schema, logger: Logger): Promise<SinkWriter> {
  await sink.metadataApplier().applySchemaChange(Events.createTable(id, s), new AbortController().signal);
  const writer = await sink.createWriter(writerContext(logger));
  await writer.write([Events.createTable(id, s)]);
  return writer;
}

/** The table most sink tests write: id BIGINT NOT NULL key, name VARCHAR(2) (6 bytes in the created table). */
export const ID_NAME: Schema = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'name', type: DataTypes.VARCHAR(2) },
  ],
  primaryKeys: ['id'],
});

let tables = 0;
/** A new table id `t<n>` in `db`, n counted per test file. */
export const newTableId = (db: string): TableId => tableId(db, `t${++tables}`);

/** A sink of `factory` with `options`, and a writer on a new table of `db` with schema `s`. */
export async function openTable(factory: SinkFactory, options: Readonly<Record<string, unknown>>, db: string, s: Schema): Promise<{ sink: DataSink; writer: SinkWriter; id: TableId }> {
  const logger = createTestLogger();
  const sink = factory.create(factoryContext(factory, options, logger));
  const id = newTableId(db);
  return { sink, writer: await openWriter(sink, id, s, logger), id };
}

/** The rows of `db`.`table` read back through the FE, in core's representation, by id. */
export const rowsById = async (fe: mysql.Connection, db: string, table: string) => ((await readCoreRows(fe, db, table)) ?? []).sort((a, b) => Number(a.id) - Number(b.id));
