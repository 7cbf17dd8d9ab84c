import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataTypes, Events, schema, tableId, type Event, type Schema } from '@cdc/core';
import { formatEvent, readOutputFile, ValuesDatabase, valuesSink } from '../src/index.js';
import { caught, pipe, sink, writer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-values-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = tableId('app', 'orders');
const ORDERS: Schema = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'amount', type: DataTypes.DECIMAL(38, 10) },
    { name: 'note', type: DataTypes.STRING() },
  ],
  primaryKeys: ['id'],
});
const NO_KEY: Schema = schema({ columns: [{ name: 'a', type: DataTypes.INT() }, { name: 'b', type: DataTypes.STRING() }] });

const ID = 'sink-test';
const db = ValuesDatabase.instance(ID);
beforeEach(() => db.reset());

const signal = () => new AbortController().signal;

describe('values sink: rows', () => {
  it('upserts by primary key: insert, update (also of the key), delete; sorted by key', async () => {
    const s = sink({ 'sink.id': ID });
    await pipe(
      [
        Events.createTable(T, ORDERS),
        Events.insert(T, [9223372036854775807n, '1.5', 'max']),
        Events.insert(T, [2n, '10', 'two']),
        Events.insert(T, [-1n, '-0.0000000001', null]),
        Events.update(T, [2n, '10', 'two'], [2n, '11', 'two!']),
        Events.update(T, [-1n, '-0.0000000001', null], [-2n, '-0.0000000001', 'moved']),
        Events.replace(T, [3n, '3', 'replaced']),
        Events.delete(T, [3n, null, null]),
      ],
      s,
    );
    expect(db.rows(T)).toEqual([
      [-2n, '-0.0000000001', 'moved'],
      [2n, '11', 'two!'],
      [9223372036854775807n, '1.5', 'max'],
    ]);
    expect(db.rowsAsJson(T)[2]).toEqual({ id: '9223372036854775807', amount: '1.5', note: 'max' });
    expect(db.rowsAsObjects(T)[0]).toEqual({ id: -2n, amount: '-0.0000000001', note: 'moved' });
  });

  it('replaying the same events leaves the same content (idempotent upsert)', async () => {
    const s = sink({ 'sink.id': ID });
    const events: Event[] = [Events.createTable(T, ORDERS), Events.insert(T, [1n, '1', 'a']), Events.update(T, [1n, '1', 'a'], [1n, '2', 'b']), Events.insert(T, [2n, '2', 'x']), Events.delete(T, [2n, '2', 'x'])];
    const w = await pipe(events, s);
    const once = db.rows(T);
    await pipe(events, s, w);
    await pipe(events, sink({ 'sink.id': ID }));
    expect(db.rows(T)).toEqual(once);
    expect(once).toEqual([[1n, '2', 'b']]);
  });

  it('without a primary key: append, update and delete the first equal row; sorted by all columns', async () => {
    const N = tableId('app', 'log');
    await pipe(
      [
        Events.createTable(N, NO_KEY),
        Events.insert(N, [2, 'b']),
        Events.insert(N, [1, 'a']),
        Events.insert(N, [1, 'a']),
        Events.update(N, [2, 'b'], [2, 'c']),
        Events.delete(N, [1, 'a']),
      ],
      sink({ 'sink.id': ID }),
    );
    expect(db.rows(N)).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);
  });

  it('sorts DECIMAL keys numerically and rows() of an unknown table is a SchemaError naming the tables', async () => {
    const D = tableId('d');
    await pipe(
      [Events.createTable(D, schema({ columns: [{ name: 'k', type: DataTypes.DECIMAL(10, 2) }], primaryKeys: ['k'] })), ...['10', '-2.5', '9.99', '-10', '0.5'].map((k) => Events.insert(D, [k]))],
      sink({ 'sink.id': ID }),
    );
    expect(db.rows(D).map((r) => r[0])).toEqual(['-10', '-2.5', '0.5', '9.99', '10']);
    const e = await caught(() => db.rows(tableId('nope')));
    expect(e.code).toBe('SCHEMA');
    expect(e.message).toContain('table nope does not exist in values database "sink-test" (tables: d)');
  });

  it('materialized.in.memory: false keeps schemas but no rows', async () => {
    await pipe([Events.createTable(T, ORDERS), Events.insert(T, [1n, '1', 'a'])], sink({ 'sink.id': ID, 'materialized.in.memory': false }));
    expect(db.schema(T)).toEqual(ORDERS);
    expect(db.rows(T)).toEqual([]);
  });

  it('data before create.table reached the writer is a SinkError', async () => {
    const w = await writer(sink({ 'sink.id': ID }));
    const e = await caught(() => w.write([Events.insert(T, [1n, '1', 'a'])]));
    expect(e.code).toBe('SINK');
    expect(e.message).toContain('INSERT for table app.orders before its create.table reached this writer');
  });

  it('a writer alone (no applier) creates the table from create.table', async () => {
    const w = await writer(sink({ 'sink.id': ID }));
    await w.write([Events.createTable(T, ORDERS), Events.insert(T, [1n, '1', 'a'])]);
    expect(db.rows(T)).toEqual([[1n, '1', 'a']]);
  });

  it('write and prepareCommit after close() fail; close() twice is fine', async () => {
    const w = await writer(sink({ 'sink.id': ID }));
    await w.close();
    await w.close();
    expect((await caught(() => w.write([]))).message).toContain('write() after close()');
    expect((await caught(() => w.prepareCommit(1))).message).toContain('prepareCommit() after close()');
  });
});

describe('values sink: schema changes', () => {
  const S = tableId('db', 's');
  const BASE = schema({
    columns: [
      { name: 'id', type: DataTypes.BIGINT(false) },
      { name: 'name', type: DataTypes.STRING() },
      { name: 'score', type: DataTypes.INT() },
    ],
    primaryKeys: ['id'],
  });
  const start = async () => {
    const s = sink({ 'sink.id': ID });
    const w = await pipe([Events.createTable(S, BASE), Events.insert(S, [1n, 'a', 10]), Events.insert(S, [2n, 'b', 20])], s);
    return { s, w };
  };

  it('add.column (FIRST, AFTER, LAST) adds nulls to stored rows; new rows use the new layout', async () => {
    const { s, w } = await start();
    await pipe(
      [
        Events.addColumn(S, [
          { column: { name: 'f', type: DataTypes.INT() }, position: 'FIRST' },
          { column: { name: 'n2', type: DataTypes.STRING() }, position: 'AFTER', existingColumn: 'name' },
          { column: { name: 'z', type: DataTypes.BOOLEAN() }, position: 'LAST' },
        ]),
        Events.insert(S, [7, 3n, 'c', 'cc', 30, true]),
      ],
      s,
      w,
    );
    expect(db.schema(S)?.columns.map((c) => c.name)).toEqual(['f', 'id', 'name', 'n2', 'score', 'z']);
    expect(db.rows(S)).toEqual([
      [null, 1n, 'a', null, 10, null],
      [null, 2n, 'b', null, 20, null],
      [7, 3n, 'c', 'cc', 30, true],
    ]);
  });

  it('drop.column, rename.column, alter.column.type transform the stored rows', async () => {
    const { s, w } = await start();
    await pipe([Events.renameColumn(S, { name: 'full_name' })], s, w);
    expect(db.rowsAsObjects(S)[0]).toEqual({ id: 1n, full_name: 'a', score: 10 });
    await pipe([Events.alterColumnType(S, { score: DataTypes.BIGINT() }, { score: DataTypes.INT() }), Events.insert(S, [3n, 'c', 9007199254740993n])], s, w);
    expect(db.rows(S).map((r) => r[2])).toEqual([10n, 20n, 9007199254740993n]);
    await pipe([Events.dropColumn(S, ['full_name']), Events.insert(S, [4n, 40n])], s, w);
    expect(db.rows(S)).toEqual([
      [1n, 10n],
      [2n, 20n],
      [3n, 9007199254740993n],
      [4n, 40n],
    ]);
  });

  it('dropping the primary key column leaves a table without key', async () => {
    const { s, w } = await start();
    await pipe([Events.dropColumn(S, ['id']), Events.insert(S, ['a', 10])], s, w);
    expect(db.schema(S)?.primaryKeys).toEqual([]);
    expect(db.rows(S)).toEqual([
      ['a', 10],
      ['a', 10],
      ['b', 20],
    ]);
  });

  it('truncate.table empties, drop.table removes, and a re-create starts empty', async () => {
    const { s, w } = await start();
    await pipe([Events.truncateTable(S), Events.insert(S, [5n, 'e', 50])], s, w);
    expect(db.rows(S)).toEqual([[5n, 'e', 50]]);
    await pipe([Events.dropTable(S)], s, w);
    expect(db.schema(S)).toBeUndefined();
    expect(db.tables()).toEqual([]);
    await pipe([Events.createTable(S, BASE)], s, w);
    expect(db.rows(S)).toEqual([]);
  });

  it('a replayed change already in place is a no-op (IF [NOT] EXISTS semantics); a conflicting one fails', async () => {
    const { s } = await start();
    const applier = s.metadataApplier();
    const add = Events.addColumnLast(S, { name: 'x', type: DataTypes.STRING() });
    await applier.applySchemaChange(add, signal());
    await applier.applySchemaChange(add, signal());
    await applier.applySchemaChange(Events.renameColumn(S, { name: 'nm' }), signal());
    await applier.applySchemaChange(Events.renameColumn(S, { name: 'nm' }), signal());
    await applier.applySchemaChange(Events.dropColumn(S, ['x']), signal());
    await applier.applySchemaChange(Events.dropColumn(S, ['x']), signal());
    await applier.applySchemaChange(Events.createTable(S, NO_KEY), signal());
    expect(db.schema(S)?.columns.map((c) => c.name)).toEqual(['id', 'nm', 'score']);
    const e = await caught(() => applier.applySchemaChange(Events.addColumnLast(S, { name: 'score', type: DataTypes.STRING() }), signal()));
    expect(e.code).toBe('SCHEMA');
    expect(e.message).toContain('column "score" already exists with another type');
    const missing = await caught(() => applier.applySchemaChange(Events.dropColumn(tableId('db', 'none'), ['a']), signal()));
    expect(missing.message).toContain('drop.column on db.none: the table does not exist in values database "sink-test"');
  });

  it('a writer whose view lags the database (another writer saw the change first) has its rows moved by name', async () => {
    const { s } = await start();
    const w1 = await writer(s, 0, 2);
    const w2 = await writer(s, 1, 2);
    await w1.write([Events.createTable(S, BASE)]);
    await w2.write([Events.createTable(S, BASE)]);
    await s.metadataApplier().applySchemaChange(Events.addColumn(S, [{ column: { name: 'f', type: DataTypes.STRING() }, position: 'FIRST' }]), signal());
    await w1.write([Events.addColumn(S, [{ column: { name: 'f', type: DataTypes.STRING() }, position: 'FIRST' }]), Events.insert(S, ['new', 3n, 'c', 30])]);
    await w2.write([Events.insert(S, [4n, 'd', 40])]);
    expect(db.rows(S).slice(2)).toEqual([
      ['new', 3n, 'c', 30],
      [null, 4n, 'd', 40],
    ]);
  });

  it('an alter.column.type whose values do not fit is a DataError naming table and column', async () => {
    const { s, w } = await start();
    await pipe([Events.insert(S, [3n, 'not a number', 1])], s, w);
    const e = await caught(() => s.metadataApplier().applySchemaChange(Events.alterColumnType(S, { name: DataTypes.INT() }), signal()));
    expect(e.code).toBe('DATA');
    expect(e.message).toContain('db.s: column "name"');
    expect(db.schema(S)?.columns[1].type).toEqual(DataTypes.STRING());
  });

  it('error.on.schema.change: the applier declares create.table only and rejects the rest', async () => {
    const s = sink({ 'sink.id': ID, 'error.on.schema.change': true });
    const applier = s.metadataApplier();
    expect(applier.supportedSchemaChanges).toEqual(['create.table']);
    await applier.applySchemaChange(Events.createTable(S, BASE), signal());
    const e = await caught(() => applier.applySchemaChange(Events.dropColumn(S, ['score']), signal()));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toContain('rejected schema change DropColumnEvent{tableId=db.s, droppedColumnNames=[score]} since error.on.schema.change is enabled');
  });

  it('supported.schema.changes limits what the applier declares and accepts (names or parts such as "column")', async () => {
    const applier = sink({ 'sink.id': ID, 'supported.schema.changes': ['create.table', 'column'] }).metadataApplier();
    expect(applier.supportedSchemaChanges).toEqual(['create.table', 'add.column', 'drop.column', 'rename.column', 'alter.column.type']);
    await applier.applySchemaChange(Events.createTable(S, BASE), signal());
    const e = await caught(() => applier.applySchemaChange(Events.truncateTable(S), signal()));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toContain('truncate.table on db.s is not among supported.schema.changes');
    expect(sink({ 'sink.id': ID }).metadataApplier().supportedSchemaChanges).toHaveLength(7);
  });
});

describe('values sink: print.enabled', () => {
  let out: string[] = [];
  beforeEach(() => {
    out = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('prints one line per event in Flink CDC values-sink format, prefixed by the subtask when parallel', async () => {
    const s = sink({ 'sink.id': ID, 'print.enabled': true });
    await pipe([Events.createTable(T, ORDERS), Events.insert(T, [1n, '12.50', null], { op_ts: '5' }), Events.flush([T], 'checkpoint')], s);
    const w = await writer(s, 1, 2);
    await w.write([Events.createTable(T, ORDERS), Events.delete(T, [1n, '12.50', null])]);
    expect(out.join('').split('\n').filter(Boolean)).toEqual([
      'CreateTableEvent{tableId=app.orders, schema=columns={`id` BIGINT NOT NULL,`amount` DECIMAL(38, 10),`note` STRING}, primaryKeys=id, options=()}',
      'DataChangeEvent{tableId=app.orders, before=[], after=[1, 12.50, null], op=INSERT, meta=({op_ts=5})}',
      '1> CreateTableEvent{tableId=app.orders, schema=columns={`id` BIGINT NOT NULL,`amount` DECIMAL(38, 10),`note` STRING}, primaryKeys=id, options=()}',
      '1> DataChangeEvent{tableId=app.orders, before=[1, 12.50, null], after=[], op=DELETE, meta=()}',
    ]);
  });

  it('prints nothing by default', async () => {
    await pipe([Events.createTable(T, ORDERS)], sink({ 'sink.id': ID }));
    expect(out).toEqual([]);
  });
});

describe('formatEvent', () => {
  it('formats every event kind', () => {
    const t = tableId('ns', 'db', 't');
    const s = schema({
      columns: [
        { name: 'id', type: DataTypes.INT(), comment: "it's" },
        { name: 'b', type: DataTypes.BYTES(), defaultValue: "''" },
      ],
      primaryKeys: ['id'],
      partitionKeys: ['id'],
      options: { bucket: '4' },
      comment: 'c',
    });
    expect(formatEvent(Events.createTable(t, s))).toBe(
      "CreateTableEvent{tableId=ns.db.t, schema=columns={`id` INT NOT NULL 'it''s',`b` BYTES DEFAULT ''}, primaryKeys=id, partitionKeys=id, options=({bucket=4}), comment=c}",
    );
    expect(formatEvent(Events.update(t, [1, new Uint8Array([0, 1])], [1, null]))).toBe('DataChangeEvent{tableId=ns.db.t, before=[1, AAE=], after=[1, null], op=UPDATE, meta=()}');
    expect(formatEvent(Events.addColumn(t, [{ column: { name: 'x', type: DataTypes.STRING() }, position: 'AFTER', existingColumn: 'id' }]))).toBe(
      'AddColumnEvent{tableId=ns.db.t, addedColumns=[ColumnWithPosition{column=`x` STRING, position=AFTER, existedColumnName=id}]}',
    );
    expect(formatEvent(Events.renameColumn(t, { a: 'b', c: 'd' }))).toBe('RenameColumnEvent{tableId=ns.db.t, nameMapping={a=b, c=d}}');
    expect(formatEvent(Events.alterColumnType(t, { a: DataTypes.BIGINT() }, { a: DataTypes.INT() }))).toBe('AlterColumnTypeEvent{tableId=ns.db.t, typeMapping={a=BIGINT}, oldTypeMapping={a=INT}}');
    expect(formatEvent(Events.truncateTable(t))).toBe('TruncateTableEvent{tableId=ns.db.t}');
    expect(formatEvent(Events.dropTable(t))).toBe('DropTableEvent{tableId=ns.db.t}');
    expect(formatEvent(Events.flush([t], 'end'))).toBe('FlushEvent{tableIds=[ns.db.t], reason=end}');
  });
});

describe('values sink: sink.failure.at', () => {
  it('write:N fails the Nth write call once (counted per sink.id until reset)', async () => {
    const s = sink({ 'sink.id': ID, 'sink.failure.at': 'write:2' });
    const w = await writer(s);
    await w.write([Events.createTable(T, ORDERS)]);
    const e = await caught(() => w.write([Events.insert(T, [1n, '1', 'a'])]));
    expect(e.code).toBe('SINK');
    expect(e.message).toContain('injected failure (sink.failure.at: write:2) at write call 2');
    expect(db.rows(T)).toEqual([]);
    const w2 = await writer(sink({ 'sink.id': ID, 'sink.failure.at': 'write:2' }));
    await w2.write([Events.createTable(T, ORDERS), Events.insert(T, [1n, '1', 'a'])]);
    expect(db.rows(T)).toHaveLength(1);
  });

  it('prepare-commit:N and apply:<type> / apply:*', async () => {
    const w = await writer(sink({ 'sink.id': ID, 'sink.failure.at': 'prepare-commit:2' }));
    await w.prepareCommit(1);
    expect((await caught(() => w.prepareCommit(2))).message).toContain('(sink.failure.at: prepare-commit:2) at prepare-commit call 2');
    const a = sink({ 'sink.id': ID, 'sink.failure.at': 'apply:add.column' }).metadataApplier();
    await a.applySchemaChange(Events.createTable(T, ORDERS), signal());
    for (let i = 0; i < 2; i++) {
      expect((await caught(() => a.applySchemaChange(Events.addColumnLast(T, { name: 'x', type: DataTypes.INT() }), signal()))).message).toContain(
        'injected failure (sink.failure.at: apply:add.column) applying add.column to app.orders',
      );
    }
    const all = sink({ 'sink.id': ID, 'sink.failure.at': 'apply:*' }).metadataApplier();
    expect((await caught(() => all.applySchemaChange(Events.truncateTable(T), signal()))).code).toBe('SINK');
  });

  it.each([
    ['explode:1', 'unknown point "explode"'],
    ['write:0', 'write takes a call number from 1'],
    ['write', 'expected <point>:<argument>'],
    ['apply:add.columns', '"add.columns" is not a schema change type'],
  ])('%s is a ConfigError', async (value, text) => {
    const e = await caught(() => sink({ 'sink.failure.at': value }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toContain(text);
  });
});

describe('values sink: sink.write.delay.ms', () => {
  it('slows every write call', async () => {
    const w = await writer(sink({ 'sink.id': ID, 'sink.write.delay.ms': 50 }));
    const t0 = Date.now();
    await w.write([]);
    await w.write([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
  });
});

describe('values sink: sink.output.file', () => {
  const B = tableId('db', 'bin');
  const BIN = schema({ columns: [{ name: 'id', type: DataTypes.BIGINT(false) }, { name: 'b', type: DataTypes.BYTES() }, { name: 'ts', type: DataTypes.TIMESTAMP(6) }], primaryKeys: ['id'] });

  it('writes every table at prepareCommit; readOutputFile reads it back exactly', async () => {
    const file = join(dir, 'out', 'state.json');
    const s = sink({ 'sink.id': ID, 'sink.output.file': file });
    const w = await pipe([Events.createTable(T, ORDERS), Events.insert(T, [9223372036854775807n, '0.0000000001', 'x']), Events.createTable(B, BIN), Events.insert(B, [1n, new Uint8Array([255, 0]), '2024-01-01T00:00:00.000001'])], s);
    expect(existsSync(file)).toBe(false);
    await w.prepareCommit(7);
    const out = readOutputFile(file);
    expect(out.sinkId).toBe(ID);
    expect(out.checkpointId).toBe(7);
    expect(Object.keys(out.tables)).toEqual(['app.orders', 'db.bin']);
    expect(out.tables['app.orders'].rows).toEqual([[9223372036854775807n, '0.0000000001', 'x']]);
    expect(out.tables['app.orders'].rowsAsJson).toEqual([{ id: '9223372036854775807', amount: '0.0000000001', note: 'x' }]);
    expect(out.tables['db.bin'].rows).toEqual([[1n, new Uint8Array([255, 0]), '2024-01-01T00:00:00.000001']]);
    expect(out.tables['db.bin'].schema).toEqual(BIN);
  });

  it('a restarted sink (new process: empty database) continues from the file of the last checkpoint', async () => {
    const file = join(dir, 'restart.json');
    const first = sink({ 'sink.id': ID, 'sink.output.file': file });
    const w = await pipe([Events.createTable(T, ORDERS), Events.insert(T, [1n, '1', 'a'])], first);
    await w.prepareCommit(1);
    await w.write([Events.insert(T, [2n, '2', 'lost in the crash'])]);
    db.reset(); // what kill -9 does to memory
    const second = sink({ 'sink.id': ID, 'sink.output.file': file });
    expect(db.tables()).toEqual([]); // create() alone does not touch the database
    const w2 = await writer(second);
    expect(db.rows(T)).toEqual([[1n, '1', 'a']]);
    // the runtime replays from the checkpoint: create.table to the writer, then the events after it
    await pipe([Events.createTable(T, ORDERS), Events.insert(T, [2n, '2', 'b'])], second, w2);
    await w2.prepareCommit(2);
    expect(readOutputFile(file).tables['app.orders'].rows).toEqual([
      [1n, '1', 'a'],
      [2n, '2', 'b'],
    ]);
  });

  it('a corrupted output file is a StateError naming the file', async () => {
    const file = join(dir, 'corrupt.json');
    for (const [text, why] of [
      ['{"format":1,"sinkId":"x","checkpointId":1,"tables":[', 'not JSON'],
      ['[]', 'not a JSON object'],
      ['{"format":9}', 'unknown format 9'],
      ['{"format":1,"sinkId":"x","checkpointId":1,"tables":[{"tableId":{"table":"t"},"schema":{},"rows":[]}]}', 'tables[0] is not {tableId, schema, rows}'],
    ]) {
      writeFileSync(file, text);
      const e = await caught(() => writer(sink({ 'sink.id': ID, 'sink.output.file': file })));
      expect(e.code).toBe('STATE');
      expect(e.message).toContain(`values output file ${file} is corrupted: ${why}`);
    }
    expect(readFileSync(file, 'utf8')).toContain('"format":1');
  });

  it('needs materialized.in.memory', async () => {
    const e = await caught(() => sink({ 'sink.output.file': join(dir, 'x.json'), 'materialized.in.memory': false }));
    expect(e.code).toBe('CONFIG');
  });
});

describe('ValuesDatabase', () => {
  it('instances are shared by name through globalThis and reset independently', () => {
    const a = ValuesDatabase.instance('shared-a');
    expect(ValuesDatabase.instance('shared-a')).toBe(a);
    const registry = (globalThis as unknown as Record<symbol, Map<string, ValuesDatabase>>)[Symbol.for('@cdc/connector-values/databases')];
    expect(registry.get('shared-a')).toBe(a);
    expect(ValuesDatabase.instanceIds()).toContain('shared-a');
  });

  it('the factory is declared as the registry expects', () => {
    expect(valuesSink.identifier).toBe('values');
    expect(valuesSink.kind).toBe('sink');
  });
});
