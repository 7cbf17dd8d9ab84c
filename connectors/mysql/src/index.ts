export { mysqlSourceFactory } from './mysql-factory.js';
export { MysqlDataSource, MysqlSourceReader, checkServer, type MysqlState } from './mysql-source.js';
export { MYSQL_OPTIONS, MYSQL_PREFIXES, STARTUP_MODES, readConfig, type MysqlSourceConfig, type StartupMode } from './mysql-options.js';
export { mapMysqlError } from './mysql-errors.js';
export { toDataType, makeConverter, textToNative, parseEnumValues, type MysqlColumn } from './mysql-types.js';
export { TableFilter } from './table-filter.js';
export { parseDdl, type DdlStatement } from './ddl/parser.js';
export * from './binlog/index.js';

import { mysqlSourceFactory } from './mysql-factory.js';
export const factories = [mysqlSourceFactory];
export default mysqlSourceFactory;
