import { describe, expect, it } from 'vitest';
import { DataTypes, Events, schema, tableId, type DataSource, type Event, type MetadataAccessor, type SourceBatch, type SourceReaderContext } from '@cdc/core';
import { Mirror, readSource } from '../src/index.js';

const T = tableId('db', 't');
const S = schema({ columns: [{ name: 'id', type: DataTypes.INT(false) }, { name: 'v', type: DataTypes.STRING() }], primaryKeys: ['id'] });

/** A source of `batches` (then endless silence unless `ends`), with the state "after <n>" on each batch. */
function fakeSource(batches: Event[][], ends = true) {
  const seen: { ctx?: SourceReaderContext; closed: boolean } = { closed: false };
  const source: DataSource = {
    metadata: () => ({}) as MetadataAccessor,
    createReader(ctx) {
      seen.ctx = ctx;
      return {
        async *read(): AsyncIterable<SourceBatch> {
          for (let i = 0; i < batches.length; i++) yield { events: batches[i]!, ...(i % 2 === 0 ? { state: () => `after ${i}` } : {}) };
          if (!ends) await new Promise((r) => ctx.signal.addEventListener('abort', r));
        },
        close: async () => void (seen.closed = true),
      };
    },
  };
  return { source, seen };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => Events.insert(T, [i, `v${i}`]));

describe('readSource', () => {
  it('reads to the end, with the state of the last batch that had one, and closes the reader', async () => {
    const { source, seen } = fakeSource([[Events.createTable(T, S)], rows(2), rows(3)]);
    const batches: number[] = [];
    const r = await readSource(source, { parallelism: 3, restoredState: { at: 1 }, onBatch: (n, evs) => void batches.push(n * 100 + evs.length) });
    expect(r.events).toHaveLength(6);
    expect(r.batches).toBe(3);
    expect(r.state).toBe('after 2');
    expect(batches).toEqual([101, 203, 306]);
    expect(seen.ctx).toMatchObject({ restoredState: { at: 1 }, pipeline: { parallelism: 3, localTimeZone: 'UTC' } });
    expect(seen.ctx!.signal.aborted).toBe(true);
    expect(seen.closed).toBe(true);
  });

  it('stops at `until` or after a batch with a state (stopAfterState), and fails after timeoutMs saying what came', async () => {
    expect((await readSource(fakeSource([rows(1), rows(1), rows(1)]).source, { until: (evs) => evs.length >= 2 })).batches).toBe(2);
    const early = await readSource(fakeSource([rows(1), rows(1), rows(1)]).source, { stopAfterState: (evs) => evs.length >= 2 });
    expect([early.batches, early.state]).toEqual([3, 'after 2']);
    const { source, seen } = fakeSource([rows(2)], false);
    await expect(readSource(source, { timeoutMs: 50 })).rejects.toThrow(/reader did not finish within 50 ms; 2 events so far: .*"after":\[1,"v1"\]/);
    expect(seen.closed).toBe(true);
  });
});

describe('Mirror', () => {
  it('applies upserts, deletes, truncate and column changes by primary key', () => {
    const m = new Mirror().apply([
      Events.createTable(T, S),
      ...rows(3),
      Events.update(T, [1, 'v1'], [1, 'one']),
      Events.delete(T, [0, 'v0']),
      Events.addColumnLast(T, { name: 'n', type: DataTypes.INT() }),
      Events.insert(T, [5, 'five', 50]),
      Events.renameColumn(T, { v: 'w' }),
      Events.dropColumn(T, ['n']),
    ]);
    expect([...m.table('db.t').entries()].sort()).toEqual([
      ['1', [1, 'one']],
      ['2', [2, 'v2']],
      ['5', [5, 'five']],
    ]);
    expect(m.schemas.get('db.t')!.columns.map((c) => c.name)).toEqual(['id', 'w']);
    m.apply([Events.truncateTable(T)]);
    expect(m.table('db.t').size).toBe(0);
  });
});
