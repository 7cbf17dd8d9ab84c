import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { column, DataTypes as T, Events, schema, tableId, type Event, type SinkWriter } from '@cdc/core';
import { FileCheckpointStore, fnv1a, Partitioner, WriterChannel, type CheckpointData } from '../src/index.js';

const sample: CheckpointData = {
  format: 1,
  pipeline: 'p',
  checkpointId: 3,
  time: '2024-01-01T00:00:00Z',
  sourceType: 'values',
  sinkType: 'values',
  sourceState: { next: 10, big: '18446744073709551615' },
  schemas: { upstream: [], evolved: [], raw: {} },
  committables: [{ txn: 1 }],
};

describe('FileCheckpointStore', () => {
  it('saves atomically and loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-ckpt-'));
    const store = new FileCheckpointStore(dir);
    expect(store.load()).toBeUndefined();
    store.save(sample);
    store.save({ ...sample, checkpointId: 4 });
    expect(store.load()).toEqual({ ...sample, checkpointId: 4 });
  });
  it('a corrupted file is a StateError that says what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-ckpt-'));
    writeFileSync(join(dir, 'checkpoint.json'), '{"format": 1, "checkpointId": ');
    const err = (() => {
      try {
        new FileCheckpointStore(dir).load();
      } catch (e) {
        return e as { code: string; message: string };
      }
    })();
    expect(err?.code).toBe('STATE');
    expect(err?.message).toMatch(/checkpoint file .*checkpoint.json is corrupted/);
    expect(err?.message).toMatch(/delete the state dir/);
    writeFileSync(join(dir, 'checkpoint.json'), '{"format": 1, "checkpointId": "x"}');
    expect(() => new FileCheckpointStore(dir).load()).toThrow(/checkpointId missing/);
  });
});

describe('Partitioner', () => {
  const t = tableId('db', 't');
  const s = schema({ columns: [column('id', T.BIGINT()), column('v', T.STRING())], primaryKeys: ['id'] });
  it('keeps one key on one writer and spreads keys', () => {
    const p = new Partitioner(4, () => s);
    const a = p.partition(Events.insert(t, [1n, 'x']));
    expect(p.partition(Events.update(t, [1n, 'x'], [1n, 'y']))).toBe(a);
    expect(p.partition(Events.delete(t, [1n, 'y']))).toBe(a);
    const used = new Set(Array.from({ length: 200 }, (_, i) => p.partition(Events.insert(t, [BigInt(i), '']))));
    expect(used.size).toBe(4);
  });
  it('is stable', () => {
    expect(fnv1a('db.t')).toBe(fnv1a('db.t'));
  });
});

describe('WriterChannel', () => {
  it('batches while a write is in flight and applies back-pressure', async () => {
    const batches: number[] = [];
    let release: () => void = () => undefined;
    const writer: SinkWriter = {
      write: (events: readonly Event[]) => {
        batches.push(events.length);
        return new Promise<void>((r) => (release = r));
      },
      prepareCommit: async () => undefined,
      close: async () => undefined,
    };
    const ch = new WriterChannel(writer, 5);
    const t = tableId('a', 'b');
    ch.push(Events.insert(t, [1]));
    await ch.dispatch();
    for (let i = 0; i < 4; i++) ch.push(Events.insert(t, [i]));
    await ch.dispatch(); // 4 pending < 5: returns at once
    ch.push(Events.insert(t, [9]));
    let waited = false;
    const d = ch.dispatch().then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(waited).toBe(false);
    release();
    await d;
    expect(batches).toEqual([1, 5]);
    release();
    await ch.drain();
  });
  it('surfaces a write failure on the next dispatch', async () => {
    const writer: SinkWriter = { write: async () => Promise.reject(new Error('boom')), prepareCommit: async () => undefined, close: async () => undefined };
    const ch = new WriterChannel(writer, 10);
    ch.push(Events.insert(tableId('a', 'b'), [1]));
    await ch.dispatch();
    await expect(ch.drain()).rejects.toThrow('boom');
  });
});
