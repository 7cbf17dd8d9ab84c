/**
 * The Doris sink against the emulator's fault switches and error answers, driven in-process as the runtime
 * drives it: retries under the same label (5xx, connection lost mid-body, internal Fail), Publish Timeout as
 * success, Fail with the ErrorURL's content in the message, auth failure, missing table, back-pressure with a
 * slow BE, type mapping into the created table, and 2PC recovery of a crashed run on Doris 2.1 and 1.2 (which
 * aborts by txn id only).
 */
import { describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { Events, isCdcError, schema, tableId, DataTypes, type JsonValue, type Schema, type SinkWriter } from '@cdc/core';
import { createTestLogger, factoryContext } from '@cdc/testkit';
import { mariadbConfig } from '@cdc/services';
import { describeTable, feConnection, readCoreRows, startEmulator, type Emulator } from '@cdc/stream-load-emulator';
import { ID_NAME, newTableId, openTable, rowsById, useEmulator, writerContext } from './emulator-fixture.js';
import { dorisSinkFactory } from '../src/index.js';

process.env.CDC_DORIS_RETRY_BASE_MS = '20';
const DB = 'cdc_dsr_doris_faults';
let emu: Emulator;
let fe: mysql.Connection;

useEmulator('doris', '2.1.7', [DB], (f) => void ({ emu, fe } = f));

const options = (e: Emulator, extra: Record<string, unknown> = {}) => ({
  fenodes: `127.0.0.1:${e.feHttpPort}`,
  username: 'root',
  password: '',
  'jdbc-url': `jdbc:mysql://127.0.0.1:${e.mysqlPort}`,
  'table.create.properties.replication_num': '1',
  'sink.max-retries': 3,
  ...extra,
});

const T = ID_NAME;

const open = (e: Emulator, extra: Record<string, unknown> = {}, s: Schema = T) => openTable(dorisSinkFactory, options(e, extra), DB, s);
const rows = (table: string) => rowsById(fe, DB, table);

describe('doris sink against emulator faults', () => {
  it('retries 5xx, a connection lost mid-body and an internal Fail under the same label; Publish Timeout is success', async () => {
    const { writer, id } = await open(emu);
    emu.faults.be5xx = 2;
    await writer.write([Events.insert(id, [1n, 'a'])]);
    await writer.prepareCommit(1);
    emu.faults.dropMidBody = 1;
    await writer.write([Events.insert(id, [2n, 'b'])]);
    await writer.prepareCommit(2);
    emu.faults.failLoads = 1;
    await writer.write([Events.update(id, [2n, 'b'], [2n, 'bb'])]);
    await writer.prepareCommit(3);
    emu.faults.publishTimeout = 1;
    await writer.write([Events.delete(id, [1n, 'a'])]);
    await writer.prepareCommit(4);
    expect(await rows(id.table)).toEqual([{ id: 2n, name: 'bb' }]);
    const labels = emu.requests.filter((r) => r.label?.includes(`_${id.table}-`)).map((r) => `${r.label!.replace(/^.*_t\d+-/, '')} ${r.status}`);
    // each body went under one label, retried where it failed
    expect(labels.filter((l) => l.startsWith('0-2-0-'))).toHaveLength(1); // the lost body never reached the loader
    expect(labels.filter((l) => l.startsWith('0-3-0-')).map((l) => l.slice(l.indexOf(' ') + 1))).toEqual(['Fail', 'Success']);
    expect(labels.filter((l) => l.startsWith('0-4-0-')).map((l) => l.slice(l.indexOf(' ') + 1))).toEqual(['Publish Timeout']);
    await writer.close();
  });

  it('gives up after sink.max-retries with the first error', async () => {
    const { writer, id } = await open(emu, { 'sink.max-retries': 1 });
    emu.faults.be5xx = 5;
    await writer.write([Events.insert(id, [1n, 'a'])]);
    const err = await writer.prepareCommit(1).catch((e: unknown) => e);
    emu.faults.be5xx = 0;
    expect(isCdcError(err) && err.code).toBe('SINK');
    expect(String((err as Error).message)).toMatch(/HTTP 503.*failed 2 times/s);
    await writer.close();
  });

  it('a Fail with filtered rows is a DataError carrying the ErrorURL content', async () => {
    const { writer, id } = await open(emu);
    // VARCHAR(2) characters -> VARCHAR(6) bytes in Doris: 7 bytes do not fit
    await writer.write([Events.insert(id, [1n, 'ok']), Events.insert(id, [2n, 'abcdefg'])]);
    const err = await writer.prepareCommit(1).catch((e: unknown) => e);
    expect(isCdcError(err) && err.code).toBe('DATA');
    expect(String((err as Error).message)).toMatch(/too many filtered rows \(1 of 2 rows filtered\); error log http:.*\n.*column_name\[name\], the length of input is too long than schema.*schema length: 6; actual length: 7/s);
    expect(await rows(id.table)).toEqual([]);
    await writer.close();
  });

  it('the FE query connection is reopened after the FE restarts', async () => {
    const first = await startEmulator({ flavour: 'doris', storage: mariadbConfig() });
    const ports = { feHttpPort: first.feHttpPort, beHttpPort: first.beHttpPort, mysqlPort: first.mysqlPort };
    const sink = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(first)));
    const applier = sink.metadataApplier();
    await applier.applySchemaChange(Events.createTable(tableId(DB, 'before_restart'), T), new AbortController().signal);
    await first.close();
    const second = await startEmulator({ flavour: 'doris', storage: mariadbConfig(), ...ports });
    try {
      await applier.applySchemaChange(Events.createTable(tableId(DB, 'after_restart'), T), new AbortController().signal);
      const fe2 = await feConnection({ port: second.mysqlPort });
      expect(await describeTable(fe2, DB, 'after_restart')).toEqual(['id BIGINT', 'name VARCHAR(6)']);
      await fe2.end();
    } finally {
      await applier.close?.();
      await second.close();
    }
  });

  it('auth failure and a missing table are clear errors', async () => {
    const bad = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(emu, { password: 'nope' })));
    const err = await bad.metadataApplier().applySchemaChange(Events.createTable(tableId(DB, 'x'), T), new AbortController().signal).catch((e: unknown) => e);
    expect(isCdcError(err) && err.code).toBe('AUTH');
    const logger = createTestLogger();
    const sink = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(emu), logger));
    const w = await sink.createWriter(writerContext(logger));
    const missing = tableId(DB, 'missing_table');
    await w.write([Events.createTable(missing, T), Events.insert(missing, [1n, 'a'])]);
    const e2 = await w.prepareCommit(1).catch((e: unknown) => e);
    expect(String((e2 as Error).message)).toMatch(/Unknown table 'missing_table'.*the table does not exist/s);
    await w.close();
  });

  it('back-pressure: with a slow BE, write() waits and buffered rows stay under the flush limits', async () => {
    const { writer, id } = await open(emu, { 'sink.buffer-flush.max-rows': 50, 'sink.flush.queue-size': 1 });
    emu.faults.slowBeMs = 150;
    const w = writer as SinkWriter & { bufferedRows: number };
    let maxBuffered = 0;
    const started = Date.now();
    for (let i = 0; i < 300; i += 10) {
      await writer.write(Array.from({ length: 10 }, (_, k) => Events.insert(id, [BigInt(i + k), 'x'])));
      maxBuffered = Math.max(maxBuffered, w.bufferedRows);
    }
    await writer.prepareCommit(1);
    emu.faults.slowBeMs = 0;
    expect(maxBuffered).toBeLessThanOrEqual(50);
    // 6 loads of 50 rows, one at a time, each >= 150 ms: write() was held back
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 150);
    expect((await rows(id.table)).length).toBe(300);
    await writer.close();
  });

  it('creates tables with the Flink CDC type mapping', async () => {
    const s = schema({
      columns: [
        { name: 'id', type: DataTypes.DECIMAL(20, 0, false) },
        { name: 'd38', type: DataTypes.DECIMAL(38, 10) },
        { name: 'd65', type: DataTypes.DECIMAL(65, 30) },
        { name: 'v', type: DataTypes.VARCHAR(100) },
        { name: 'vbig', type: DataTypes.VARCHAR(30000) },
        { name: 'c', type: DataTypes.CHAR(10) },
        { name: 'ts', type: DataTypes.TIMESTAMP(6) },
        { name: 'ltz', type: DataTypes.TIMESTAMP_LTZ(3) },
        { name: 'day', type: DataTypes.DATE() },
        { name: 'bin', type: DataTypes.BYTES() },
        { name: 'ok', type: DataTypes.BOOLEAN() },
      ],
      primaryKeys: ['id'],
    });
    const { writer, id } = await open(emu, {}, s);
    expect(await describeTable(fe, DB, id.table)).toEqual(['id LARGEINT', 'd38 DECIMAL(38, 10)', 'd65 TEXT', 'v VARCHAR(300)', 'vbig TEXT', 'c CHAR(30)', 'ts DATETIME(6)', 'ltz DATETIME(3)', 'day DATE', 'bin TEXT', 'ok BOOLEAN']);
    await writer.write([Events.insert(id, ['18446744073709551615', '-1234567890123456789012345678.0123456789', '-1.000000000000000000000000000001', 'é', 'x', 'abc', '2024-01-01T00:00:00.123456', '2024-01-01T23:00:00.5Z', '2024-02-29', new Uint8Array([1, 2, 255]), true])]);
    await writer.prepareCommit(1);
    expect(await rows(id.table)).toEqual([
      { id: '18446744073709551615', d38: '-1234567890123456789012345678.0123456789', d65: '-1.000000000000000000000000000001', v: 'é', vbig: 'x', c: 'abc', ts: '2024-01-01T00:00:00.123456', ltz: '2024-01-01T23:00:00.500', day: '2024-02-29', bin: 'AQL/', ok: true },
    ]);
    await writer.close();
  });

  it('a load whose answer was lost is retried under its label and not loaded twice (append-only table)', async () => {
    const dup = schema({ columns: [{ name: 'id', type: DataTypes.BIGINT() }, { name: 'name', type: DataTypes.VARCHAR(2) }] });
    const { writer, id } = await open(emu, {}, dup);
    emu.faults.dropAfterLoad = 1;
    await writer.write([Events.insert(id, [1n, 'a']), Events.insert(id, [2n, 'b']), Events.insert(id, [2n, 'b'])]);
    await writer.prepareCommit(1);
    expect((await rows(id.table)).length).toBe(3);
    const statuses = emu.requests.filter((r) => r.label?.includes(`_${id.table}-`)).map((r) => r.status);
    expect(statuses).toEqual(['Success', 'Label Already Exists']);
    expect(await describeTable(fe, DB, id.table)).toEqual(['id BIGINT', 'name VARCHAR(6)']);
    await writer.close();
  });

  it('auto-redirect (FE 307), benodes (straight to the BE) and sink.enable-delete: false', async () => {
    for (const extra of [{ 'auto-redirect': true }, { benodes: `127.0.0.1:${emu.beHttpPort}`, 'sink.enable-delete': false }] as Record<string, unknown>[]) {
      const { writer, id } = await open(emu, extra);
      await writer.write([Events.insert(id, [1n, 'a']), Events.insert(id, [2n, 'b']), Events.delete(id, [1n, 'a'])]);
      await writer.prepareCommit(1);
      expect((await rows(id.table)).map((r) => r.id)).toEqual(extra['sink.enable-delete'] === false ? [1n, 2n] : [2n]);
      await writer.close();
    }
  });

  it('sink.properties.partial_columns keeps columns the rows do not carry; a full-row load resets them', async () => {
    for (const partial of [true, false]) {
      const table = `partial_${partial}`;
      await fe.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
      await fe.query(`CREATE TABLE ${DB}.${table} (id BIGINT NOT NULL, name VARCHAR(6), extra VARCHAR(10)) UNIQUE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 PROPERTIES ("replication_num" = "1")`);
      await fe.query(`INSERT INTO ${DB}.${table} VALUES (1, 'a', 'kept')`);
      const logger = createTestLogger();
      const sink = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(emu, partial ? { 'sink.properties.partial_columns': 'true' } : {}), logger));
      const w = await sink.createWriter(writerContext(logger));
      const id = tableId(DB, table);
      await w.write([Events.createTable(id, T), Events.update(id, [1n, 'a'], [1n, 'b'])]);
      await w.prepareCommit(1);
      expect(await rows(table)).toEqual([{ id: 1n, name: 'b', extra: partial ? 'kept' : null }]);
      await w.close();
    }
  });

  it('2PC: leftovers of a table the restored checkpoint did not know are aborted by the next run', async () => {
    const prefix = `new_${Date.now()}`;
    const o = { 'sink.enable-2pc': true, 'sink.label-prefix': prefix };
    const known = await open(emu, o);
    await known.writer.write([Events.insert(known.id, [1n, 'a'])]);
    const c1 = (await known.writer.prepareCommit(1)) as JsonValue;
    const b = newTableId(DB);
    await known.sink.metadataApplier().applySchemaChange(Events.createTable(b, T), new AbortController().signal);
    await known.writer.write([Events.createTable(b, T), Events.insert(b, [1n, 'x'])]);
    await known.writer.write([Events.flush([b], 'checkpoint')]);
    await known.writer.write([Events.insert(b, [2n, 'y'])]);
    await known.writer.prepareCommit(2); // two pre-committed loads of the new table, then the crash
    const leftovers = () => emu.labels(DB, prefix).filter((l) => l.table === b.table && l.status === 'PRECOMMITTED').length;
    expect(leftovers()).toBe(2);
    const logger = createTestLogger();
    const sink = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(emu, o), logger));
    const committer = sink.createCommitter!();
    await committer.recover!({ checkpointId: 1, committables: [c1] });
    await committer.commit([c1], 1);
    expect(leftovers()).toBe(2); // the restored state does not name the new table
    const w = await sink.createWriter(writerContext(logger));
    await w.write([Events.createTable(b, T), Events.insert(b, [1n, 'x'])]);
    await committer.commit([(await w.prepareCommit(2))!], 2);
    expect(leftovers()).toBe(0);
    expect(await rows(b.table)).toEqual([{ id: 1n, name: 'x' }]);
    await w.close();
    await known.writer.close();
  });

  for (const version of ['2.1.7', '1.2.8', '3.0.3']) {
    it(`2PC on Doris ${version}: a crashed run's pre-committed loads are aborted on recovery, the restored checkpoint's are committed`, async () => {
      const e = version === emu.flavour.version ? emu : await startEmulator({ flavour: 'doris', version, storage: mariadbConfig() });
      try {
        const prefix = `rec_${version.replace(/\./g, '')}_${Date.now()}`;
        const first = await open(e, { 'sink.enable-2pc': true, 'sink.label-prefix': prefix });
        await first.writer.write([Events.insert(first.id, [1n, 'a'])]);
        const c1 = (await first.writer.prepareCommit(1)) as JsonValue; // checkpoint 1 durable, its commit not yet done
        await first.writer.write([Events.insert(first.id, [2n, 'b'])]);
        await first.writer.write([Events.flush([first.id], 'checkpoint')]);
        await first.writer.prepareCommit(2); // pre-committed, then the process dies before checkpoint 2 is stored
        expect(e.labels(DB, prefix).map((l) => l.status)).toEqual(['PRECOMMITTED', 'PRECOMMITTED']);
        expect(await rows(first.id.table)).toEqual([]);

        const logger = createTestLogger();
        const sink = dorisSinkFactory.create(factoryContext(dorisSinkFactory, options(e, { 'sink.enable-2pc': true, 'sink.label-prefix': prefix }), logger));
        const committer = sink.createCommitter!();
        await committer.recover!({ checkpointId: 1, committables: [c1] });
        await committer.commit([c1], 1);
        expect(e.labels(DB, prefix).map((l) => l.status).sort()).toEqual(['ABORTED', 'VISIBLE']);
        // the new run replays checkpoint 2's data under the aborted label
        const w = await sink.createWriter(writerContext(logger));
        await w.write([Events.createTable(first.id, T), Events.insert(first.id, [2n, 'b'])]);
        const c2 = await w.prepareCommit(2);
        await committer.commit([c2!], 2);
        const readFe = e === emu ? fe : await feConnection({ port: e.mysqlPort });
        expect(((await readCoreRows(readFe, DB, first.id.table)) ?? []).sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
          { id: 1n, name: 'a' },
          { id: 2n, name: 'b' },
        ]);
        if (readFe !== fe) await readFe.end();
        await w.close();
        await first.writer.close();
      } finally {
        if (e !== emu) await e.close();
      }
    });
  }
});
