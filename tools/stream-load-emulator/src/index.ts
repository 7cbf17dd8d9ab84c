/**
 * A Doris / StarRocks emulator for tests: the FE HTTP port (stream load redirect, 2PC, transaction API,
 * get_load_state, admin), a BE HTTP port (stream load bodies) and the FE MySQL port (DDL, SHOW, SELECT), with
 * a real MariaDB as storage and query engine.
 *
 * ```ts
 * const emu = await startEmulator({ flavour: 'doris', version: '2.1.7', storage: mariadbConfig() });
 * // emu.feHttpPort, emu.beHttpPort, emu.mysqlPort; emu.faults.be5xx = 2; await emu.close();
 * ```
 */
import { Catalog, type StorageConfig } from './catalog.js';
import { flavour as makeFlavour, type Flavour, type FlavourKind } from './flavour.js';
import { DEFAULT_FAULTS, HttpServers, type Faults } from './http-servers.js';
import { MysqlFrontend } from './mysql-frontend.js';

export { flavour, storageDb, systemDb, features, DEFAULT_VERSIONS, type Flavour, type FlavourKind } from './flavour.js';
export { DEFAULT_FAULTS, type Faults } from './http-servers.js';
export type { StorageConfig } from './catalog.js';

export interface EmulatorOptions {
  readonly flavour: FlavourKind;
  readonly version?: string;
  readonly storage: StorageConfig;
  readonly host?: string;
  /** 0 (default) = a free port. */
  readonly feHttpPort?: number;
  readonly beHttpPort?: number;
  readonly mysqlPort?: number;
  /** The FE user (default root) and password (default empty), as on a fresh cluster. */
  readonly user?: string;
  readonly password?: string;
  /** Number of emulated BEs (replication_num above it fails CREATE TABLE). Default 1. */
  readonly backends?: number;
  readonly faults?: Partial<Faults>;
}

export interface Emulator {
  readonly flavour: Flavour;
  readonly host: string;
  readonly feHttpPort: number;
  readonly beHttpPort: number;
  readonly mysqlPort: number;
  readonly user: string;
  readonly password: string;
  /** Live fault switches: tests may set them directly. */
  readonly faults: Faults;
  /** Loads and bytes received by the BE. */
  readonly counters: { loads: number; rows: number; bytes: number };
  /** Recent BE requests with their labels and statuses. */
  readonly requests: readonly { path: string; label?: string; status?: string }[];
  /** State of a label: UNKNOWN, PREPARE, PRECOMMITTED/PREPARED, VISIBLE, ABORTED. */
  labelState(db: string, label: string): string;
  /** Labels (with states) of a database whose name starts with `prefix`. */
  labels(db: string, prefix?: string): { label: string; status: string; txnId: number; table: string; rows: number }[];
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const f = makeFlavour(opts.flavour, opts.version);
  const host = opts.host ?? '127.0.0.1';
  const user = opts.user ?? 'root';
  const password = opts.password ?? '';
  const faults: Faults = { ...DEFAULT_FAULTS, ...opts.faults };
  const catalog = new Catalog(f, opts.storage, opts.backends ?? 1, () => faults.alterJobMs);
  await catalog.init();
  const fe = new MysqlFrontend(catalog, { host, port: opts.mysqlPort ?? 0, user, password });
  const http = new HttpServers(catalog, { host, feHttpPort: opts.feHttpPort ?? 0, beHttpPort: opts.beHttpPort ?? 0, user, password, faults, sql: (db, stmt) => fe.execute(db, stmt) });
  try {
    await http.listen();
    await fe.listen();
  } catch (e) {
    await http.close().catch(() => undefined);
    await catalog.close();
    throw e;
  }
  let closed = false;
  return {
    flavour: f,
    host,
    feHttpPort: http.fePort,
    beHttpPort: http.bePort,
    mysqlPort: fe.port,
    user,
    password,
    faults,
    counters: http.loads.counters,
    requests: http.requests,
    labelState: (db, label) => http.loads.txn(db, label)?.status ?? 'UNKNOWN',
    labels: (db, prefix = '') => http.loads.list(db, prefix),
    async close() {
      if (closed) return;
      closed = true;
      await fe.close();
      await http.close();
      await catalog.close();
    },
  };
}
export { feConnection, readCoreRows, describeTable, type FeConnectionOptions } from './read-back.js';
