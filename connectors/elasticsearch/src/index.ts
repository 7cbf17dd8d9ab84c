export { elasticsearchSinkFactory } from './elasticsearch-factory.js';
export { ElasticsearchDataSink } from './elasticsearch-sink.js';
export { ElasticsearchWriter } from './elasticsearch-writer.js';
export { ElasticsearchMetadataApplier } from './elasticsearch-applier.js';
export { TableSerializer, valueWriter, indexName, type BulkAction } from './elasticsearch-documents.js';
export { EsHttp, errorReason, type EsRequest, type EsResponse } from './elasticsearch-http.js';
export { fieldMapping, properties } from './elasticsearch-mappings.js';
export { CONNECTOR, ELASTICSEARCH_OPTIONS, ES_VERSIONS, parseHosts, parseShardingKeys, readConfig, type EsHost, type EsSinkConfig, type EsVersion } from './elasticsearch-options.js';

import { elasticsearchSinkFactory } from './elasticsearch-factory.js';
export const factories = [elasticsearchSinkFactory];
export default elasticsearchSinkFactory;
