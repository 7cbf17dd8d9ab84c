export { dorisSinkFactory } from './doris-factory.js';
export { DorisDataSink } from './doris-sink.js';
export { DorisMetadataApplier } from './doris-applier.js';
export { DorisHttp } from './doris-http.js';
export { DorisLoader, type DorisCommittable, type PendingTxn } from './doris-loader.js';
export { DorisCommitter } from './doris-committer.js';
export { DORIS_OPTIONS, DORIS_PREFIXES, readDorisConfig, type DorisConfig } from './doris-options.js';
export { dorisType } from './doris-types.js';
export { createTableSql, columnDef } from './doris-ddl.js';
export * from './stream-load/index.js';

import { dorisSinkFactory } from './doris-factory.js';
export const factories = [dorisSinkFactory];
export default dorisSinkFactory;
