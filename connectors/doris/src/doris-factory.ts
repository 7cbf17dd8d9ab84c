/** The `doris` sink factory, after Flink CDC's DorisDataSinkFactory. */
import { defineSink, type SinkFactory } from '@cdc/core';
import { DORIS_OPTIONS, DORIS_PREFIXES } from './doris-options.js';
import { DorisDataSink } from './doris-sink.js';

export const dorisSinkFactory: SinkFactory = defineSink({
  identifier: 'doris',
  description: 'Apache Doris 1.2 / 2.x / 3.x: stream load (labels, 2PC exactly-once), auto-created UNIQUE KEY tables, light schema change',
  options: DORIS_OPTIONS,
  passThroughPrefixes: DORIS_PREFIXES,
  create(ctx) {
    return new DorisDataSink(ctx);
  },
});
