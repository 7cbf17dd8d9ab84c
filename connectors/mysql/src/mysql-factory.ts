/** The `mysql` source factory, after Flink CDC's MySqlDataSourceFactory. */
import { defineSource, type SourceFactory } from '@cdc/core';
import { MYSQL_OPTIONS, MYSQL_PREFIXES, readConfig } from './mysql-options.js';
import { MysqlDataSource } from './mysql-source.js';

export const mysqlSourceFactory: SourceFactory = defineSource({
  identifier: 'mysql',
  description: 'MySQL / MariaDB: incremental snapshot + binlog (own lossless binlog decoder)',
  options: MYSQL_OPTIONS,
  passThroughPrefixes: MYSQL_PREFIXES,
  create(ctx) {
    return new MysqlDataSource(readConfig(ctx.options), ctx.logger);
  },
});
