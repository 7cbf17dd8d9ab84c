/**
 * The StarRocks sink against the emulator's fault switches and error answers, driven in-process: transaction
 * stream load retried under the same label (BE 503, connection lost mid-body, internal Fail), a Fail with filtered
 * rows carrying the ErrorURL content, the type mapping of created tables, tables without a primary key, recovery
 * of a crashed exactly-once run, and exactly-once refused on a server without the transaction API.
 */
import { describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { DataTypes, Events, isCdcError, schema, tableId, type JsonValue, type Schema } from '@cdc/core';
import { createTestLogger, factoryContext } from '@cdc/testkit';
import { mariadbConfig } from '@cdc/services';
import { describeTable, startEmulator, type Emulator } from '@cdc/stream-load-emulator';
import { ID_NAME, openTable, rowsById, useEmulator, writerContext } from '../../doris/test/emulator-fixture.js';
import { starRocksSinkFactory } from '../src/index.js';

process.env.CDC_STARROCKS_RETRY_BASE_MS = '20';
const DB = 'cdc_dsr_sr_faults';
let emu: Emulator;
let fe: mysql.Connection;

useEmulator('starrocks', '3.3.5', [DB], (f) => void ({ emu, fe } = f));

const options = (e: Emulator, extra: Record<string, unknown> = {}) => ({
  'jdbc-url': `jdbc:mysql://127.0.0.1:${e.mysqlPort}`,
  'load-url': `127.0.0.1:${e.feHttpPort}`,
  username: 'root',
  password: '',
  'table.create.properties.replication_num': '1',
  ...extra,
});

const T = ID_NAME;

const open = (e: Emulator, extra: Record<string, unknown> = {}, s: Schema = T) => openTable(starRocksSinkFactory, options(e, extra), DB, s);
const rows = (table: string) => rowsById(fe, DB, table);

describe('starrocks sink against emulator faults', () => {
  it('transaction loads are retried under the same label after a 503, a lost connection and an internal Fail', async () => {
    const { writer, id } = await open(emu);
    emu.faults.be5xx = 1;
    await writer.write([Events.insert(id, [1n, 'a'])]);
    await writer.prepareCommit(1);
    emu.faults.dropMidBody = 1;
    await writer.write([Events.insert(id, [2n, 'b'])]);
    await writer.prepareCommit(2);
    emu.faults.failLoads = 1;
    await writer.write([Events.update(id, [2n, 'b'], [2n, 'bb']), Events.delete(id, [1n, 'a'])]);
    await writer.prepareCommit(3);
    expect(await rows(id.table)).toEqual([{ id: 2n, name: 'bb' }]);
    // one label per body, each finally VISIBLE; a failed attempt was rolled back and its label reused
    const labels = emu.labels(DB).filter((l) => l.table === id.table);
    expect(labels.map((l) => l.status)).toEqual(['VISIBLE', 'VISIBLE', 'VISIBLE']);
    await writer.close();
  });

  it('a Fail with filtered rows is a DataError carrying the ErrorURL content; nothing is committed', async () => {
    const { writer, id } = await open(emu, { 'sink.max-retries': 0 });
    await writer.write([Events.insert(id, [1n, 'ok']), Events.insert(id, [2n, 'abcdefg'])]);
    const err = await writer.prepareCommit(1).catch((e: unknown) => e);
    expect(isCdcError(err) && err.code).toBe('DATA');
    expect(String((err as Error).message)).toMatch(/too many filtered rows.*\n.*the length of input is too long than schema.*schema length: 6; actual length: 7/s);
    expect(await rows(id.table)).toEqual([]);
    await writer.close();
  });

  it('creates PRIMARY KEY tables with the Flink CDC type mapping, and refuses tables without a primary key', async () => {
    const s = schema({
      columns: [
        { name: 'k', type: DataTypes.DECIMAL(10, 2, false) },
        { name: 'c', type: DataTypes.CHAR(5, false) },
        { name: 'u', type: DataTypes.DECIMAL(20, 0) },
        { name: 'd', type: DataTypes.DECIMAL(38, 10) },
        { name: 'wide', type: DataTypes.DECIMAL(65, 30) },
        { name: 'v', type: DataTypes.VARCHAR(100) },
        { name: 's', type: DataTypes.STRING() },
        { name: 'ts', type: DataTypes.TIMESTAMP(6) },
        { name: 't', type: DataTypes.TIME(3) },
      ],
      primaryKeys: ['k', 'c'],
    });
    const { writer, id } = await open(emu, { 'table.create.num-buckets': 4 }, s);
    expect(await describeTable(fe, DB, id.table)).toEqual(['k VARCHAR(12)', 'c VARCHAR(15)', 'u LARGEINT', 'd DECIMAL(38, 10)', 'wide VARCHAR(67)', 'v VARCHAR(300)', 's VARCHAR(1048576)', 'ts DATETIME', 't VARCHAR(12)']);
    await writer.write([Events.insert(id, ['-12345678.90', 'abc', '18446744073709551615', '1.5', '-0.000000000000000000000000000001', 'é', 'long', '2024-01-01T00:00:00.123456', '10:11:12.123'])]);
    await writer.prepareCommit(1);
    const [got] = await fe.query(`SELECT * FROM ${DB}.${id.table}`);
    expect(got).toEqual([{ k: '-12345678.90', c: 'abc', u: '18446744073709551615', d: '1.5000000000', wide: '-0.000000000000000000000000000001', v: 'é', s: 'long', ts: '2024-01-01 00:00:00.123456', t: '10:11:12.123' }]);
    await writer.close();
    const sink = starRocksSinkFactory.create(factoryContext(starRocksSinkFactory, options(emu)));
    const noKey = schema({ columns: [{ name: 'a', type: DataTypes.INT() }] });
    await expect(sink.metadataApplier().applySchemaChange(Events.createTable(tableId(DB, 'nokey'), noKey), new AbortController().signal)).rejects.toThrow(/Only support StarRocks primary key table/);
  });

  it('exactly-once: a crashed run’s prepared transactions are rolled back on recovery, the restored ones committed', async () => {
    const prefix = `rec_${Date.now()}`;
    const first = await open(emu, { 'sink.semantic': 'exactly-once', 'sink.label-prefix': prefix });
    await first.writer.write([Events.insert(first.id, [1n, 'a'])]);
    const c1 = (await first.writer.prepareCommit(1)) as JsonValue;
    await first.writer.write([Events.insert(first.id, [2n, 'b'])]);
    await first.writer.prepareCommit(2); // prepared, then the process dies before checkpoint 2 is stored
    expect(emu.labels(DB, prefix).map((l) => l.status)).toEqual(['PREPARED', 'PREPARED']);
    const logger = createTestLogger();
    const sink = starRocksSinkFactory.create(factoryContext(starRocksSinkFactory, options(emu, { 'sink.semantic': 'exactly-once', 'sink.label-prefix': prefix }), logger));
    const committer = sink.createCommitter!();
    await committer.recover!({ checkpointId: 1, committables: [c1] });
    await committer.commit([c1], 1);
    expect(emu.labels(DB, prefix).map((l) => l.status).sort()).toEqual(['ABORTED', 'VISIBLE']);
    expect(await rows(first.id.table)).toEqual([{ id: 1n, name: 'a' }]);
    const w = await sink.createWriter(writerContext(logger));
    await w.write([Events.createTable(first.id, T), Events.insert(first.id, [2n, 'b'])]);
    await committer.commit([(await w.prepareCommit(2))!], 2);
    expect(await rows(first.id.table)).toEqual([
      { id: 1n, name: 'a' },
      { id: 2n, name: 'b' },
    ]);
    await w.close();
    await first.writer.close();
  });

  it('partial update is detected when the table has columns the rows do not carry; sink.properties.partial_update: false resets them', async () => {
    for (const partial of [true, false]) {
      const table = `partial_${partial}`;
      await fe.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
      await fe.query(`CREATE TABLE ${DB}.${table} (id BIGINT NOT NULL, name VARCHAR(6), extra VARCHAR(10)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES ("replication_num" = "1")`);
      await fe.query(`INSERT INTO ${DB}.${table} VALUES (1, 'a', 'kept')`);
      const logger = createTestLogger();
      const sink = starRocksSinkFactory.create(factoryContext(starRocksSinkFactory, options(emu, partial ? {} : { 'sink.properties.partial_update': 'false' }), logger));
      const w = await sink.createWriter(writerContext(logger));
      const id = tableId(DB, table);
      await w.write([Events.createTable(id, T), Events.update(id, [1n, 'a'], [1n, 'b'])]);
      await w.prepareCommit(1);
      expect(await rows(table)).toEqual([{ id: 1n, name: 'b', extra: partial ? 'kept' : null }]);
      await w.close();
    }
  });

  it('schema change jobs are waited for, up to table.schema-change.timeout', async () => {
    const { sink, writer, id } = await open(emu, { 'table.schema-change.timeout': '300ms' });
    emu.faults.alterJobMs = 1500;
    const add = (name: string) => Events.addColumnLast(id, { name, type: DataTypes.INT() });
    await expect(sink.metadataApplier().applySchemaChange(add('c1'), new AbortController().signal)).rejects.toThrow(/did not finish within table.schema-change.timeout \(300 ms\), state RUNNING/);
    await new Promise((r) => setTimeout(r, 1600));
    emu.faults.alterJobMs = 600;
    const patient = starRocksSinkFactory.create(factoryContext(starRocksSinkFactory, options(emu)));
    const started = Date.now();
    await patient.metadataApplier().applySchemaChange(add('c2'), new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    emu.faults.alterJobMs = 0;
    expect(await describeTable(fe, DB, id.table)).toEqual(['id BIGINT', 'name VARCHAR(6)', 'c1 INT', 'c2 INT']);
    await writer.close();
  });

  it('exactly-once is refused on StarRocks 2.3 (no transaction stream load)', async () => {
    const old = await startEmulator({ flavour: 'starrocks', version: '2.3.0', storage: mariadbConfig() });
    try {
      const { writer, id } = await open(old, { 'sink.semantic': 'exactly-once' });
      await writer.write([Events.insert(id, [1n, 'a'])]);
      await expect(writer.prepareCommit(1)).rejects.toThrow(/exactly-once needs the transaction stream load API of StarRocks 2.4\+/);
      await writer.close();
    } finally {
      await old.close();
    }
  });
});
