/**
 * The rows of a chunk between its read and its emission. A chunk is held whole until its high watermark is known
 * (and the binlog merged), so its rows live for a chunk's read; as JS values (arrays, strings, bigints, bytes: ~0.8 KB
 * a row) they outlive the young generation and V8 promotes them, and the old generation then grows to several
 * times the live data between full GCs (the snapshot's peak RSS). So the reader keeps the row packets' bytes
 * instead, copied off the JS heap into slabs, and decodes them batch by batch when they are emitted: the values
 * are made just before the consumer takes them.
 */
import type { RowDecoder } from './row-decoder.js';

export interface ChunkRows {
  readonly length: number;
  /** Rows [from, to) as core values; each row is decoded (or handed out) once, in order. */
  slice(from: number, to: number): unknown[][];
}

/** Rows already decoded (the mysql2 path, the binlog merge); handed-out rows are not kept. */
export function arrayRows(rows: unknown[][]): ChunkRows {
  return {
    length: rows.length,
    slice(from, to) {
      const out = rows.slice(from, to);
      for (let i = from; i < to && i < rows.length; i++) rows[i] = undefined as unknown as unknown[];
      return out;
    },
  };
}

const SLAB = 256 * 1024;

/** Row packets copied into off-heap slabs (3 ints a row on the JS heap: slab, start, end). */
export class PacketRows implements ChunkRows {
  private readonly slabs: Buffer[] = [];
  private slab: Buffer | undefined;
  private used = 0;
  private index = new Int32Array(3 * 1024);
  length = 0;

  constructor(
    private readonly decoder: RowDecoder,
    /** Maps a decoding error to the error to throw (a typed one). */
    private readonly onError: (e: unknown) => unknown,
  ) {}

  add(b: Buffer, p: number, end: number): void {
    const len = end - p;
    if (!this.slab || this.slab.length - this.used < len) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB, len));
      this.slabs.push(this.slab);
      this.used = 0;
    }
    b.copy(this.slab, this.used, p, end);
    const k = 3 * this.length;
    if (k + 3 > this.index.length) {
      const grown = new Int32Array(this.index.length * 2);
      grown.set(this.index);
      this.index = grown;
    }
    this.index[k] = this.slabs.length - 1;
    this.index[k + 1] = this.used;
    this.index[k + 2] = this.used + len;
    this.used += len;
    this.length++;
  }

  slice(from: number, to: number): unknown[][] {
    const end = Math.min(to, this.length);
    const out = new Array<unknown[]>(Math.max(0, end - from));
    const idx = this.index;
    try {
      for (let i = from; i < end; i++) {
        const k = 3 * i;
        out[i - from] = this.decoder.decode(this.slabs[idx[k]], idx[k + 1], idx[k + 2]);
      }
    } catch (e) {
      throw this.onError(e);
    }
    // slabs whose rows were all handed out are released
    if (end >= this.length) this.slabs.length = 0;
    return out;
  }
}
