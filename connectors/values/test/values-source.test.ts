import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DataTypes, tableId, type DataChangeEvent, type Event } from '@cdc/core';
import { EVENT_SET_IDS, EVENT_SETS, ValuesDatabase } from '../src/index.js';
import { caught, pipe, readAll, reader, sink, source } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-values-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = (events: Event[]): DataChangeEvent[] => events.filter((e): e is DataChangeEvent => e.kind === 'data');

const ORDERS_YAML = `
- {op: create, table: app.orders, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: amount, type: "DECIMAL(38, 10)"}, {name: ts, type: TIMESTAMP(6)}, {name: note, type: STRING}], primaryKeys: [id]}}
- {op: insert, table: app.orders, after: {id: 9223372036854775807, amount: 12345678901234567890.1234567890, ts: "2024-01-02 03:04:05.123456", note: hi}}
- {op: insert, table: app.orders, after: {id: "9223372036854775806", amount: "-0.0000000001", ts: "2024-01-02T03:04:05", note: 42}}
- {op: update, table: app.orders, before: {id: 9223372036854775806}, after: [9223372036854775806, "1.5", null, "x"]}
- {op: delete, table: app.orders, before: {id: 9223372036854775807}}
`;

describe('values source: inline events (YAML, JSON, JSON lines)', () => {
  it('reads YAML specs with exact BIGINT and DECIMAL values, written as numbers or strings', async () => {
    const { events } = await readAll(await reader(source({ events: ORDERS_YAML })));
    expect(events.map((e) => (e.kind === 'data' ? e.op : e.kind))).toEqual(['create.table', 'INSERT', 'INSERT', 'UPDATE', 'DELETE']);
    const [i1, i2, u, d] = data(events);
    expect(i1.after).toEqual([9223372036854775807n, '12345678901234567890.1234567890', '2024-01-02T03:04:05.123456', 'hi']);
    expect(i2.after).toEqual([9223372036854775806n, '-0.0000000001', '2024-01-02T03:04:05', '42']);
    expect(u.before).toEqual([9223372036854775806n, null, null, null]);
    expect(u.after).toEqual([9223372036854775806n, '1.5', null, 'x']);
    expect(d.before).toEqual([9223372036854775807n, null, null, null]);
    const create = events[0];
    expect(create.kind === 'create.table' && create.schema.columns[1].type).toEqual(DataTypes.DECIMAL(38, 10));
  });

  it('reads a JSON array and JSON lines in the events option', async () => {
    const create = { op: 'create', table: 't', schema: { columns: [{ name: 'id', type: 'INT' }], primaryKeys: ['id'] } };
    const json = await readAll(await reader(source({ events: JSON.stringify([create, { op: 'insert', table: 't', after: [1] }]) })));
    expect(data(json.events)[0].after).toEqual([1]);
    const lines = [create, { op: 'INSERT', table: 't', after: { id: 2 } }].map((x) => JSON.stringify(x)).join('\n');
    const jl = await readAll(await reader(source({ events: lines })));
    expect(data(jl.events)[0].after).toEqual([2]);
  });

  it('passes meta through and accepts create.table as an alias of create', async () => {
    const text = `
- {op: create.table, table: t, schema: {columns: [{name: id, type: INT NOT NULL, comment: the key}], primaryKeys: id}}
- {op: insert, table: t, after: {id: 1}, meta: {op_ts: 1700000000000}}`;
    const { events } = await readAll(await reader(source({ events: text })));
    expect(events[0].kind === 'create.table' && events[0].schema.columns[0]).toEqual({ name: 'id', type: DataTypes.INT(false), comment: 'the key' });
    expect(data(events)[0].meta).toEqual({ op_ts: '1700000000000' });
  });

  it('tracks schema changes: rows are read against the schema at their point of the list', async () => {
    const text = `
- {op: create, table: db.t, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: a, type: STRING}], primaryKeys: [id]}}
- {op: insert, table: db.t, after: [1, x]}
- {op: add.column, table: db.t, columns: [{name: first, type: INT, position: FIRST}, {name: b, type: "DECIMAL(10, 2)", position: AFTER, existing: a}]}
- {op: insert, table: db.t, after: [7, 2, y, "3.25"]}
- {op: rename.column, table: db.t, mapping: {a: aa}}
- {op: alter.column.type, table: db.t, types: {first: BIGINT}}
- {op: insert, table: db.t, after: {first: 9007199254740993, id: 3, aa: z}}
- {op: drop.column, table: db.t, columns: [b, first]}
- {op: insert, table: db.t, after: [4, w]}
- {op: truncate.table, table: db.t}
- {op: drop.table, table: db.t}`;
    const { events } = await readAll(await reader(source({ events: text })));
    const rows = data(events).map((e) => e.after);
    expect(rows).toEqual([[1n, 'x'], [7, 2n, 'y', '3.25'], [9007199254740993n, 3n, 'z', null], [4n, 'w']]);
    const alter = events.find((e) => e.kind === 'alter.column.type');
    expect(alter).toMatchObject({ typeMapping: { first: DataTypes.BIGINT() }, oldTypeMapping: { first: DataTypes.INT() } });
    expect(events.slice(-2).map((e) => e.kind)).toEqual(['truncate.table', 'drop.table']);
  });
});

describe('values source: events.file (JSON lines)', () => {
  it('reads a JSONL file with exact values, blank lines skipped', async () => {
    const file = join(dir, 'exact.jsonl');
    writeFileSync(
      file,
      [
        '{"op":"create","table":"db.t","schema":{"columns":[{"name":"id","type":"BIGINT NOT NULL"},{"name":"d","type":"DECIMAL(38, 10)"},{"name":"b","type":"BYTES"}],"primaryKeys":["id"]}}',
        '',
        '{"op":"insert","table":"db.t","after":{"id":9223372036854775807,"d":1234567890123456789012345678.1234567891,"b":"AAEC"}}',
        '{"op":"insert","table":"db.t","after":{"id":"-9223372036854775808","d":"0.5"}}',
      ].join('\n'),
    );
    const { events } = await readAll(await reader(source({ 'events.file': file })));
    const [a, b] = data(events);
    expect(a.after).toEqual([9223372036854775807n, '1234567890123456789012345678.1234567891', new Uint8Array([0, 1, 2])]);
    expect(b.after).toEqual([-9223372036854775808n, '0.5', null]);
  });

  it('reads the file again for each reader (lines appended since create() are seen)', async () => {
    const file = join(dir, 'grow.jsonl');
    writeFileSync(file, '{"op":"create","table":"t","schema":{"columns":[{"name":"id","type":"INT"}]}}\n');
    const src = source({ 'events.file': file });
    appendFileSync(file, '{"op":"insert","table":"t","after":[1]}\n');
    expect((await readAll(await reader(src))).events).toHaveLength(2);
  });

  it('with source.unbounded follows the file: appended lines arrive, a half-written line waits for its end', async () => {
    const file = join(dir, 'tail.jsonl');
    writeFileSync(file, '{"op":"create","table":"t","schema":{"columns":[{"name":"id","type":"INT"}]}}\n');
    const r = await reader(source({ 'events.file': file, 'source.unbounded': true }));
    const it = r.read()[Symbol.asyncIterator]();
    expect((await it.next()).value?.events).toHaveLength(1);
    const next = it.next();
    appendFileSync(file, '{"op":"insert","table":"t",');
    await new Promise((res) => setTimeout(res, 80));
    appendFileSync(file, '"after":[5]}\n');
    const batch = await next;
    expect(batch.value?.events.map((e: Event) => (e.kind === 'data' ? e.after : e.kind))).toEqual([[5]]);
    expect(batch.value?.state?.()).toEqual({ next: 2 });
    const pending = it.next();
    await r.close();
    expect((await pending).done).toBe(true);
  });

  it('names the file, line and event index for invalid JSON and for bad values', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"op":"create","table":"t","schema":{"columns":[{"name":"id","type":"INT"}]}}\n\n{"op":"insert","table":"t","after":{"id":1}\n');
    const e1 = await caught(() => source({ 'events.file': file }));
    expect(e1.code).toBe('CONFIG');
    expect(e1.message).toContain(`${file}:3 (event 1): invalid JSON`);
    writeFileSync(file, '{"op":"create","table":"t","schema":{"columns":[{"name":"id","type":"INT"}]}}\n{"op":"insert","table":"t","after":{"id":"abc"}}\n');
    const e2 = await caught(() => source({ 'events.file': file }));
    expect(e2.code).toBe('DATA');
    expect(e2.message).toContain(`${file}:2 (event 1): after: column "id"`);
  });

  it('a missing file is a ConfigError naming the path', async () => {
    const e = await caught(() => source({ 'events.file': join(dir, 'nope.jsonl') }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toMatch(/events\.file .*nope\.jsonl does not exist/);
  });
});

describe('values source: built-in event sets', () => {
  beforeEach(() => ValuesDatabase.instance('event-sets').reset());

  it.each(EVENT_SET_IDS)('%s compiles and lands in the values sink', async (id) => {
    const { events } = await readAll(await reader(source({ 'event-set.id': id })));
    expect(events).toHaveLength(EVENT_SETS[id].length);
    await pipe(events, sink({ 'sink.id': 'event-sets' }));
    expect(ValuesDatabase.instance('event-sets').tables().length).toBeGreaterThan(0);
  });

  it('SINGLE_SPLIT_SINGLE_TABLE (the default) ends as in Flink CDC: col1, newCol3 = (2, x), (3, null)', async () => {
    const { events } = await readAll(await reader(source({})));
    await pipe(events, sink({ 'sink.id': 'event-sets' }));
    const db = ValuesDatabase.instance('event-sets');
    const t = tableId('default_namespace', 'default_schema', 'table1');
    expect(db.schema(t)?.columns.map((c) => c.name)).toEqual(['col1', 'newCol3']);
    expect(db.rows(t)).toEqual([
      ['2', 'x'],
      ['3', null],
    ]);
  });

  it('MULTI_SPLITS_SINGLE_TABLE ends with rows 1, 3, 5 (col3 = x, x, null)', async () => {
    const { events } = await readAll(await reader(source({ 'event-set.id': 'MULTI_SPLITS_SINGLE_TABLE' })));
    await pipe(events, sink({ 'sink.id': 'event-sets' }));
    expect(ValuesDatabase.instance('event-sets').rows(tableId('default_namespace', 'default_schema', 'table1'))).toEqual([
      ['1', '1', 'x'],
      ['3', '3', 'x'],
      ['5', '5', null],
    ]);
  });
});

describe('values source: batches, state and resume', () => {
  const ten = (): string => {
    const lines = ['- {op: create, table: t, schema: {columns: [{name: id, type: INT NOT NULL}], primaryKeys: [id]}}'];
    for (let i = 1; i <= 9; i++) lines.push(`- {op: insert, table: t, after: [${i}]}`);
    return lines.join('\n');
  };

  it('cuts batch.size batches, each with the state {next} after it', async () => {
    const { sizes, states } = await readAll(await reader(source({ events: ten(), 'batch.size': 4 })));
    expect(sizes).toEqual([4, 4, 2]);
    expect(states).toEqual([{ next: 4 }, { next: 8 }, { next: 10 }]);
  });

  it('state() captures its position: a later call still returns the batch position', async () => {
    const r = await reader(source({ events: ten(), 'batch.size': 3 }));
    const states: (() => unknown)[] = [];
    for await (const b of r.read()) if (b.state) states.push(b.state);
    expect(states.map((s) => s())).toEqual([{ next: 3 }, { next: 6 }, { next: 9 }, { next: 10 }]);
  });

  it('resumes from a restored state', async () => {
    const { events } = await readAll(await reader(source({ events: ten() }), { next: 7 }));
    expect(data(events).map((e) => e.after)).toEqual([[7], [8], [9]]);
    expect((await readAll(await reader(source({ events: ten() }), { next: 10 }))).events).toEqual([]);
  });

  it.each([['garbage'], [42], [null], [[1, 2]], [{}], [{ next: -1 }], [{ next: 1.5 }], [{ next: '3' }], [{ next: 1, extra: true }]])(
    'a corrupted state %j is a StateError',
    async (state) => {
      const e = await caught(() => reader(source({ events: ten() }), state));
      expect(e.code).toBe('STATE');
      expect(e.message).toMatch(/values source state is corrupted: expected \{"next": <index of the next event>\}, got/);
    },
  );

  it('a state past the end of the events is a StateError', async () => {
    const e = await caught(() => reader(source({ events: ten() }), { next: 11 }));
    expect(e.code).toBe('STATE');
    expect(e.message).toContain('resumes at event 11, but the events option has only 10 events');
  });

  it('source.failure.after throws a SourceError after N events of this reader (also after a resume)', async () => {
    const r = await reader(source({ events: ten(), 'batch.size': 4, 'source.failure.after': 6 }));
    const got: number[] = [];
    const e = await caught(async () => {
      for await (const b of r.read()) got.push(b.events.length);
    });
    expect(got).toEqual([4, 2]);
    expect(e.code).toBe('SOURCE');
    expect(e.message).toContain('injected failure after 6 events (source.failure.after: 6), before event 6');
    const resumed = await reader(source({ events: ten(), 'batch.size': 4, 'source.failure.after': 6 }), { next: 6 });
    expect((await readAll(resumed)).sizes).toEqual([4]);
  });

  it('source.unbounded keeps the reader open, emitting nothing, until closed or aborted', async () => {
    const r = await reader(source({ events: ten(), 'source.unbounded': true, 'batch.size': 100 }));
    const it = r.read()[Symbol.asyncIterator]();
    expect((await it.next()).value?.events).toHaveLength(10);
    const pending = it.next();
    const raced = await Promise.race([pending, new Promise((res) => setTimeout(() => res('waiting'), 100))]);
    expect(raced).toBe('waiting');
    await r.close();
    await r.close();
    expect((await pending).done).toBe(true);

    const ac = new AbortController();
    const r2 = await reader(source({ events: ten(), 'source.unbounded': true, 'batch.size': 100 }), undefined, ac.signal);
    const it2 = r2.read()[Symbol.asyncIterator]();
    await it2.next();
    const pending2 = it2.next();
    ac.abort();
    expect((await pending2).done).toBe(true);
  });

  it('source.delay.ms pauses between batches', async () => {
    const t0 = Date.now();
    await readAll(await reader(source({ events: ten(), 'batch.size': 5, 'source.delay.ms': '60ms' })));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });
});

describe('values source: metadata', () => {
  it('lists the tables of the create events and their schema after the changes', async () => {
    const text = `
- {op: create, table: ns.db.a, schema: {columns: [{name: id, type: INT NOT NULL}], primaryKeys: [id]}}
- {op: create, table: db.b, schema: {columns: [{name: id, type: INT}]}}
- {op: create, table: db.gone, schema: {columns: [{name: id, type: INT}]}}
- {op: add.column, table: db.b, columns: [{name: x, type: STRING}]}
- {op: drop.table, table: db.gone}`;
    const meta = source({ events: text }).metadata();
    expect(await meta.listTables()).toEqual([tableId('db', 'b'), tableId('ns', 'db', 'a')]);
    expect(await meta.listTables(undefined, 'db')).toHaveLength(2);
    expect(await meta.listTables('ns', 'db')).toEqual([tableId('ns', 'db', 'a')]);
    expect(await meta.listNamespaces!()).toEqual(['ns']);
    expect(await meta.listSchemas!()).toEqual(['db']);
    expect((await meta.getTableSchema(tableId('db', 'b'))).columns.map((c) => c.name)).toEqual(['id', 'x']);
    const e = await caught(() => meta.getTableSchema(tableId('db', 'gone')));
    expect(e.code).toBe('SCHEMA');
  });
});

describe('values source: invalid specs and options', () => {
  const create = '- {op: create, table: t, schema: {columns: [{name: id, type: INT NOT NULL}, {name: ts, type: TIMESTAMP(3)}, {name: flag, type: BOOLEAN}], primaryKeys: [id]}}';
  const cases: [string, string, string, string][] = [
    ['unknown op', `${create}\n- {op: upsert, table: t}`, 'CONFIG', 'events[1] (line 2): unknown op "upsert"'],
    ['unknown key', `${create}\n- {op: insert, table: t, after: [1, null, null], befor: [1]}`, 'CONFIG', 'events[1] (line 2): unknown key "befor" in a insert spec'],
    ['table not created', `${create}\n- {op: insert, table: u, after: [1]}`, 'CONFIG', 'events[1] (line 2): insert on table u, which has no create event before it (known tables: t)'],
    ['bad type', '- {op: create, table: t, schema: {columns: [{name: id, type: "BIGNUM"}]}}', 'CONFIG', 'events[0] (line 1): column "id": invalid data type "BIGNUM"'],
    ['unknown key column', '- {op: create, table: t, schema: {columns: [{name: id, type: INT}], primaryKeys: [nope]}}', 'CONFIG', 'key column "nope" is not a column'],
    ['not an integer', `${create}\n- {op: insert, table: t, after: {id: abc}}`, 'DATA', 'events[1] (line 2): after: column "id": "abc" is not an integer'],
    ['NOT NULL', `${create}\n- {op: insert, table: t, after: {ts: "2024-01-01T00:00:00"}}`, 'DATA', 'after: column "id" is NOT NULL but has no value'],
    ['rounding a timestamp', `${create}\n- {op: insert, table: t, after: {id: 1, ts: "2024-01-01T00:00:00.123456"}}`, 'DATA', 'has more fractional digits than TIMESTAMP(3) keeps'],
    ['bad timestamp', `${create}\n- {op: insert, table: t, after: {id: 1, ts: "yesterday"}}`, 'DATA', 'column "ts": "yesterday" is not a TIMESTAMP'],
    ['delete without key', `${create}\n- {op: delete, table: t, before: {flag: true}}`, 'DATA', 'before: primary key column "id" has no value'],
    ['wrong arity', `${create}\n- {op: insert, table: t, after: [1]}`, 'DATA', 'row has 1 values but the table has 3 columns'],
    ['drop unknown column', `${create}\n- {op: drop.column, table: t, columns: [nope]}`, 'CONFIG', 'column "nope" does not exist'],
    ['BEFORE without existing', `${create}\n- {op: add.column, table: t, columns: [{name: x, type: INT, position: BEFORE}]}`, 'CONFIG', 'position BEFORE needs "existing"'],
    ['not a list', 'op: insert\ntable: [', 'CONFIG', 'events line 2: not a valid YAML/JSON list of event specs'],
    ['a scalar', '42', 'CONFIG', 'events: expected a list of event specs, got "42"'],
  ];
  it.each(cases)('%s', async (_name, events, code, text) => {
    const e = await caught(() => source({ events }));
    expect(e.code).toBe(code);
    expect(e.message).toContain(text);
  });

  it('events, events.file and event-set.id are exclusive; batch.size and source.failure.after are checked', async () => {
    expect((await caught(() => source({ events: '[]', 'event-set.id': 'SINGLE_SPLIT_SINGLE_TABLE' }))).message).toContain('options events and event-set.id are exclusive');
    expect((await caught(() => source({ 'batch.size': 0 }))).message).toContain('"batch.size" must be at least 1');
    expect((await caught(() => source({ 'source.failure.after': -1 }))).message).toContain('"source.failure.after" must be 0 or more');
    expect((await caught(() => source({ 'event-set.id': 'NOPE' }))).message).toContain('option "event-set.id" has value "NOPE", expected one of SINGLE_SPLIT_SINGLE_TABLE');
  });
});
