/**
 * The two bulk paths of the wire protocol, read straight from the socket of a connected pg client (pg itself
 * handles login, TLS and the small queries): COPY ... TO STDOUT with a callback per row, and START_REPLICATION's
 * copy-both stream with standby status updates, keepalive replies and back-pressure (the socket is paused while
 * the consumer lags behind).
 */
import type pg from 'pg';
import { PG_EPOCH_MICROS } from './pgoutput.js';
import type { Lsn } from './lsn.js';

/**
 * Joins socket chunks into whole protocol messages. The message cut by a chunk boundary is completed with just the
 * bytes it lacks (joining the whole next chunk to it copied every byte of a snapshot once more); a message larger
 * than a chunk (a big value) is gathered and joined once, not re-copied with every chunk.
 */
class Frames {
  private parts: Buffer[] = [];
  private length = 0;
  /** Bytes the incomplete message at the head needs in all (5 while its length is not known yet). */
  private need = 0;

  /** The buffers to parse now, in order (none while the message at the head is still incomplete). */
  push(chunk: Buffer): Buffer[] {
    if (!this.parts.length) return [chunk];
    if (this.need === 5) {
      // the head's length is cut too (rare): join, and parse the whole as one buffer
      const all = Buffer.concat([...this.parts, chunk], this.length + chunk.length);
      this.reset();
      return [all];
    }
    const lack = this.need - this.length;
    if (chunk.length < lack) {
      this.parts.push(chunk);
      this.length += chunk.length;
      return [];
    }
    this.parts.push(chunk.subarray(0, lack));
    const head = Buffer.concat(this.parts, this.need);
    this.reset();
    return lack < chunk.length ? [head, chunk.subarray(lack)] : [head];
  }

  /** Keeps the unparsed tail of `buf` (from `off`) for the next chunk. */
  keep(buf: Buffer, off: number): void {
    if (off >= buf.length) return;
    const rest = buf.subarray(off);
    this.parts = [rest];
    this.length = rest.length;
    this.need = rest.length >= 5 ? 1 + rest.readInt32BE(1) : 5;
  }

  private reset(): void {
    this.parts = [];
    this.length = 0;
    this.need = 0;
  }
}

interface RawSocket {
  on(event: 'data', l: (b: Buffer) => void): void;
  on(event: 'close' | 'error', l: (e?: unknown) => void): void;
  removeListener(event: string, l: (...a: never[]) => void): void;
  listeners(event: 'data'): ((b: Buffer) => void)[];
  removeAllListeners(event: 'data'): void;
  write(b: Buffer): boolean;
  pause(): void;
  resume(): void;
}

/** A COPY in progress: `done` resolves with the row count; pause/resume hold the socket (back-pressure). */
export interface CopyOut {
  readonly done: Promise<number>;
  pause(): void;
  resume(): void;
}

/** An ErrorResponse body (fields: S severity, C code, M message ...) as an Error with `code`, like pg's. */
function errorFromResponse(buf: Buffer, start: number, end: number): Error & { code?: string } {
  const fields: Record<string, string> = {};
  let p = start;
  while (p < end && buf[p] !== 0) {
    const k = String.fromCharCode(buf[p]);
    const z = buf.indexOf(0, p + 1);
    fields[k] = buf.toString('utf8', p + 1, z);
    p = z + 1;
  }
  const e = new Error(fields.M ?? 'unknown server error') as Error & { code?: string; severity?: string };
  e.code = fields.C;
  e.severity = fields.S;
  return e;
}

/**
 * Receives one tuple of a binary COPY: its bytes [start, end) of `buf` (field count, then length-prefixed fields).
 * The bytes are only valid during the call.
 */
export type CopyRowBytes = (buf: Buffer, start: number, end: number) => void;

/**
 * `COPY ... TO STDOUT (FORMAT binary)` with the tuples handed over as bytes where they lie in the socket buffers
 * (the server sends one tuple per CopyData message; the file header comes before the first tuple, the trailer in
 * a message of its own). Copies started on a client before the previous one ended are pipelined: their queries are
 * sent at once and the server goes on with the next one while the rows of the previous one are still being
 * decoded here (the server would otherwise sit idle at the end of every chunk until its whole backlog had been
 * read).
 */
export function copyOut(client: pg.Client, sql: string, onRow: CopyRowBytes): CopyOut {
  let q = queues.get(client);
  if (!q) {
    q = new CopyQueue((client as unknown as { connection: { stream: RawSocket } }).connection.stream);
    queues.set(client, q);
  }
  return q.add(sql, onRow);
}

/** 'PGCOPY\n\xff\r\n\0', the first bytes of a binary COPY. */
const BINARY_SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** The position after the binary COPY header (signature, flags, header extension) at `start`. */
function skipBinaryHeader(buf: Buffer, start: number, end: number): number {
  if (end - start < 19 || BINARY_SIGNATURE.compare(buf, start, start + 11) !== 0) throw new TypeError('the COPY data does not start with the binary COPY signature');
  return start + 19 + buf.readInt32BE(start + 15);
}

const queues = new WeakMap<pg.Client, CopyQueue>();

interface PendingCopy {
  readonly onRow: CopyRowBytes;
  /** The header (in the first CopyData) has been read. */
  started: boolean;
  rows: number;
  error: unknown;
  resolve(rows: number): void;
  reject(e: unknown): void;
}

/**
 * The COPYs in flight on one connection, answered in order. While any is pending the socket is read here; pg's
 * own listeners are put back (with the bytes after the last ReadyForQuery) when none is left.
 */
class CopyQueue {
  private readonly pending: PendingCopy[] = [];
  private saved: ((b: Buffer) => void)[] = [];
  private frames = new Frames();
  private paused = false;

  constructor(private readonly sock: RawSocket) {}

  add(sql: string, onRow: CopyRowBytes): CopyOut {
    if (!this.pending.length) this.takeOver();
    const done = new Promise<number>((resolve, reject) => this.pending.push({ onRow, started: false, rows: 0, error: undefined, resolve, reject }));
    const len = Buffer.byteLength(sql) + 5;
    const q = Buffer.alloc(1 + len);
    q[0] = 0x51; // Q
    q.writeInt32BE(len, 1);
    q.write(sql, 5);
    q[len] = 0;
    this.sock.write(q);
    return {
      done,
      pause: () => {
        if (this.paused) return;
        this.paused = true;
        this.sock.pause();
      },
      resume: () => {
        if (!this.paused) return;
        this.paused = false;
        this.sock.resume();
      },
    };
  }

  private takeOver(): void {
    this.saved = this.sock.listeners('data');
    this.sock.removeAllListeners('data');
    this.frames = new Frames();
    this.sock.on('data', this.onData);
    this.sock.on('close', this.onClose);
  }

  private handBack(rest?: Buffer): void {
    if (this.paused) {
      this.paused = false;
      this.sock.resume();
    }
    this.sock.removeListener('data', this.onData);
    this.sock.removeListener('close', this.onClose);
    const saved = this.saved;
    this.saved = [];
    for (const l of saved) this.sock.on('data', l);
    if (rest && rest.length) for (const l of saved) l(rest);
  }

  private static settle(c: PendingCopy): void {
    if (c.error) c.reject(c.error);
    else c.resolve(c.rows);
  }

  private readonly onClose = (): void => {
    const all = this.pending.splice(0);
    this.handBack();
    for (const c of all) {
      c.error ??= Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      CopyQueue.settle(c);
    }
  };

  private readonly onData = (chunk: Buffer): void => {
    const bufs = this.frames.push(chunk);
    for (let i = 0; i < bufs.length; i++) {
      const rest = this.parse(bufs[i]);
      if (rest) {
        // no COPY left: what follows belongs to pg
        this.handBack(i + 1 < bufs.length ? Buffer.concat([rest, ...bufs.slice(i + 1)]) : rest);
        return;
      }
    }
  };

  /** Parses the messages of `buf`; returns the bytes after the last COPY's ReadyForQuery, if it was in `buf`. */
  private parse(buf: Buffer): Buffer | undefined {
    let off = 0;
    const n = buf.length;
    let cur = this.pending[0];
    while (n - off >= 5) {
      const type = buf[off];
      const end = off + 1 + buf.readInt32BE(off + 1);
      if (end > n) break;
      const start = off + 5;
      if (type === 0x64 /* d: CopyData, one tuple (the first after the header; the trailer alone) */) {
        if (!cur.error) {
          try {
            let at = start;
            if (!cur.started) {
              cur.started = true;
              at = skipBinaryHeader(buf, start, end);
            }
            if (at < end && !(end - at === 2 && buf[at] === 0xff && buf[at + 1] === 0xff)) {
              cur.onRow(buf, at, end);
              cur.rows++;
            }
          } catch (e) {
            cur.error = e;
          }
        }
      } else if (type === 0x45 /* E */) {
        cur.error ??= errorFromResponse(buf, start, end);
      } else if (type === 0x5a /* Z: ReadyForQuery */) {
        this.pending.shift();
        CopyQueue.settle(cur);
        if (!this.pending.length) return buf.subarray(end);
        cur = this.pending[0];
      }
      // H (CopyOutResponse), c (CopyDone), C (CommandComplete), N (notice), S (parameter): nothing to do
      off = end;
    }
    this.frames.keep(buf, off);
    return undefined;
  }
}

/** One XLogData message: its pgoutput payload starts at `offset` of `buf` (no copy, no slice per message). */
export interface WalMessage {
  readonly buf: Buffer;
  readonly offset: number;
}

export interface ReplicationStreamOptions {
  /** Most queued messages before the socket is paused. */
  readonly highWater?: number;
  /** Interval of unsolicited standby status updates (the server's wal_sender_timeout is 60 s by default). */
  readonly statusIntervalMs?: number;
}

/**
 * START_REPLICATION on a replication connection, as an async source of message batches. `flushLsn` is what the
 * server may release (the slot's confirmed_flush_lsn): it only moves when `confirm()` is called.
 */
export class ReplicationStream {
  private queue: WalMessage[] = [];
  private waiter: (() => void) | undefined;
  private error: unknown;
  private ended = false;
  private paused = false;
  private started = false;
  private startWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sock: RawSocket | undefined;
  /** Server WAL end of the last keepalive (for logs). */
  received: Lsn = 0n;
  private flushed: Lsn;
  private readonly highWater: number;

  constructor(
    private readonly client: pg.Client,
    private readonly sql: string,
    startLsn: Lsn,
    private readonly opts: ReplicationStreamOptions = {},
  ) {
    this.flushed = startLsn;
    this.highWater = opts.highWater ?? 20_000;
  }

  /**
   * Sends START_REPLICATION; resolves when the server has started streaming (CopyBothResponse). The copy-both
   * stream is read straight from the socket (like copyOut): pg is not used on this connection afterwards.
   */
  start(): Promise<void> {
    const sock = (this.client as unknown as { connection: { stream: RawSocket } }).connection.stream;
    sock.removeAllListeners('data');
    this.sock = sock;
    const frames = new Frames();
    const onData = (chunk: Buffer) => {
      for (const buf of frames.push(chunk)) {
        let off = 0;
        const n = buf.length;
        while (n - off >= 5) {
          const type = buf[off];
          const end = off + 1 + buf.readInt32BE(off + 1);
          if (end > n) break;
          const start = off + 5;
          if (type === 0x64 /* d */) this.onCopyData(buf, start);
          else if (type === 0x57 /* W: CopyBothResponse */) {
            this.started = true;
            this.startWaiter?.resolve();
          } else if (type === 0x45 /* E */) this.fail(errorFromResponse(buf, start, end));
          else if (type === 0x63 /* c: CopyDone */ || type === 0x5a /* Z */) {
            this.ended = true;
            this.wake();
          }
          off = end;
        }
        frames.keep(buf, off);
      }
    };
    sock.on('data', onData);
    sock.on('close', () => this.fail(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' })));
    sock.on('error', (e) => this.fail(e));
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      const len = Buffer.byteLength(this.sql) + 5;
      const q = Buffer.alloc(1 + len);
      q[0] = 0x51; // Q
      q.writeInt32BE(len, 1);
      q.write(this.sql, 5);
      q[len] = 0;
      sock.write(q);
      this.timer = setInterval(() => this.sendStatus(false), this.opts.statusIntervalMs ?? 10_000);
      this.timer.unref();
    });
  }

  private fail(e: unknown): void {
    this.error ??= e;
    if (!this.started) this.startWaiter?.reject(e);
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private onCopyData(b: Buffer, at: number): void {
    const kind = b[at];
    if (kind === 0x77 /* w: XLogData: walStart, walEnd, sendTime (8 bytes each), then the payload */) {
      this.queue.push({ buf: b, offset: at + 25 });
      if (this.queue.length >= this.highWater && !this.paused) {
        this.paused = true;
        this.sock?.pause();
      }
      if (this.queue.length === 1) this.wake();
    } else if (kind === 0x6b /* k: primary keepalive: walEnd, sendTime, replyRequested */) {
      const walEnd = b.readBigUInt64BE(at + 1);
      if (walEnd > this.received) this.received = walEnd;
      if (b[at + 17] === 1) this.sendStatus(false);
    }
  }

  /** Lets the server release WAL before `lsn` (the slot's confirmed_flush_lsn). Never moves backwards. */
  confirm(lsn: Lsn): void {
    if (lsn <= this.flushed) return;
    this.flushed = lsn;
    this.sendStatus(false);
  }

  get flushLsn(): Lsn {
    return this.flushed;
  }

  private sendStatus(replyRequested: boolean): void {
    if (!this.sock || this.ended || this.error) return;
    // CopyData('d', length) wrapping the standby status update ('r')
    const m = Buffer.alloc(39);
    m[0] = 0x64;
    m.writeInt32BE(38, 1);
    const b = m.subarray(5);
    b[0] = 0x72; // r
    // written/applied = flushed too: reporting a later write position would let synchronous replication
    // settings treat data we have not made durable as replicated
    b.writeBigUInt64BE(this.flushed, 1);
    b.writeBigUInt64BE(this.flushed, 9);
    b.writeBigUInt64BE(this.flushed, 17);
    b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
    b[33] = replyRequested ? 1 : 0;
    try {
      this.sock.write(m);
    } catch {
      // the connection is gone; the read loop reports it
    }
  }

  /** The next messages (all queued), or undefined when the stream ended. Throws the stream's error. */
  async next(signal?: AbortSignal): Promise<WalMessage[] | undefined> {
    while (!this.queue.length) {
      if (this.error) throw this.error;
      if (this.ended || signal?.aborted) return undefined;
      const onAbort = () => this.wake();
      signal?.addEventListener('abort', onAbort, { once: true });
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      signal?.removeEventListener('abort', onAbort);
    }
    const out = this.queue;
    this.queue = [];
    if (this.paused) {
      this.paused = false;
      this.sock?.resume();
    }
    return out;
  }

  /** Ends the wait of a pending next() (close). */
  stop(): void {
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.wake();
  }
}
