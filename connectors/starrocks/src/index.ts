export { starRocksSinkFactory } from './starrocks-factory.js';
export { StarRocksDataSink } from './starrocks-sink.js';
export { StarRocksMetadataApplier } from './starrocks-applier.js';
export { StarRocksHttp } from './starrocks-http.js';
export { StarRocksLoader, type StarRocksCommittable } from './starrocks-loader.js';
export { StarRocksCommitter } from './starrocks-committer.js';
export { STARROCKS_OPTIONS, STARROCKS_PREFIXES, readStarRocksConfig, type StarRocksConfig } from './starrocks-options.js';
export { starRocksType } from './starrocks-types.js';
export { createTableSql, columnDef } from './starrocks-ddl.js';

import { starRocksSinkFactory } from './starrocks-factory.js';
export const factories = [starRocksSinkFactory];
export default starRocksSinkFactory;
