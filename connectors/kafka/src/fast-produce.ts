/**
 * A faster encoder for kafkajs's Produce request (v3, which v4-v7 reuse): kafkajs builds every record with its
 * own growable Encoder, copies each one several times and computes CRC32C a byte at a time, which took about
 * half of the sink's CPU. This writes each partition's RecordBatch (magic 2) into one buffer, sized up front,
 * with a slicing-by-8 CRC32C; the bytes on the wire are the same format. Compressed batches and messages
 * with their own timestamps go through kafkajs's original encoder.
 *
 * kafkajs loads `produce/v<N>/request` lazily on the first produce, so the module is swapped in its require
 * cache before that (kafkajs is pinned to 2.2.4 for its internals, see kafkajs-internals.ts).
 */
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- CRC32C (Castagnoli), slicing-by-8

const CRC_TABLES: Int32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0][n];
    for (let k = 1; k < 8; k++) {
      c = t[0][c & 0xff] ^ (c >>> 8);
      t[k][n] = c;
    }
  }
  return t;
})();

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES;
  let crc = ~0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    crc ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    crc =
      t7[crc & 0xff] ^ t6[(crc >>> 8) & 0xff] ^ t5[(crc >>> 16) & 0xff] ^ t4[crc >>> 24] ^
      t3[buf[i + 4]] ^ t2[buf[i + 5]] ^ t1[buf[i + 6]] ^ t0[buf[i + 7]];
  }
  for (; i < end; i++) crc = t0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

// ---------------------------------------------------------------- varints (zigzag, as Kafka records use)

const zigzag = (n: number): number => (n << 1) ^ (n >> 31);

function varintSize(n: number): number {
  let v = zigzag(n) >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, offset: number, n: number): number {
  let v = zigzag(n) >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

// ---------------------------------------------------------------- one RecordBatch

type Bytes = string | Buffer | null | undefined;
interface Msg {
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, Bytes | Bytes[]>;
  timestamp?: unknown;
}

const byteLen = (b: Bytes): number => (b === null || b === undefined ? -1 : typeof b === 'string' ? Buffer.byteLength(b) : b.length);

function writeBytes(buf: Buffer, offset: number, b: Bytes, len: number): number {
  offset = writeVarint(buf, offset, len);
  if (len <= 0) return offset;
  if (typeof b === 'string') return offset + buf.write(b, offset, 'utf8');
  (b as Buffer).copy(buf, offset);
  return offset + len;
}

function headerList(h: Msg['headers']): [string, Bytes][] {
  const out: [string, Bytes][] = [];
  if (!h) return out;
  for (const k of Object.keys(h)) {
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, v]);
  }
  return out;
}

interface BatchMeta {
  readonly transactional: boolean;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly firstSequence: number;
}

interface RecordSetPlan {
  readonly messages: readonly Msg[];
  readonly keyLens: Int32Array;
  readonly valueLens: Int32Array;
  readonly bodyLens: Int32Array;
  readonly headers: ([string, Bytes][] | undefined)[];
  /** Bytes of `[firstOffset int64][size int32][RecordBatch]`. */
  readonly size: number;
}

// firstOffset(8) + size(4) + partitionLeaderEpoch(4) + magic(1) + crc(4) + attributes(2) + lastOffsetDelta(4)
// + firstTimestamp(8) + maxTimestamp(8) + producerId(8) + producerEpoch(2) + firstSequence(4) + count(4)
const SET_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

export function planRecordSet(messages: readonly Msg[]): RecordSetPlan {
  const n = messages.length;
  const keyLens = new Int32Array(n);
  const valueLens = new Int32Array(n);
  const bodyLens = new Int32Array(n);
  const headers: ([string, Bytes][] | undefined)[] = new Array(n);
  let size = SET_HEADER;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    const kl = byteLen(m.key);
    const vl = byteLen(m.value);
    keyLens[i] = kl;
    valueLens[i] = vl;
    // attributes, timestampDelta 0, offsetDelta, key, value
    let body = 1 + 1 + varintSize(i) + varintSize(kl) + Math.max(kl, 0) + varintSize(vl) + Math.max(vl, 0);
    const hs = m.headers ? headerList(m.headers) : undefined;
    headers[i] = hs;
    body += varintSize(hs?.length ?? 0);
    if (hs) {
      for (const [hk, hv] of hs) {
        const hkl = Buffer.byteLength(hk);
        const hvl = byteLen(hv);
        body += varintSize(hkl) + hkl + varintSize(hvl) + Math.max(hvl, 0);
      }
    }
    bodyLens[i] = body;
    size += varintSize(body) + body;
  }
  return { messages, keyLens, valueLens, bodyLens, headers, size };
}

/** Writes the planned record set at `start`; returns the offset after it. */
export function writeRecordSet(buf: Buffer, start: number, plan: RecordSetPlan, meta: BatchMeta, now: number): number {
  const { messages, keyLens, valueLens, bodyLens, headers } = plan;
  const n = messages.length;
  let o = start;
  buf.writeBigInt64BE(0n, o);
  o += 8;
  buf.writeInt32BE(plan.size - 12, o); // batch length: everything after this field
  o += 4;
  buf.writeInt32BE(0, o); // partitionLeaderEpoch
  o += 4;
  buf.writeInt8(2, o); // magic
  o += 1;
  const crcAt = o;
  o += 4;
  const crcFrom = o;
  buf.writeInt16BE(meta.transactional ? 16 : 0, o); // attributes: no compression, create time, transactional bit
  o += 2;
  buf.writeInt32BE(n - 1, o); // lastOffsetDelta
  o += 4;
  const ts = BigInt(now);
  buf.writeBigInt64BE(ts, o);
  o += 8;
  buf.writeBigInt64BE(ts, o);
  o += 8;
  buf.writeBigInt64BE(meta.producerId, o);
  o += 8;
  buf.writeInt16BE(meta.producerEpoch, o);
  o += 2;
  buf.writeInt32BE(meta.firstSequence, o);
  o += 4;
  buf.writeInt32BE(n, o);
  o += 4;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    o = writeVarint(buf, o, bodyLens[i]);
    buf[o++] = 0; // attributes
    buf[o++] = 0; // timestampDelta 0 (zigzag varlong)
    o = writeVarint(buf, o, i);
    o = writeBytes(buf, o, m.key, keyLens[i]);
    o = writeBytes(buf, o, m.value, valueLens[i]);
    const hs = headers[i];
    o = writeVarint(buf, o, hs?.length ?? 0);
    if (hs) {
      for (const [hk, hv] of hs) {
        o = writeBytes(buf, o, hk, Buffer.byteLength(hk));
        o = writeBytes(buf, o, hv, byteLen(hv));
      }
    }
  }
  if (o - start !== plan.size) throw new Error(`record batch size mismatch: wrote ${o - start} of ${plan.size} bytes`);
  buf.writeUInt32BE(crc32c(buf, crcFrom, o), crcAt);
  return o;
}

// ---------------------------------------------------------------- the request module

interface EncoderLike {
  writeString(s: string | null): EncoderLike;
  writeInt16(n: number): EncoderLike;
  writeInt32(n: number): EncoderLike;
  writeBuffer(b: Buffer): EncoderLike;
  writeArray(a: unknown[]): EncoderLike;
}
type EncoderCtor = new () => EncoderLike;

interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: Msg[] }[] }[];
}

let installed = false;

/** Swaps kafkajs's produce v3 request encoder for the one above (once per process). */
export function installFastProduce(): void {
  if (installed) return;
  installed = true;
  const path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request');
  if (require.cache[path]) return; // kafkajs already produced in this process: keep its encoder
  const original = require(path) as (a: ProduceArgs) => { encode: () => Promise<unknown> };
  const Encoder = require('kafkajs/src/protocol/encoder') as EncoderCtor;
  const apiKey = (require('kafkajs/src/protocol/requests/apiKeys') as { Produce: number }).Produce;
  const fast = (args: ProduceArgs) => {
    const plain = (args.compression ?? 0) === 0 && args.topicData.every((t) => t.partitions.every((p) => p.messages.every((m) => m.timestamp === undefined || m.timestamp === null)));
    if (!plain) return original(args);
    const transactionalId = args.transactionalId ?? null;
    const producerId = BigInt(args.producerId === undefined || args.producerId === null ? -1 : String(args.producerId));
    const producerEpoch = args.producerEpoch ?? 0;
    return {
      apiKey,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => args.acks !== 0,
      encode: async () => {
        // the whole request in one buffer: no per-record encoders, no intermediate copies
        const now = Date.now();
        const strLen = (x: string | null) => (x === null ? 2 : 2 + Buffer.byteLength(x));
        let size = strLen(transactionalId) + 2 + 4 + 4;
        const plans = args.topicData.map((t) => {
          size += strLen(t.topic) + 4;
          return t.partitions.map((p) => {
            const plan = planRecordSet(p.messages);
            size += 4 + 4 + plan.size;
            return { p, plan };
          });
        });
        const buf = Buffer.allocUnsafe(size);
        let o = 0;
        const writeStr = (x: string | null) => {
          if (x === null) {
            o = buf.writeInt16BE(-1, o);
            return;
          }
          o = buf.writeInt16BE(Buffer.byteLength(x), o);
          o += buf.write(x, o, 'utf8');
        };
        writeStr(transactionalId);
        o = buf.writeInt16BE(args.acks, o);
        o = buf.writeInt32BE(args.timeout, o);
        o = buf.writeInt32BE(args.topicData.length, o);
        args.topicData.forEach((t, ti) => {
          writeStr(t.topic);
          o = buf.writeInt32BE(t.partitions.length, o);
          for (const { p, plan } of plans[ti]) {
            o = buf.writeInt32BE(p.partition, o);
            o = buf.writeInt32BE(plan.size, o);
            o = writeRecordSet(buf, o, plan, { transactional: transactionalId !== null, producerId, producerEpoch, firstSequence: p.firstSequence ?? 0 }, now);
          }
        });
        if (o !== size) throw new Error(`produce request size mismatch: wrote ${o} of ${size} bytes`);
        const e = new Encoder() as EncoderLike & { buf: Buffer; offset: number };
        e.buf = buf;
        e.offset = size;
        return e;
      },
    };
  };
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = fast;
  require.cache[path] = m;
}
