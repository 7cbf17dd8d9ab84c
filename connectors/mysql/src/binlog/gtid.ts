/**
 * GTIDs. MySQL: `uuid:1-5:7,uuid2:1-3` sets of intervals per source UUID (tagged GTIDs `uuid:tag:1-5` of
 * MySQL 8.4 included). MariaDB: `domain-server-seq` triples; a position is the last GTID of each domain.
 */

interface Interval {
  start: number;
  end: number; // inclusive
}

/** A MySQL GTID set. Mutable: `add` merges one transaction in. */
export class MysqlGtidSet {
  private readonly sets = new Map<string, Interval[]>();

  static parse(text: string): MysqlGtidSet {
    const out = new MysqlGtidSet();
    const t = text.replace(/\s+/g, '');
    if (!t) return out;
    for (const part of t.split(',')) {
      const pieces = part.split(':');
      if (pieces.length < 2) throw new Error(`bad GTID set element "${part}"`);
      let uuid = pieces[0].toLowerCase();
      if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/.test(uuid)) throw new Error(`bad server UUID "${pieces[0]}" in GTID set`);
      uuid = normalizeUuid(uuid);
      let tag = '';
      for (const iv of pieces.slice(1)) {
        if (/^[a-z_][a-z0-9_]*$/i.test(iv)) {
          tag = iv.toLowerCase();
          continue;
        }
        const m = /^(\d+)(?:-(\d+))?$/.exec(iv);
        if (!m) throw new Error(`bad GTID interval "${iv}"`);
        const start = Number(m[1]);
        const end = m[2] === undefined ? start : Number(m[2]);
        if (start < 1 || end < start) throw new Error(`bad GTID interval "${iv}"`);
        out.addInterval(tag ? `${uuid}:${tag}` : uuid, start, end);
      }
    }
    return out;
  }

  clone(): MysqlGtidSet {
    const out = new MysqlGtidSet();
    for (const [k, v] of this.sets) out.sets.set(k, v.map((i) => ({ ...i })));
    return out;
  }

  isEmpty(): boolean {
    return this.sets.size === 0;
  }

  /** Adds `uuid[:tag]:gno`. */
  add(gtid: string): void {
    const i = gtid.lastIndexOf(':');
    this.addInterval(gtid.slice(0, i), Number(gtid.slice(i + 1)), Number(gtid.slice(i + 1)));
  }

  contains(gtid: string): boolean {
    const i = gtid.lastIndexOf(':');
    const n = Number(gtid.slice(i + 1));
    return (this.sets.get(gtid.slice(0, i)) ?? []).some((iv) => iv.start <= n && n <= iv.end);
  }

  addInterval(sid: string, start: number, end: number): void {
    const list = this.sets.get(sid) ?? [];
    list.push({ start, end });
    list.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const iv of list) {
      const last = merged[merged.length - 1];
      if (last && iv.start <= last.end + 1) last.end = Math.max(last.end, iv.end);
      else merged.push({ ...iv });
    }
    this.sets.set(sid, merged);
  }

  toString(): string {
    const byUuid = new Map<string, string[]>();
    for (const sid of [...this.sets.keys()].sort()) {
      const [uuid, tag] = sid.split(':');
      const ivs = this.sets.get(sid)!.map((iv) => (iv.start === iv.end ? `${iv.start}` : `${iv.start}-${iv.end}`)).join(':');
      const list = byUuid.get(uuid) ?? [];
      list.push(tag ? `${tag}:${ivs}` : ivs);
      byUuid.set(uuid, list);
    }
    return [...byUuid].map(([u, parts]) => `${u}:${parts.join(':')}`).join(',');
  }

  /** The encoding COM_BINLOG_DUMP_GTID carries (untagged GTIDs only). */
  encode(): Buffer {
    const sids = [...this.sets.keys()].filter((s) => !s.includes(':'));
    let size = 8;
    for (const s of sids) size += 16 + 8 + this.sets.get(s)!.length * 16;
    const out = Buffer.alloc(size);
    let p = out.writeBigUInt64LE(BigInt(sids.length), 0);
    for (const s of sids) {
      Buffer.from(s.replace(/-/g, ''), 'hex').copy(out, p);
      p += 16;
      const ivs = this.sets.get(s)!;
      p = out.writeBigUInt64LE(BigInt(ivs.length), p);
      for (const iv of ivs) {
        p = out.writeBigInt64LE(BigInt(iv.start), p);
        p = out.writeBigInt64LE(BigInt(iv.end + 1), p); // exclusive end on the wire
      }
    }
    return out;
  }
}

export function normalizeUuid(u: string): string {
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidFromBytes(b: Uint8Array): string {
  return normalizeUuid(Buffer.from(b).toString('hex'));
}

/** A MariaDB GTID position: the last GTID per replication domain, `0-1-100,1-2-5`. */
export class MariadbGtidPos {
  private readonly domains = new Map<number, { server: number; seq: bigint }>();

  static parse(text: string): MariadbGtidPos {
    const out = new MariadbGtidPos();
    for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (!m) throw new Error(`bad MariaDB GTID "${part}" (expected domain-server-sequence)`);
      out.domains.set(Number(m[1]), { server: Number(m[2]), seq: BigInt(m[3]) });
    }
    return out;
  }

  clone(): MariadbGtidPos {
    return MariadbGtidPos.parse(this.toString());
  }

  isEmpty(): boolean {
    return this.domains.size === 0;
  }

  update(domain: number, server: number, seq: bigint): void {
    this.domains.set(domain, { server, seq });
  }

  add(gtid: string): void {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
    if (m) this.update(Number(m[1]), Number(m[2]), BigInt(m[3]));
  }

  toString(): string {
    return [...this.domains.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([d, v]) => `${d}-${v.server}-${v.seq}`)
      .join(',');
  }
}

/** Whether a GTID text is MariaDB-style. */
export function isMariadbGtidText(text: string): boolean {
  return /^\s*\d+-\d+-\d+\s*(,\s*\d+-\d+-\d+\s*)*$/.test(text);
}
