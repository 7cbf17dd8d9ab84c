/**
 * A SELECT on a mysql2 connection whose result set is read from the socket by us (text protocol), rows decoded
 * straight into core values by a RowDecoder. As the binlog client does, mysql2 keeps what it is good at (handshake,
 * auth plugins, TLS, the other queries of the connection); for the one query the socket's data goes to our parser,
 * then back to mysql2, so the connection stays usable. Only an idle connection is taken over (mysql2 has no
 * command running or queued), and not a compressed one.
 *
 * Protocol handled: COM_QUERY (with CLIENT_QUERY_ATTRIBUTES' empty attribute header when negotiated), column
 * count, column definitions (MariaDB extended metadata included: only their fixed tail is read), the EOF after
 * them unless CLIENT_DEPRECATE_EOF, text rows split over socket reads and over 16 MiB packets, the final EOF/OK,
 * and an ERR packet at any point (-> typed error; the connection stays usable). Anything else is a protocol error
 * and the connection is destroyed.
 */
import type { Socket } from 'node:net';
import type mysql from 'mysql2';
import { mapMysqlError } from '../mysql-errors.js';
import { ProtocolError, RowDecoder, type SnapshotColumn, type WireColumn } from './row-decoder.js';
import { PacketRows } from './chunk-rows.js';

const COM_QUERY = 0x03;
const MAX_PACKET = 0xffffff;
const CLIENT_DEPRECATE_EOF = 0x01000000;
const CLIENT_QUERY_ATTRIBUTES = 0x08000000;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;

/** What the takeover needs of mysql2's Connection (public fields and the command queue's state). */
interface Mysql2Internals {
  stream?: Socket;
  serverCapabilityFlags?: number;
  config?: { clientFlags?: number; compress?: unknown };
  _command?: unknown;
  _commands?: { length: number };
  _fatalError?: unknown;
  _closing?: boolean;
}

/** Whether `conn` can be read by `selectRows` now (else use mysql2's own query). */
export function canTakeOver(conn: mysql.Connection): boolean {
  const c = conn as unknown as Mysql2Internals;
  return !!c.stream && !c.stream.destroyed && !c.config?.compress && !c._command && !c._commands?.length && !c._fatalError && !c._closing && typeof c.serverCapabilityFlags === 'number';
}

// states of the reply
const HEAD = 0;
const COLUMNS = 1;
const COLUMNS_EOF = 2;
const ROWS = 3;
const DONE = 4;

/**
 * Runs `sql` (already formatted) and returns its rows, decoded to core values when they are taken (see
 * chunk-rows.ts). Errors are CdcErrors (`doing` says what was being read), decoding errors too.
 */
export function selectRows(conn: mysql.Connection, sql: string, columns: readonly SnapshotColumn[], ctx: { doing: string; address?: string }): Promise<PacketRows> {
  const c = conn as unknown as Mysql2Internals;
  const socket = c.stream!;
  const flags = (c.config?.clientFlags ?? 0) & (c.serverCapabilityFlags ?? 0);
  const deprecateEof = (flags & CLIENT_DEPRECATE_EOF) !== 0;
  const queryAttributes = (flags & CLIENT_QUERY_ATTRIBUTES) !== 0;

  return new Promise<PacketRows>((resolve, reject) => {
    let rows: PacketRows | undefined;
    const wire: WireColumn[] = [];
    let state: number = HEAD;
    let columnCount = 0;
    // a packet split over socket reads: its pieces until it is whole
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // payloads of a logical packet of 16 MiB or more, until its last (shorter) physical packet
    let multi: Buffer[] | undefined;
    const saved = socket.listeners('data') as ((chunk: Buffer) => void)[];

    const finish = (err?: Error, destroy = false): void => {
      if (state === DONE) return;
      state = DONE;
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onError);
      if (destroy) {
        conn.destroy();
      } else {
        for (const l of saved) socket.on('data', l);
      }
      if (err) reject(err);
      else if (rows) resolve(rows);
      else reject(protocolError('no column definitions'));
    };

    const serverError = (b: Buffer, p: number, end: number): Error => {
      const errno = b.readUInt16LE(p + 1);
      const hasState = b[p + 3] === 0x23;
      const sqlState = hasState ? b.toString('latin1', p + 4, p + 9) : '';
      const message = b.toString('utf8', hasState ? p + 9 : p + 3, end);
      return mapMysqlError(Object.assign(new Error(message), { errno, sqlState, sqlMessage: message }), ctx);
    };

    const protocolError = (what: string): Error =>
      mapMysqlError(Object.assign(new Error(`unexpected reply from the server (${what})`), { code: 'PROTOCOL_ERROR', fatal: true }), ctx);

    /** One logical packet's payload `b[p..end)`. Returns false when the result is over. */
    const onPayload = (b: Buffer, p: number, end: number): boolean => {
      const first = b[p];
      const len = end - p;
      if (state === ROWS) {
        if (first === 0xfe && len < MAX_PACKET) {
          // EOF (or OK with CLIENT_DEPRECATE_EOF): status flags after the warning count (EOF) / affected rows and id (OK)
          if (!deprecateEof && len >= 5 && b.readUInt16LE(p + 3) & SERVER_MORE_RESULTS_EXISTS) throw new ProtocolError('more than one result set');
          finish();
          return false;
        }
        if (first === 0xff) {
          finish(serverError(b, p, end));
          return false;
        }
        rows!.add(b, p, end);
        return true;
      }
      if (first === 0xff) {
        finish(serverError(b, p, end));
        return false;
      }
      switch (state) {
        case HEAD: {
          if (first === 0x00 || first === 0xfb || first >= 0xfe) throw new ProtocolError(`column count packet starts with 0x${first.toString(16)}`);
          columnCount = first === 0xfc ? b.readUInt16LE(p + 1) : first === 0xfd ? b.readUIntLE(p + 1, 3) : first;
          state = COLUMNS;
          return true;
        }
        case COLUMNS: {
          // fixed tail: 0x0c, charset u16, length u32, type u8, flags u16, decimals u8, filler u16
          if (len < 13 || b[end - 13] !== 0x0c) throw new ProtocolError('column definition');
          wire.push({ charset: b.readUInt16LE(end - 12), type: b[end - 6] });
          if (wire.length === columnCount) {
            rows = new PacketRows(new RowDecoder(columns, wire), (e) => (e instanceof ProtocolError ? protocolError(e.message) : e));
            state = deprecateEof ? ROWS : COLUMNS_EOF;
          }
          return true;
        }
        case COLUMNS_EOF:
          if (first !== 0xfe || len >= 9) throw new ProtocolError('no EOF after the column definitions');
          state = ROWS;
          return true;
        default:
          throw new ProtocolError('data after the end of the result');
      }
    };

    /** A physical packet: joins 16 MiB continuations, then hands the payload on. */
    const onPacket = (b: Buffer, p: number, len: number): boolean => {
      if (len === MAX_PACKET || multi) {
        (multi ??= []).push(b.subarray(p, p + len));
        if (len === MAX_PACKET) return true;
        const whole = Buffer.concat(multi);
        multi = undefined;
        return onPayload(whole, 0, whole.length);
      }
      return onPayload(b, p, p + len);
    };

    const onData = (chunk: Buffer): void => {
      try {
        const buf = chunk;
        let p = 0;
        if (pendingBytes > 0) {
          // complete the split packet with the start of this chunk only (no copy of the whole chunk)
          pending.push(chunk);
          pendingBytes += chunk.length;
          const head = pending.length > 1 && pending[0].length < 4 ? Buffer.concat(pending, pendingBytes) : pending[0];
          if (head.length < 4) {
            pending = [head];
            return;
          }
          const need = 4 + (head[0] | (head[1] << 8) | (head[2] << 16));
          if (pendingBytes < need) return;
          const before = pendingBytes - chunk.length;
          const joined = Buffer.concat(pending.slice(0, -1).concat(chunk.subarray(0, need - before)), need);
          pending = [];
          pendingBytes = 0;
          if (!onPacket(joined, 4, need - 4)) {
            if (need - before < chunk.length) throw new ProtocolError('data after the end of the result');
            return;
          }
          p = need - before;
        }
        const n = buf.length;
        while (n - p >= 4) {
          const len = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16);
          if (n - p - 4 < len) break;
          const start = p + 4;
          p = start + len;
          if (!onPacket(buf, start, len)) {
            if (p < n) throw new ProtocolError('data after the end of the result');
            return;
          }
        }
        if (p < n) {
          pending = [buf.subarray(p)];
          pendingBytes = n - p;
        }
      } catch (e) {
        finish(e instanceof ProtocolError ? protocolError(e.message) : (e as Error), true);
      }
    };

    const onClose = (): void => finish(mapMysqlError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'the server closed the connection during a snapshot read' }, ctx));
    const onError = (e: Error): void => finish(mapMysqlError(e, ctx));

    socket.removeAllListeners('data');
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);

    const headerLength = queryAttributes ? 3 : 1;
    const sqlBytes = Buffer.byteLength(sql, 'utf8');
    const out = Buffer.allocUnsafe(4 + headerLength + sqlBytes);
    const payload = headerLength + sqlBytes;
    if (payload >= MAX_PACKET) return finish(new ProtocolError('query text of 16 MiB or more'), false);
    out.writeUIntLE(payload, 0, 3);
    out[3] = 0; // sequence id: a new command
    out[4] = COM_QUERY;
    if (queryAttributes) {
      out[5] = 0; // parameter count
      out[6] = 1; // parameter set count
    }
    out.write(sql, 4 + headerLength, 'utf8');
    socket.write(out);
  });
}
