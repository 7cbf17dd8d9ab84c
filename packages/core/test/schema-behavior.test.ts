import { describe, expect, it } from 'vitest';
import {
  applySchemaChange,
  column,
  DataTypes as T,
  deriveSchemaChanges,
  Events,
  expandSchemaChangeTypes,
  formatSchema,
  parseSchemaChangeBehavior,
  schema,
  SCHEMA_CHANGE_BEHAVIORS,
  tableId,
  type Schema,
  type SchemaChangeEvent,
} from '../src/index.js';

const id = tableId('db', 'orders');
const base: Schema = schema({
  columns: [column('id', T.BIGINT()), column('name', T.VARCHAR(10)), column('qty', T.INT(false))],
  primaryKeys: ['id'],
});

/** Applies the derived events in order, as the schema operator does. */
function evolve(behavior: (typeof SCHEMA_CHANGE_BEHAVIORS)[number], s: Schema, e: SchemaChangeEvent) {
  const out = deriveSchemaChanges(behavior, s, e);
  return { events: out, schema: out.reduce<Schema>((acc, x) => applySchemaChange(acc, x), s) };
}

const EVENTS: Record<string, SchemaChangeEvent> = {
  add: Events.addColumn(id, [{ column: column('note', T.STRING(false)), position: 'AFTER', existingColumn: 'id' }]),
  drop: Events.dropColumn(id, ['qty']),
  rename: Events.renameColumn(id, { name: 'title' }),
  widen: Events.alterColumnType(id, { qty: T.BIGINT(false) }),
  narrow: Events.alterColumnType(id, { name: T.VARCHAR(5) }),
  truncate: Events.truncateTable(id),
  dropTable: Events.dropTable(id),
};

describe('applySchemaChange', () => {
  it('adds columns at FIRST / LAST / BEFORE / AFTER', () => {
    let s = applySchemaChange(base, Events.addColumn(id, [{ column: column('a', T.INT()), position: 'FIRST' }]));
    s = applySchemaChange(s, Events.addColumn(id, [{ column: column('b', T.INT()), position: 'BEFORE', existingColumn: 'qty' }]));
    s = applySchemaChange(s, Events.addColumn(id, [{ column: column('c', T.INT()), position: 'AFTER', existingColumn: 'id' }]));
    s = applySchemaChange(s, Events.addColumnLast(id, column('d', T.INT())));
    expect(s.columns.map((c) => c.name)).toEqual(['a', 'id', 'c', 'name', 'b', 'qty', 'd']);
  });
  it('drops, renames (keys follow), alters types', () => {
    expect(applySchemaChange(base, EVENTS.drop).columns.map((c) => c.name)).toEqual(['id', 'name']);
    const r = applySchemaChange(base, Events.renameColumn(id, { id: 'order_id' }));
    expect(r.primaryKeys).toEqual(['order_id']);
    expect(formatSchema(applySchemaChange(base, EVENTS.widen))).toContain('qty BIGINT NOT NULL');
  });
  it('primary key columns stay NOT NULL', () => {
    expect(base.columns[0].type.nullable).toBe(false);
    const s = applySchemaChange(base, Events.alterColumnType(id, { id: T.DECIMAL(20, 0) }));
    expect(s.columns[0].type.nullable).toBe(false);
  });
  it('errors name the table and column', () => {
    expect(() => applySchemaChange(base, Events.dropColumn(id, ['nope']))).toThrow(/drop.column on db.orders: column "nope" does not exist/);
    expect(() => applySchemaChange(base, Events.addColumnLast(id, column('id', T.INT())))).toThrow(/already exists/);
    expect(() => applySchemaChange(base, Events.renameColumn(id, { name: 'qty' }))).toThrow(/two columns would be named "qty"/);
    expect(() => applySchemaChange(undefined, EVENTS.drop)).toThrow(/no known schema/);
  });
  it('truncate and drop table leave the schema', () => {
    expect(applySchemaChange(base, EVENTS.truncate)).toBe(base);
    expect(applySchemaChange(base, EVENTS.dropTable)).toBe(base);
  });
});

describe('schema change behaviours × event kinds', () => {
  it('create.table always passes for a new table, in every behaviour', () => {
    for (const b of SCHEMA_CHANGE_BEHAVIORS) {
      expect(deriveSchemaChanges(b, undefined, Events.createTable(id, base))).toHaveLength(1);
    }
  });

  it('exception: every change other than a first create.table fails', () => {
    for (const [name, e] of Object.entries(EVENTS)) {
      expect(() => deriveSchemaChanges('exception', base, e), name).toThrow(/not allowed: schema.change.behavior is exception/);
    }
    // the same table announced again (a restart, a second shard) is no change
    expect(deriveSchemaChanges('exception', base, Events.createTable(id, base))).toEqual([]);
    const wider = schema({ columns: [...base.columns, column('x', T.INT())], primaryKeys: ['id'] });
    expect(() => deriveSchemaChanges('exception', base, Events.createTable(id, wider))).toThrow(/created again/);
  });

  it('ignore: nothing reaches the sink', () => {
    for (const e of Object.values(EVENTS)) expect(deriveSchemaChanges('ignore', base, e)).toEqual([]);
    expect(deriveSchemaChanges('ignore', base, Events.createTable(id, base))).toEqual([]);
  });

  it('evolve and try_evolve: every change is forwarded as is', () => {
    for (const b of ['evolve', 'try_evolve'] as const) {
      for (const e of Object.values(EVENTS)) expect(deriveSchemaChanges(b, base, e)).toEqual([e]);
    }
  });

  describe('lenient', () => {
    it('add.column: appended last, nullable', () => {
      const { events, schema: s } = evolve('lenient', base, EVENTS.add);
      expect(events).toHaveLength(1);
      expect(events[0].kind).toBe('add.column');
      expect(formatSchema(s)).toBe('(id BIGINT NOT NULL, name VARCHAR(10), qty INT NOT NULL, note STRING, PRIMARY KEY (id))');
    });
    it('add.column of an existing column widens it instead', () => {
      const e = Events.addColumnLast(id, column('name', T.VARCHAR(40)));
      const { schema: s } = evolve('lenient', base, e);
      expect(formatSchema(s)).toContain('name VARCHAR(40)');
    });
    it('drop.column: the column stays and becomes nullable', () => {
      const { events, schema: s } = evolve('lenient', base, EVENTS.drop);
      expect(events.map((e) => e.kind)).toEqual(['alter.column.type']);
      expect(formatSchema(s)).toContain('qty INT,');
      expect(formatSchema(s)).not.toContain('qty INT NOT NULL');
      // dropping an already nullable column changes nothing
      expect(deriveSchemaChanges('lenient', base, Events.dropColumn(id, ['name']))).toEqual([]);
    });
    it('rename.column: the new name is added, the old one kept', () => {
      const { events, schema: s } = evolve('lenient', base, EVENTS.rename);
      expect(events.map((e) => e.kind)).toEqual(['add.column']);
      expect(s.columns.map((c) => c.name)).toEqual(['id', 'name', 'qty', 'title']);
    });
    it('alter.column.type: only widening goes through', () => {
      const widened = evolve('lenient', base, EVENTS.widen);
      expect(formatSchema(widened.schema)).toContain('qty BIGINT NOT NULL');
      expect(deriveSchemaChanges('lenient', base, EVENTS.narrow)).toEqual([]);
      // incompatible change: the sink column becomes a type that holds both
      const other = evolve('lenient', base, Events.alterColumnType(id, { qty: T.DATE() }));
      expect(formatSchema(other.schema)).toContain('qty STRING');
    });
    it('truncate.table and drop.table are not forwarded', () => {
      expect(deriveSchemaChanges('lenient', base, EVENTS.truncate)).toEqual([]);
      expect(deriveSchemaChanges('lenient', base, EVENTS.dropTable)).toEqual([]);
    });
    it('create.table of a known table merges into it', () => {
      const wider = schema({ columns: [column('id', T.BIGINT()), column('name', T.VARCHAR(20)), column('extra', T.INT())], primaryKeys: ['id'] });
      const { schema: s } = evolve('lenient', base, Events.createTable(id, wider));
      expect(formatSchema(s)).toBe('(id BIGINT NOT NULL, name VARCHAR(20), qty INT NOT NULL, extra INT, PRIMARY KEY (id))');
    });
  });

  it('parses behaviour names and include/exclude lists', () => {
    expect(parseSchemaChangeBehavior('TRY_EVOLVE')).toBe('try_evolve');
    expect(parseSchemaChangeBehavior('try-evolve')).toBe('try_evolve');
    expect(() => parseSchemaChangeBehavior('yolo')).toThrow(/use one of: ignore, lenient, try_evolve, evolve, exception/);
    expect([...expandSchemaChangeTypes(['column'], 'x')].sort()).toEqual(['add.column', 'alter.column.type', 'drop.column', 'rename.column']);
    expect([...expandSchemaChangeTypes(['drop'], 'x')].sort()).toEqual(['drop.column', 'drop.table']);
    expect(() => expandSchemaChangeTypes(['bogus'], 'sink.include.schema.changes')).toThrow(/"bogus" is not a schema change type/);
  });
});
