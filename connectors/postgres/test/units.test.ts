/** Pure functions: LSN text, array literals, numeric typmods; the COPY reader over any split of the socket bytes. */
import { describe, expect, it } from 'vitest';
import { formatLsn, parseArray, parseLsn, mapType } from '../src/index.js';
import { BUILTIN_TYPES } from '../src/postgres-types.js';

describe('postgres units', () => {
  it('LSNs round-trip and compare as numbers', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/10') < parseLsn('1/0')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not a PostgreSQL LSN/);
  });

  it('array literals: quotes, escapes, NULL, nesting, dimension decoration', () => {
    expect(parseArray('{1,NULL,3}')).toEqual(['1', null, '3']);
    expect(parseArray('{"a,b","c\\"d",NULL,"NULL"}')).toEqual(['a,b', 'c"d', null, 'NULL']);
    expect(parseArray('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
    expect(parseArray('[0:1]={5,6}')).toEqual(['5', '6']);
    expect(parseArray('{}')).toEqual([]);
    expect(parseArray('{(1,2),(0,0);(3,4),(2,2)}', ';')).toEqual(['(1,2),(0,0)', '(3,4),(2,2)']); // box[] uses ;
  });

  it('numeric typmods: precision/scale, negative scale, unbounded', () => {
    const lookup = (oid: number) => BUILTIN_TYPES.get(oid);
    const t = (typmod: number) => mapType(1700, typmod, true, lookup, () => undefined).type;
    expect(t(((20 << 16) | 4) + 4)).toMatchObject({ type: 'DECIMAL', precision: 20, scale: 4 });
    expect(t(((5 << 16) | (-2 & 0x7ff)) + 4)).toMatchObject({ type: 'DECIMAL', precision: 7, scale: 0 });
    expect(t(-1)).toMatchObject({ type: 'STRING' });
    const reported: string[] = [];
    expect(mapType(1700, ((10 << 16) | 2) + 4, true, lookup, (w) => reported.push(w)).convert('NaN')).toBeNull();
    expect(reported).toEqual(['numeric value NaN']);
  });

  it('bigint text: exact on both sides of 2^53 and at the extremes', () => {
    const conv = mapType(20, -1, true, (oid) => BUILTIN_TYPES.get(oid), () => undefined).convert;
    for (const v of ['0', '-1', '999999999999999', '-99999999999999', '9007199254740993', '-9223372036854775808', '9223372036854775807']) expect(conv(v)).toBe(BigInt(v));
  });

  it('table filter: database.schema.table regexes, exclusions', async () => {
    const { TableFilter } = await import('../src/tables.js');
    const f = new TableFilter('app', 'app.public.order_\\.*, app.s[12].t', 'app.public.order_tmp');
    expect(f.matches('public', 'order_1')).toBe(true);
    expect(f.matches('public', 'order_tmp')).toBe(false);
    expect(f.matches('s2', 't')).toBe(true);
    expect(f.matches('s3', 't')).toBe(false);
    expect(f.matches('public', 'orders')).toBe(false);
  });
  it('COPY reader: the same rows and the same bytes handed back to pg, whatever the socket chunk boundaries', async () => {
    const { EventEmitter } = await import('node:events');
    const { copyOut } = await import('../src/pg-wire.js');
    const msg = (type: string, body: Buffer) => {
      const b = Buffer.alloc(5 + body.length);
      b.write(type, 0, 'latin1');
      b.writeInt32BE(4 + body.length, 1);
      body.copy(b, 5);
      return b;
    };
    const tuple = (i: number) => {
      const v = Buffer.from(`row-${i}-${'x'.repeat(i % 300)}`);
      const b = Buffer.alloc(6 + v.length);
      b.writeInt16BE(1, 0);
      b.writeInt32BE(v.length, 2);
      v.copy(b, 6);
      return b;
    };
    const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
    const rows = 400;
    const server = Buffer.concat([
      msg('H', Buffer.from([1, 0, 1, 0, 1])),
      msg('d', Buffer.concat([header, tuple(0)])),
      ...Array.from({ length: rows - 1 }, (_, i) => msg('d', tuple(i + 1))),
      msg('d', Buffer.from([0xff, 0xff])),
      msg('c', Buffer.alloc(0)),
      msg('C', Buffer.from('COPY 400\0')),
      msg('Z', Buffer.from('I')),
      Buffer.from('after'),
    ]);
    const splits = [1, 2, 3, 4, 5, 6, 7, 11, 64, 333, 4096, server.length];
    for (let k = 0; k < splits.length + 20; k++) {
      const sock = Object.assign(new EventEmitter(), { write: () => true, pause: () => undefined, resume: () => undefined });
      const handedBack: Buffer[] = [];
      sock.on('data', (b: Buffer) => handedBack.push(Buffer.from(b)));
      const client = { connection: { stream: sock } } as unknown as Parameters<typeof copyOut>[0];
      const got: string[] = [];
      const copy = copyOut(client, 'COPY x TO STDOUT (FORMAT binary)', (buf, start, end) => void got.push(buf.toString('latin1', start + 6, end)));
      // fixed chunk sizes, then random cuts
      let at = 0;
      while (at < server.length) {
        const size = k < splits.length ? splits[k] : 1 + Math.floor(Math.random() * 700);
        sock.emit('data', server.subarray(at, Math.min(server.length, at + size)));
        at += size;
      }
      expect(await copy.done).toBe(rows);
      expect(got.length).toBe(rows);
      expect(got[rows - 1]).toBe(`row-${rows - 1}-${'x'.repeat((rows - 1) % 300)}`);
      expect(Buffer.concat(handedBack).toString()).toBe('after');
    }
  });
});
