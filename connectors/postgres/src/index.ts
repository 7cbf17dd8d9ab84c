export { postgresSourceFactory } from './postgres-factory.js';
export { PostgresDataSource, PostgresSourceReader, HEARTBEAT_PREFIX } from './postgres-source.js';
export { parseState, type PostgresState } from './postgres-state.js';
export { checkServer } from './slots.js';
export { POSTGRES_OPTIONS, POSTGRES_PREFIXES, STARTUP_MODES, readConfig, type PostgresSourceConfig, type StartupMode } from './postgres-options.js';
export { mapPgError } from './postgres-errors.js';
export { mapType, parseArray, type PgTypeInfo } from './postgres-types.js';
export { decodePgOutput, UNCHANGED_TOAST, type PgOutputMessage } from './pgoutput.js';
export { ReplicationStream } from './pg-wire.js';
export { formatLsn, parseLsn, type Lsn } from './lsn.js';

import { postgresSourceFactory } from './postgres-factory.js';
export const factories = [postgresSourceFactory];
export default postgresSourceFactory;
