/** The stream-load client shared by @cdc/connector-doris and @cdc/connector-starrocks. */
export { httpRequest, basicAuth, HttpTransportError, type HttpRequest, type HttpResponse } from './http-client.js';
export { StreamLoadClient, withRetries, stripQuery, type ClientOptions, type LoadOutcome, type StreamLoadResponse, type RetryOptions } from './stream-load-client.js';
export { rowWriter, valueWriter, timestampText, instantInZone, type ValueWriter } from './json-rows.js';
export { makeLabel, labelHead, labelPart, type LabelParts } from './labels.js';
export { endLeftoverLoads, type LeftoverScan } from './leftovers.js';
export { FeSql, parseJdbcUrl, type FeAddress } from './fe-sql.js';
export { BufferedWriter, type TableLoader, type TableTarget, type RowOps, type BufferedWriterOptions } from './buffered-writer.js';
