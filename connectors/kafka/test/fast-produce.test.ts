/**
 * The produce encoder that replaces kafkajs's (fast-produce.ts): CRC32C against the standard check value and
 * against kafkajs's own implementation, and record sets read back with kafkajs's own RecordBatch decoder.
 * (Every test that writes to the broker goes through it too: the broker checks the CRC and the format.)
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c, planRecordSet, writeRecordSet } from '../src/fast-produce.js';

const require = createRequire(import.meta.url);
const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string }[]; inTransaction: boolean; producerId: string; producerEpoch: number; firstSequence: number }>;

describe('fast produce encoding', () => {
  it('CRC32C: the check value and kafkajs agree', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const n of [0, 1, 7, 8, 9, 63, 1000, 4099]) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff));
      expect(crc32c(b), `length ${n}`).toBe(kafkajsCrc(b));
    }
  });

  it('a record set reads back with kafkajs: keys, values, null key, headers, emoji, producer fields', async () => {
    const messages = [
      { key: '{"TableId":"db.t","id":1}', value: '{"v":"héllo 😀"}', headers: { a: 'x', b: ['1', '2'] } },
      { key: null, value: 'x'.repeat(300) },
      { key: Buffer.from([0, 1, 2]), value: null },
    ];
    const plan = planRecordSet(messages);
    const buf = Buffer.alloc(plan.size + 3);
    const end = writeRecordSet(buf, 3, plan, { transactional: true, producerId: 4242n, producerEpoch: 7, firstSequence: 11 }, 1_700_000_000_000);
    expect(end).toBe(plan.size + 3);
    const batch = await decodeBatch(new Decoder(buf.subarray(3)));
    expect(batch).toMatchObject({ inTransaction: true, producerId: '4242', producerEpoch: 7, firstSequence: 11 });
    expect(batch.records.map((r) => [r.offset, r.key === null ? null : r.key.toString('hex'), r.value?.toString() ?? null, Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))])).toEqual([
      ['0', Buffer.from('{"TableId":"db.t","id":1}').toString('hex'), '{"v":"héllo 😀"}', { a: 'x', b: ['1', '2'] }],
      ['1', null, 'x'.repeat(300), {}],
      ['2', '000102', null, {}],
    ]);
    const crcAt = 8 + 4 + 4 + 1;
    expect(buf.subarray(3).readUInt32BE(crcAt)).toBe(kafkajsCrc(buf.subarray(3 + crcAt + 4, end)));
  });
});
