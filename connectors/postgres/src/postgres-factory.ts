/** The `postgres` source factory, after Flink CDC's PostgresDataSourceFactory. */
import { defineSource, type SourceFactory } from '@cdc/core';
import { POSTGRES_OPTIONS, POSTGRES_PREFIXES, readConfig } from './postgres-options.js';
import { PostgresDataSource } from './postgres-source.js';

export const postgresSourceFactory: SourceFactory = defineSource({
  identifier: 'postgres',
  description: 'PostgreSQL: snapshot in the slot\'s exported snapshot (chunked, parallel) + pgoutput logical replication',
  options: POSTGRES_OPTIONS,
  passThroughPrefixes: POSTGRES_PREFIXES,
  create(ctx) {
    return new PostgresDataSource(readConfig(ctx.options), ctx.logger);
  },
});
