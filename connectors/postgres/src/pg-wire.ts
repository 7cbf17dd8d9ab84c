/**
 * Two pg "submittables" (objects pg.Client.query() drives message by message): COPY ... TO STDOUT with a
 * callback per row, and START_REPLICATION's copy-both stream with standby status updates, keepalive replies and
 * back-pressure (the socket is paused while the consumer lags behind).
 */
import type pg from 'pg';
import { PG_EPOCH_MICROS } from './pgoutput.js';
import type { Lsn } from './lsn.js';

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  stream: { pause(): void; resume(): void; isPaused?(): boolean };
}

interface CopyDataMessage {
  chunk: Buffer;
}

type Submittable = Parameters<pg.Client['query']>[0];

/** Unescapes one COPY text-format field (`\N` was handled by the caller). */
function unescapeCopy(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += 'x';
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          const m = /^[0-7]{1,3}/.exec(s.slice(i))!;
          out += String.fromCharCode(parseInt(m[0], 8));
          i += m[0].length - 1;
        } else out += n;
    }
  }
  return out;
}

/** Splits a COPY text-format row (without its newline) into fields; null for `\N`. */
export function splitCopyRow(line: string): (string | null)[] {
  const fields = line.split('\t');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length === 2 && f === '\\N') (fields as (string | null)[])[i] = null;
    else if (f.includes('\\')) fields[i] = unescapeCopy(f);
  }
  return fields;
}

/**
 * Runs `COPY (...) TO STDOUT` and calls `onRow` with the fields of every row. The server sends one CopyData
 * message per row. Resolves with the number of rows.
 */
export function copyOut(client: pg.Client, sql: string, onRow: (fields: (string | null)[]) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let error: unknown;
    const sub = {
      submit(connection: PgConnection) {
        connection.query(sql);
      },
      handleCopyData(msg: CopyDataMessage) {
        if (error) return;
        const b = msg.chunk;
        const end = b.length && b[b.length - 1] === 10 ? b.length - 1 : b.length;
        try {
          onRow(splitCopyRow(b.toString('utf8', 0, end)));
          rows++;
        } catch (e) {
          error = e;
        }
      },
      handleError(e: unknown) {
        error ??= e;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve(rows);
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyInResponse() {},
    };
    client.query(sub as unknown as Submittable);
  });
}

/** One XLogData message: the WAL position it starts at and its pgoutput payload. */
export interface WalMessage {
  readonly walStart: Lsn;
  readonly data: Buffer;
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
  private connection: PgConnection | undefined;
  /** Highest WAL position received. */
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

  /** Sends START_REPLICATION; resolves when the server has started streaming (CopyBothResponse). */
  start(): Promise<void> {
    const self = this;
    const sub = {
      submit(connection: PgConnection) {
        self.connection = connection;
        (connection as unknown as NodeJS.EventEmitter).once('replicationStart', () => {
          self.started = true;
          self.startWaiter?.resolve();
        });
        connection.query(self.sql);
      },
      handleCopyData(msg: CopyDataMessage) {
        self.onCopyData(msg.chunk);
      },
      handleError(e: unknown) {
        self.fail(e);
      },
      handleReadyForQuery() {
        self.ended = true;
        self.wake();
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyInResponse() {},
    };
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      this.client.query(sub as unknown as Submittable);
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

  private onCopyData(b: Buffer): void {
    const kind = b[0];
    if (kind === 0x77 /* w: XLogData */) {
      const walStart = b.readBigUInt64BE(1);
      const walEnd = b.readBigUInt64BE(9);
      if (walEnd > this.received) this.received = walEnd;
      this.queue.push({ walStart, data: b.subarray(25) });
      if (this.queue.length >= this.highWater && !this.paused) {
        this.paused = true;
        this.connection?.stream.pause();
      }
      if (this.queue.length === 1) this.wake();
    } else if (kind === 0x6b /* k: primary keepalive */) {
      const walEnd = b.readBigUInt64BE(1);
      if (walEnd > this.received && !this.queue.length) this.received = walEnd;
      if (b[17] === 1) this.sendStatus(false);
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
    if (!this.connection || this.ended || this.error) return;
    const b = Buffer.alloc(34);
    b[0] = 0x72; // r
    // written/applied = flushed too: reporting a later write position would let synchronous replication
    // settings treat data we have not made durable as replicated
    b.writeBigUInt64BE(this.flushed, 1);
    b.writeBigUInt64BE(this.flushed, 9);
    b.writeBigUInt64BE(this.flushed, 17);
    b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
    b[33] = replyRequested ? 1 : 0;
    try {
      this.connection.sendCopyFromChunk(b);
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
      this.connection?.stream.resume();
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
