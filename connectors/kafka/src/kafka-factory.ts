/** The `kafka` sink factory, after Flink CDC's KafkaDataSinkFactory. */
import { defineSink, type SinkFactory } from '@cdc/core';
import { KAFKA_OPTIONS_ALL, KAFKA_PREFIXES, readConfig } from './kafka-options.js';
import { KafkaDataSink } from './kafka-sink.js';

export const kafkaSinkFactory: SinkFactory = defineSink({
  identifier: 'kafka',
  description: 'Apache Kafka: debezium-json / canal-json change records, json / csv keys, exactly-once with transactions',
  options: KAFKA_OPTIONS_ALL,
  passThroughPrefixes: KAFKA_PREFIXES,
  create(ctx) {
    return new KafkaDataSink(readConfig(ctx.options), ctx.pipeline, ctx.logger);
  },
});
