import { describe, expect, it } from 'vitest';
import { column, DataTypes as T, Events, formatSchema, schema, tableId, type DataChangeEvent, type Event, type Schema } from '@cdc/core';
import { compileTransforms, type TransformRule } from '../../src/transform/index.js';
import { diffSchemas } from '../../src/transform/schema-diff.js';
import { errorOf, FIXED_NOW, run } from './helpers.js';

const ORDERS = tableId('mydb', 'orders');
const USERS = tableId('mydb', 'users');
const OTHER = tableId('otherdb', 'orders');

const ORDERS_SCHEMA = schema({
  columns: [column('id', T.INT(false)), column('name', T.STRING(), { comment: 'customer' }), column('age', T.INT())],
  primaryKeys: ['id'],
});

const create = (id = ORDERS, s: Schema = ORDERS_SCHEMA) => Events.createTable(id, s);
const schemaOf = (events: Event[]) => formatSchema((events.find((e) => e.kind === 'create.table') as { schema: Schema }).schema);
const data = (events: Event[]) =>
  events.filter((e): e is DataChangeEvent => e.kind === 'data').map((e) => ({ op: e.op, before: e.before, after: e.after }));

describe('projection', () => {
  it('* plus computed columns and metadata columns', () => {
    const out = run(
      [{ sourceTable: 'mydb.orders', projection: "*, UPPER(name) AS up_name, id + 1 AS next_id, __table_name__ AS tbl, __namespace_name__ || '.' || __schema_name__ AS ns, __data_event_type__ AS op" }],
      [create(), Events.insert(ORDERS, [1, 'alice', 30]), Events.update(ORDERS, [1, 'alice', 30], [1, 'bob', 31]), Events.delete(ORDERS, [1, 'bob', 31])],
    );
    expect(schemaOf(out)).toBe('(id INT NOT NULL, name STRING, age INT, up_name STRING, next_id INT NOT NULL, tbl STRING NOT NULL, ns STRING, op STRING NOT NULL, PRIMARY KEY (id))');
    expect(data(out)).toEqual([
      { op: 'INSERT', before: null, after: [1, 'alice', 30, 'ALICE', 2, 'orders', null, '+I'] },
      { op: 'UPDATE', before: [1, 'alice', 30, 'ALICE', 2, 'orders', null, '-U'], after: [1, 'bob', 31, 'BOB', 2, 'orders', null, '+U'] },
      { op: 'DELETE', before: [1, 'bob', 31, 'BOB', 2, 'orders', null, '-D'], after: null },
    ]);
  });

  it('a projection without * keeps only what it names, in its order; a plain column keeps its comment', () => {
    const out = run([{ sourceTable: 'mydb.orders', projection: 'age, id, name AS customer' }], [create(), Events.insert(ORDERS, [1, 'alice', 30])]);
    const s = (out[0] as { schema: Schema }).schema;
    expect(formatSchema(s)).toBe('(age INT, id INT NOT NULL, customer STRING, PRIMARY KEY (id))');
    expect(s.columns[2].comment).toBe('customer');
    expect(data(out)[0].after).toEqual([30, 1, 'alice']);
  });

  it('a later column of the same name replaces the earlier one in its place', () => {
    const out = run([{ sourceTable: 'mydb.orders', projection: '*, UPPER(name) AS name' }], [create(), Events.insert(ORDERS, [1, 'alice', 30])]);
    expect(schemaOf(out)).toBe('(id INT NOT NULL, name STRING, age INT, PRIMARY KEY (id))');
    expect(data(out)[0].after).toEqual([1, 'ALICE', 30]);
  });

  it('metadata from the meta map (op_ts) can be read as a typed column', () => {
    const out = run([{ sourceTable: 'mydb.orders', projection: 'id, op_ts, ts_ms' }], [create(), Events.insert(ORDERS, [1, 'a', 2], { op_ts: '1704067200000', ts_ms: '5' })], {
      metadataColumns: { op_ts: 'BIGINT', ts_ms: T.INT() },
    });
    expect(data(out)[0].after).toEqual([1, 1704067200000n, 5]);
  });

  it('an identity projection passes rows and events through unchanged', () => {
    const ins = Events.insert(ORDERS, [1, 'a', 2]);
    const out = run([{ sourceTable: 'mydb.orders', projection: '*' }], [create(), ins]);
    expect(out[1]).toBe(ins);
  });

  it('the first matching rule wins; tables no rule matches pass untouched', () => {
    const rules: TransformRule[] = [
      { sourceTable: 'mydb.orders', projection: 'id, name', filter: 'id > 1' },
      { sourceTable: 'mydb.\\.*', projection: "*, 'fallback' AS fb" },
    ];
    const usersSchema = schema({ columns: [column('id', T.INT(false))], primaryKeys: ['id'] });
    const ins = Events.insert(OTHER, [1, 'x', 1]);
    const out = run(rules, [create(), create(USERS, usersSchema), create(OTHER), Events.insert(ORDERS, [1, 'a', 1]), Events.insert(ORDERS, [2, 'b', 1]), Events.insert(USERS, [7]), ins]);
    expect(formatSchema((out[0] as { schema: Schema }).schema)).toBe('(id INT NOT NULL, name STRING, PRIMARY KEY (id))');
    expect(formatSchema((out[1] as { schema: Schema }).schema)).toBe('(id INT NOT NULL, fb VARCHAR(8) NOT NULL, PRIMARY KEY (id))');
    expect(out[2]).toEqual(create(OTHER));
    expect(data(out)).toEqual([
      { op: 'INSERT', before: null, after: [2, 'b'] },
      { op: 'INSERT', before: null, after: [7, 'fallback'] },
      { op: 'INSERT', before: null, after: [1, 'x', 1] },
    ]);
    expect(out[out.length - 1]).toBe(ins);
  });

  it('source-table patterns: comma lists, \\. as any character, case-insensitive, whole match', () => {
    const op = compileTransforms([{ sourceTable: 'MYDB.ord\\.rs, x.y', projection: "*, 1 AS one" }], { timeZone: 'UTC' });
    expect(op.process(create())[0]).not.toEqual(create());
    expect(op.process(create(tableId('x', 'y'), ORDERS_SCHEMA))[0]).not.toEqual(create(tableId('x', 'y'), ORDERS_SCHEMA));
    expect(op.process(create(tableId('mydb', 'orders2')))[0]).toEqual(create(tableId('mydb', 'orders2')));
  });
});

describe('filter', () => {
  const rules: TransformRule[] = [{ sourceTable: 'mydb.orders', filter: "age > 18 AND name LIKE 'a%'" }];

  it('drops inserts and deletes whose row does not pass (NULL does not pass)', () => {
    const out = run(rules, [create(), Events.insert(ORDERS, [1, 'alice', 30]), Events.insert(ORDERS, [2, 'al', 10]), Events.insert(ORDERS, [3, 'x', null]), Events.delete(ORDERS, [1, 'alice', 30]), Events.delete(ORDERS, [2, 'bob', 40])]);
    expect(data(out)).toEqual([
      { op: 'INSERT', before: null, after: [1, 'alice', 30] },
      { op: 'DELETE', before: [1, 'alice', 30], after: null },
    ]);
  });

  it('an update that leaves the filter becomes a delete, one that enters it an insert, as in Flink CDC', () => {
    const out = run(rules, [
      create(),
      Events.update(ORDERS, [1, 'alice', 30], [1, 'alice', 31]),
      Events.update(ORDERS, [1, 'alice', 31], [1, 'alice', 10]),
      Events.update(ORDERS, [1, 'alice', 10], [1, 'alice', 20]),
      Events.update(ORDERS, [1, 'bob', 10], [1, 'bob', 20]),
      Events.update(ORDERS, null, [1, 'alice', 40]),
      Events.update(ORDERS, null, [1, 'alice', 4]),
    ]);
    expect(data(out)).toEqual([
      { op: 'UPDATE', before: [1, 'alice', 30], after: [1, 'alice', 31] },
      { op: 'DELETE', before: [1, 'alice', 31], after: null },
      { op: 'INSERT', before: null, after: [1, 'alice', 20] },
      { op: 'UPDATE', before: null, after: [1, 'alice', 40] },
    ]);
  });

  it('a filter may use computed columns of the projection (they shadow upstream names) and dropped upstream columns', () => {
    const out = run(
      [{ sourceTable: 'mydb.orders', projection: 'id, UPPER(name) AS name, age + 1 AS next_age', filter: "name = 'ALICE' AND next_age > age" }],
      [create(), Events.insert(ORDERS, [1, 'alice', 30]), Events.insert(ORDERS, [2, 'bob', 30])],
    );
    expect(data(out)).toEqual([{ op: 'INSERT', before: null, after: [1, 'ALICE', 31] }]);
  });

  it('__data_event_type__ in a filter sees -U for the before and +U for the after of an update', () => {
    const out = run([{ sourceTable: 'mydb.orders', filter: "__data_event_type__ <> '-D'" }], [create(), Events.update(ORDERS, [1, 'a', 1], [1, 'b', 2]), Events.delete(ORDERS, [1, 'b', 2])]);
    expect(data(out)).toEqual([{ op: 'UPDATE', before: [1, 'a', 1], after: [1, 'b', 2] }]);
  });

  it('a filter must be a boolean; type errors name the table', () => {
    expect(errorOf(() => run([{ sourceTable: 'mydb.orders', filter: 'age + 1' }], [create()]))).toMatch(/a filter must be a boolean condition, got INT/);
    expect(errorOf(() => run([{ sourceTable: 'mydb.orders', filter: 'agee > 1' }], [create()]))).toMatch(/unknown column "agee" in table mydb\.orders \(columns: id, name, age;.*at position 1/);
  });

  it('errors while evaluating a row name the table, the column and the expression', () => {
    const msg = errorOf(() => run([{ sourceTable: 'mydb.orders', projection: 'id, 100 / age AS r' }], [create(), Events.insert(ORDERS, [1, 'a', 0])]));
    expect(msg).toMatch(/DataError|transform of mydb\.orders \(rule #1 \(source-table mydb\.orders\)\): column r = 100 \/ age AS r: division by zero/);
  });
});

describe('primary keys, partition keys, table options', () => {
  it('applies primary-keys (made NOT NULL), partition-keys and table-options of the rule', () => {
    const op = compileTransforms([{ sourceTable: 'mydb.orders', projection: 'id, UPPER(name) AS product, age', primaryKeys: 'id, product', partitionKeys: 'age', tableOptions: 'bucket=17, replication_num = 1' }], { timeZone: 'UTC' });
    const s = (op.process(create())[0] as { schema: Schema }).schema;
    expect(formatSchema(s)).toBe('(id INT NOT NULL, product STRING NOT NULL, age INT, PRIMARY KEY (id, product))');
    expect(s.partitionKeys).toEqual(['age']);
    expect(s.options).toEqual({ bucket: '17', replication_num: '1' });
  });
  it('table-options.delimiter', () => {
    const op = compileTransforms([{ sourceTable: 'mydb.orders', tableOptions: 'sequence.field=a,b;file-index.bloom-filter.columns=c', tableOptionsDelimiter: ';' }], { timeZone: 'UTC' });
    expect((op.process(create())[0] as { schema: Schema }).schema.options).toEqual({ 'sequence.field': 'a,b', 'file-index.bloom-filter.columns': 'c' });
  });
  it('keys that are not columns of the projection are errors', () => {
    expect(errorOf(() => run([{ sourceTable: 'mydb.orders', projection: 'id, name', primaryKeys: 'age' }], [create()]))).toMatch(/primary key "age" of rule #1 .* is not a column of the transformed table mydb\.orders \(columns: id, name\)/);
    expect(errorOf(() => run([{ sourceTable: 'mydb.orders', projection: 'name, age' }], [create()]))).toMatch(/primary key column "id" of table mydb\.orders is not in the projection .* — project id, or set primary-keys in the rule/);
  });
});

describe('schema changes', () => {
  const star: TransformRule[] = [{ sourceTable: 'mydb.orders', projection: '*, UPPER(name) AS up' }];
  const explicit: TransformRule[] = [{ sourceTable: 'mydb.orders', projection: 'id, UPPER(name) AS up' }];

  it('with *, an added column appears downstream at its place (before the computed columns)', () => {
    const op = compileTransforms(star, { timeZone: 'UTC' });
    op.process(create());
    const out = op.process(Events.addColumnLast(ORDERS, column('email', T.STRING())));
    expect(out).toEqual([Events.addColumn(ORDERS, [{ column: column('email', T.STRING()), position: 'AFTER', existingColumn: 'age' }])]);
    expect(formatSchema(op.schemaOf(ORDERS)!)).toBe('(id INT NOT NULL, name STRING, age INT, email STRING, up STRING, PRIMARY KEY (id))');
    expect(data(op.process(Events.insert(ORDERS, [1, 'a', 2, 'a@x'])))).toEqual([{ op: 'INSERT', before: null, after: [1, 'a', 2, 'a@x', 'A'] }]);
    const first = op.process(Events.addColumn(ORDERS, [{ column: column('z', T.INT()), position: 'FIRST' }]));
    expect(first).toEqual([Events.addColumn(ORDERS, [{ column: column('z', T.INT()), position: 'FIRST' }])]);
  });

  it('with an explicit projection, an added column that is not referenced is not sent', () => {
    const op = compileTransforms(explicit, { timeZone: 'UTC' });
    op.process(create());
    expect(op.process(Events.addColumnLast(ORDERS, column('email', T.STRING())))).toEqual([]);
    expect(data(op.process(Events.insert(ORDERS, [1, 'a', 2, 'a@x'])))).toEqual([{ op: 'INSERT', before: null, after: [1, 'A'] }]);
  });

  it('drop, rename and type changes pass through with *; computed columns follow the type of their inputs', () => {
    const op = compileTransforms([{ sourceTable: 'mydb.orders', projection: '*, age + 1 AS next_age' }], { timeZone: 'UTC' });
    op.process(create());
    expect(op.process(Events.renameColumn(ORDERS, { name: 'customer' }))).toEqual([Events.renameColumn(ORDERS, { name: 'customer' })]);
    expect(op.process(Events.alterColumnType(ORDERS, { age: T.BIGINT() }))).toEqual([
      Events.alterColumnType(ORDERS, { age: T.BIGINT(), next_age: T.BIGINT() }, { age: T.INT(), next_age: T.INT() }),
    ]);
    expect(op.process(Events.dropColumn(ORDERS, ['customer']))).toEqual([Events.dropColumn(ORDERS, ['customer'])]);
    expect(formatSchema(op.schemaOf(ORDERS)!)).toBe('(id INT NOT NULL, age BIGINT, next_age BIGINT, PRIMARY KEY (id))');
    expect(data(op.process(Events.insert(ORDERS, [1, 9007199254740993n])))).toEqual([{ op: 'INSERT', before: null, after: [1, 9007199254740993n, 9007199254740994n] }]);
  });

  it('with an explicit projection, a type change of a referenced column is forwarded, others are not', () => {
    const op = compileTransforms([{ sourceTable: 'mydb.orders', projection: 'id, age' }], { timeZone: 'UTC' });
    op.process(create());
    expect(op.process(Events.alterColumnType(ORDERS, { name: T.VARCHAR(10) }))).toEqual([]);
    expect(op.process(Events.alterColumnType(ORDERS, { age: T.BIGINT() }))).toEqual([Events.alterColumnType(ORDERS, { age: T.BIGINT() }, { age: T.INT() })]);
    expect(op.process(Events.dropColumn(ORDERS, ['name']))).toEqual([]);
  });

  it('dropping or renaming a column the projection references is a clear error', () => {
    const op = compileTransforms(explicit, { timeZone: 'UTC' });
    op.process(create());
    expect(errorOf(() => op.process(Events.dropColumn(ORDERS, ['name'])))).toMatch(
      /^\[cdc\] transform projection "id, UPPER\(name\) AS up" of rule #1 \(source-table mydb\.orders\): unknown column "name" in table mydb\.orders \(columns: id, age;.*\) at position 11 — after drop\.column name — the transform rule #1 .* no longer fits the table/,
    );
    const op2 = compileTransforms([{ sourceTable: 'mydb.orders', projection: 'id, name' }], { timeZone: 'UTC' });
    op2.process(create());
    expect(errorOf(() => op2.process(Events.renameColumn(ORDERS, { name: 'customer' })))).toMatch(/unknown column "name".*after rename\.column name -> customer/);
  });

  it('an upstream column named like a computed one replaces it in place', () => {
    const op = compileTransforms([{ sourceTable: 'mydb.orders', projection: "*, 'x' AS tag" }], { timeZone: 'UTC' });
    op.process(create());
    const out = op.process(Events.addColumnLast(ORDERS, column('tag', T.INT()), column('more', T.INT())));
    expect(formatSchema(op.schemaOf(ORDERS)!)).toBe('(id INT NOT NULL, name STRING, age INT, tag VARCHAR(1) NOT NULL, more INT, PRIMARY KEY (id))');
    expect(out).toEqual([Events.addColumn(ORDERS, [{ column: column('more', T.INT()), position: 'AFTER', existingColumn: 'tag' }])]);
  });

  it('a column that must move is dropped and added again (schema changes cannot reorder)', () => {
    const before = schema({ columns: [column('a', T.INT()), column('b', T.INT()), column('c', T.INT())] });
    const after = schema({ columns: [column('c', T.INT()), column('a', T.INT()), column('b', T.BIGINT())] });
    expect(diffSchemas(ORDERS, before, after, Events.addColumnLast(ORDERS))).toEqual([
      Events.dropColumn(ORDERS, ['c']),
      Events.alterColumnType(ORDERS, { b: T.BIGINT() }, { b: T.INT() }),
      Events.addColumn(ORDERS, [{ column: column('c', T.INT()), position: 'FIRST' }]),
    ]);
  });

  it('truncate and drop table pass; data before create.table is an error', () => {
    const op = compileTransforms(star, { timeZone: 'UTC' });
    op.process(create());
    expect(op.process(Events.truncateTable(ORDERS))).toEqual([Events.truncateTable(ORDERS)]);
    expect(op.process(Events.dropTable(ORDERS))).toEqual([Events.dropTable(ORDERS)]);
    expect(errorOf(() => op.process(Events.insert(ORDERS, [1, 'a', 2])))).toMatch(/data for table mydb\.orders, whose schema the transform does not know/);
    expect(op.process(Events.flush([ORDERS], 'checkpoint'))).toEqual([Events.flush([ORDERS], 'checkpoint')]);
  });

  it('a row that does not match the schema is an error', () => {
    expect(errorOf(() => run(star, [create(), Events.insert(ORDERS, [1, 'a'])]))).toMatch(/has 2 values but its schema has 3 columns/);
  });
});

describe('snapshot and restore', () => {
  it('restore rebuilds the projected schemas from the upstream ones', () => {
    const rules: TransformRule[] = [{ sourceTable: 'mydb.orders', projection: 'id, age * 2 AS double_age' }];
    const a = compileTransforms(rules, { timeZone: 'UTC' });
    a.process(create());
    a.process(Events.alterColumnType(ORDERS, { age: T.BIGINT() }));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, Schema>;
    expect(Object.keys(snap)).toEqual(['mydb.orders']);
    const b = compileTransforms(rules, { timeZone: 'UTC' });
    b.restore(snap);
    expect(formatSchema(b.schemaOf(ORDERS)!)).toBe('(id INT NOT NULL, double_age BIGINT, PRIMARY KEY (id))');
    expect(data(b.process(Events.insert(ORDERS, [1, 'a', 4n])))).toEqual([{ op: 'INSERT', before: null, after: [1, 8n] }]);
  });
});

describe('now', () => {
  it('defaults to the real clock and can be injected', () => {
    const out = run([{ sourceTable: 'mydb.orders', projection: 'id, LOCALTIMESTAMP AS ts' }], [create(), Events.insert(ORDERS, [1, 'a', 1])], { timeZone: '+01:00', now: () => FIXED_NOW });
    expect(data(out)[0].after).toEqual([1, '2024-03-10T02:30:00.123']);
    const real = run([{ sourceTable: 'mydb.orders', projection: 'id, CURRENT_TIMESTAMP AS ts' }], [create(), Events.insert(ORDERS, [1, 'a', 1])], { now: undefined });
    expect(Math.abs(Date.parse(data(real)[0].after![1] as string) - Date.now())).toBeLessThan(60_000);
  });
});
