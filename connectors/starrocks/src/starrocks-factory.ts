/** The `starrocks` sink factory, after Flink CDC's StarRocksDataSinkFactory. */
import { defineSink, type SinkFactory } from '@cdc/core';
import { STARROCKS_OPTIONS, STARROCKS_PREFIXES } from './starrocks-options.js';
import { StarRocksDataSink } from './starrocks-sink.js';

export const starRocksSinkFactory: SinkFactory = defineSink({
  identifier: 'starrocks',
  description: 'StarRocks 2.x / 3.x: stream load and transaction stream load (exactly-once), auto-created PRIMARY KEY tables, schema change',
  options: STARROCKS_OPTIONS,
  passThroughPrefixes: STARROCKS_PREFIXES,
  create(ctx) {
    return new StarRocksDataSink(ctx);
  },
});
