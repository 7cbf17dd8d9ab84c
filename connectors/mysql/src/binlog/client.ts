/**
 * A replication client: logs in with mysql2 (handshake and auth plugins), prepares the session the way a
 * replica does, then takes the socket over and reads the binlog event stream itself: COM_REGISTER_SLAVE +
 * COM_BINLOG_DUMP (file/position, MariaDB GTID via @slave_connect_state) or COM_BINLOG_DUMP_GTID (MySQL GTID set).
 *
 * Back-pressure: raw events are queued undecoded; when the queue holds more than `highWaterMark` bytes the
 * socket is paused (TCP flow control then stops the server), and resumed below half of it. Memory stays bounded
 * whatever the consumer's speed. Events are decoded when the consumer pulls them.
 */
import type { Socket } from 'node:net';
import mysql from 'mysql2';
import { Command, DumpFlags } from './constants.js';
import { BinlogDecoder, type BinlogEvent, type DecoderOptions } from './decoder.js';
import { MysqlGtidSet } from './gtid.js';
import { mapMysqlError } from '../mysql-errors.js';

export interface ConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly connectTimeoutMs?: number;
  /** Extra mysql2 connection options (ssl, charset ...), from jdbc.properties.* where they map. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type StartPosition =
  | { readonly kind: 'file'; readonly file: string; readonly position: number }
  /** MySQL GTID set (`uuid:1-5`) or MariaDB GTID position (`0-1-100`): start after these. */
  | { readonly kind: 'gtid'; readonly gtid: string };

export interface BinlogClientOptions extends DecoderOptions {
  readonly connection: ConnectionConfig;
  /** Replica server id; must be unique among the server's replicas. */
  readonly serverId: number;
  readonly start: StartPosition;
  /** Stop at the end of the binlog (COM_BINLOG_DUMP non-blocking) instead of waiting for new events. */
  readonly nonBlocking?: boolean;
  /** Ask the server for a heartbeat after this much idle time (ms); 0 = off. Default 30 s. */
  readonly heartbeatIntervalMs?: number;
  /** Queue limit in bytes before the socket is paused (default 8 MiB). */
  readonly highWaterMark?: number;
  readonly signal?: AbortSignal;
}

export interface ServerInfo {
  readonly version: string;
  readonly mariadb: boolean;
  readonly checksum: boolean;
}

/** An event with the binlog file it belongs to (the stream learns it from ROTATE events). */
export interface StreamEvent {
  readonly event: BinlogEvent;
  readonly file: string;
}

type Conn = mysql.Connection & { stream: Socket };

export function openConnection(cfg: ConnectionConfig, extraSession?: Record<string, unknown>): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection({
      host: cfg.host,
      port: cfg.port,
      user: cfg.user,
      password: cfg.password,
      connectTimeout: cfg.connectTimeoutMs ?? 30_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...cfg.extra,
      ...extraSession,
    }) as Conn;
    const onError = (e: unknown) => {
      conn.destroy();
      reject(mapMysqlError(e, { address: `${cfg.host}:${cfg.port}`, user: cfg.user, doing: 'connecting' }));
    };
    conn.once('error', onError);
    conn.connect((err) => {
      if (err) return onError(err);
      conn.removeListener('error', onError);
      // later socket errors surface through the stream readers; keep an error listener so none is unhandled
      conn.on('error', () => undefined);
      resolve(conn);
    });
  });
}

export function query<T = Record<string, unknown>[]>(conn: mysql.Connection, sql: string, values?: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    conn.query(sql, values, (err, rows) => (err ? reject(err) : resolve(rows as T)));
  });
}

function packet(payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUIntLE(payload.length, 0, 3);
  out[3] = 0; // sequence id 0: a new command
  payload.copy(out, 4);
  return out;
}

export class BinlogStream implements AsyncIterable<StreamEvent> {
  private conn: Conn | undefined;
  private socket: Socket | undefined;
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private paused = false;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private multi: Buffer[] | undefined;
  private registered = false;
  private lastData = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private file: string;
  private closed = false;
  readonly decoder: BinlogDecoder;
  server: ServerInfo | undefined;

  constructor(private readonly opts: BinlogClientOptions) {
    this.decoder = new BinlogDecoder(opts);
    this.file = opts.start.kind === 'file' ? opts.start.file : '';
  }

  private get highWater(): number {
    return this.opts.highWaterMark ?? 8 * 1024 * 1024;
  }

  /** Connects, prepares the session and starts the dump. Errors are typed CdcErrors. */
  async start(): Promise<ServerInfo> {
    const cfg = this.opts.connection;
    const ctx = { address: `${cfg.host}:${cfg.port}`, user: cfg.user };
    const conn = await openConnection(cfg);
    this.conn = conn;
    try {
      const [{ v }] = await query<{ v: string }[]>(conn, 'SELECT VERSION() AS v');
      const mariadb = /mariadb/i.test(v);
      const [{ cs }] = await query<{ cs: string }[]>(conn, 'SELECT @@global.binlog_checksum AS cs').catch(() => [{ cs: 'NONE' }]);
      const checksum = String(cs).toUpperCase() === 'CRC32';
      await query(conn, 'SET @master_binlog_checksum = @@global.binlog_checksum');
      if (mariadb) {
        await query(conn, 'SET @mariadb_slave_capability = 4');
      }
      const hb = this.opts.heartbeatIntervalMs ?? 30_000;
      if (hb > 0) await query(conn, `SET @master_heartbeat_period = ${Math.round(hb * 1e6)}`);
      const start = this.opts.start;
      if (start.kind === 'gtid' && mariadb) {
        await query(conn, 'SET @slave_connect_state = ?', [start.gtid]);
        await query(conn, 'SET @slave_gtid_strict_mode = 0');
        await query(conn, 'SET @slave_gtid_ignore_duplicates = 0');
      }
      this.server = { version: v, mariadb, checksum };
      // the stream's first event (an artificial ROTATE) already carries a checksum when enabled
      (this.decoder as unknown as { checksum: boolean }).checksum = checksum;
      this.takeOver(conn);
      this.send(this.registerSlavePacket());
      await this.waitRegistered();
      this.send(this.dumpPacket(mariadb));
      this.armIdleTimer(hb);
      return this.server;
    } catch (e) {
      this.close();
      throw mapMysqlError(e, { ...ctx, doing: 'starting the binlog stream' });
    }
  }

  private registerSlavePacket(): Buffer {
    const b = Buffer.alloc(1 + 4 + 1 + 1 + 1 + 2 + 4 + 4);
    let p = b.writeUInt8(Command.REGISTER_SLAVE, 0);
    p = b.writeUInt32LE(this.opts.serverId, p);
    p = b.writeUInt8(0, p); // hostname
    p = b.writeUInt8(0, p); // user
    p = b.writeUInt8(0, p); // password
    p = b.writeUInt16LE(0, p); // port
    p = b.writeUInt32LE(0, p); // rank
    b.writeUInt32LE(0, p); // master id
    return b;
  }

  private dumpPacket(mariadb: boolean): Buffer {
    const start = this.opts.start;
    let flags = this.opts.nonBlocking ? DumpFlags.NON_BLOCK : 0;
    if (start.kind === 'gtid' && !mariadb) {
      const set = MysqlGtidSet.parse(start.gtid).encode();
      flags |= DumpFlags.THROUGH_GTID;
      const b = Buffer.alloc(1 + 2 + 4 + 4 + 0 + 8 + 4 + set.length);
      let p = b.writeUInt8(Command.BINLOG_DUMP_GTID, 0);
      p = b.writeUInt16LE(flags, p);
      p = b.writeUInt32LE(this.opts.serverId, p);
      p = b.writeUInt32LE(0, p); // file name length
      p = b.writeBigUInt64LE(4n, p);
      p = b.writeUInt32LE(set.length, p);
      set.copy(b, p);
      return b;
    }
    // No BINLOG_SEND_ANNOTATE_ROWS_EVENT: the statement text of every row event is not used, and decoding it cost
    // ~10% of the binlog CPU with multi-row statements.
    const file = start.kind === 'file' ? start.file : '';
    const pos = start.kind === 'file' ? start.position : 4;
    const name = Buffer.from(file, 'utf8');
    const b = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
    let p = b.writeUInt8(Command.BINLOG_DUMP, 0);
    p = b.writeUInt32LE(pos, p);
    p = b.writeUInt16LE(flags, p);
    p = b.writeUInt32LE(this.opts.serverId, p);
    name.copy(b, p);
    return b;
  }

  private send(payload: Buffer): void {
    this.socket!.write(packet(payload));
  }

  private takeOver(conn: Conn): void {
    const s = conn.stream;
    s.removeAllListeners('data');
    s.removeAllListeners('end');
    s.removeAllListeners('close');
    s.removeAllListeners('error');
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (e) => this.fail(mapMysqlError(e, { address: `${this.opts.connection.host}:${this.opts.connection.port}`, doing: 'reading the binlog' })));
    s.on('close', () => {
      if (!this.ended && !this.closed) {
        this.fail(mapMysqlError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'the server closed the binlog connection' }, { address: `${this.opts.connection.host}:${this.opts.connection.port}`, doing: 'reading the binlog' }));
      }
    });
    this.socket = s;
    this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => this.close();

  private registerWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  private waitRegistered(): Promise<void> {
    if (this.registered) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.registerWaiter = { resolve, reject }));
  }

  private armIdleTimer(hbMs: number): void {
    if (hbMs <= 0) return;
    const limit = Math.max(hbMs * 3, 10_000);
    this.idleTimer = setInterval(() => {
      // a paused socket is quiet on purpose
      if (!this.paused && Date.now() - this.lastData > limit) {
        this.fail(mapMysqlError({ code: 'ETIMEDOUT', message: `no data nor heartbeat from the server for ${limit} ms` }, { address: `${this.opts.connection.host}:${this.opts.connection.port}`, doing: 'reading the binlog' }));
        this.socket?.destroy();
      }
    }, Math.min(limit, 5_000));
    this.idleTimer.unref();
  }

  private onData(chunk: Buffer): void {
    this.lastData = Date.now();
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const first = this.pending[0];
      // wait until the whole packet is there before concatenating (no quadratic copying of big events)
      if (first.length >= 3) {
        const need = 4 + (first[0] | (first[1] << 8) | (first[2] << 16));
        if (this.pendingBytes < need) return;
      } else if (this.pendingBytes < 4) {
        return;
      }
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let p = 0;
    const n = buf.length;
    while (n - p >= 4) {
      const len = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16);
      if (n - p - 4 < len) break;
      const payload = buf.subarray(p + 4, p + 4 + len);
      p += 4 + len;
      if (len === 0xffffff || this.multi) {
        (this.multi ??= []).push(payload);
        if (len === 0xffffff) continue;
        const whole = Buffer.concat(this.multi);
        this.multi = undefined;
        this.onPayload(whole);
      } else {
        this.onPayload(payload);
      }
    }
    if (p < n) {
      const rest = buf.subarray(p);
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
    if (!this.paused && this.queuedBytes > this.highWater) {
      this.paused = true;
      this.socket?.pause();
    }
    this.notify();
  }

  private onPayload(payload: Buffer): void {
    const first = payload[0];
    if (!this.registered) {
      if (first === 0xff) {
        const e = this.errorPacket(payload);
        this.registerWaiter?.reject(e);
        this.fail(e);
        return;
      }
      this.registered = true;
      this.registerWaiter?.resolve();
      return;
    }
    if (first === 0x00) {
      const ev = payload.subarray(1);
      this.queue.push(ev);
      this.queuedBytes += ev.length;
    } else if (first === 0xff) {
      this.fail(this.errorPacket(payload));
    } else if (first === 0xfe && payload.length < 9) {
      this.ended = true; // end of binlog (non-blocking dump)
      this.socket?.destroy();
    }
  }

  private errorPacket(payload: Buffer): Error {
    const errno = payload.readUInt16LE(1);
    const hasState = payload[3] === 0x23;
    const sqlState = hasState ? payload.toString('latin1', 4, 9) : '';
    const message = payload.toString('utf8', hasState ? 9 : 3);
    const e = Object.assign(new Error(message), { errno, sqlState, sqlMessage: message });
    return mapMysqlError(e, { address: `${this.opts.connection.host}:${this.opts.connection.port}`, user: this.opts.connection.user, doing: 'reading the binlog' });
  }

  private fail(e: Error): void {
    if (this.failure || this.closed) return;
    this.failure = e;
    this.registerWaiter?.reject(e);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForData(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Events decoded in batches of what is queued (at most `max`); ends after the last event or throws. */
  async *batches(max = 1024): AsyncGenerator<StreamEvent[]> {
    for (;;) {
      if (this.queueHead >= this.queue.length) {
        if (this.ended || this.closed) return;
        if (this.failure) throw this.failure;
        await this.waitForData();
        continue;
      }
      const out: StreamEvent[] = [];
      while (this.queueHead < this.queue.length && out.length < max) {
        const raw = this.queue[this.queueHead];
        this.queue[this.queueHead++] = undefined as unknown as Buffer;
        this.queuedBytes -= raw.length;
        const event = this.decoder.decode(raw);
        if (event.type === 'rotate') this.file = event.nextFile;
        else if (event.type === 'heartbeat' && event.logFile) this.file = event.logFile;
        out.push({ event, file: this.file });
        // a DDL changes how the following events decode (column hints, captured tables): the consumer sees it
        // before anything after it is decoded
        if (event.type === 'query' && !/^\s*(BEGIN|COMMIT|ROLLBACK|XA\s|SAVEPOINT)/i.test(event.query)) break;
      }
      if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (this.paused && this.queuedBytes < this.highWater / 2) {
        this.paused = false;
        this.lastData = Date.now();
        this.socket?.resume();
      }
      yield out;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.queuedBytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.socket?.destroy();
    this.conn?.destroy();
    this.notify();
  }
}
