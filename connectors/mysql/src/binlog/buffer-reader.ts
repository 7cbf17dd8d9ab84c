/** Little helpers to read the MySQL wire/binlog encodings from a Buffer at a moving position. */
export class Cursor {
  constructor(
    public buf: Buffer,
    public pos = 0,
    public end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  u16(): number {
    const v = this.buf[this.pos] | (this.buf[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  u24(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u48(): number {
    const v = this.buf.readUIntLE(this.pos, 6);
    this.pos += 6;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A u64 known to be below 2^53 (positions, counts). */
  u64n(): number {
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }
  /** Length-encoded integer. */
  lenenc(): number {
    const b = this.buf[this.pos++];
    if (b < 0xfb) return b;
    if (b === 0xfc) return this.u16();
    if (b === 0xfd) return this.u24();
    if (b === 0xfe) return this.u64n();
    throw new Error(`bad length-encoded integer prefix 0x${b.toString(16)}`);
  }
  bytes(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  string(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  lenencString(): string {
    return this.string(this.lenenc());
  }
  /** NUL-terminated string. */
  cstring(): string {
    let e = this.pos;
    while (e < this.end && this.buf[e] !== 0) e++;
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e + 1;
    return s;
  }
  skip(n: number): void {
    this.pos += n;
  }
}

/** Number of set bits in the first `bits` bits of a bitmap (LSB first). */
export function bitCount(bitmap: Uint8Array, bits: number): number {
  let n = 0;
  for (let i = 0; i < bits; i++) if (bitmap[i >> 3] & (1 << (i & 7))) n++;
  return n;
}

export function bitSet(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
}
