/**
 * Helpers for tests that run against the real servers managed by `tools/services/<name>`.
 *
 * ```ts
 * import { ensureService, mariadbConfig } from '@cdc/services';
 * beforeAll(() => ensureService('mariadb'), 600_000); // first run may apt-get install the server
 * const conn = await mysql.createConnection(mariadbConfig());
 * ```
 *
 * A missing server is a failure, never a skip: `ensureService` starts it (installing it if needed)
 * and rejects with the script's output when that fails.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'mariadb' | 'postgres';

/** Every service `ensureService` knows. */
export const SERVICE_NAMES: readonly ServiceName[] = ['mariadb', 'postgres'];

export interface MariadbConfig {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface PostgresConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const HOST = '127.0.0.1';

function portFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) {
    throw new Error(`${variable} must be a TCP port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

/** Connection settings of `tools/services/mariadb` (port from CDC_MARIADB_PORT, default 13306). */
export function mariadbConfig(): MariadbConfig {
  return { host: HOST, port: portFromEnv('CDC_MARIADB_PORT', 13306), user: 'cdc', password: 'cdc' };
}

/** Connection settings of `tools/services/postgres` (port from CDC_POSTGRES_PORT, default 15432). */
export function postgresConfig(): PostgresConfig {
  return { host: HOST, port: portFromEnv('CDC_POSTGRES_PORT', 15432), user: 'cdc', password: 'cdc', database: 'cdc' };
}

/** One-line hint for error messages when a server cannot be reached. */
export function serviceUnavailableMessage(name: ServiceName): string {
  return `${name} is not available: run tools/services/${name} start (see tools/services/README.md)`;
}

/**
 * The tools/services directory holding the scripts. This module lives in `src/` (run from source) or
 * `dist/` (built); either way the scripts are one level up.
 */
export function servicesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..'), here]) {
    if (existsSync(join(candidate, 'lib', 'common.sh'))) return candidate;
  }
  throw new Error(`cannot find the tools/services scripts near ${here}`);
}

/** Absolute path of `tools/services/<name>`. */
export function serviceScript(name: ServiceName): string {
  if (!SERVICE_NAMES.includes(name)) {
    throw new Error(`unknown service ${JSON.stringify(name)}: expected one of ${SERVICE_NAMES.join(', ')}`);
  }
  return join(servicesDir(), name);
}

export interface EnsureServiceOptions {
  /** Time limit for the whole `start`, including a first-time apt-get install (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Run `tools/services/<name> start` (a no-op when the server already runs; safe to call from parallel
 * test workers). Resolves once the server accepts logins; rejects with the script's output otherwise.
 */
export function ensureService(name: ServiceName, options: EnsureServiceOptions = {}): Promise<void> {
  let script: string;
  try {
    script = serviceScript(name);
  } catch (error) {
    return Promise.reject(error);
  }
  const timeout = options.timeoutMs ?? 10 * 60_000;
  return new Promise<void>((resolve, reject) => {
    execFile(
      'bash',
      [script, 'start'],
      { timeout, killSignal: 'SIGTERM', maxBuffer: 64 * 1024 * 1024, env: process.env },
      (error, stdout, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        const how = error.killed
          ? `was stopped after ${timeout} ms`
          : `failed (exit code ${String(error.code ?? 'unknown')})`;
        const output = `${String(stdout)}${String(stderr)}`.trim();
        reject(
          new Error(
            `tools/services/${name} start ${how}; ${serviceUnavailableMessage(name)}` +
              (output ? `\n${output}` : ''),
          ),
        );
      },
    );
  });
}
