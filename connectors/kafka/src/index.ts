export { kafkaSinkFactory } from './kafka-factory.js';
export { KafkaDataSink, KAFKA_SCHEMA_CHANGES } from './kafka-sink.js';
export { KafkaSinkWriter, type KafkaCommittable } from './kafka-writer.js';
export { KafkaCommitter } from './kafka-committer.js';
export { KAFKA_OPTIONS, KAFKA_OPTIONS_ALL, KAFKA_PREFIXES, readConfig, type KafkaSinkConfig, type DeliveryGuarantee, type PartitionStrategy } from './kafka-options.js';
export { tableCodec, type TableCodec, type ValueFormat, type KeyFormat, type CodecOptions } from './change-formats.js';
export { debeziumSchemaText } from './debezium-schema.js';
export { jsonEncoder, rowEncoder, csvEncoder, DEFAULT_ENCODING, type EncodingOptions, type TimestampStandard } from './value-encoding.js';
export { javaDoubleText, javaFloatText, bigDecimalText, plainDecimalText } from './json-text.js';

import { kafkaSinkFactory } from './kafka-factory.js';
export const factories = [kafkaSinkFactory];
export default kafkaSinkFactory;
