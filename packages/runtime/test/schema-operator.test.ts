import { describe, expect, it } from 'vitest';
import { column, DataTypes as T, Events, formatSchema, schema, SCHEMA_CHANGE_TYPES, tableId, type DataChangeEvent, type SchemaChangeBehavior, type SchemaChangeType } from '@cdc/core';
import { memoryLogger, Router, SchemaOperator } from '../src/index.js';

const orders = tableId('app', 'orders');
const base = schema({ columns: [column('id', T.INT()), column('name', T.VARCHAR(10))], primaryKeys: ['id'] });

function operator(behavior: SchemaChangeBehavior, routes: { sourceTable: string; sinkTable: string; line: number }[] = [], supported: readonly SchemaChangeType[] = SCHEMA_CHANGE_TYPES) {
  const op = new SchemaOperator({ behavior, supported: new Set(supported), router: new Router(routes), logger: memoryLogger() });
  /** applies every planned change, as the runner does when the sink accepts them */
  const apply = (e: Parameters<SchemaOperator['plan']>[0]) => {
    const planned = op.plan(e);
    for (const p of planned) op.applied(p);
    op.upstreamChanged(e);
    return planned;
  };
  const map = (e: DataChangeEvent) => {
    const out: DataChangeEvent[] = [];
    op.mapData(e, out);
    return out;
  };
  return { op, apply, map };
}

describe('SchemaOperator', () => {
  it('1:1 without changes passes rows through untouched', () => {
    const { apply, map } = operator('lenient');
    apply(Events.createTable(orders, base));
    const e = Events.insert(orders, [1, 'a']);
    expect(map(e)[0]).toBe(e);
  });

  it('lenient: dropped column stays (null), added column appended, rows fitted by name', () => {
    const { op, apply, map } = operator('lenient');
    apply(Events.createTable(orders, base));
    apply(Events.addColumn(orders, [{ column: column('qty', T.INT()), position: 'FIRST' }]));
    expect(formatSchema(op.sinkSchema(orders)!)).toBe('(id INT NOT NULL, name VARCHAR(10), qty INT, PRIMARY KEY (id))');
    // upstream row order is qty, id, name
    expect(map(Events.insert(orders, [5, 1, 'a']))[0].after).toEqual([1, 'a', 5]);
    apply(Events.dropColumn(orders, ['name']));
    expect(map(Events.insert(orders, [6, 2]))[0].after).toEqual([2, null, 6]);
  });

  it('ignore: new columns are dropped from rows, widened types cast to the old sink type', () => {
    const { apply, map, op } = operator('ignore');
    apply(Events.createTable(orders, base));
    apply(Events.addColumnLast(orders, column('extra', T.STRING())));
    apply(Events.alterColumnType(orders, { name: T.STRING() }));
    expect(formatSchema(op.sinkSchema(orders)!)).toBe(formatSchema(base));
    expect(map(Events.insert(orders, [1, 'abc', 'x']))[0].after).toEqual([1, 'abc']);
  });

  it('try_evolve with a refused change keeps the old schema and casts rows, failing clearly when a value does not fit', () => {
    const { op, map } = operator('try_evolve');
    const create = Events.createTable(orders, base);
    for (const p of op.plan(create)) op.applied(p);
    op.upstreamChanged(create);
    const alter = Events.alterColumnType(orders, { id: T.BIGINT(false) });
    expect(op.plan(alter)).toHaveLength(1);
    op.upstreamChanged(alter); // the sink refused: not applied
    expect(map(Events.insert(orders, [7n, 'a']))[0].after).toEqual([7, 'a']);
    expect(() => map(Events.insert(orders, [2n ** 40n, 'a']))).toThrow(/table app.orders, column "id".*out of range for INT/);
  });

  it('unsupported change types are not planned; rows still fit', () => {
    const { op, apply, map } = operator('evolve', [], ['create.table', 'add.column']);
    apply(Events.createTable(orders, base));
    expect(apply(Events.dropColumn(orders, ['name']))).toEqual([]);
    expect(formatSchema(op.sinkSchema(orders)!)).toBe(formatSchema(base));
    expect(map(Events.insert(orders, [1]))[0].after).toEqual([1, null]);
  });

  it('sharded tables merge into one sink table; a drop in one shard does not drop the column', () => {
    const { op, apply, map } = operator('evolve', [{ sourceTable: 'app.orders_\\.*', sinkTable: 'ods.orders', line: 1 }]);
    const s1 = tableId('app', 'orders_1');
    const s2 = tableId('app', 'orders_2');
    apply(Events.createTable(s1, base));
    apply(Events.createTable(s2, schema({ columns: [column('id', T.BIGINT()), column('name', T.VARCHAR(10)), column('city', T.STRING())], primaryKeys: ['id'] })));
    const sink = tableId('ods', 'orders');
    expect(formatSchema(op.sinkSchema(sink)!)).toBe('(id BIGINT NOT NULL, name VARCHAR(10), city STRING, PRIMARY KEY (id))');
    expect(map(Events.insert(s1, [1, 'a']))[0]).toMatchObject({ tableId: sink, after: [1n, 'a', null] });
    expect(map(Events.insert(s2, [2n, 'b', 'x']))[0].after).toEqual([2n, 'b', 'x']);
    apply(Events.dropColumn(s2, ['city']));
    expect(formatSchema(op.sinkSchema(sink)!)).toContain('city STRING');
  });

  it('exception: a schema change fails with a clear message', () => {
    const { apply } = operator('exception');
    apply(Events.createTable(orders, base));
    expect(() => apply(Events.addColumnLast(orders, column('x', T.INT())))).toThrow(/not allowed: schema.change.behavior is exception/);
  });

  it('snapshot/restore round trip', () => {
    const a = operator('lenient');
    a.apply(Events.createTable(orders, base));
    a.apply(Events.addColumnLast(orders, column('x', T.INT())));
    const b = operator('lenient');
    b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
    expect(b.map(Events.insert(orders, [1, 'a', 3]))[0].after).toEqual([1, 'a', 3]);
  });
});
