/**
 * The reader against the real PostgreSQL: exported-snapshot reads (chunked, parallel) followed by pgoutput with no
 * gap and no duplicate, exact values of every type family, TOASTed values, schema changes from relation messages,
 * resume from a state (mid-snapshot and mid-stream), confirmed flush LSN only after a checkpoint, heartbeats.
 */
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { DataChangeEvent, Event } from '@cdc/core';
import { Mirror, admin, dropSlot, createSource, dataEvents, runReader, useDatabase, sleep } from './helpers.js';
import { createTestLogger } from '@cdc/testkit';

const DB = 'cdc_pg_reader';
let db: pg.Client;

useDatabase(DB, (c) => void (db = c));

const opts = (slot: string, tables: string, extra: Record<string, unknown> = {}) => ({
  tables: `${DB}.${tables}`,
  'slot.name': slot,
  'debezium.publication.name': slot,
  ...extra,
});

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes:${Buffer.from(x).toString('hex')}` : x));

describe('postgres reader', () => {
  it('reads every type family exactly, in the snapshot and in the stream', async () => {
    await db.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE types (
        id bigint PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, n numeric(20,4), nu numeric, r real, d double precision, b boolean,
        t text, vc varchar(10), c char(3), by bytea, dt date, tm time, tmtz timetz, ts timestamp, tstz timestamptz(6), iv interval,
        u uuid, j json, jb jsonb, ai integer[], at text[], e mood, ine inet, ci cidr, big text)`);
    const row = `(1, -32768, -2147483648, 9223372036854775807, '-9999999999999999.9999', '123456789012345678901234567890.123456789012345678901', 'NaN', '-Infinity', true,
      'tab\there, newline\nand backslash \\\\ 😀', 'varchar', 'ab', '\\x00ff10', '2024-02-29', '23:59:59.999999', '12:00:00+05:30', '2024-01-01 00:00:00.000001',
      '2024-06-30 23:59:59.999999+02', '1 year 2 months 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50]}',
      '{1,NULL,3}', '{"a,b","c\\"d",NULL,"NULL"}', 'happy', '192.168.0.1/24', '10.0.0.0/8', repeat('x', 10))`;
    await db.query(`INSERT INTO types VALUES ${row}`);
    await db.query(`INSERT INTO types (id, nu, r, d) VALUES (2, 'Infinity', 'Infinity', 'NaN')`);
    const source = createSource(opts('cdc_pg_types', 'public.types'));
    let phase = 0;
    const res = await runReader(source, {
      until: (ev) => dataEvents(ev).length >= 4,
      onBatch: async (_n, ev) => {
        if (phase === 0 && dataEvents(ev).length >= 2) {
          phase = 1;
          await db.query(`INSERT INTO types SELECT 3, i2, i4, i8, n, nu, r, d, b, t, vc, c, by, dt, tm, tmtz, ts, tstz, iv, u, j, jb, ai, at, e, ine, ci, big FROM types WHERE id = 1`);
          await db.query(`UPDATE types SET big = repeat('y', 200000) WHERE id = 2`);
        }
      },
    });
    const create = res.events.find((e) => e.kind === 'create.table')!;
    expect(create.kind === 'create.table' && create.schema.columns.map((c) => `${c.name} ${c.type.type}`)).toEqual([
      'id BIGINT', 'i2 SMALLINT', 'i4 INT', 'i8 BIGINT', 'n DECIMAL', 'nu STRING', 'r FLOAT', 'd DOUBLE', 'b BOOLEAN', 't STRING', 'vc VARCHAR', 'c CHAR', 'by BYTES',
      'dt DATE', 'tm TIME', 'tmtz STRING', 'ts TIMESTAMP', 'tstz TIMESTAMP_LTZ', 'iv STRING', 'u STRING', 'j STRING', 'jb STRING', 'ai ARRAY', 'at ARRAY', 'e STRING',
      'ine STRING', 'ci STRING', 'big STRING',
    ]);
    const data = dataEvents(res.events);
    const expected = [
      1n, -32768, -2147483648, 9223372036854775807n, '-9999999999999999.9999', '123456789012345678901234567890.123456789012345678901', NaN, -Infinity, true,
      'tab\there, newline\nand backslash \\\\ 😀', 'varchar', 'ab ', new Uint8Array([0, 255, 16]), '2024-02-29', '23:59:59.999999', '12:00:00+05:30', '2024-01-01T00:00:00.000001',
      '2024-06-30T21:59:59.999999Z', 'P1Y2M3DT4H5M6.789S', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50]}', '{"a": [1, 2.50], "b": 1}',
      [1, null, 3], ['a,b', 'c"d', null, 'NULL'], 'happy', '192.168.0.1/24', '10.0.0.0/8', 'x'.repeat(10),
    ];
    expect(json(data[0].after)).toBe(json(expected));
    expect(data[0].meta.snapshot).toBe('true');
    expect(json(data[1].after!.slice(0, 8))).toBe(json([2n, null, null, null, null, 'Infinity', Infinity, NaN]));
    // the stream carries the same values as the snapshot
    expect(data[2].op).toBe('INSERT');
    expect(json(data[2].after)).toBe(json([3n, ...expected.slice(1)]));
    expect(Number(data[2].meta.op_ts)).toBeGreaterThan(Date.now() - 600_000);
    expect(data[3].op).toBe('UPDATE');
    expect((data[3].after![27] as string).length).toBe(200000);
    await dropSlot('cdc_pg_types');
  }, 60_000);

  it('snapshot and stream meet without gap or duplicate under concurrent writes (parallel chunks); TOAST, schema changes', async () => {
    await db.query(`CREATE TABLE busy (id integer PRIMARY KEY, v bigint NOT NULL, doc text)`);
    await db.query(`INSERT INTO busy SELECT g, g * 10, CASE WHEN g % 500 = 0 THEN repeat(md5(g::text), 1000) END FROM generate_series(1, 5000) g`);
    const source = createSource(opts('cdc_pg_busy', 'public.busy', { 'scan.incremental.snapshot.chunk.size': 300 }));
    let writer: Promise<void> | undefined;
    let stop = false;
    let written = 0;
    const m = new Mirror();
    let reader: import('@cdc/core').SourceReader | undefined;
    const res = await runReader(source, {
      parallelism: 3,
      timeoutMs: 90_000,
      onBatch: async (n, ev, r) => {
        reader = r;
        if (n === 1) {
          writer = (async () => {
            for (let i = 0; !stop && i < 300; i++) {
              await db.query('INSERT INTO busy VALUES ($1, $2)', [10000 + i, i]);
              await db.query('UPDATE busy SET v = v + 1 WHERE id = $1', [1 + ((i * 37) % 5000)]);
              await db.query('DELETE FROM busy WHERE id = $1', [4000 + i]);
              written++;
            }
          })();
        }
      },
      // the writer's last statement is the DELETE of 4299; waiting for its INSERT of 10299 raced that DELETE
      until: (ev) => written >= 300 && dataEvents(ev).some((e) => e.op === 'DELETE' && e.before?.[0] === 4299),
    });
    stop = true;
    await writer;
    expect((res.reader as unknown as { inFlightMax: number }).inFlightMax).toBeGreaterThan(1);
    void reader;
    m.apply(res.events);
    const rows = (await db.query<{ id: number; v: string; doc: string | null }>('SELECT id, v::text, doc FROM busy ORDER BY id')).rows;
    const mirrored = [...m.table('public.busy').values()].sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(mirrored.length).toBe(rows.length);
    expect(mirrored.map((r) => `${r[0]}:${r[1]}:${(r[2] as string | null)?.length ?? 'null'}`)).toEqual(rows.map((r) => `${r.id}:${r.v}:${r.doc?.length ?? 'null'}`));
    // no duplicate: every snapshot row once
    const snap = dataEvents(res.events).filter((e) => e.meta.snapshot);
    expect(new Set(snap.map((e) => e.after![0])).size).toBe(snap.length);
    await dropSlot('cdc_pg_busy');
  }, 120_000);

  it('TOASTed values left out of updates are filled (DEFAULT from the table, FULL from the old tuple), never NULL', async () => {
    await db.query(`CREATE TABLE toasty (id int PRIMARY KEY, n int, doc text, js jsonb)`);
    await db.query(`CREATE TABLE toasty_full (id int PRIMARY KEY, n int, doc text)`);
    await db.query(`ALTER TABLE toasty_full REPLICA IDENTITY FULL`);
    const big = Array.from({ length: 5000 }, (_, i) => `w${i * 7919}`).join(' ');
    await db.query(`INSERT INTO toasty VALUES (1, 0, $1, $2)`, [big, JSON.stringify({ big })]);
    await db.query(`INSERT INTO toasty_full VALUES (1, 0, $1)`, [big]);
    const log = createTestLogger();
    const source = createSource(opts('cdc_pg_toast', 'public.toasty\\.*'), log);
    let done = false;
    const res = await runReader(source, {
      logger: log,
      onBatch: async (_n, ev) => {
        if (!done && dataEvents(ev).length === 2) {
          done = true;
          await db.query('UPDATE toasty SET n = 1 WHERE id = 1');
          await db.query('UPDATE toasty_full SET n = 1 WHERE id = 1');
          await db.query('DELETE FROM toasty_full WHERE id = 1');
        }
      },
      until: (ev) => dataEvents(ev).length >= 5,
    });
    const ups = dataEvents(res.events).filter((e) => e.op === 'UPDATE');
    const t = ups.find((e) => e.tableId.table === 'toasty')!;
    expect(t.after![2]).toBe(big);
    expect(JSON.parse(t.after![3] as string)).toEqual({ big });
    expect(t.before).toBeNull();
    const f = ups.find((e) => e.tableId.table === 'toasty_full')!;
    expect(f.after![2]).toBe(big);
    expect(f.before![2]).toBe(big);
    const del = dataEvents(res.events).find((e) => e.op === 'DELETE')!;
    expect(del.before).toEqual([1, 1, big]);
    expect(log.warnings.join('\n')).toMatch(/REPLICA IDENTITY FULL/);
    await dropSlot('cdc_pg_toast');
  }, 60_000);

  it('schema changes from relation messages: add, drop, rename, type change; delete carries the key', async () => {
    await db.query(`CREATE TABLE evolving (id int PRIMARY KEY, a int, b text)`);
    await db.query(`INSERT INTO evolving VALUES (1, 1, 'one')`);
    const log = createTestLogger();
    const source = createSource(opts('cdc_pg_evolve', 'public.evolving'), log);
    let step = 0;
    const res = await runReader(source, {
      logger: log,
      // each step waits for the previous one to arrive: the catalog then still matches the relation message,
      // and its attribute numbers tell a rename from a drop + add
      onBatch: async (_n, ev) => {
        const data = dataEvents(ev);
        if (step === 0 && data.length === 1) {
          step = 1;
          await db.query(`ALTER TABLE evolving ADD COLUMN c numeric(10,2)`);
          await db.query(`INSERT INTO evolving VALUES (2, 2, 'two', 2.5)`);
        } else if (step === 1 && data.some((e) => e.after?.[0] === 2)) {
          step = 2;
          await db.query(`ALTER TABLE evolving DROP COLUMN a`);
          await db.query(`INSERT INTO evolving VALUES (3, 'three', 3.25)`);
        } else if (step === 2 && data.some((e) => e.after?.[0] === 3)) {
          step = 3;
          await db.query(`ALTER TABLE evolving RENAME COLUMN b TO bee`);
          await db.query(`UPDATE evolving SET bee = 'uno' WHERE id = 1`);
        } else if (step === 3 && data.some((e) => e.op === 'UPDATE')) {
          step = 4;
          await db.query(`ALTER TABLE evolving ALTER COLUMN c TYPE numeric(12,3)`);
          await db.query(`DELETE FROM evolving WHERE id = 2`);
        } else if (step === 4 && data.some((e) => e.op === 'DELETE')) {
          step = 5;
          await db.query(`ALTER TABLE evolving DROP COLUMN bee, ADD COLUMN d text`);
          await db.query(`INSERT INTO evolving VALUES (4, 4.5, 'dee')`);
        }
      },
      until: (ev) => dataEvents(ev).some((e) => e.after?.[0] === 4),
    }).catch((e) => {
      throw new Error(`${e.message}\n${log.warnings.join('\n')}`);
    });
    const kinds = res.events.filter((e) => e.kind !== 'data').map((e) => e.kind);
    expect(kinds).toEqual(['create.table', 'add.column', 'drop.column', 'rename.column', 'alter.column.type', 'drop.column', 'add.column']);
    const find = (k: string) => res.events.filter((e: Event) => e.kind === k);
    expect(find('rename.column')[0]).toMatchObject({ nameMapping: { b: 'bee' } });
    expect(find('alter.column.type')[0]).toMatchObject({ typeMapping: { c: { type: 'DECIMAL', precision: 12, scale: 3 } } });
    const m = new Mirror().apply(res.events);
    expect([...m.table('public.evolving').values()]).toEqual([
      [1, null, null],
      [3, '3.25', null], // written before the type change
      [4, '4.500', 'dee'],
    ]);
    const del = dataEvents(res.events).find((e) => e.op === 'DELETE') as DataChangeEvent;
    expect(del.before).toEqual([2, null, null]); // REPLICA IDENTITY DEFAULT: the key, the rest unknown
    await dropSlot('cdc_pg_evolve');
  }, 60_000);

  it('values larger than a socket read (4 MB) arrive whole, in the snapshot and in the stream', async () => {
    await db.query(`CREATE TABLE huge (id int PRIMARY KEY, doc text, b bytea)`);
    const doc = Array.from({ length: 400_000 }, (_, i) => `w${i}\t`).join('').slice(0, 4_000_000);
    await db.query(`INSERT INTO huge VALUES (1, $1, decode(repeat('00ff', 1000000), 'hex'))`, [doc]);
    let wrote = false;
    const res = await runReader(createSource(opts('cdc_pg_huge', 'public.huge')), {
      onBatch: async (_n, ev) => {
        if (!wrote && dataEvents(ev).length === 1) {
          wrote = true;
          await db.query(`INSERT INTO huge VALUES (2, $1, NULL)`, [doc + 'x']);
        }
      },
      until: (ev) => dataEvents(ev).length >= 2,
    });
    const [a, b] = dataEvents(res.events);
    expect(a.after![1]).toBe(doc);
    expect((a.after![2] as Uint8Array).length).toBe(2_000_000);
    expect(b.after![1]).toBe(doc + 'x');
    await dropSlot('cdc_pg_huge');
  }, 60_000);

  it('pipelined COPYs on one connection: answered in order, a failing one rejects alone, pg gets the connection back', async () => {
    const { copyOut } = await import('../src/pg-wire.js');
    const { BinaryRowDecoder, FieldKind } = await import('../src/copy-binary.js');
    const c = await admin(DB);
    try {
      const got: unknown[][][] = [[], [], []];
      const text = new BinaryRowDecoder([FieldKind.TEXT, FieldKind.TEXT], [String, String]);
      const collect = (k: number) => (buf: Buffer, start: number, end: number) => void got[k].push(text.decode(buf, start, end));
      const a = copyOut(c, `COPY (SELECT g::text, repeat('é', g % 50) FROM generate_series(1, 20000) g) TO STDOUT (FORMAT binary)`, collect(0));
      const b = copyOut(c, 'COPY (SELECT (10 / (3 - g))::text, NULL::text FROM generate_series(1, 5) g) TO STDOUT (FORMAT binary)', collect(1));
      const d = copyOut(c, `COPY (SELECT 'last', NULL::text) TO STDOUT (FORMAT binary)`, collect(2));
      expect(await a.done).toBe(20000);
      await expect(b.done).rejects.toMatchObject({ code: '22012' });
      expect(await d.done).toBe(1);
      expect(got[0][19998]).toEqual(['19999', 'é'.repeat(49)]);
      expect(got[1]).toEqual([['5', null], ['10', null]]);
      expect(got[2]).toEqual([['last', null]]);
      expect((await c.query<{ v: number }>('SELECT 42 AS v')).rows[0].v).toBe(42);
      // and once more after pg had it back
      expect(await copyOut(c, `COPY (SELECT '1', '2') TO STDOUT (FORMAT binary)`, collect(2)).done).toBe(1);
      expect(got[2][1]).toEqual(['1', '2']);
      expect((await c.query<{ v: number }>('SELECT 43 AS v')).rows[0].v).toBe(43);
    } finally {
      await c.end();
    }
  }, 60_000);
});
