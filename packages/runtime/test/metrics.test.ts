import { describe, expect, it } from 'vitest';
import { Events, tableId } from '@cdc/core';
import { describeProgress, PipelineMetrics } from '../src/index.js';

describe('metrics', () => {
  it('counts changes per table, lag from op_ts, checkpoints', () => {
    const m = new PipelineMetrics();
    const t = tableId('db', 't');
    m.dataChange(Events.insert(t, [1], { op_ts: String(Date.now() - 5000) }));
    m.dataChange(Events.update(t, [1], [2]));
    m.dataChange(Events.delete(t, [2]));
    m.schemaChange('db.t');
    m.checkpointDone(7, 12);
    const s = m.snapshot();
    expect(s.tables['db.t']).toEqual({ inserts: 1, updates: 1, deletes: 1, schemaChanges: 1 });
    expect(s.events).toBe(4);
    expect(s.lagMs).toBeGreaterThanOrEqual(5000);
    expect(s.checkpoints).toMatchObject({ completed: 1, lastId: 7, lastDurationMs: 12 });
  });
  it('describes snapshot progress with a bar, percent and ETA', () => {
    const m = new PipelineMetrics();
    m.snapshotProgress({ table: tableId('db', 'big'), rowsRead: 250_000, rowsTotal: 1_000_000, done: false });
    m.snapshotProgress({ table: tableId('db', 'small'), rowsRead: 10, rowsTotal: 10, done: true });
    const line = describeProgress({ ...m.snapshot(), eventsPerSecond: 50_000 });
    expect(line).toMatch(/snapshot db\.big [█░]{24} 25% 250,000\/1,000,000 rows ETA 15s \| 1 tables done/);
    m.snapshotProgress({ table: tableId('db', 'big'), rowsRead: 1_000_000, rowsTotal: 1_000_000, done: true });
    expect(describeProgress(m.snapshot())).toMatch(/^snapshot done \(2 tables\)/);
  });
});
