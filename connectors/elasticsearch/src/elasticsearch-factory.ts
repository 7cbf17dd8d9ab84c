import { defineSink } from '@cdc/core';
import { ELASTICSEARCH_OPTIONS, readConfig } from './elasticsearch-options.js';
import { ElasticsearchDataSink } from './elasticsearch-sink.js';

export const elasticsearchSinkFactory = defineSink({
  identifier: 'elasticsearch',
  description: 'Elasticsearch 6.x / 7.x / 8.x sink: index per table, _bulk index/delete by primary key, bounded buffer and in-flight requests',
  options: ELASTICSEARCH_OPTIONS,
  create: (ctx) => new ElasticsearchDataSink(readConfig(ctx.options), ctx.logger),
});
