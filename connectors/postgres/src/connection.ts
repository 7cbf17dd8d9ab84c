/** Connections: query connections and replication (walsender) connections, with retries of retryable failures. */
import pg from 'pg';
import { describeError, type Logger } from '@cdc/core';
import { mapPgError } from './postgres-errors.js';
import type { PostgresSourceConfig } from './postgres-options.js';

/**
 * Session settings that fix the text form of values (what the converters parse): COPY output of the snapshot
 * and pgoutput's text tuples (the walsender applies the replication connection's settings) read alike.
 */
const SESSION_OPTIONS = '-c DateStyle=ISO,MDY -c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex -c client_encoding=UTF8';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

export async function connect(cfg: PostgresSourceConfig, logger: Logger, opts: { replication?: boolean; signal?: AbortSignal; retries?: number } = {}): Promise<pg.Client> {
  let attempt = 0;
  const retries = opts.retries ?? cfg.connectMaxRetries;
  for (;;) {
    const client = new pg.Client({
      host: cfg.hostname,
      port: cfg.port,
      user: cfg.username,
      password: cfg.password,
      database: cfg.database,
      connectionTimeoutMillis: cfg.connectTimeoutMs,
      keepAlive: true,
      options: SESSION_OPTIONS,
      application_name: opts.replication ? 'cdc-postgres-replication' : 'cdc-postgres',
      ...(opts.replication ? { replication: 'database' } : {}),
      ...(cfg.ssl ? { ssl: cfg.ssl } : {}),
    } as pg.ClientConfig);
    // errors of an idle connection surface on the next query; without a listener they would crash the process
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      const err = mapPgError(e, { address: `${cfg.hostname}:${cfg.port}`, user: cfg.username, doing: opts.replication ? 'opening a replication connection' : 'connecting' });
      if (!err.retryable || attempt >= retries || opts.signal?.aborted) throw err;
      attempt++;
      const wait = Math.min(30_000, 500 * 2 ** attempt);
      logger.warn(`connection failed (${describeError(err)}), retry ${attempt}/${retries} in ${wait} ms`);
      await sleep(wait, opts.signal);
    }
  }
}

/** Ends a connection without waiting for a server that may be gone. */
export function destroy(c: pg.Client | undefined): void {
  if (!c) return;
  const conn = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection;
  c.end().catch(() => undefined);
  conn?.stream?.destroy();
}
